"""The adoption figures in the REST API: the same queries as the page, scoped by the reports right."""

import pytest
from django.utils import timezone

from carte.core.testing import ClientFactory
from carte.reports import services
from tests.reports.world import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(people):
    for name in ("alice", "bob", "charlie"):
        login(people[name], timezone.now())
        ClientFactory(name=f"{name}'s client", owner=people[name])
    services.aggregate_day(services.local_day())
    services.snapshot_completeness()


def test_a_seller_gets_only_their_own_figures(client, computed, alice):
    client.force_login(alice)
    body = client.get("/api/v1/reports/adoption").json()
    assert [row["employee"]["username"] for row in body["employees"]] == ["alice"]
    assert body["employees"][0]["figures"]["logins"] == 1 and body["total"]["active_days"] == 1
    assert body["period"]["days"] == 30 and body["computed_at"] is not None


def test_a_manager_gets_their_department_per_employee_and_department(client, computed, mia):
    client.force_login(mia)
    body = client.get("/api/v1/reports/adoption", {"period": 7}).json()
    assert sorted(row["employee"]["username"] for row in body["employees"]) == ["alice", "bob", "mia"]
    assert [(group["name"], group["employees"], group["figures"]["logins"]) for group in body["departments"]] == [
        ("North", 3, 2)
    ]


def test_bad_filters_answer_400_with_the_field(client, computed, mia, charlie):
    client.force_login(mia)
    response = client.get("/api/v1/reports/adoption", {"since": "2026-03-09", "until": "2026-03-01"})
    assert response.status_code == 400 and "until" in response.json()["errors"]
    assert response["Content-Type"] == "application/problem+json"
    response = client.get("/api/v1/reports/adoption", {"department": charlie.department_id})
    assert response.status_code == 400 and "department" in response.json()["errors"]


def test_completeness_gives_totals_and_the_worst_cards_one_may_see(client, computed, mia):
    client.force_login(mia)
    body = client.get("/api/v1/reports/completeness", {"page_size": 1}).json()
    assert body["totals"]["cards"] == 2 and body["inactive_days"] == 30
    assert body["worst"]["count"] == 2 and body["worst"]["pages"] == 2
    [card] = body["worst"]["results"]
    assert card["name"] in {"alice's client", "bob's client"} and card["gaps"] == 3 and card["no_contact"]
