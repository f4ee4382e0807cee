"""Planning, editing, moving, completing, cancelling and deleting tasks: rules, rights, audit, timeline, events."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from carte.clients.models import TimelineEntry
from carte.clients.services import merge_clients
from carte.core import events
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.planner.services import (
    cancel_task,
    complete_task,
    create_task,
    delete_task,
    reschedule_task,
    update_task,
)
from carte.sales.testing import DealFactory
from tests.planner.conftest import hour_from_now, plan

pytestmark = pytest.mark.django_db


def fresh(task):
    task.refresh_from_db()
    return task


# Creating


def test_a_task_is_assigned_to_its_author_by_default_and_audited(alice):
    task = plan(alice, "Send the quote")
    assert (task.assignee, task.author, task.status, task.kind) == (alice, alice, "open", "task")
    assert AuditEntry.objects.filter(verb="create", model="planner.task", object_id=str(task.pk)).exists()


def test_an_empty_title_is_refused_and_nothing_is_saved(alice):
    with pytest.raises(Invalid) as refused:
        plan(alice, "   ")
    assert "title" in refused.value.errors
    assert not Task.objects.exists()


def test_a_missing_due_date_is_refused(alice):
    with pytest.raises(Invalid) as refused:
        create_task(actor=alice, title="Call", due_at=None)
    assert "due_at" in refused.value.errors


@pytest.mark.parametrize("duration", [0, -5, 10081, "long"])
def test_a_bad_duration_is_refused(alice, duration):
    with pytest.raises(Invalid) as refused:
        plan(alice, duration=duration)
    assert "duration" in refused.value.errors


@pytest.mark.parametrize("reminders", [[-1], [40321], [0, 5, 10, 15, 30, 60], ["soon"]])
def test_bad_reminders_are_refused(alice, reminders):
    with pytest.raises(Invalid) as refused:
        plan(alice, reminders=reminders)
    assert "reminders" in refused.value.errors


def test_every_bad_field_is_reported_at_once(alice):
    with pytest.raises(Invalid) as refused:
        create_task(actor=alice, title="", due_at="tomorrow", duration=0, reminders=[99999])
    assert {"title", "due_at", "duration", "reminders"} <= set(refused.value.errors)


def test_an_unreadable_recurrence_is_refused(alice):
    with pytest.raises(Invalid) as refused:
        plan(alice, repeat=Repeat("HOURLY"))
    assert "repeat" in refused.value.errors


def test_a_seller_cannot_plan_for_a_colleague(alice, bob):
    with pytest.raises(NotAllowed):
        plan(alice, assignee=bob)
    with pytest.raises(NotAllowed):
        plan(alice, co_assignees=[bob])
    assert not Task.objects.exists()


def test_a_manager_plans_for_her_department_only(mia, alice, charlie):
    assert plan(mia, assignee=alice).assignee == alice
    with pytest.raises(NotAllowed):
        plan(mia, assignee=charlie)


def test_the_read_only_role_cannot_plan(rita):
    with pytest.raises(NotAllowed):
        plan(rita)


def test_a_client_the_actor_cannot_see_is_refused(alice, charlies_client):
    with pytest.raises(NotAllowed):
        plan(alice, client=charlies_client)
    assert not Task.objects.exists()


def test_a_deal_brings_its_client_and_a_deal_of_another_client_is_refused(alice, alices_client):
    deal = DealFactory(owner=alice)
    assert plan(alice, deal=deal).client == deal.client
    with pytest.raises(Invalid) as refused:
        plan(alice, client=alices_client, deal=deal)
    assert "deal" in refused.value.errors


def test_carte_itself_plans_without_an_actor_but_needs_an_assignee(alice):
    task = create_task(actor=None, title="Call back +33 1 23 45 67 89", due_at=hour_from_now(), assignee=alice)
    assert task.assignee == alice and task.author is None
    with pytest.raises(Invalid):
        create_task(actor=None, title="Call back", due_at=hour_from_now())


def test_assigning_someone_else_tells_them(mia, alice, bob):
    with events.Recording() as seen:
        task = plan(mia, assignee=alice, co_assignees=[bob, mia])
    assert [(event.name, event.data) for event in seen] == [
        ("task.assigned", {"task_id": task.pk, "recipient_ids": [alice.pk, bob.pk]})
    ]
    assert set(task.co_assignees.all()) == {bob, mia}


def test_planning_for_oneself_tells_nobody(alice):
    with events.Recording() as seen:
        plan(alice)
    assert seen == []


def test_a_task_about_a_client_goes_on_its_timeline(alice, alices_client):
    task = plan(alice, "Send the quote", client=alices_client)
    entry = TimelineEntry.objects.get(client=alices_client, kind="task")
    assert "Send the quote" in entry.summary and entry.link.endswith(f"/{task.pk}/")


def test_an_all_day_task_is_due_at_the_start_of_its_day_and_overdue_at_its_end(alice):
    alice.time_zone = "Europe/Paris"
    alice.save()
    task = create_task(actor=alice, title="Inventory", due_at=datetime(2030, 6, 3, 15, 0, tzinfo=UTC), all_day=True)
    assert task.due_at == datetime(2030, 6, 2, 22, 0, tzinfo=UTC)  # midnight in Paris (summer time)
    assert task.overdue_at == datetime(2030, 6, 3, 22, 0, tzinfo=UTC)


def test_a_naive_time_is_read_in_the_assignees_time_zone(alice):
    alice.time_zone = "Asia/Tokyo"
    alice.save()
    task = create_task(actor=alice, title="Call Osaka", due_at="2030-01-10T09:30")
    assert task.due_at == datetime(2030, 1, 10, 0, 30, tzinfo=UTC)


# Reminders and overdue times on every write


def test_the_next_reminder_is_the_earliest_still_ahead(alice):
    task = plan(alice, hours=48, reminders=[15, 1440])
    assert task.next_reminder_at == task.due_at - timedelta(days=1)
    assert task.reminders == [1440, 15]


def test_reminders_already_passed_fire_at_the_next_tick_while_the_task_is_ahead(alice):
    before = timezone.now()
    task = plan(alice, hours=2, reminders=[1440])
    assert before <= task.next_reminder_at <= timezone.now()


def test_a_task_without_reminders_has_no_next_reminder(alice):
    assert plan(alice).next_reminder_at is None


def test_a_task_in_the_past_is_overdue_at_once(alice):
    task = plan(alice, hours=-2, reminders=[15])
    assert task.is_overdue and task.next_reminder_at is None


# Editing


def test_editing_changes_the_fields_and_audits_the_difference(alice):
    task = plan(alice, "Call")
    update_task(actor=alice, task=task, title="Call Anna", priority="high")
    task = fresh(task)
    assert (task.title, task.priority) == ("Call Anna", "high")
    entry = AuditEntry.objects.get(verb="update", object_id=str(task.pk))
    assert entry.changes["title"] == ["Call", "Call Anna"]


def test_a_field_that_cannot_change_is_refused(alice, alices_task):
    with pytest.raises(Invalid):
        update_task(actor=alice, task=alices_task, status="done")


def test_another_sellers_task_cannot_be_edited(bob, alices_task):
    with pytest.raises(NotAllowed):
        update_task(actor=bob, task=alices_task, title="Mine now")
    assert fresh(alices_task).title == "Send the quote"


def test_a_co_assignee_edits_the_task_as_their_own(mia, alice, bob):
    task = plan(mia, assignee=alice, co_assignees=[bob])
    update_task(actor=bob, task=task, title="Prepare the meeting")
    assert fresh(task).title == "Prepare the meeting"


def test_reassigning_tells_the_new_assignee_only(mia, alice, bob):
    task = plan(mia, assignee=alice)
    with events.Recording() as seen:
        update_task(actor=mia, task=task, assignee=bob)
    assert [event.data["recipient_ids"] for event in seen if event.name == "task.assigned"] == [[bob.pk]]


def test_changing_the_title_does_not_fire_a_reminder_again(alice):
    task = plan(alice, hours=48, reminders=[60])
    Task.objects.filter(pk=task.pk).update(next_reminder_at=None)  # as if it fired already
    update_task(actor=alice, task=fresh(task), title="Renamed")
    assert fresh(task).next_reminder_at is None


def test_moving_the_time_again_makes_a_notified_task_overdue_again(alice):
    task = plan(alice, hours=-1)
    Task.objects.filter(pk=task.pk).update(overdue_notified_at=timezone.now())
    update_task(actor=alice, task=fresh(task), due_at=hour_from_now(-0.5))
    assert fresh(task).overdue_notified_at is None


# Series


def test_a_weekly_series_starts_on_its_first_chosen_day(alice):
    monday = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    task = create_task(
        actor=alice,
        title="Team call",
        due_at=monday - timedelta(days=1),  # a Sunday
        repeat=Repeat("WEEKLY", weekdays=("MO", "WE")),
    )
    assert task.rrule == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert (task.series_start, task.due_at) == (monday - timedelta(days=1), monday)


def test_completing_an_occurrence_keeps_a_done_copy_and_moves_the_series_on(alice, alices_client):
    start = hour_from_now(24)
    series = plan(alice, "Daily report", client=alices_client, due_at=start, repeat=Repeat("DAILY"), reminders=[30])
    with events.Recording() as seen:
        done = complete_task(actor=alice, task=series, result="Sent")
    series = fresh(series)
    assert (done.status, done.series, done.due_at, done.result) == ("done", series, start, "Sent")
    assert series.status == "open" and series.due_at == start + timedelta(days=1)
    assert series.next_reminder_at == series.due_at - timedelta(minutes=30)
    assert [event.name for event in seen] == ["task.completed"]
    assert seen[0].data == {"task_id": done.pk, "client_id": alices_client.pk}
    assert TimelineEntry.objects.filter(client=alices_client, summary__contains="Sent").exists()


def test_completing_a_late_occurrence_moves_the_series_past_now(alice):
    start = hour_from_now(-24 * 3 - 1)
    series = plan(alice, due_at=start, repeat=Repeat("DAILY"))
    complete_task(actor=alice, task=series)
    series = fresh(series)
    assert series.due_at == start + timedelta(days=4) and series.due_at > timezone.now()
    assert not series.is_overdue


def test_completing_the_last_occurrence_completes_the_series(alice):
    series = plan(alice, repeat=Repeat("DAILY", count=2))
    first = complete_task(actor=alice, task=series)
    last = complete_task(actor=alice, task=fresh(series))
    assert first.pk != series.pk and last.pk == series.pk and fresh(series).status == "done"


def test_a_series_without_end_is_never_expanded(alice, django_assert_max_num_queries):
    series = plan(alice, due_at=hour_from_now(-24))
    Task.objects.filter(pk=series.pk).update(rrule="FREQ=MINUTELY", series_start=series.due_at, reminders=[5, 60])
    series = fresh(series)
    started = timezone.now()
    with django_assert_max_num_queries(20):
        complete_task(actor=alice, task=series)
    assert (timezone.now() - started).total_seconds() < 2
    series = fresh(series)
    assert timezone.now() < series.due_at <= timezone.now() + timedelta(minutes=1)


def test_a_daily_series_without_end_completes_in_constant_queries(alice, django_assert_max_num_queries):
    series = plan(alice, repeat=Repeat("DAILY"), reminders=[15])
    complete_task(actor=alice, task=series)
    series = fresh(series)
    with django_assert_max_num_queries(10):
        complete_task(actor=alice, task=series)


def test_completing_twice_is_refused(alice, alices_task):
    complete_task(actor=alice, task=alices_task)
    with pytest.raises(Conflict):
        complete_task(actor=alice, task=fresh(alices_task))


def test_a_next_step_plans_the_follow_up_for_the_same_client_and_deal(alice):
    deal = DealFactory(owner=alice)
    task = plan(alice, "Call", kind="call", deal=deal)
    complete_task(
        actor=alice,
        task=task,
        result="Interested",
        next_step={"kind": "meeting", "title": "Demo", "due_at": hour_from_now(72)},
    )
    follow = Task.objects.get(title="Demo")
    assert (follow.kind, follow.client, follow.deal, follow.assignee) == ("meeting", deal.client, deal, alice)


def test_a_bad_next_step_changes_nothing(alice, alices_task):
    with pytest.raises(Invalid) as refused:
        complete_task(actor=alice, task=alices_task, next_step={"title": "", "due_at": hour_from_now()})
    assert "next_title" in refused.value.errors
    assert fresh(alices_task).status == "open" and Task.objects.count() == 1


# Moving


def test_rescheduling_a_single_task_moves_it(alice, alices_task):
    later = hour_from_now(50)
    moved = reschedule_task(actor=alice, task=alices_task, due_at=later, duration=90)
    assert moved.pk == alices_task.pk and (fresh(moved).due_at, moved.duration) == (later, 90)


def test_moving_one_occurrence_detaches_it_from_the_series(alice):
    start = hour_from_now(24)
    series = plan(alice, "Stand-up", due_at=start, repeat=Repeat("DAILY"))
    occurrence = start + timedelta(days=2)
    moved = reschedule_task(actor=alice, task=series, due_at=occurrence + timedelta(hours=3), occurrence=occurrence)
    series = fresh(series)
    assert moved.pk != series.pk and not moved.rrule and moved.due_at == occurrence + timedelta(hours=3)
    assert series.skipped == [occurrence.isoformat()] and series.due_at == start
    complete_task(actor=alice, task=series)
    complete_task(actor=alice, task=fresh(series))
    assert fresh(series).due_at == start + timedelta(days=3)  # the moved occurrence is skipped


def test_moving_the_current_occurrence_moves_the_series_to_its_next(alice):
    start = hour_from_now(24)
    series = plan(alice, due_at=start, repeat=Repeat("DAILY"))
    reschedule_task(actor=alice, task=series, due_at=start + timedelta(hours=1))
    assert fresh(series).due_at == start + timedelta(days=1)


def test_an_occurrence_outside_the_series_is_refused(alice):
    start = hour_from_now(24)
    series = plan(alice, due_at=start, repeat=Repeat("DAILY"))
    with pytest.raises(Invalid) as refused:
        reschedule_task(actor=alice, task=series, due_at=start, occurrence=start + timedelta(hours=5))
    assert "occurrence" in refused.value.errors


# Cancelling, deleting, merging


def test_cancelling_stops_reminders(alice):
    task = plan(alice, hours=48, reminders=[60])
    cancel_task(actor=alice, task=task)
    assert (fresh(task).status, task.next_reminder_at) == ("cancelled", None)


def test_only_those_with_the_right_delete_a_task(alice, bob, alices_task):
    with pytest.raises(NotAllowed):
        delete_task(actor=bob, task=alices_task)
    delete_task(actor=alice, task=alices_task)
    assert not Task.objects.exists()
    assert AuditEntry.objects.filter(verb="delete", model="planner.task").exists()


def test_merged_clients_tasks_follow_the_card_kept(ada, alice):
    kept, merged = ClientFactory(owner=alice), ClientFactory(owner=alice)
    task = plan(alice, client=merged)
    merge_clients(actor=ada, survivor=kept, others=[merged])
    assert fresh(task).client == kept


def test_repeat_until_a_date(alice):
    task = plan(alice, due_at=datetime(2030, 3, 1, 9, 0, tzinfo=UTC), repeat=Repeat("DAILY", until=date(2030, 3, 2)))
    done = [complete_task(actor=alice, task=fresh(task)) for _ in range(2)]
    assert [d.due_at.day for d in done] == [1, 2] and fresh(task).status == "done"
