"""The task screens: list (filters, overdue, budget), form (prefill, errors), page, completion, cancel,
delete, the form's pickers, the client card's tab, the strip, the progress figure and the search."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.core import navigation
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.sales.testing import DealFactory
from tests.planner.conftest import plan
from tests.screens import assert_csp_safe, browser_for

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def task_form(**more):
    day = (timezone.now() + timedelta(days=1)).date().isoformat()
    return {
        "kind": "task",
        "title": "Send the quote",
        "day": day,
        "at": "10:00",
        "duration": "30",
        "priority": "normal",
        "ends": "never",
    } | more


# The list


def test_the_list_marks_overdue_tasks_in_words_and_strikes_done_ones(alice):
    plan(alice, "Late call", hours=-3)
    plan(alice, "Tomorrow's call")
    response = browser_for(alice).get(reverse("planner:task_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "task-overdue" in html and "Overdue" in html and "Tomorrow&#x27;s call" in html
    assert_csp_safe(html)


def test_the_list_shows_only_what_the_user_may_see(alice, bob):
    plan(bob, "Bob's secret")
    html = browser_for(alice).get(reverse("planner:task_list"), {"assignee": "all"}).content.decode()
    assert "secret" not in html


def test_the_list_filters_by_period_and_kind(alice):
    plan(alice, "Late call", kind="call", hours=-3)
    plan(alice, "Next week", hours=24 * 9)
    html = browser_for(alice).get(reverse("planner:task_list"), {"period": "overdue"}, headers=HTMX).content.decode()
    assert "Late call" in html and "Next week" not in html
    html = browser_for(alice).get(reverse("planner:task_list"), {"kind": "meeting"}, headers=HTMX).content.decode()
    assert "Late call" not in html


def test_a_bad_filter_gets_a_message_not_an_error(alice):
    response = browser_for(alice).get(reverse("planner:task_list"), {"period": "yesterday"})
    assert response.status_code == 200 and "Please correct the filters" in response.content.decode()


def test_the_list_runs_a_constant_number_of_queries(mia, alice, bob, alices_client, django_assert_max_num_queries):
    for number in range(30):
        plan(mia, f"Task {number}", assignee=alice if number % 2 else bob, client=alices_client, hours=number - 5)
    browser = browser_for(mia)
    browser.get(reverse("planner:task_list"))  # sessions and rights warm
    with django_assert_max_num_queries(16):  # the workspace around it: strips, progress
        response = browser.get(reverse("planner:task_list"), {"assignee": "department"})
    assert response.content.decode().count("task-row") == 30


# The form


def test_creating_from_the_form_plans_the_task(alice):
    response = browser_for(alice).post(reverse("planner:task_create"), task_form(reminders=["15", "1440"]))
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("planner:task_detail", args=[task.pk])
    assert task.reminders == [1440, 15] and task.assignee == alice


def test_a_weekly_repeat_from_the_form(alice):
    browser_for(alice).post(
        reverse("planner:task_create"),
        task_form(frequency="WEEKLY", interval="2", weekdays=["MO", "TH"], ends="count", count="5"),
    )
    assert Task.objects.get().rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5"


def test_a_form_with_mistakes_says_so_and_saves_nothing(alice):
    response = browser_for(alice).post(reverse("planner:task_create"), task_form(title="", at=""))
    html = response.content.decode()
    assert response.status_code == 400 and "Give the time" in html
    assert not Task.objects.exists()


def test_the_form_is_prefilled_from_the_address(alice):
    deal = DealFactory(owner=alice)
    response = browser_for(alice).get(
        reverse("planner:task_create"),
        {"deal": deal.pk, "kind": "call", "title": "Call back", "due": "2030-05-06T14:30:00+00:00"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert deal.client.name in html and 'value="Call back"' in html and 'value="2030-05-06"' in html
    assert re.search(rf'<option value="{deal.pk}" selected>', html)
    assert_csp_safe(html)


def test_a_client_the_user_cannot_see_cannot_be_prefilled(alice, charlies_client):
    assert browser_for(alice).get(reverse("planner:task_create"), {"client": charlies_client.pk}).status_code == 404


def test_editing_a_task(alice, alices_task):
    response = browser_for(alice).get(reverse("planner:task_edit", args=[alices_task.pk]))
    assert response.status_code == 200 and 'value="Send the quote"' in response.content.decode()
    data = task_form(title="Send the new quote")
    browser_for(alice).post(reverse("planner:task_edit", args=[alices_task.pk]), data)
    assert Task.objects.get(pk=alices_task.pk).title == "Send the new quote"


def test_the_client_picker_finds_visible_clients_only(alice, alices_client, charlies_client):
    html = browser_for(alice).get(reverse("planner:task_client_choices"), {"find": "Ba"}).content.decode()
    assert "Alice&#x27;s Bakery" in html
    html = browser_for(alice).get(reverse("planner:task_client_choices"), {"find": "Gara"}).content.decode()
    assert "Garage" not in html


def test_the_deal_choices_follow_the_client(alice):
    deal = DealFactory(owner=alice)
    html = browser_for(alice).get(reverse("planner:task_deal_choices"), {"client": deal.client.pk}).content.decode()
    assert deal.title in html


# The task's page and its actions


def test_the_page_of_a_series_says_how_it_repeats_and_lists_done_occurrences(alice):
    from carte.planner.services import complete_task

    series = plan(alice, "Report", repeat=Repeat("WEEKLY", weekdays=("MO", "WE"), count=10))
    complete_task(actor=alice, task=series, result="Sent on time")
    html = browser_for(alice).get(reverse("planner:task_detail", args=[series.pk])).content.decode()
    assert "Repeats weekly on Mon, Wed, 10 times" in html and "Sent on time" in html
    assert_csp_safe(html)


def test_someone_else_s_task_page_is_not_found(bob, alices_task):
    assert browser_for(bob).get(reverse("planner:task_detail", args=[alices_task.pk])).status_code == 404


def test_completion_form_offers_a_next_step_for_calls(alice):
    call = plan(alice, "Call Anna", kind="call")
    html = browser_for(alice).get(reverse("planner:task_complete", args=[call.pk])).content.decode()
    assert re.search(r'name="plan_next"[^>]*checked', html)


def test_completing_with_a_next_step(alice):
    call = plan(alice, "Call Anna", kind="call")
    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = browser_for(alice).post(
        reverse("planner:task_complete", args=[call.pk]),
        {"result": "Wants a demo", "plan_next": "on", "next_kind": "meeting", "next_title": "Demo", "next_day": day},
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=call.pk).status == "done" and Task.objects.filter(title="Demo", kind="meeting").exists()


def test_cancel_and_delete(alice):
    task = plan(alice)
    browser = browser_for(alice)
    browser.post(reverse("planner:task_cancel", args=[task.pk]))
    assert Task.objects.get(pk=task.pk).status == "cancelled"
    assert browser.get(reverse("planner:task_delete", args=[task.pk])).status_code == 200
    browser.post(reverse("planner:task_delete", args=[task.pk]))
    assert not Task.objects.exists()


def test_the_read_only_role_sees_no_complete_button(rita, alices_task):
    html = browser_for(rita).get(reverse("planner:task_detail", args=[alices_task.pk])).content.decode()
    assert reverse("planner:task_complete", args=[alices_task.pk]) not in html


# The card, the workspace


def test_the_client_card_has_a_tasks_tab_with_its_open_count(alice, alices_client, django_assert_max_num_queries):
    plan(alice, "Late", client=alices_client, hours=-2)
    plan(alice, "Soon", client=alices_client)
    browser = browser_for(alice)
    with django_assert_max_num_queries(40):
        response = browser.get(reverse("clients:card", args=[alices_client.pk]), {"tab": "tasks"})
    html = response.content.decode()
    assert response.status_code == 200 and "Late" in html and "Soon" in html and "task-overdue" in html
    assert f"{reverse('planner:task_create')}?client={alices_client.pk}" in html


def test_my_day_puts_overdue_tasks_first(alice):
    plan(alice, "Later today", hours=0.01)
    plan(alice, "Yesterday's", hours=-20)
    strip = next(source for source in navigation.strips if source.key == "tasks")
    hits = strip.items(alice)
    assert [hit.title for hit in hits][0] == "Yesterday's" and hits[0].detail.startswith("Overdue")


def test_my_day_reads_all_day_tasks_in_one_query(alice, django_assert_num_queries):
    # An all-day task's date is its assignee's: read with the task, not once per task (the strip is on every page).
    for hours in (-30, -20, 0.01):
        plan(alice, "All day", hours=hours, all_day=True)
    strip = next(source for source in navigation.strips if source.key == "tasks")
    alice = type(alice).objects.get(pk=alice.pk)
    alice.rights  # noqa: B018 - read once per request, before the strip
    with django_assert_num_queries(1):
        hits = strip.items(alice)
    assert len(hits) == 3


def test_the_progress_figure_counts_done_and_planned_today(alice):
    from carte.planner.queries.tasks import today_figures
    from carte.planner.services import complete_task

    complete_task(actor=alice, task=plan(alice, hours=0.01))
    plan(alice, hours=-1)
    plan(alice, hours=24 * 3)
    [figure] = today_figures(alice)
    assert (figure.done, figure.planned) == (1, 2)


def test_the_search_finds_visible_tasks_by_title(alice, bob):
    from carte.planner.queries.tasks import search_hits

    plan(alice, "Quarterly review")
    plan(bob, "Quarterly bonus")
    assert [hit.title for hit in search_hits(alice, "quarterly")] == ["Quarterly review"]


def test_the_planner_menu_entry_and_new_task_action(alice, rita):
    assert any(link.url_name == "planner:task_list" for link in navigation.visible_links(navigation.menu, alice))
    actions = navigation.visible_links(navigation.actions, rita)
    assert not any(link.url_name == "planner:task_create" for link in actions)


def test_huey_runs_reminders_and_overdue_notices_every_minute():
    from huey.contrib.djhuey import HUEY

    import carte.planner.tasks  # noqa: F401 - the worker imports every app's tasks module

    start = timezone.now().replace(second=0, microsecond=0)
    for minute in range(60):
        due = {task.name for task in HUEY.read_periodic(start + timedelta(minutes=minute))}
        assert {"send_task_reminders", "flag_late_tasks"} <= due


def test_due_in_the_address_with_a_date_only_makes_an_all_day_task(alice):
    html = browser_for(alice).get(reverse("planner:task_create"), {"due": "2030-05-06"}).content.decode()
    assert re.search(r'name="all_day"[^>]*checked', html)
