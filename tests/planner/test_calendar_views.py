"""The calendar screens: the three views, the chooser, quick create, moving a task, and a query budget."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carte.accounts.models import Department
from carte.core.testing import ClientFactory, EmployeeFactory
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.planner.services import create_task
from carte.planner.views.calendar import Period

pytestmark = pytest.mark.django_db
CALENDAR = reverse("planner:calendar")
HTMX = {"HTTP_HX_REQUEST": "true"}


def next_monday(hour: int = 9) -> datetime:
    today = timezone.now().date() + timedelta(days=7)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=UTC)


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def as_mia(client, mia):
    client.force_login(mia)
    return client


def page(client, **query):
    response = client.get(CALENDAR, query)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


# The views


def test_the_week_shows_my_tasks_with_links_and_opens_at_eight(as_alice, alice):
    task = create_task(actor=alice, title="Send the quote", due_at=next_monday(hour=10))
    html = page(as_alice, date=next_monday().date().isoformat())
    assert "Send the quote" in html
    assert reverse("planner:task_detail", args=[task.pk]) in html
    assert reverse("planner:calendar_move", args=[task.pk]) in html
    assert html.count('class="cal-slot"') == 7 * 48
    assert "data-cal-morning" in html and "carte/calendar.js" in html


def test_the_day_view_is_one_column_and_the_month_six_weeks(as_alice, alice):
    day = next_monday().date().isoformat()
    assert page(as_alice, view="day", date=day).count('class="cal-slot"') == 48
    month = page(as_alice, view="month", date=day)
    assert month.count("data-drop-day=") == 42 and 'class="cal-slot"' not in month


def test_a_month_day_shows_three_chips_and_how_many_more(as_alice, alice):
    for hour in range(8, 13):
        create_task(actor=alice, title=f"Visit at {hour}", due_at=next_monday(hour=hour))
    html = page(as_alice, view="month", date=next_monday().date().isoformat())
    assert "Visit at 10" in html and "Visit at 11" not in html
    assert "+2 more" in html


def test_overdue_and_done_occurrences_are_marked_in_words(as_alice, alice):
    late = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    create_task(actor=alice, title="Late call", due_at=late)
    html = page(as_alice, view="day", date=timezone.localdate(late).isoformat())
    assert "cal-chip-overdue" in html and ">overdue<" in html


def test_a_series_shows_on_each_day_of_the_week(as_alice, alice):
    first = Period.of("week", next_monday().date()).first  # the locale's first weekday ("en": Sunday)
    create_task(
        actor=alice,
        title="Standup",
        due_at=next_monday() + timedelta(days=(first - next_monday().date()).days),
        repeat=Repeat("DAILY"),
    )
    html = page(as_alice, date=first.isoformat())
    assert html.count(">Standup<") == 7


def test_the_previous_and_next_links_move_by_the_view(as_alice):
    monday = next_monday().date()
    html = page(as_alice, view="week", date=monday.isoformat())
    assert f"date={(monday - timedelta(days=7)).isoformat()}" in html
    assert f"date={(monday + timedelta(days=7)).isoformat()}" in html


def test_a_bad_date_says_so_and_shows_this_week(as_alice):
    html = page(as_alice, date="2026-13-45", view="year")
    assert 'class="errors"' in html
    assert html.count('class="cal-slot"') == 7 * 48


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_end_of_time_says_so(as_alice, day):
    html = page(as_alice, date=day, view="month")
    assert "Choose a date between" in html


def test_a_htmx_refresh_answers_the_grid_alone(as_alice):
    response = as_alice.get(CALENDAR, {"view": "day"}, **HTMX)
    html = response.content.decode()
    assert 'id="calendar-body"' in html and "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


# Whose calendar


def test_a_manager_sees_her_department_with_who_does_what(as_mia, alice, bob):
    create_task(actor=alice, title="Visit by Alice", due_at=next_monday())
    create_task(actor=bob, title="Visit by Bob", due_at=next_monday(hour=11))
    north = Department.objects.get(name="North")
    html = page(as_mia, department=north.pk, date=next_monday().date().isoformat())
    assert "Visit by Alice" in html and "Visit by Bob" in html
    assert "cal-chip-who" in html
    assert '<select id="cal-department"' in html and '<select id="cal-employee"' in html


def test_a_seller_has_no_chooser_and_cannot_open_a_colleague(as_alice, bob):
    html = page(as_alice)
    assert 'id="cal-employee"' not in html and 'id="cal-department"' not in html
    assert as_alice.get(CALENDAR, {"employee": bob.pk}).status_code == 403
    north = Department.objects.get(name="North")
    assert as_alice.get(CALENDAR, {"department": north.pk}).status_code == 403


def test_the_week_of_a_department_costs_a_bounded_number_of_queries(
    as_mia, mia, django_assert_max_num_queries, settings
):
    north = Department.objects.get(name="North")
    people = [EmployeeFactory(username=f"seller{n}", department=north) for n in range(8)]
    monday = next_monday(hour=8)
    query = {"department": north.pk, "date": monday.date().isoformat()}

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_mia.get(CALENDAR, query).status_code == 200
        return len(captured)

    create_task(actor=people[0], title="First", due_at=monday)
    few = measure()
    for index, person in enumerate(people):
        bakery = ClientFactory(owner=person)
        for day in range(6):
            create_task(
                actor=person,
                title=f"Visit {index}-{day}",
                due_at=monday + timedelta(days=day, hours=index),
                client=bakery,
            )
        create_task(actor=person, title=f"Daily {index}", due_at=monday, repeat=Repeat("DAILY"))
    with django_assert_max_num_queries(few):
        html = as_mia.get(CALENDAR, query).content.decode()
    # The English week runs from Sunday: it holds Monday to Saturday of each visit and each daily series.
    assert html.count('class="cal-chip ') == 1 + 8 * 6 + 8 * 6


# Quick create


def test_clicking_a_slot_opens_a_prefilled_form_in_the_dialog(as_alice):
    response = as_alice.get(reverse("planner:calendar_new"), {"due": "2026-12-01T08:30"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-12-01T08:30"' in html
    assert f"{reverse('planner:task_create')}?due=2026-12-01T08%3A30" in html


def test_the_quick_form_plans_the_task_and_tells_the_grid(as_alice, alice):
    alice.time_zone = "Europe/Paris"
    alice.save()
    due = (next_monday() + timedelta(days=1)).date()
    response = as_alice.post(
        reverse("planner:calendar_new"),
        {"title": "Visit the bakery", "kind": "meeting", "due": f"{due}T08:30", "duration": "60"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "calendar-changed"
    assert "Visit the bakery" in response.content.decode()  # the message, out of band
    task = Task.objects.get()
    assert (task.kind, task.duration, task.assignee) == ("meeting", 60, alice)
    assert timezone.localtime(task.due_at, ZoneInfo("Europe/Paris")).hour == 8  # her time, not UTC


def test_a_quick_all_day_task_is_on_the_day_clicked(as_alice, alice):
    day = next_monday().date()
    as_alice.post(
        reverse("planner:calendar_new"),
        {"title": "Trade fair", "kind": "task", "due": f"{day}T00:00", "all_day": "on", "duration": "30"},
    )
    task = Task.objects.get()
    assert task.all_day and task.due_at.date() == day


def test_the_quick_form_for_a_colleague_plans_for_them(as_mia, alice):
    as_mia.post(
        reverse("planner:calendar_new"),
        {"title": "Call the bank", "kind": "call", "due": "2030-01-07T09:00", "duration": "30", "assignee": alice.pk},
    )
    assert Task.objects.get().assignee == alice


def test_a_quick_form_without_a_title_says_so_and_plans_nothing(as_alice):
    response = as_alice.post(
        reverse("planner:calendar_new"),
        {"title": "", "kind": "task", "due": "2030-01-07T09:00", "duration": "30"},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'class="errors"' in response.content.decode()
    assert not Task.objects.exists()


def test_a_seller_cannot_plan_for_a_colleague_from_the_calendar(as_alice, bob):
    response = as_alice.post(
        reverse("planner:calendar_new"),
        {"title": "For Bob", "kind": "task", "due": "2030-01-07T09:00", "duration": "30", "assignee": bob.pk},
        **HTMX,
    )
    assert response.status_code == 422
    assert "cannot plan tasks for" in response.content.decode()
    assert not Task.objects.exists()


def test_without_javascript_the_quick_form_is_a_page_that_comes_back_to_the_day(as_alice):
    assert "<html" in as_alice.get(reverse("planner:calendar_new"), {"due": "2030-01-07T09:00"}).content.decode()
    response = as_alice.post(
        reverse("planner:calendar_new"), {"title": "Plan", "kind": "task", "due": "2030-01-07T09:00", "duration": "30"}
    )
    assert response.status_code == 302 and "view=day" in response["Location"] and "2030-01-07" in response["Location"]


def test_a_reader_cannot_open_the_quick_form(client, rita):
    client.force_login(rita)
    assert client.get(reverse("planner:calendar_new")).status_code == 403
    assert "data-cal-new" not in page(client)


# Moving


def move(client, task, **data):
    return client.post(reverse("planner:calendar_move", args=[task.pk]), data, **HTMX)


def test_a_dropped_task_moves_to_the_slot(as_alice, alice):
    task = create_task(actor=alice, title="Call", due_at=next_monday())
    target = next_monday() + timedelta(days=2, hours=5)
    response = move(as_alice, task, due=target.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 200 and response["HX-Trigger"] == "calendar-changed"
    assert "moved to" in response.content.decode()
    task.refresh_from_db()
    assert task.due_at == target and not task.all_day


def test_a_task_dropped_on_the_all_day_row_becomes_all_day(as_alice, alice):
    task = create_task(actor=alice, title="Call", due_at=next_monday())
    day = (next_monday() + timedelta(days=1)).date()
    move(as_alice, task, due=day.isoformat(), all_day="on")
    task.refresh_from_db()
    assert task.all_day and task.due_at.date() == day


def test_dropping_one_occurrence_of_a_series_moves_it_alone(as_alice, alice):
    series = create_task(actor=alice, title="Standup", due_at=next_monday(), repeat=Repeat("DAILY"))
    second = next_monday() + timedelta(days=1)
    move(as_alice, series, due=(second + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), occurrence=second.isoformat())
    series.refresh_from_db()
    assert series.skipped == [second.isoformat()]
    assert Task.objects.filter(rrule="", due_at=second + timedelta(hours=2), title="Standup").exists()


def test_a_refused_move_says_why_and_moves_nothing(client, alice, rita):
    task = create_task(actor=alice, title="Call", due_at=next_monday())
    client.force_login(rita)
    response = move(client, task, due="2030-01-07T09:00")
    assert response.status_code == 403
    assert "data-error-fragment" in response.content.decode()
    task.refresh_from_db()
    assert task.due_at == next_monday()


def test_a_move_to_nowhere_is_a_clear_refusal(as_alice, alice):
    task = create_task(actor=alice, title="Call", due_at=next_monday())
    response = move(as_alice, task, due="someday")
    assert response.status_code == 400
    assert "Drop the task on a day" in response.content.decode()


def test_a_task_hidden_from_me_cannot_be_moved(as_alice, charlie):
    task = create_task(actor=charlie, title="Charlie's", due_at=next_monday())
    assert move(as_alice, task, due="2030-01-07T09:00").status_code == 404
