"""Importing tasks: what to do, when, by whom and about which client, done or still to do.

A due time without a date's time ("31/12/2024") makes an all-day task; with one ("31/12/2024
10:00") it is read in the company's time zone. The assignee is named by email, user name or
full name (the employee chosen in the options, or the importer, when the row names nobody); the
client by name, tax id, email or old id. A row marked done is planned then completed, so it
reaches the client's timeline as done.

Every write goes through the task services: a seller plans only for herself, a manager for
her department. A row is the same task as one in Carte when it has the same id in the old
system (recorded by an earlier import).
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients.models import Client
from carte.core import audit, policy
from carte.core.errors import Conflict, DomainError, Invalid, NotAllowed
from carte.planner.models import Task
from carte.planner.services.reminders import next_reminder_at
from carte.planner.services.tasks import DESCRIPTION_LENGTH, complete_task, create_task, delete_task, update_task
from carte.transfer.models import ImportRow
from carte.transfer.targets.base import Context, Field, Outcome, Row
from carte.transfer.targets.finding import (
    company_zone,
    default_employee,
    find_choice,
    find_client,
    find_employee,
    flag,
    forget_keys,
    moment,
    raw_shown,
    refusal,
    skipped_message,
    stamp_of,
    text_within,
    yes_no,
)
from carte.transfer.targets.one_by_one import OneByOneTarget, old_id_field

Action = policy.Action
Status = Task.Status
# What a row may change on a task, through update_task.
CHANGES = ("title", "description", "kind", "priority", "due_at", "all_day", "assignee", "client")


def due_text(task: Task) -> str:
    """The due time as an import reads it back: the day of an all-day task, else the time where the company is."""
    if task.all_day:
        return task.day.isoformat()
    return f"{timezone.localtime(task.due_at, company_zone()):%Y-%m-%d %H:%M}"


class TasksTarget(OneByOneTarget):
    key = "tasks"
    label = gettext_lazy("Tasks")
    module = "tasks"
    model = Task
    select_related = ("assignee", "client")
    match_related = ("assignee", "client")
    hidden_match = gettext_lazy("A task you may not see has this id in the old system.")

    def fields(self) -> list[Field]:
        return [
            old_id_field("task id", "activity id", "id задачи"),
            Field(
                "title",
                gettext_lazy("Title"),
                names=(
                    *("title", "task", "subject", "name", "activity", "titre", "tâche", "objet", "sujet"),
                    *("название", "задача", "тема"),
                ),
                required=True,
                text=lambda task: task.title,
            ),
            Field(
                "description",
                gettext_lazy("Description"),
                names=(
                    "description",
                    "details",
                    "notes",
                    "comment",
                    "détails",
                    "commentaire",
                    "описание",
                    "комментарий",
                ),
                text=lambda task: task.description,
            ),
            Field(
                "kind",
                gettext_lazy("Kind"),
                names=(
                    "kind",
                    "type",
                    "task type",
                    "activity type",
                    "genre",
                    "type de tâche",
                    "тип",
                    "вид",
                    "тип задачи",
                ),
                text=lambda task: str(task.get_kind_display()),
            ),
            Field(
                "priority",
                gettext_lazy("Priority"),
                names=("priority", "importance", "priorité", "приоритет", "важность"),
                text=lambda task: str(task.get_priority_display()),
            ),
            Field(
                "due",
                gettext_lazy("Due"),
                names=(
                    *("due", "due date", "due at", "deadline", "date", "start", "start date"),
                    *("échéance", "date d'échéance", "date limite", "срок", "дата", "крайний срок", "срок выполнения"),
                ),
                required=True,
                text=due_text,
            ),
            Field(
                "assignee",
                gettext_lazy("Assignee"),
                names=(
                    *("assignee", "assigned to", "owner", "responsible", "responsable", "assigné à"),
                    *("ответственный", "исполнитель"),
                ),
                text=lambda task: str(task.assignee),
            ),
            Field(
                "client",
                gettext_lazy("Client"),
                names=("client", "company", "account", "customer", "société", "клиент", "компания", "контрагент"),
                text=lambda task: task.client.name if task.client else "",
            ),
            Field(
                "done",
                gettext_lazy("Done"),
                names=("done", "completed", "complete", "fait", "terminé", "terminée", "выполнено", "выполнена"),
                text=lambda task: yes_no(task.status == Status.DONE),
            ),
        ]

    def extra_labels(self, labels: dict[str, str]) -> dict[str, str]:
        return {"due_at": labels["due"], "all_day": labels["due"], "repeat": labels["due"]}

    # Checking and saving

    def _row(self, context: Context, row: Row, keyed: dict, keys: list, *, writing: bool) -> Outcome:
        found = self._by_old_id(context, row, keyed)
        duplicates = context.options.duplicates
        if found is not None and duplicates == "skip":
            message = skipped_message(
                found if isinstance(found, Task) else row.first("title"), self.match_keys["external_id"]
            )
            object_id = found.pk if isinstance(found, Task) else found
            shown = raw_shown(self.fields(), row)
            return Outcome(row.number, ImportRow.Outcome.SKIPPED, object_id=object_id, message=message, shown=shown)
        if found is not None and duplicates == "update":
            return self._update(context, row, found, keys, writing=writing)
        return self._create(context, row, keys, writing=writing)

    def _read(self, context: Context, row: Row, task: Task | None) -> dict:
        """The row's values as the task services take them, and "done"; Invalid with every field's message at once."""
        values: dict = {}
        errors: dict = {}

        def read(key: str, reader) -> None:
            text = row.first(key)
            if text.strip():
                try:
                    values[key] = reader(text)
                except Invalid as refused:
                    errors.update(refused.errors)

        read("title", lambda text: text_within(text, Task, "title", "title"))
        read("description", lambda text: text.strip())
        read("kind", lambda text: find_choice(context, Task.Kind, text, "kind"))
        read("priority", lambda text: find_choice(context, Task.Priority, text, "priority"))
        read("due", lambda text: moment(context, text, "due"))
        read("assignee", lambda text: find_employee(context, text, "assignee"))
        read("client", lambda text: find_client(context, text))
        read("done", lambda text: flag(text, "done"))
        if len(values.get("description", "")) > DESCRIPTION_LENGTH:
            errors["description"] = [_("At most %(count)d characters.") % {"count": DESCRIPTION_LENGTH}]
        if "due" in values:
            day, at = values.pop("due")
            values["all_day"] = at is None
            values["due_at"] = day if at is None else datetime.combine(day, at, tzinfo=company_zone())
        if task is None:
            if not values.get("title") and "title" not in errors:
                errors["title"] = [_("Give the task a title.")]
            if "due_at" not in values and "due" not in errors:
                errors["due"] = [_("Give the date and time.")]
            if "assignee" not in values and "assignee" not in errors:
                try:
                    values["assignee"] = default_employee(context)
                except Invalid as refused:
                    errors["assignee"] = refused.errors["owner"]
        if errors:
            raise Invalid(errors=errors)
        return values

    def _shown(self, values: dict, row: Row) -> dict:
        labels = self._labels()
        shown = raw_shown(self.fields(), row)
        for key, value in values.items():
            if key == "kind":
                value = Task.Kind(value).label
            elif key == "priority":
                value = Task.Priority(value).label
            elif key == "done":
                value = yes_no(value)
            elif key == "due_at":
                value = value.isoformat() if values["all_day"] else f"{value:%Y-%m-%d %H:%M}"
            elif key == "all_day":
                continue
            shown[labels[key]] = str(value)
        return shown

    @staticmethod
    def _may_plan_for(actor, assignee, action: str) -> None:
        if not policy.can(actor, action, Task(assignee=assignee)):
            raise NotAllowed(_("You cannot plan tasks for %(name)s.") % {"name": assignee})

    def _create(self, context: Context, row: Row, keys: list, *, writing: bool) -> Outcome:
        values = self._read(context, row, None)
        shown = self._shown(values, row)
        self._may_plan_for(context.actor, values["assignee"], Action.CREATE)
        done = values.pop("done", False)
        if not writing:
            object_id, stamp = context.next_placeholder(), ""
        else:
            task = create_task(actor=context.actor, **values)
            if done:
                complete_task(actor=context.actor, task=task)
            object_id, stamp = task.pk, self._stamp(task.pk)
        self._made(context, row, object_id, keys, writing=writing)
        return Outcome(row.number, ImportRow.Outcome.CREATED, object_id=object_id, stamp=stamp, shown=shown)

    def _update(self, context: Context, row: Row, found, keys: list, *, writing: bool) -> Outcome:
        task = found if isinstance(found, Task) else None
        values = self._read(context, row, task)
        shown = self._shown(values, row)
        if task is None:  # a task an earlier row of this dry run makes
            return Outcome(row.number, ImportRow.Outcome.UPDATED, object_id=found, shown=shown)
        if not policy.can(context.actor, Action.EDIT, task):
            raise NotAllowed()
        if "assignee" in values and values["assignee"].pk != task.assignee_id:
            self._may_plan_for(context.actor, values["assignee"], Action.EDIT)
        if task.status != Status.OPEN:
            raise Conflict(
                _("This task is already done.") if task.status == Status.DONE else _("This task is cancelled.")
            )
        done = values.pop("done", False)
        if done and task.rrule:
            raise Invalid(errors={"done": [_("This task repeats: mark its occurrences done in the planner.")]})
        before = self._before(task)
        if writing:
            if values:
                task = update_task(actor=context.actor, task=task, **values)
            if done:
                complete_task(actor=context.actor, task=task)
            self._made(context, row, task.pk, keys, writing=writing)
        return Outcome(
            row.number,
            ImportRow.Outcome.UPDATED,
            object_id=task.pk,
            stamp=self._stamp(task.pk),
            before=before,
            shown=shown,
        )

    @staticmethod
    def _stamp(pk: int) -> str:
        return stamp_of(Task.objects.filter(pk=pk).values_list("updated_at", flat=True).first())

    @staticmethod
    def _before(task: Task) -> dict:
        """What an update may replace, as `undo` puts it back (the task was open: done ones are not updated)."""
        return {
            "title": task.title,
            "description": task.description,
            "kind": task.kind,
            "priority": task.priority,
            "due_at": task.due_at.isoformat(),
            "all_day": task.all_day,
            "assignee": task.assignee_id,
            "client": task.client_id,
            "status": task.status,
        }

    # Undoing

    def moved(self, ids_and_stamps) -> set[int]:
        stamps = dict(ids_and_stamps)
        now = dict(Task.objects.filter(pk__in=list(stamps)).values_list("pk", "updated_at"))
        return {pk for pk, stamp in stamps.items() if pk not in now or stamp_of(now[pk]) != stamp}

    @transaction.atomic
    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        """Delete the tasks the import planned and put back what it changed, reopening those it marked done."""
        tasks = list(Task.objects.filter(pk__in=created))
        for task in tasks:
            delete_task(actor=actor, task=task)
        forget_keys(self.key, [task.pk for task in tasks])
        for pk, before in updated:
            task = Task.objects.select_related("assignee", "client").filter(pk=pk).first()
            if task is not None:
                self._restore(actor, task, before)

    @staticmethod
    def _restore(actor, task: Task, before: dict) -> None:
        try:
            if task.status != before["status"] and before["status"] == Status.OPEN:
                TasksTarget._reopen(actor, task)
            update_task(
                actor=actor,
                task=task,
                title=before["title"],
                description=before["description"],
                kind=before["kind"],
                priority=before["priority"],
                due_at=datetime.fromisoformat(before["due_at"]),
                all_day=before["all_day"],
                assignee=get_user_model().objects.get(pk=before["assignee"]),
                client=Client.objects.filter(pk=before["client"] or 0).first(),
            )
        except DomainError as refused:
            message = _("“%(record)s” cannot be put back as it was: %(reason)s")
            raise Conflict(message % {"record": task, "reason": refusal(refused, {})}) from None
        except get_user_model().DoesNotExist:
            message = _("“%(record)s” cannot be put back as it was: what it named before was deleted since.")
            raise Conflict(message % {"record": task}) from None

    @staticmethod
    def _reopen(actor, task: Task) -> None:
        """Take back the completion the import made (the planner has no use case for it: a done task stays done)."""
        policy.require(actor, Action.EDIT, task)
        before = audit.snapshot(task, ["status", "result"])
        task.status, task.done_at, task.result = Status.OPEN, None, ""
        task.next_reminder_at = next_reminder_at(task, timezone.now())
        task.save()
        audit.record(
            actor, audit.Verb.UPDATE, task, changes=audit.diff(before, audit.snapshot(task, ["status", "result"]))
        )
