"""Reminders and overdue notices: fired once, caught up after a stop, series counted lazily, batch queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carte.core import events
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.planner.services import fire_due_reminders, flag_overdue_tasks, reschedule_task
from tests.planner.conftest import hour_from_now, plan

pytestmark = pytest.mark.django_db


def fresh(task):
    task.refresh_from_db()
    return task


def test_a_reminder_fires_once_to_the_assignee_and_co_assignees(mia, alice, bob):
    task = plan(mia, assignee=alice, co_assignees=[bob], hours=2, reminders=[60])
    at = task.due_at - timedelta(minutes=60)
    with events.Recording() as seen:
        assert fire_due_reminders(at - timedelta(minutes=1)) == 0
        assert fire_due_reminders(at) == 1
        assert fire_due_reminders(at + timedelta(minutes=1)) == 0
    assert [(e.name, e.data) for e in seen] == [
        (
            "task.reminder",
            {"task_id": task.pk, "recipient_ids": [alice.pk, bob.pk], "occurrence": task.due_at.isoformat()},
        )
    ]
    assert fresh(task).next_reminder_at is None


def test_the_next_reminder_of_the_same_task_follows(alice):
    task = plan(alice, hours=48, reminders=[15, 1440])
    first = task.due_at - timedelta(days=1)
    fire_due_reminders(first)
    assert fresh(task).next_reminder_at == task.due_at - timedelta(minutes=15)


def test_reminders_missed_while_the_worker_was_stopped_fire_once_at_the_next_run(alice):
    task = plan(alice, hours=3, reminders=[120, 90, 60])
    # The worker stopped before the first reminder and comes back after all three were due.
    later = task.due_at - timedelta(minutes=30)
    with events.Recording() as seen:
        assert fire_due_reminders(later) == 1
        assert fire_due_reminders(later + timedelta(minutes=1)) == 0
    assert len(seen) == 1 and fresh(task).next_reminder_at is None


def test_a_series_reminds_of_its_next_occurrences(alice):
    series = plan(alice, hours=2, repeat=Repeat("DAILY"), reminders=[30])
    at = series.due_at - timedelta(minutes=30)
    fire_due_reminders(at)
    assert fresh(series).next_reminder_at == series.due_at + timedelta(days=1) - timedelta(minutes=30)
    with events.Recording() as seen:
        fire_due_reminders(series.next_reminder_at)
    assert seen[0].data["occurrence"] == (series.due_at + timedelta(days=1)).isoformat()


def test_a_reminder_of_a_series_without_end_costs_constant_time(alice, django_assert_max_num_queries):
    task = plan(alice, hours=-24 * 30, reminders=[5])
    Task.objects.filter(pk=task.pk).update(
        rrule="FREQ=MINUTELY;INTERVAL=7", series_start=task.due_at, next_reminder_at=timezone.now()
    )
    started = timezone.now()
    with django_assert_max_num_queries(8):
        assert fire_due_reminders() == 1
    assert (timezone.now() - started).total_seconds() < 3
    assert fresh(task).next_reminder_at > timezone.now()


def test_firing_many_reminders_runs_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(20):
        plan(alice, hours=1, reminders=[60])
    with django_assert_max_num_queries(26):  # a batch read, the co-assignees, one update per task
        assert fire_due_reminders(hour_from_now(1)) == 20


def test_done_and_cancelled_tasks_do_not_remind(alice):
    task = plan(alice, hours=1, reminders=[30])
    Task.objects.filter(pk=task.pk).update(status="cancelled")
    assert fire_due_reminders(hour_from_now(1)) == 0


def test_an_overdue_task_is_flagged_once(alice):
    task = plan(alice, hours=1)
    with events.Recording() as seen:
        assert flag_overdue_tasks(task.due_at) == 0  # due now is not late yet
        assert flag_overdue_tasks(task.due_at + timedelta(minutes=1)) == 1
        assert flag_overdue_tasks(task.due_at + timedelta(minutes=2)) == 0
    assert [(e.name, e.data) for e in seen] == [("task.overdue", {"task_id": task.pk, "recipient_ids": [alice.pk]})]


def test_a_task_moved_after_its_overdue_notice_is_flagged_again_when_late_again(alice):
    task = plan(alice, hours=-1)
    flag_overdue_tasks()
    reschedule_task(actor=alice, task=fresh(task), due_at=hour_from_now(-0.5))
    assert flag_overdue_tasks() == 1


def test_an_all_day_task_is_late_only_after_its_day(alice):
    task = plan(alice, hours=0, all_day=True)
    assert flag_overdue_tasks(timezone.now()) == 0
    assert flag_overdue_tasks(task.overdue_at + timedelta(seconds=1)) == 1
