"""The telephony webhook: signature, replay window, malformed bodies, batches; never a 500, never a duplicate call."""

import json
import time

import pytest

from carte.calls.models import Call, CallEvent
from carte.calls.signing import sign
from tests.calls.conftest import at, event

pytestmark = pytest.mark.django_db
CALLER = "+33612345678"


def url(connection):
    return f"/api/v1/telephony/{connection.key}/events"


def post(client, connection, body, *, secret=None, now=None, headers=None):
    """POST a body (an object, a list, or raw bytes) signed with the connection's secret (or `secret`)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = sign(secret or connection.secret, raw, now=now).headers()
    sent = {name: value for name, value in (signed | (headers or {})).items() if value is not None}
    return client.post(url(connection), data=raw, content_type="application/json", headers=sent)


def test_a_signed_event_is_applied_and_answered_with_our_call_id(client, connection, extensions, caller):
    response = post(client, connection, event("ringing", direction="in", from_=CALLER, extension="101"))
    assert response.status_code == 202
    call = Call.objects.get()
    assert response.json() == {"outcome": "applied", "call_id": call.pk, "reason": ""}
    assert (call.client, call.employee) == (caller, extensions["alice"])


def test_the_same_event_posted_twice_makes_one_call(client, connection):
    body = event("ringing", direction="in", from_=CALLER, event_id="abc")
    assert post(client, connection, body).json()["outcome"] == "applied"
    assert post(client, connection, body).json()["outcome"] == "duplicate"
    assert Call.objects.count() == 1


def test_an_unknown_extension_is_accepted_and_reported_as_unmatched(client, connection):
    response = post(client, connection, event("ringing", direction="in", from_=CALLER, extension="999"))
    assert response.status_code == 202
    assert response.json()["outcome"] == "unmatched" and "999" in response.json()["reason"]


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"X-Carte-Signature": None, "X-Carte-Timestamp": None}, "not signed"),
        ({"X-Carte-Signature": None}, "not signed"),
        ({"X-Carte-Signature": "sha256=" + "0" * 64}, "does not match"),
        ({"X-Carte-Signature": "md5=abc"}, "does not match"),
    ],
)
def test_a_request_without_a_good_signature_is_refused_and_changes_nothing(client, connection, headers, detail):
    response = post(client, connection, event("ringing", from_=CALLER), headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json" and detail in response.json()["detail"]
    assert not CallEvent.objects.exists() and not Call.objects.exists()


def test_a_request_signed_with_another_secret_is_refused(client, connection):
    assert post(client, connection, event("ringing"), secret="not-the-secret").status_code == 401


@pytest.mark.parametrize("shift", [-301, 301])
def test_a_timestamp_outside_the_five_minute_window_is_refused(client, connection, shift):
    response = post(client, connection, event("ringing"), now=time.time() + shift)
    assert response.status_code == 401
    assert "timestamp is outside the 5-minute window" in response.json()["detail"]
    assert not CallEvent.objects.exists()


def test_a_timestamp_within_the_window_is_accepted(client, connection):
    assert post(client, connection, event("ringing"), now=time.time() - 290).status_code == 202


def test_an_unknown_or_deactivated_connection_is_not_found(client, connection):
    connection.active = False
    connection.save()
    assert post(client, connection, event("ringing")).status_code == 404
    connection.key = "nobody"
    assert post(client, connection, event("ringing")).status_code == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ({"event": "ringing"}, "call_id"),
        ({"event": "teleported", "call_id": "x"}, "Unknown event"),
        ("a string", "JSON object"),
        ([], "between 1 and 500"),
    ],
    ids=str,
)
def test_a_malformed_signed_body_is_refused_with_the_reason_and_journaled(client, connection, body, reason):
    response = post(client, connection, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json" and reason in response.json()["detail"]
    assert CallEvent.objects.get().outcome == "rejected" and reason in CallEvent.objects.get().reason
    assert not Call.objects.exists()


def test_unknown_fields_are_ignored(client, connection):
    body = event("ringing", direction="in", from_=CALLER) | {"pbx_queue": "sales", "tags": [1, 2]}
    assert post(client, connection, body).status_code == 202


def test_a_batch_of_events_is_applied_in_order_with_an_outcome_each(client, connection, extensions):
    batch = [
        event("ringing", direction="in", from_=CALLER, extension="101", at=at(0), event_id="1"),
        event("answered", at=at(3), event_id="2"),
        {"event": "ringing"},
        event("ended", at=at(63), event_id="3"),
        event("ended", at=at(63), event_id="3"),
    ]
    response = post(client, connection, batch)
    assert response.status_code == 202
    outcomes = [result["outcome"] for result in response.json()["results"]]
    assert outcomes == ["applied", "applied", "rejected", "applied", "duplicate"]
    call = Call.objects.get()
    assert (call.status, call.duration) == ("answered", 60)
    assert CallEvent.objects.count() == 5


def test_a_body_over_64_kb_is_refused(client, connection):
    body = event("ringing", from_=CALLER) | {"padding": "x" * (65 * 1024)}
    response = post(client, connection, body)
    assert response.status_code == 413 and not CallEvent.objects.exists()


def test_a_logged_in_employee_still_needs_a_signature(client, connection, alice):
    client.force_login(alice)
    raw = json.dumps(event("ringing")).encode()
    response = client.post(url(connection), data=raw, content_type="application/json")
    assert response.status_code == 401 and not CallEvent.objects.exists()
