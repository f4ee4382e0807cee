"""Reminders and overdue notices: when they are due, and the two jobs the scheduler runs every minute.

The state is in the database: `Task.next_reminder_at` is when the next reminder fires and
`Task.overdue_notified_at` says the current occurrence's overdue notice went out. A job that
did not run for a while (the worker was stopped) finds what came due meanwhile at its next
run and fires it once, then moves on to what is still ahead.

A series is never expanded: the next reminder is found with one look-up per reminder offset
(at most five), "the first occurrence after now + offset", whatever the length of the series.
On PostgreSQL the due rows are locked with SKIP LOCKED, so two workers never fire the same
reminder twice; SQLite has a single writer anyway.
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from carte.core import events
from carte.planner import recurrence
from carte.planner.models import Task

BATCH = 500  # rows locked and handled per transaction
ONE_MICROSECOND = timedelta(microseconds=1)


def occurrence_from(task: Task, moment: datetime) -> datetime | None:
    """The first open occurrence of a task at or after `moment` (its `due_at` when that is later)."""
    if moment <= task.due_at:
        return task.due_at
    if not task.rrule:
        return None
    return recurrence.next_occurrence(task, moment - ONE_MICROSECOND)


def occurrence_after(task: Task, moment: datetime) -> datetime | None:
    """The first open occurrence of a task strictly after `moment`."""
    if moment < task.due_at:
        return task.due_at
    if not task.rrule:
        return None
    return recurrence.next_occurrence(task, moment)


def _offsets(task: Task) -> list[timedelta]:
    return [timedelta(minutes=int(minutes)) for minutes in sorted(set(task.reminders or ()))]


def next_reminder_at(task: Task, now: datetime) -> datetime | None:
    """When the next reminder of an open task fires, as every write sets it.

    The earliest (occurrence - offset) that is not in the past, counting the series' later
    occurrences too; when every reminder of the current occurrence has passed while the
    occurrence itself is still ahead (a task created an hour before, with a reminder a day
    before), `now`: it fires at the next tick. None without reminders.
    """
    if task.status != Task.Status.OPEN or not task.reminders:
        return None
    found: list[datetime] = []
    current_left = False
    for offset in _offsets(task):
        if task.due_at - offset >= now:
            current_left = True
        occurrence = occurrence_from(task, now + offset)
        if occurrence is not None:
            found.append(occurrence - offset)
    if task.due_at > now and not current_left:
        return now
    return min(found, default=None)


def reminder_after(task: Task, now: datetime) -> datetime | None:
    """The first reminder strictly after `now`, once the one due has fired (a series counts its next occurrences)."""
    if task.status != Task.Status.OPEN:
        return None
    found = []
    for offset in _offsets(task):
        occurrence = occurrence_after(task, now + offset)
        if occurrence is not None:
            found.append(occurrence - offset)
    return min(found, default=None)


def reminded_occurrence(task: Task, at: datetime) -> datetime:
    """The occurrence a reminder firing at `at` is about: the one with a reminder exactly then, else the next one."""
    exact = []
    for offset in _offsets(task):
        occurrence = occurrence_from(task, at + offset)
        if occurrence is not None and occurrence == at + offset:
            exact.append(occurrence)
    if exact:
        return min(exact)
    return occurrence_from(task, at) or task.due_at


def _recipients(tasks: list[Task]) -> dict[int, list[int]]:
    """Task id → its assignee and co-assignees (one query for the co-assignees of the whole batch)."""
    through = Task.co_assignees.through
    shared: dict[int, list[int]] = {}
    for task_id, employee_id in through.objects.filter(task_id__in=[task.pk for task in tasks]).values_list(
        "task_id", "employee_id"
    ):
        shared.setdefault(task_id, []).append(employee_id)
    return {task.pk: [task.assignee_id, *sorted(set(shared.get(task.pk, ())) - {task.assignee_id})] for task in tasks}


def _locked_batch(queryset: QuerySet) -> list[Task]:
    """Up to BATCH rows, locked; rows another worker holds are skipped (PostgreSQL), not waited for."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset[:BATCH])


def fire_due_reminders(now: datetime | None = None) -> int:
    """Emit "task.reminder" once for every open task whose reminder time has come; returns how many fired.

    Each task's `next_reminder_at` then moves to its next reminder after `now` (for a series,
    the next occurrences' reminders count), or None. Reminders missed while no worker ran
    fire once, at the first run after.
    """
    now = now or timezone.now()
    fired = 0
    while True:
        with transaction.atomic():
            due = _locked_batch(
                Task.objects.open()
                .filter(next_reminder_at__lte=now)
                .select_related("assignee")
                .order_by("next_reminder_at", "id")
            )
            recipients = _recipients(due)
            for task in due:
                at = task.next_reminder_at or now
                events.emit(
                    "task.reminder",
                    task_id=task.pk,
                    recipient_ids=recipients[task.pk],
                    occurrence=reminded_occurrence(task, at).isoformat(),
                )
                task.next_reminder_at = reminder_after(task, now)
                Task.objects.filter(pk=task.pk).update(next_reminder_at=task.next_reminder_at)
        fired += len(due)
        if len(due) < BATCH:
            return fired


def flag_overdue_tasks(now: datetime | None = None) -> int:
    """Emit "task.overdue" once per open task whose current occurrence became overdue; returns how many.

    A task is flagged again only when its overdue time moved after the last notice (it was
    rescheduled, or a series moved to its next occurrence).
    """
    now = now or timezone.now()
    flagged = 0
    while True:
        with transaction.atomic():
            late = _locked_batch(
                Task.objects.open()
                .filter(overdue_at__lt=now)
                .filter(Q(overdue_notified_at__isnull=True) | Q(overdue_notified_at__lt=F("overdue_at")))
                .order_by("overdue_at", "id")
            )
            recipients = _recipients(late)
            for task in late:
                events.emit("task.overdue", task_id=task.pk, recipient_ids=recipients[task.pk])
            Task.objects.filter(pk__in=[task.pk for task in late]).update(overdue_notified_at=now)
        flagged += len(late)
        if len(late) < BATCH:
            return flagged
