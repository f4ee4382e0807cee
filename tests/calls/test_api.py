"""Calls in the REST API: the log, a call, notes, logging by hand, click-to-call, telephony connections."""

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext

from carte.calls.models import Call, Connection
from tests.calls.conftest import send
from tests.calls.originate_server import PhoneSystem

pytestmark = pytest.mark.django_db
NUMBER = "+33612345678"
JSON = "application/json"


@pytest.fixture
def missed(connection, extensions, caller):
    return send(connection, "missed", "m", direction="in", from_=NUMBER, extension="101").call


def test_the_log_lists_the_users_calls_with_filters(client, alice, missed):
    client.force_login(alice)
    body = client.get("/api/v1/calls", {"status": "missed", "q": "Bakery"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["client_name"], row["employee_name"], row["callback_task_id"]) == (
        missed.pk,
        "Bakery Dupont",
        "Alice Seller",
        missed.callback_task_id,
    )
    refused = client.get("/api/v1/calls", {"status": "lost"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_the_log_costs_the_same_queries_whatever_its_length(client, mia, connection, extensions):
    client.force_login(mia)
    counts = []
    for size in (1, 15):
        for n in range(size):
            send(connection, "missed", f"{size}-{n}", direction="in", from_=f"+336123{n:05d}", extension="101")
        with CaptureQueriesContext(database) as queries:
            assert client.get("/api/v1/calls").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_notes_and_result_are_patched(client, alice, missed):
    client.force_login(alice)
    response = client.patch(f"/api/v1/calls/{missed.pk}", {"result": "Called back"}, JSON)
    assert response.status_code == 200 and response.json()["result"] == "Called back"


def test_a_call_is_logged_by_hand(client, alice, caller):
    client.force_login(alice)
    response = client.post("/api/v1/calls", {"direction": "in", "client_id": caller.pk, "duration": 42}, JSON)
    assert response.status_code == 201
    assert (response.json()["client_id"], response.json()["duration"], response.json()["status"]) == (
        caller.pk,
        42,
        "answered",
    )


def test_click_to_call_through_the_api(client, extensions):
    client.force_login(extensions["bob"])
    with PhoneSystem("api") as phone:
        Connection.objects.create(name="PBX", key="pbx", secret="api", originate_url=phone.url)
        response = client.post("/api/v1/calls/place", {"number": "06 12 34 56 78"}, JSON)
        assert response.status_code == 201 and response.json()["number"] == NUMBER
        assert phone.requests[0]["body"]["extension"] == "102"
        phone.status = 500
        refused = client.post("/api/v1/calls/place", {"number": NUMBER}, JSON)
    assert refused.status_code == 409 and "refused the call" in refused.json()["detail"]
    assert Call.objects.count() == 1


def test_an_administrator_manages_connections_and_sees_the_secret_once(client, ada):
    client.force_login(ada)
    created = client.post("/api/v1/telephony/connections", {"name": "Head office"}, JSON).json()
    assert created["secret"] and created["webhook_path"] == "/telephony/head-office/events"
    listed = client.get("/api/v1/telephony/connections").json()
    assert [item["secret"] for item in listed] == [None]
    rotated = client.patch(f"/api/v1/telephony/connections/{created['id']}", {"rotate_secret": True}, JSON).json()
    assert rotated["secret"] and rotated["secret"] != created["secret"]
    renamed = client.patch(f"/api/v1/telephony/connections/{created['id']}", {"active": False}, JSON).json()
    assert renamed["active"] is False and renamed["secret"] is None


def test_a_manager_cannot_see_connections(client, mia, connection):
    client.force_login(mia)
    assert client.get("/api/v1/telephony/connections").status_code == 403
    assert client.patch(f"/api/v1/telephony/connections/{connection.pk}", {"name": "x"}, JSON).status_code == 404
