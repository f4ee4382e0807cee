"""The tasks API: list with filters, plan with a recurrence, change, complete with a next step, move, refusals."""

import json

import pytest
from django.test import Client as Browser

from carte.planner.models import Task
from tests.planner.conftest import plan

pytestmark = pytest.mark.django_db


def api(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def send(browser, method, path, body=None):
    return getattr(browser, method)(f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json")


def test_planning_a_weekly_series_shows_its_structure_and_rule(alice):
    body = {
        "title": "Team call",
        "due_at": "2030-01-07T09:00:00Z",
        "kind": "meeting",
        "reminders": [15],
        "recurrence": {"frequency": "WEEKLY", "weekdays": ["MO", "WE"], "count": 6},
    }
    response = send(api(alice), "post", "/tasks", body)
    assert response.status_code == 201
    data = response.json()
    assert data["recurrence"] == {
        "frequency": "WEEKLY",
        "interval": 1,
        "weekdays": ["MO", "WE"],
        "until": None,
        "count": 6,
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
    }
    assert data["assignee_id"] == alice.pk and data["reminders"] == [15]


def test_bad_values_answer_problem_json_with_field_errors(alice):
    response = send(api(alice), "post", "/tasks", {"title": "", "due_at": "2030-01-07T09:00:00Z", "duration": 0})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert {"title", "duration"} <= set(response.json()["errors"])
    assert not Task.objects.exists()


def test_the_list_filters_and_pages(alice):
    plan(alice, "Late", hours=-2, kind="call")
    plan(alice, "Soon")
    data = api(alice).get("/api/v1/tasks", {"overdue": "true"}).json()
    assert data["count"] == 1 and data["results"][0]["title"] == "Late" and data["results"][0]["overdue"]
    data = api(alice).get("/api/v1/tasks", {"kind": "task", "ordering": "-due", "page_size": 1}).json()
    assert (data["count"], data["pages"], data["results"][0]["title"]) == (1, 1, "Soon")


def test_an_unknown_ordering_is_refused_clearly(alice):
    response = api(alice).get("/api/v1/tasks", {"ordering": "colour"})
    assert response.status_code == 400 and "Cannot sort" in response.json()["detail"]


def test_changing_completing_and_moving(alice):
    task = plan(alice, "Call Anna", kind="call")
    browser = api(alice)
    assert send(browser, "patch", f"/tasks/{task.pk}", {"title": "Call Anna back"}).json()["title"] == "Call Anna back"
    moved = send(browser, "post", f"/tasks/{task.pk}/reschedule", {"due_at": "2030-03-01T08:00:00Z"}).json()
    assert moved["due_at"].startswith("2030-03-01T08:00")
    done = send(
        browser,
        "post",
        f"/tasks/{task.pk}/complete",
        {"result": "Agreed", "next_step": {"kind": "meeting", "title": "Sign", "due_at": "2030-03-05T10:00:00Z"}},
    ).json()
    assert done["status"] == "done" and done["result"] == "Agreed"
    assert Task.objects.filter(title="Sign", kind="meeting", status="open").exists()


def test_someone_else_s_task_is_not_found(bob, alices_task):
    assert api(bob).get(f"/api/v1/tasks/{alices_task.pk}").status_code == 404
    assert send(api(bob), "delete", f"/tasks/{alices_task.pk}").status_code == 404
    assert Task.objects.filter(pk=alices_task.pk).exists()


def test_removing_the_recurrence_makes_a_single_task(alice):
    series = send(
        api(alice),
        "post",
        "/tasks",
        {"title": "Daily", "due_at": "2030-01-07T09:00:00Z", "recurrence": {"frequency": "DAILY"}},
    ).json()
    data = send(api(alice), "patch", f"/tasks/{series['id']}", {"recurrence": None}).json()
    assert data["recurrence"] is None


def test_the_list_runs_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    for number in range(25):
        plan(alice, f"Task {number}")
    browser = api(alice)
    with django_assert_max_num_queries(8):
        assert browser.get("/api/v1/tasks").json()["count"] == 25
