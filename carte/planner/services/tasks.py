"""Every change to tasks: creating, editing, moving, completing, cancelling and deleting one.

Rights come first: the actor needs the action on the task in the "tasks" module, and whoever
they assign (assignee and co-assignees) must be within their "create" scope — a seller plans
for herself, a manager for her department. `actor=None` is Carte itself (a missed call's
callback task): no rights are checked, and the assignee must be given.

Every write keeps the derived columns right: `overdue_at` (when the current occurrence is
late) and `next_reminder_at` (when the scheduler fires the next reminder; see
carte.planner.services.reminders). A series is never expanded: completing or moving one of
its occurrences looks up the next occurrence only.
"""

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.clients.services import record_timeline
from carte.core import events, policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Conflict, Invalid
from carte.planner import recurrence
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.planner.services import task_values as values
from carte.planner.services.reminders import next_reminder_at, occurrence_from
from carte.sales.models import Deal

__all__ = [
    "cancel_task",
    "complete_task",
    "create_task",
    "delete_task",
    "move_merged_tasks",
    "reschedule_task",
    "update_task",
]

Action = policy.Action
Status = Task.Status
TIMELINE_KIND = "task"
DESCRIPTION_LENGTH = 10_000
RESULT_LENGTH = 5_000
AUDITED = [
    "kind",
    "title",
    "description",
    "client",
    "deal",
    "assignee",
    "due_at",
    "all_day",
    "duration",
    "priority",
    "reminders",
    "rrule",
    "status",
    "result",
]
EDITABLE = frozenset(
    {
        "kind",
        "title",
        "description",
        "client",
        "deal",
        "assignee",
        "co_assignees",
        "due_at",
        "all_day",
        "duration",
        "priority",
        "reminders",
        "repeat",
    }
)
UNSET: Any = object()


def _kind_message() -> str:  # read at call time, in the active language
    return _("Choose the kind of task.")


def _priority_message() -> str:
    return _("Choose a priority.")


def task_url(task: Task) -> str:
    """The task's page (empty while the planner's screens are not installed)."""
    try:
        return reverse("planner:task_detail", args=[task.pk])
    except NoReverseMatch:
        return ""


def _first_occurrence(task: Task) -> datetime:
    """Start a series at `series_start`: its first occurrence at or after it (Invalid when the rule has none)."""
    assert task.series_start is not None
    rule = recurrence.parse(task.rrule, task.series_start, recurrence.zone_of(task.assignee))
    first = rule.after(task.series_start.astimezone(recurrence.zone_of(task.assignee)), inc=True)
    if first is None:
        raise Invalid(errors={"repeat": [_("This recurrence has no occurrence after the task's date.")]})
    return first.astimezone(UTC)


def _derive(task: Task, now: datetime | None = None, *, reminders: bool = True) -> None:
    """Set the columns that follow from the others: overdue time and (unless told not to) next reminder."""
    now = now or timezone.now()
    overdue = recurrence.overdue_at(task.due_at, task.all_day, recurrence.zone_of(task.assignee))
    if overdue != task.overdue_at:
        task.overdue_notified_at = None  # the new time may be late again: say so again
    task.overdue_at = overdue
    if reminders:
        task.next_reminder_at = next_reminder_at(task, now)


def _set_schedule(task: Task, *, due_at, all_day: bool, repeat, errors: dict) -> None:
    """Put the time and the recurrence on a task; a series whose time or rule changed restarts from the new time."""
    zone = recurrence.zone_of(task.assignee)
    moment = values.collect(errors, values.moment, due_at, zone)
    if moment is None:
        return
    whole_day = bool(all_day)
    moment = values.start_of_day(moment, zone) if whole_day else moment
    if repeat is UNSET:
        rule = task.rrule
    elif repeat is None or repeat == "":
        rule = ""
    elif isinstance(repeat, Repeat):
        rule = values.collect(errors, recurrence.rule_text, repeat, zone, fallback="")
    else:
        errors["repeat"] = [_("Choose how often the task repeats.")]
        return
    if task.pk and rule and rule == task.rrule and moment == task.due_at and whole_day == task.all_day:
        return  # the same series at the same time: it keeps its start, its count and what it skipped
    task.all_day, task.due_at, task.rrule = whole_day, moment, rule or ""
    if not task.rrule:
        task.series_start = None
        task.skipped = []
        return
    task.series_start = task.due_at
    try:
        task.due_at = _first_occurrence(task)
    except Invalid as refused:
        errors.update(refused.errors)


def _recipients(task: Task, co: list, actor) -> list[int]:
    """Employees on a new task (assignee, co-assignees), except the one who planned it."""
    skip = {actor.pk} if actor is not None else set()
    ids = dict.fromkeys([task.assignee_id, *[employee.pk for employee in co]])
    return [pk for pk in ids if pk not in skip]


def _timeline(task: Task, summary: str, actor) -> None:
    if task.client is not None:
        record_timeline(
            client=task.client, kind=TIMELINE_KIND, summary=summary, link=task_url(task), actor=actor, record=task
        )


def _when(task: Task) -> str:
    moment = timezone.localtime(task.due_at, recurrence.zone_of(task.assignee))
    return f"{moment:%Y-%m-%d}" if task.all_day else f"{moment:%Y-%m-%d %H:%M}"


# Creating


@transaction.atomic
def create_task(
    *,
    actor,
    title,
    due_at,
    kind=Task.Kind.TASK,
    assignee=None,
    co_assignees=(),
    client=None,
    deal=None,
    description="",
    all_day=False,
    duration=30,
    priority=Task.Priority.NORMAL,
    reminders=(),
    repeat: Repeat | None = None,
) -> Task:
    """Plan a task for `assignee` (the actor by default), optionally about a client and one of its deals.

    The actor needs "create" in tasks for the assignee and each co-assignee, and must see the
    client and the deal (a deal alone brings its client). With `repeat` the task is a series
    whose current occurrence is its first one at or after `due_at`. An all-day task is due at
    the start of its day in the assignee's time zone. Emits "task.assigned" for the people
    assigned other than the actor; a task about a client goes on its timeline.
    """
    if actor is not None:
        policy.require(actor, Action.CREATE, Task)
    elif assignee is None:
        raise Invalid(errors={"assignee": [_("Choose who does the task.")]})
    assignee = values.employee(assignee if assignee is not None else actor, "assignee")
    values.require_assignable(actor, assignee)
    errors: dict[str, list] = {}
    found_client = values.client(actor, client)
    found_deal = values.deal(actor, deal)
    co = values.collect(errors, values.co_assignees, co_assignees, assignee, fallback=[])
    for employee in co:
        values.require_assignable(actor, employee)
    task = Task(assignee=assignee, author=actor if actor is not None and actor.pk else None)
    task.title = values.collect(errors, values.title, title, fallback="")
    task.description = values.collect(
        errors, values.long_text, description, "description", DESCRIPTION_LENGTH, fallback=""
    )
    task.kind = values.collect(
        errors, values.choice, kind, Task.Kind, "kind", _("Choose the kind of task."), fallback="task"
    )
    task.priority = values.collect(errors, values.choice, priority, Task.Priority, "priority", _("Choose a priority."))
    task.duration = values.collect(errors, values.duration, duration, fallback=30)
    task.reminders = values.collect(errors, values.reminders, reminders, fallback=[])
    _attach(task, found_client, found_deal, errors)
    _set_schedule(task, due_at=due_at, all_day=all_day, repeat=repeat, errors=errors)
    if errors:
        raise Invalid(errors=errors)
    _derive(task)
    task.save()
    if co:  # a new task shares with nobody yet: nothing to read or delete first
        task.co_assignees.add(*co)
    record(actor, Verb.CREATE, task, changes=diff({}, snapshot(task, AUDITED)))
    _timeline(task, _("Task planned: %(title)s, %(when)s") % {"title": task.title, "when": _when(task)}, actor)
    recipients = _recipients(task, co, actor)
    # A task Carte plans itself (a missed call's callback) is announced by what made it.
    if recipients and actor is not None:
        events.emit("task.assigned", actor=actor, task_id=task.pk, recipient_ids=recipients)
    return task


def _attach(task: Task, client: Client | None, deal: Deal | None, errors: dict) -> None:
    """A deal belongs to its client: a deal alone brings its client, a deal of another client is refused."""
    if deal is not None and client is not None and deal.client_id != client.pk:
        errors["deal"] = [_("This deal belongs to another client.")]
        return
    task.deal = deal
    task.client = client if client is not None else (deal.client if deal is not None else None)


# Editing


def _timing(task: Task) -> tuple:
    """What the next reminder depends on."""
    return (task.due_at, task.all_day, task.rrule, task.series_start, list(task.reminders or ()), task.assignee_id)


def _locked(task: Task) -> Task:
    """The task row, locked until the transaction ends (its assignee and client read along, not locked)."""
    return Task.objects.select_for_update(of=("self",)).select_related("assignee", "client").get(pk=task.pk)


def _refuse_unless_open(task: Task) -> None:
    if task.status == Status.DONE:
        raise Conflict(_("This task is already done."))
    if task.status == Status.CANCELLED:
        raise Conflict(_("This task is cancelled."))


@transaction.atomic
def update_task(*, actor, task: Task, **changes) -> Task:
    """Change a task's fields (any of kind, title, description, client, deal, assignee,
    co_assignees, due_at, all_day, duration, priority, reminders, repeat).

    The actor needs "edit" on the task, and a new assignee or co-assignee must be within
    their scope. Changing the time or the recurrence of a series restarts it from the new
    time (`repeat=None` makes it a single task). Emits "task.assigned" for the newly assigned.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(errors={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    policy.require(actor, Action.EDIT, task)
    current = _locked(task)
    _refuse_unless_open(current)
    before = snapshot(current, AUDITED)
    timing = _timing(current)
    before_co = set(current.co_assignees.values_list("pk", flat=True))
    before_people = {current.assignee_id, *before_co}
    errors: dict[str, list] = {}
    if "assignee" in changes:
        assignee = values.employee(changes["assignee"], "assignee")
        if assignee.pk != current.assignee_id:
            values.require_assignable(actor, assignee, Action.EDIT)
            current.assignee = assignee
    co: list | None = None
    if "co_assignees" in changes:
        co = values.collect(errors, values.co_assignees, changes["co_assignees"], current.assignee, fallback=[])
        for employee in co or ():
            if employee.pk not in before_people:
                values.require_assignable(actor, employee, Action.EDIT)
    if "client" in changes or "deal" in changes:
        found_client = values.client(actor, changes["client"]) if "client" in changes else current.client
        found_deal = values.deal(actor, changes["deal"]) if "deal" in changes else current.deal
        if "deal" not in changes and found_deal is not None and found_client != found_deal.client:
            found_deal = None  # a new client drops the old client's deal
        _attach(current, found_client, found_deal, errors)
    if "title" in changes:
        current.title = values.collect(errors, values.title, changes["title"], fallback=current.title)
    if "description" in changes:
        current.description = values.collect(
            errors, values.long_text, changes["description"], "description", DESCRIPTION_LENGTH, fallback=""
        )
    if "kind" in changes:
        current.kind = values.collect(
            errors,
            values.choice,
            changes["kind"],
            Task.Kind,
            "kind",
            _("Choose the kind of task."),
            fallback=current.kind,
        )
    if "priority" in changes:
        current.priority = values.collect(
            errors, values.choice, changes["priority"], Task.Priority, "priority", _priority_message(), fallback=""
        )
    if "duration" in changes:
        current.duration = values.collect(errors, values.duration, changes["duration"], fallback=current.duration)
    if "reminders" in changes:
        current.reminders = values.collect(errors, values.reminders, changes["reminders"], fallback=[])
    if {"due_at", "all_day", "repeat"} & set(changes):
        _set_schedule(
            current,
            due_at=changes.get("due_at", current.due_at),
            all_day=changes.get("all_day", current.all_day),
            repeat=changes.get("repeat", UNSET),
            errors=errors,
        )
    if errors:
        raise Invalid(errors=errors)
    # The next reminder is worked out again only when what it depends on changed: a reminder
    # that fired already must not fire again because the title was corrected.
    _derive(current, reminders=_timing(current) != timing)
    current.save()
    changed = diff(before, snapshot(current, AUDITED))
    now_people = {current.assignee_id}
    if co is not None:
        current.co_assignees.set(co)
        now_co = {employee.pk for employee in co}
        if now_co != before_co:
            changed["co_assignees"] = [sorted(before_co), sorted(now_co)]
        now_people |= now_co
    if changed:
        record(actor, Verb.UPDATE, current, changes=changed)
    recipients = sorted(now_people - before_people - ({actor.pk} if actor is not None else set()))
    if recipients:
        events.emit("task.assigned", actor=actor, task_id=current.pk, recipient_ids=recipients)
    return current


# Moving


def _single_from(series: Task, /, **fields) -> Task:
    """A single task made of one occurrence of a series (moved or done): what it is about and who
    does it as in the series, `fields` for the rest. Saved with the series' co-assignees; an open one
    gets its derived columns (a done one is given them)."""
    single = Task(
        kind=series.kind,
        title=series.title,
        description=series.description,
        client=series.client,
        deal_id=series.deal_id,
        assignee=series.assignee,
        author=series.author,
        priority=series.priority,
        **fields,
    )
    if single.status == Status.OPEN:
        _derive(single)
    single.save()
    single.co_assignees.set(series.co_assignees.all())
    return single


def _detach(series: Task, occurrence: datetime, due_at: datetime, all_day: bool, duration: int, actor) -> Task:
    """Take one occurrence out of a series as a single task at a new time; the series skips it."""
    single = _single_from(
        series, due_at=due_at, all_day=all_day, duration=duration, reminders=list(series.reminders or ())
    )
    series.skipped = [*(series.skipped or ()), occurrence.astimezone(UTC).isoformat()]
    if occurrence == series.due_at:
        following = recurrence.next_occurrence(series, occurrence)
        if following is None:
            # Its last occurrence moved away: nothing is left of the series.
            series.status = Status.CANCELLED
            series.next_reminder_at = None
        else:
            series.due_at = following
    if series.status == Status.OPEN:
        _derive(series)
    series.save()
    record(
        actor,
        Verb.CREATE,
        single,
        changes={"series": [None, str(series.pk)], "occurrence": [None, occurrence.isoformat()]}
        | diff({}, snapshot(single, AUDITED)),
    )
    return single


@transaction.atomic
def reschedule_task(
    *, actor, task: Task, due_at, occurrence=None, all_day: bool | None = None, duration: int | None = None
) -> Task:
    """Move a task to a new time (and all-day or not, a new duration); returns the task now at that time.

    For a series, `occurrence` (its current one by default) is moved alone: it becomes a single
    task at the new time and the series skips it. Needs "edit" on the task.
    """
    policy.require(actor, Action.EDIT, task)
    current = _locked(task)
    _refuse_unless_open(current)
    zone = recurrence.zone_of(current.assignee)
    errors: dict[str, list] = {}
    moment = values.collect(errors, values.moment, due_at, zone)
    length = current.duration if duration is None else values.collect(errors, values.duration, duration, fallback=30)
    whole_day = current.all_day if all_day is None else bool(all_day)
    picked = None
    if current.rrule:
        picked = values.collect(errors, values.moment, occurrence, zone, "occurrence") if occurrence else current.due_at
        if picked is not None and (
            picked < current.due_at
            or picked.isoformat() in set(current.skipped or ())
            or occurrence_from(current, picked) != picked
        ):
            errors["occurrence"] = [_("This occurrence is not part of the series.")]
    if errors:
        raise Invalid(errors=errors)
    assert moment is not None
    moment = values.start_of_day(moment, zone) if whole_day else moment
    if picked is not None:
        return _detach(current, picked, moment, whole_day, length, actor)
    before = snapshot(current, AUDITED)
    current.due_at, current.all_day, current.duration = moment, whole_day, length
    _derive(current)
    current.save()
    record(actor, Verb.UPDATE, current, changes=diff(before, snapshot(current, AUDITED)))
    return current


# Completing


def _done_copy(series: Task, occurrence: datetime, result: str, now: datetime) -> Task:
    return _single_from(
        series,
        due_at=occurrence,
        all_day=series.all_day,
        duration=series.duration,
        series=series,
        status=Status.DONE,
        result=result,
        done_at=now,
        overdue_at=recurrence.overdue_at(occurrence, series.all_day, recurrence.zone_of(series.assignee)),
    )


def _next_step(actor, task: Task, step: dict) -> Task:
    """The follow-up a completion asks for: same client, deal and assignee (the actor when they cannot plan
    for the assignee, e.g. a co-assignee). Its errors are reported on the "next_" fields."""
    assignee = task.assignee
    if actor is not None and not policy.can(actor, Action.CREATE, Task(assignee=assignee)):
        assignee = actor
    try:
        return create_task(
            actor=actor,
            title=step.get("title"),
            due_at=step.get("due_at"),
            kind=step.get("kind") or Task.Kind.TASK,
            assignee=assignee,
            client=task.client,
            deal=task.deal_id,
            all_day=bool(step.get("all_day", False)),
            duration=step.get("duration") or task.duration,
            reminders=step.get("reminders", task.reminders),
        )
    except Invalid as refused:
        raise Invalid(
            _("The next step is not valid."),
            errors={f"next_{name}": messages for name, messages in refused.errors.items()},
        ) from None


@transaction.atomic
def complete_task(*, actor, task: Task, result="", next_step: dict | None = None) -> Task:
    """Mark a task done with what came of it; returns the done task.

    For a series the current occurrence is done: a done copy of it is kept (pointing to the
    series) and the series moves to its first occurrence after that one and after now, or
    is done itself when none is left. `next_step` ({"kind", "title", "due_at"}) plans the
    follow-up for the same client and deal. Needs "edit" on the task. Emits "task.completed";
    a task about a client goes on its timeline with its result.
    """
    policy.require(actor, Action.EDIT, task)
    current = _locked(task)
    _refuse_unless_open(current)
    text = values.long_text(result, "result", RESULT_LENGTH)
    now = timezone.now()
    before = snapshot(current, AUDITED)
    following = recurrence.next_occurrence(current, max(current.due_at, now)) if current.rrule else None
    if following is not None:
        done = _done_copy(current, current.due_at, text, now)
        current.due_at = following
        _derive(current, now)
        current.save()
        record(
            actor,
            Verb.UPDATE,
            current,
            changes={"occurrence_done": [None, done.due_at.isoformat()], "due_at": [before["due_at"], str(following)]},
        )
    else:
        current.status, current.result, current.done_at = Status.DONE, text, now
        current.next_reminder_at = None
        current.save()
        record(actor, Verb.UPDATE, current, changes=diff(before, snapshot(current, AUDITED)))
        done = current
    summary = _("Task done: %(title)s") % {"title": done.title}
    if text:
        summary = _("Task done: %(title)s — %(result)s") % {"title": done.title, "result": text}
    _timeline(done, summary, actor)
    events.emit("task.completed", actor=actor, task_id=done.pk, client_id=done.client_id)
    if next_step:
        _next_step(actor, current, next_step)
    task.status, task.due_at, task.next_reminder_at = current.status, current.due_at, current.next_reminder_at
    return done


# Cancelling and deleting


@transaction.atomic
def cancel_task(*, actor, task: Task) -> Task:
    """Call off an open task (a whole series); it stays in the history as cancelled. Needs "edit"."""
    policy.require(actor, Action.EDIT, task)
    current = _locked(task)
    _refuse_unless_open(current)
    before = snapshot(current, AUDITED)
    current.status = Status.CANCELLED
    current.next_reminder_at = None
    current.save()
    record(actor, Verb.UPDATE, current, changes=diff(before, snapshot(current, AUDITED)))
    task.status, task.next_reminder_at = current.status, None
    return current


@transaction.atomic
def delete_task(*, actor, task: Task) -> None:
    """Delete a task for good (a series' done copies stay, unlinked). Needs "delete" on the task."""
    policy.require(actor, Action.DELETE, task)
    record(actor, Verb.DELETE, task, changes=diff(snapshot(task, AUDITED), {}))
    Task.objects.filter(pk=task.pk).delete()


# Merging clients


def move_merged_tasks(survivor: Client, others: list[Client], actor) -> dict[str, int]:
    """The clients merge hook: the merged cards' tasks follow the card kept (see carte.clients.services.merge)."""
    moved = Task.objects.filter(client_id__in=[other.pk for other in others]).update(client=survivor)
    return {"tasks": moved} if moved else {}
