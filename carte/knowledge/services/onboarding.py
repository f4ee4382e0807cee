"""Onboardings of new employees: start one, record what was read and done, see who finished.

An onboarding is a checklist for one new employee: the articles marked for newcomers, in
their language, to read, and the company's first tasks, each a real task in their planner.
Reading an article (the article page calls `note_article_read`) and completing a task (the
planner's "task.completed" event) tick items; when nothing is left the onboarding is finished.

Rights come from the "onboarding" module: starting one for an employee needs "create" over
that employee (a manager: their department), cancelling one "delete" over it. The first tasks
and the "onboard every new employee" switch are company settings: they need "create" with
scope "all". `actor=None` is Carte itself: the automatic start when an employee is created,
which the company decided with the switch, so no one's rights are checked then.
"""

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carte.core import audit, events, policy
from carte.core.errors import Conflict, DomainError, Invalid, NotAllowed
from carte.knowledge.models import Article, FirstTask, Onboarding, OnboardingItem, Rollout
from carte.planner import services as planner
from carte.planner.models import Task

log = logging.getLogger(__name__)

Action, Scope, Verb = policy.Action, policy.Scope, audit.Verb
Kind = OnboardingItem.Kind
MODULE = "onboarding"

# The starter articles in the order a newcomer best reads them; the company's own come after.
STARTER_ORDER = ["workspace", "client-card", "deals", "planner", "calls", "import", "backups", "rights"]
FIRST_TASK_FIELDS = ["title", "description", "days"]
TITLE_LENGTH: int = FirstTask._meta.get_field("title").max_length or 200
DESCRIPTION_LENGTH = 2000
MAX_DAYS = 365
DUE_TIME = time(10, 0)  # first tasks are due at 10:00 where the employee is


# ---------------------------------------------------------------------------------------------
# Starting and cancelling
# ---------------------------------------------------------------------------------------------


def may_start(actor, employee) -> bool:
    """May the actor start an onboarding for this employee ("onboarding" create over them)?"""
    return policy.can(actor, Action.CREATE, Onboarding(employee=employee))


def start_onboarding(*, actor, employee) -> Onboarding:
    """Start the onboarding of an employee: the newcomers' articles to read and the first tasks to do.

    Needs "create" in onboarding over the employee. Refused with Conflict when the employee
    already has one (finished or not), with Invalid when they are not active. The reading list
    is the articles marked for newcomers in the employee's language (their own, else the
    company's), a starter article missing in that language read in English. Each first task
    becomes a task in the employee's planner, due its `days` after today at 10:00 in their
    time zone; the actor must be allowed to plan tasks for them. Audited.
    """
    if not may_start(actor, employee):
        raise NotAllowed(_("You cannot start an onboarding for %(name)s.") % {"name": employee})
    return _start(actor=actor, employee=employee, started_by=actor)


@transaction.atomic
def _start(*, actor, employee, started_by) -> Onboarding:
    """Write the onboarding, its items and its tasks (rights already checked, or Carte itself)."""
    # Lock the employee's row: two starts at once for the same person wait for each other.
    employee = get_user_model().objects.select_for_update().get(pk=employee.pk)
    if not employee.is_active:
        raise Invalid(errors={"employee_id": [_("Choose an active employee.")]})
    if Onboarding.objects.filter(employee=employee).exists():
        raise Conflict(_("%(name)s already has an onboarding.") % {"name": employee})
    now = timezone.now()
    onboarding = Onboarding.objects.create(employee=employee, started_by=started_by, started_at=now)
    items = [
        OnboardingItem(onboarding=onboarding, kind=Kind.READ, title=article.title, article=article, order=order)
        for order, article in enumerate(reading_list(_language_of(employee)), start=1)
    ]
    start_day = timezone.localtime(now, _zone_of(employee)).date()
    for order, first_task in enumerate(FirstTask.objects.order_by("order", "id"), start=len(items) + 1):
        task = planner.create_task(
            actor=actor,
            assignee=employee,
            title=first_task.title,
            description=first_task.description,
            due_at=datetime.combine(start_day + timedelta(days=first_task.days), DUE_TIME, tzinfo=_zone_of(employee)),
        )
        items.append(OnboardingItem(onboarding=onboarding, kind=Kind.TASK, title=task.title, task=task, order=order))
    if not items:
        raise Invalid(_("There is nothing to give a newcomer yet: add first tasks or mark articles for newcomers."))
    OnboardingItem.objects.bulk_create(items)
    audit.record(
        actor,
        Verb.CREATE,
        onboarding,
        changes={
            "employee": [None, str(employee)],
            "reads": [None, sum(item.kind == Kind.READ for item in items)],
            "tasks": [None, sum(item.kind == Kind.TASK for item in items)],
        },
    )
    events.emit("onboarding.started", actor=actor, onboarding_id=onboarding.pk, employee_id=employee.pk)
    return onboarding


def _language_of(employee) -> str:
    return employee.language or settings.LANGUAGE_CODE


def _zone_of(employee) -> ZoneInfo:
    try:
        return ZoneInfo(employee.time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def reading_list(language: str) -> list[Article]:
    """The articles for newcomers in this language, and the starter ones it lacks in English (one query).

    In reading order: by category, then the starter articles in STARTER_ORDER, then by title.
    """
    candidates = Article.objects.filter(for_newcomers=True, language__in={language, "en"}).select_related("category")
    chosen = [article for article in candidates if article.language == language]
    present = {article.starter_key for article in chosen if article.starter_key}
    chosen += [
        article
        for article in candidates
        if article.language == "en" and language != "en" and article.starter_key and article.starter_key not in present
    ]

    def rank(article: Article):
        category = article.category.order if article.category else 10**6
        starter = (
            STARTER_ORDER.index(article.starter_key) if article.starter_key in STARTER_ORDER else len(STARTER_ORDER)
        )
        return (category, starter, article.title.casefold(), article.pk)

    return sorted(chosen, key=rank)


@transaction.atomic
def cancel_onboarding(*, actor, onboarding: Onboarding) -> None:
    """Cancel an onboarding in progress: its checklist goes, and its first tasks still open are cancelled.

    Needs "delete" in onboarding over the employee, and the right to change their tasks. A
    finished onboarding is kept (Conflict). Afterwards a new onboarding may be started. Audited.
    """
    policy.require(actor, Action.DELETE, onboarding)
    current = Onboarding.objects.select_for_update().filter(pk=onboarding.pk).first()
    if current is None:
        raise Conflict(_("This onboarding was cancelled meanwhile."))
    if current.finished_at is not None:
        raise Conflict(_("This onboarding is finished: there is nothing left to cancel."))
    open_tasks = [
        item.task
        for item in current.items.filter(kind=Kind.TASK, task__status=Task.Status.OPEN).select_related("task__assignee")
        if item.task is not None
    ]
    for task in open_tasks:
        planner.cancel_task(actor=actor, task=task)
    audit.record(
        actor,
        Verb.DELETE,
        current,
        changes={"employee": [str(current.employee), None], "tasks_cancelled": [None, len(open_tasks)]},
    )
    current.delete()


# ---------------------------------------------------------------------------------------------
# Ticking items
# ---------------------------------------------------------------------------------------------


def note_article_read(*, employee, article: Article) -> None:
    """The employee opened the article: it is read on their onboarding's reading list, if it is there."""
    items = OnboardingItem.objects.filter(
        onboarding__employee=employee, kind=Kind.READ, article=article, done_at__isnull=True
    )
    with transaction.atomic():
        if items.update(done_at=timezone.now()):
            _finish_if_complete(employee.pk)


def note_task_completed(event: events.Event) -> None:
    """The "task.completed" subscriber: a first task done ticks its item (and may finish the onboarding)."""
    task_id = event.data.get("task_id")
    if task_id is None:
        return
    with transaction.atomic():
        items = OnboardingItem.objects.filter(kind=Kind.TASK, task_id=task_id, done_at__isnull=True)
        employees = list(items.values_list("onboarding__employee", flat=True))
        if items.update(done_at=timezone.now()):
            for employee_id in employees:
                _finish_if_complete(employee_id)


def _finish_if_complete(employee_id: int) -> None:
    """Mark the employee's onboarding finished once nothing is left to read or do."""
    onboarding = Onboarding.objects.filter(employee_id=employee_id, finished_at__isnull=True).first()
    if onboarding and not onboarding.items.filter(done_at__isnull=True).exists():
        onboarding.finished_at = timezone.now()
        onboarding.save(update_fields=["finished_at"])
        events.emit("onboarding.finished", onboarding_id=onboarding.pk, employee_id=onboarding.employee_id)


# ---------------------------------------------------------------------------------------------
# Starting automatically
# ---------------------------------------------------------------------------------------------


def onboards_new_employees() -> bool:
    """The company's switch: start an onboarding for every new employee (on when nothing was chosen)."""
    return Rollout.current().onboard_new_employees


def may_change_settings(actor) -> bool:
    """The first tasks and the switch are the company's: "create" in onboarding with scope all."""
    return policy.can_in_module(actor, MODULE, Action.CREATE, Scope.ALL)


def require_settings(actor) -> None:
    """Refuse (NotAllowed) who may not change the first tasks and the switch."""
    if not may_change_settings(actor):
        raise NotAllowed()


@transaction.atomic
def set_onboard_new_employees(*, actor, enabled: bool) -> Rollout:
    """Turn the automatic start for new employees on or off (administrators by default). Audited."""
    require_settings(actor)
    if not isinstance(enabled, bool):
        raise Invalid(errors={"enabled": [_("Choose on or off.")]})
    rollout = Rollout.locked()
    if rollout.onboard_new_employees != enabled:
        rollout.onboard_new_employees = enabled
        rollout.save(update_fields=["onboard_new_employees"])
        audit.record(actor, Verb.UPDATE, rollout, changes={"onboard_new_employees": [not enabled, enabled]})
    return rollout


def start_for_new_employee(event: events.Event) -> None:
    """The "employee.created" subscriber: start the newcomer's onboarding when the switch is on.

    Carte starts it itself (the company chose so with the switch); the employee who created
    the account is kept as who started it. An employee who already has one is left alone.
    """
    employee_id = event.data.get("employee_id")
    if employee_id is None or not onboards_new_employees():
        return
    employee = get_user_model().objects.filter(pk=employee_id, is_active=True).first()
    if employee is None or Onboarding.objects.filter(employee=employee).exists():
        return
    creator = event.actor if getattr(event.actor, "pk", None) else None
    try:
        _start(actor=None, employee=employee, started_by=creator)
    except DomainError as refused:  # nothing to give yet, or started meanwhile: the account stays as it is
        log.warning("No onboarding started for %s: %s", employee, refused.message)


# ---------------------------------------------------------------------------------------------
# The first tasks
# ---------------------------------------------------------------------------------------------


def _first_task_values(values: dict, current: FirstTask | None = None) -> dict:
    """Check a first task's title, description and days; Invalid with a message per field."""
    unknown = set(values) - set(FIRST_TASK_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    errors: dict[str, list] = {}
    cleaned: dict = {}
    if "title" in values or current is None:
        title = " ".join(str(values.get("title") or "").split())
        if not title:
            errors["title"] = [_("Give the first task a title.")]
        elif len(title) > TITLE_LENGTH:
            errors["title"] = [_("At most %(count)d characters.") % {"count": TITLE_LENGTH}]
        cleaned["title"] = title
    if "description" in values:
        description = str(values["description"] or "").strip()
        if len(description) > DESCRIPTION_LENGTH:
            errors["description"] = [_("At most %(count)d characters.") % {"count": DESCRIPTION_LENGTH}]
        cleaned["description"] = description
    if "days" in values:
        days = values["days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
            errors["days"] = [_("Give a number of days from 0 to %(max)d.") % {"max": MAX_DAYS}]
        cleaned["days"] = days
    if errors:
        raise Invalid(errors=errors)
    return cleaned


@transaction.atomic
def create_first_task(*, actor, title, description: str = "", days: int = 3) -> FirstTask:
    """Add a first task at the end of the list; onboardings started from now on include it. Audited."""
    require_settings(actor)
    values = _first_task_values({"title": title, "description": description, "days": days})
    last = FirstTask.objects.aggregate(last=Max("order"))["last"] or 0
    first_task = FirstTask.objects.create(order=last + 10, **values)
    audit.record(actor, Verb.CREATE, first_task, changes=audit.diff({}, audit.snapshot(first_task, FIRST_TASK_FIELDS)))
    return first_task


@transaction.atomic
def update_first_task(*, actor, first_task: FirstTask, **values) -> FirstTask:
    """Change a first task's title, description or days (onboardings already started keep theirs). Audited."""
    require_settings(actor)
    cleaned = _first_task_values(values, current=first_task)
    current = FirstTask.objects.select_for_update().get(pk=first_task.pk)
    before = audit.snapshot(current, FIRST_TASK_FIELDS)
    for name, value in cleaned.items():
        setattr(current, name, value)
    changes = audit.diff(before, audit.snapshot(current, FIRST_TASK_FIELDS))
    if changes:
        current.save()
        audit.record(actor, Verb.UPDATE, current, changes=changes)
    return current


@transaction.atomic
def delete_first_task(*, actor, first_task: FirstTask) -> None:
    """Remove a first task from the list; tasks already given to employees stay in their planners. Audited."""
    require_settings(actor)
    audit.record(actor, Verb.DELETE, first_task, changes=audit.diff(audit.snapshot(first_task, FIRST_TASK_FIELDS), {}))
    FirstTask.objects.filter(pk=first_task.pk).delete()


@transaction.atomic
def reorder_first_tasks(*, actor, first_task_ids: list) -> list[FirstTask]:
    """Put the first tasks in this order: every one of them, each once (Invalid otherwise). Audited."""
    require_settings(actor)
    first_tasks = list(FirstTask.objects.select_for_update().order_by("order", "id"))
    by_id = {first_task.pk: first_task for first_task in first_tasks}
    message = _("Name every first task once.")
    try:
        wanted = [int(pk) for pk in first_task_ids]
    except (TypeError, ValueError):
        raise Invalid(message, errors={"first_tasks": [message]}) from None
    if sorted(wanted) != sorted(by_id):
        raise Invalid(message, errors={"first_tasks": [message]})
    ordered = [by_id[pk] for pk in wanted]
    before = [first_task.pk for first_task in first_tasks]
    for position, first_task in enumerate(ordered, start=1):
        if first_task.order != position * 10:
            first_task.order = position * 10
            first_task.save(update_fields=["order"])
    if wanted != before:
        audit.record(actor, Verb.UPDATE, None, label=_("Order of the first tasks"), changes={"order": [before, wanted]})
    return ordered


def move_first_task(*, actor, first_task: FirstTask, step: int) -> list[FirstTask]:
    """Move a first task one place up (step -1) or down (+1)."""
    ids = list(FirstTask.objects.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(first_task.pk)
    ids.insert(min(max(index + step, 0), len(ids) - 1), ids.pop(index))
    return reorder_first_tasks(actor=actor, first_task_ids=ids)


def _default_first_tasks() -> list[dict]:
    """The first tasks a new installation starts with (read in the active language)."""
    return [
        {
            "title": _("Set up your profile: language, time zone, phone extension"),
            "description": _(
                "Open My profile from the menu under your name. Choose your language and time zone, and give "
                "your phone extension: it is how Carte knows which calls are yours."
            ),
            "days": 1,
        },
        {
            "title": _("Open a client card and read its timeline"),
            "description": _(
                "Open Clients, pick one of your clients and read its card: the Overview, the contact persons "
                "and, beside the tabs, the timeline of everything that happened with it."
            ),
            "days": 2,
        },
        {
            "title": _("Log a call"),
            "description": _(
                "After your next phone call with a client, press New call in the action bar (key k) and write "
                "what came of it."
            ),
            "days": 3,
        },
        {
            "title": _("Plan a task for tomorrow"),
            "description": _(
                "Press New task in the action bar (key t) and plan something you will do tomorrow, about a "
                "client if you can."
            ),
            "days": 3,
        },
    ]


def seed_first_tasks(**kwargs) -> int:
    """Create the default first tasks when there are none (after every migrate); returns how many.

    Idempotent: a list an administrator emptied on purpose is filled again only on the next
    migrate, and a list with anything in it is never touched. Titles are written in the
    installation's language.
    """
    with transaction.atomic():
        if FirstTask.objects.exists():
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            defaults = _default_first_tasks()
        FirstTask.objects.bulk_create(
            FirstTask(order=position * 10, **values) for position, values in enumerate(defaults, start=1)
        )
    return len(defaults)
