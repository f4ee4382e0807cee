"""The calendar in the REST API: occurrences of a period, bad periods, the calendar address."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from carte.accounts.models import Department
from carte.planner.models import CalendarFeed
from carte.planner.recurrence import Repeat
from carte.planner.services import create_task

pytestmark = pytest.mark.django_db


def next_monday(hour: int = 9) -> datetime:
    today = timezone.now().date() + timedelta(days=7)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=UTC)


@pytest.fixture
def api(client, alice):
    client.force_login(alice)
    return client


def test_the_occurrences_of_a_period_with_a_series_named_one_by_one(api, alice):
    create_task(actor=alice, title="Standup", due_at=next_monday(), repeat=Repeat("DAILY"))
    create_task(actor=alice, title="Quote", due_at=next_monday(hour=11), duration=45)
    day = next_monday().date()
    response = api.get("/api/v1/calendar", {"start": day.isoformat(), "end": (day + timedelta(days=2)).isoformat()})
    assert response.status_code == 200
    rows = response.json()
    assert [row["title"] for row in rows] == ["Standup", "Quote", "Standup", "Standup"]
    assert rows[0]["recurring"] and rows[0]["occurrence"] == next_monday().isoformat()
    assert rows[1]["occurrence"] is None and rows[1]["end"].startswith(f"{day.isoformat()}T11:45")
    assert rows[1]["assignee_id"] == alice.pk and rows[1]["client"] is None


def test_a_period_can_be_given_as_times(api, alice):
    create_task(actor=alice, title="Quote", due_at=next_monday(hour=11))
    start = next_monday(hour=10).isoformat()
    end = next_monday(hour=12).isoformat()
    assert [row["title"] for row in api.get("/api/v1/calendar", {"start": start, "end": end}).json()] == ["Quote"]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("yesterday", "2030-01-01", "start"),
        ("2030-01-01", "2030-13-01", "end"),
        ("2030-01-01", "2030-04-01", "end"),
        ("9999-12-01", "9999-12-31", "start"),
        ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z", "start"),
    ],
)
def test_a_bad_or_too_long_period_is_a_clear_problem(api, start, end, field):
    response = api.get("/api/v1/calendar", {"start": start, "end": end})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_a_seller_cannot_read_another_department(api):
    south = Department.objects.get(name="South")
    response = api.get("/api/v1/calendar", {"start": "2030-01-01", "end": "2030-01-07", "department": south.pk})
    assert response.status_code == 403


def test_a_manager_reads_her_department_and_chosen_people(client, mia, alice, bob):
    create_task(actor=alice, title="Alice", due_at=next_monday())
    create_task(actor=bob, title="Bob", due_at=next_monday())
    client.force_login(mia)
    day = next_monday().date().isoformat()
    north = Department.objects.get(name="North")
    everyone = client.get("/api/v1/calendar", {"start": day, "end": day, "department": north.pk}).json()
    assert sorted(row["title"] for row in everyone) == ["Alice", "Bob"]
    chosen = client.get(f"/api/v1/calendar?start={day}&end={day}&employee={bob.pk}&employee={mia.pk}").json()
    assert [row["title"] for row in chosen] == ["Bob"]


def test_the_calendar_address_is_given_once_and_can_be_stopped(api, client):
    response = api.post("/api/v1/calendar/feed")
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("http://testserver/planner/feed/") and url.endswith(".ics")
    assert api.delete("/api/v1/calendar/feed").status_code == 204
    assert not CalendarFeed.objects.exists()
    assert api.delete("/api/v1/calendar/feed").status_code == 404
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
