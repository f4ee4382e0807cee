"""Reading tasks, always through the access policy: the list, the task page, the client's tab,
the workspace's strip, progress figure and search, and what the task form offers.

Every page reads a bounded number of queries whatever the number of tasks: the list is a
count and a page (its rows with their client, deal and assignee joined); the filters are on
indexed columns: (assignee, status, due_at), (status, due_at), (client, status, due_at), the
open tasks' overdue time and (assignee, done_at) for the progress figure.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import Page, ordered, page_of
from carte.core.navigation import Figure, SearchHit
from carte.planner import recurrence
from carte.planner.models import Task
from carte.planner.recurrence import Repeat

Action = policy.Action
Status = Task.Status
ROW_RELATED = ("client", "deal", "assignee")
STRIP_SIZE = 10
TAB_OPEN_SIZE = 50
TAB_DONE_SIZE = 10
SORTS = {"due": "due_at", "title": "title", "created": "created_at", "done": "done_at"}
DEFAULT_SORT = "due"
STATUSES = ("open", "done", "cancelled", "all")
PERIODS = ("all", "overdue", "today", "week", "later")
ASSIGNEES = ("me", "department", "all")  # or an employee's id


def zone_for(user) -> ZoneInfo:
    """The time zone a user reads times in (their own, or the installation's)."""
    return recurrence.zone_of(user)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a day in a time zone, in UTC."""
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def today_of(user, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone_for(user)).date()


# One task


def tasks_visible_to(user, action: str = Action.VIEW) -> QuerySet:
    """The tasks this user may `action` (view by default): their own, those shared with them, and
    those of the people their scope reaches."""
    return policy.visible(user, Task.objects.all(), action)


def get_task_for(actor, pk, action: str = Action.VIEW) -> Task:
    """The task with this id, with its client, deal and assignee, if the user may see it and do `action`.

    NotFound when it does not exist or is hidden (the two are indistinguishable on purpose);
    NotAllowed when it is visible but the action is not allowed.
    """
    try:
        task = tasks_visible_to(actor).select_related(*ROW_RELATED, "author", "series").get(pk=int(pk))
    except (Task.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != Action.VIEW:
        policy.require(actor, action, task)
    return task


def done_occurrences(user, task: Task, limit: int = 20) -> list[Task]:
    """A series' done occurrences the user may see, latest first."""
    if not task.rrule:
        return []
    return list(tasks_visible_to(user).filter(series=task, status=Status.DONE).order_by("-due_at", "-id")[:limit])


def co_assignees_of(task: Task) -> list:
    return list(task.co_assignees.order_by("first_name", "last_name", "username"))


# The list


@dataclass(frozen=True)
class TaskCriteria:
    """The filters of the task list (screen and API). Times are aware datetimes."""

    assignee: str = "me"  # "me", "department", "all" or an employee's id
    status: str = "open"
    period: str = "all"
    kind: str = ""
    client: int | None = None
    deal: int | None = None
    text: str = ""
    due_from: datetime | None = None
    due_to: datetime | None = None
    overdue: bool | None = None
    sort: str = DEFAULT_SORT


def _read_id(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(errors={name: [_("Choose one from the list.")]}) from None


def read_criteria(params, user) -> TaskCriteria:
    """The list's filters from a query string (or a dict); Invalid with a message for a value it cannot read."""
    errors: dict[str, list] = {}
    assignee = str(params.get("assignee") or "me")
    if assignee not in ASSIGNEES and not assignee.isdigit():
        errors["assignee"] = [_("Choose whose tasks to show.")]
    status = str(params.get("status") or "open")
    if status not in STATUSES:
        errors["status"] = [_("Choose a status.")]
    period = str(params.get("period") or "all")
    if period not in PERIODS:
        errors["period"] = [_("Choose a period.")]
    kind = str(params.get("kind") or "")
    if kind and kind not in Task.Kind.values:
        errors["kind"] = [_("Choose a kind of task.")]
    ids = {}
    for name in ("client", "deal"):
        try:
            ids[name] = _read_id(params.get(name), name)
        except Invalid as refused:
            errors.update(refused.errors)
    if errors:
        raise Invalid(errors=errors)
    return TaskCriteria(
        assignee=assignee,
        status=status,
        period=period,
        kind=kind,
        client=ids.get("client"),
        deal=ids.get("deal"),
        text=" ".join(str(params.get("q") or params.get("text") or "").split())[:200],
        sort=str(params.get("sort") or DEFAULT_SORT),
    )


def _shared_with(user) -> QuerySet:
    through = Task.co_assignees.through
    return through.objects.filter(employee_id=user.pk).values("task_id")


def _mine(user) -> Q:
    """Tasks the user does: assigned to them or shared with them."""
    return Q(assignee=user) | Q(pk__in=_shared_with(user))


def _period(user, period: str, now: datetime) -> Q:
    zone = zone_for(user)
    today = now.astimezone(zone).date()
    start, end = day_bounds(today, zone)
    week_end = day_bounds(today + timedelta(days=6 - today.weekday()), zone)[1]
    if period == "overdue":
        return Q(status=Status.OPEN, overdue_at__lt=now)
    if period == "today":
        return Q(due_at__gte=start, due_at__lt=end)
    if period == "week":
        return Q(due_at__gte=start, due_at__lt=week_end)
    if period == "later":
        return Q(due_at__gte=week_end)
    return Q()


def tasks_for(user, criteria: TaskCriteria | None = None, now: datetime | None = None) -> QuerySet:
    """Tasks the user may see matching the criteria, sorted, with what a row shows (no query per row)."""
    policy.require(user, Action.VIEW, Task)
    criteria = criteria or TaskCriteria()
    now = now or timezone.now()
    tasks = tasks_visible_to(user).select_related(*ROW_RELATED)
    if criteria.assignee == "me":
        tasks = tasks.filter(_mine(user))
    elif criteria.assignee == "department":
        tasks = tasks.filter(assignee__department_id=user.department_id) if user.department_id else tasks.none()
    elif criteria.assignee.isdigit():
        tasks = tasks.filter(assignee_id=int(criteria.assignee))
    if criteria.status != "all":
        tasks = tasks.filter(status=criteria.status)
    tasks = tasks.filter(_period(user, criteria.period, now))
    if criteria.kind:
        tasks = tasks.filter(kind=criteria.kind)
    if criteria.client:
        tasks = tasks.filter(client_id=criteria.client)
    if criteria.deal:
        tasks = tasks.filter(deal_id=criteria.deal)
    if criteria.due_from:
        tasks = tasks.filter(due_at__gte=criteria.due_from)
    if criteria.due_to:
        tasks = tasks.filter(due_at__lt=criteria.due_to)
    if criteria.overdue is not None:
        late = Q(status=Status.OPEN, overdue_at__lt=now)
        tasks = tasks.filter(late) if criteria.overdue else tasks.exclude(late)
    if criteria.text:
        tasks = tasks.filter(title__icontains=criteria.text)
    return ordered(tasks, criteria.sort, SORTS, DEFAULT_SORT)


def task_page(user, criteria: TaskCriteria | None = None, number=1, size=None) -> Page:
    """One page of the list: two queries (count and rows)."""
    return page_of(tasks_for(user, criteria), number, size)


def assignable_employees(user, action: str = Action.CREATE) -> QuerySet:
    """Active employees the user may plan tasks for: everyone, their department or themselves, as their scope says."""
    employees = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    granted = policy.scope(user, "tasks", action)
    if granted == policy.Scope.ALL:
        return employees
    if granted == policy.Scope.DEPARTMENT and user.department_id:
        return employees.filter(Q(department_id=user.department_id) | Q(pk=user.pk))
    if granted == policy.Scope.NONE:
        return employees.none()
    return employees.filter(pk=user.pk)


# The client card's tab


def client_tasks(user, client: Client) -> dict:
    """The client's open tasks the user may see (soonest first) and the last ten done."""
    visible = tasks_visible_to(user).filter(client=client).select_related("assignee", "deal")
    return {
        "open": list(visible.filter(status=Status.OPEN).order_by("due_at", "id")[:TAB_OPEN_SIZE]),
        "done": list(visible.filter(status=Status.DONE).order_by("-done_at", "-id")[:TAB_DONE_SIZE]),
    }


def open_task_count(user, client: Client) -> int:
    return tasks_visible_to(user).filter(client=client, status=Status.OPEN).count()


# The workspace: strip, progress, search


def _may_read(user) -> bool:
    return policy.scope(user, "tasks", Action.VIEW) != policy.Scope.NONE


def when_text(task: Task, zone: ZoneInfo) -> str:
    """ "2026-11-30 09:00" in the reader's zone, or "2026-11-30" for an all-day task."""
    if task.all_day:  # the assignee's date: an all-day task is about a day, not an instant
        return formats.date_format(task.day, "SHORT_DATE_FORMAT")
    local = task.due_at.astimezone(zone)
    shown = formats.date_format(local.date(), "SHORT_DATE_FORMAT")
    return f"{shown} {formats.time_format(local.time(), 'TIME_FORMAT')}"


def my_day(user, now: datetime | None = None) -> list[SearchHit]:
    """The strip "My tasks today": the user's overdue tasks first, then today's (at most STRIP_SIZE, one query)."""
    if not _may_read(user):
        return []
    now = now or timezone.now()
    zone = zone_for(user)
    end = day_bounds(now.astimezone(zone).date(), zone)[1]
    tasks = (
        Task.objects.open()
        .filter(_mine(user), due_at__lt=end)
        .select_related("client", "assignee")  # an all-day task's date is its assignee's (Task.day)
        .annotate(late=Case(When(overdue_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("late", "due_at", "id")[:STRIP_SIZE]
    )
    address = reverse("planner:task_detail", args=[0])
    cut = address.rindex("0")
    hits = []
    for task in tasks:
        parts = [
            str(_("Overdue")) if task.late == 0 else "",
            when_text(task, zone),
            task.client.name if task.client else "",
        ]
        hits.append(
            SearchHit(
                kind=str(Task.Kind(task.kind).label),
                title=task.title,
                detail=" · ".join(part for part in parts if part),
                url=f"{address[:cut]}{task.pk}{address[cut + 1 :]}",
            )
        )
    return hits


def today_figures(user, now: datetime | None = None) -> list[Figure]:
    """The "my progress" figure: tasks done today out of those planned (done today + open due today or overdue)."""
    if not _may_read(user):
        return []
    now = now or timezone.now()
    start, end = day_bounds(today_of(user, now), zone_for(user))
    done_today = Q(status=Status.DONE, done_at__gte=start, done_at__lt=end)
    still_open = Q(status=Status.OPEN, due_at__lt=end)
    counts = Task.objects.filter(assignee=user).aggregate(
        done=Count("pk", filter=done_today), open=Count("pk", filter=still_open)
    )
    return [Figure(_("Tasks today"), counts["done"], counts["done"] + counts["open"])]


def search_hits(user, text: str, limit: int = 10) -> list[SearchHit]:
    """The global search's tasks: titles containing the text, among the tasks the user may see (one query)."""
    text = " ".join((text or "").split())
    if not text or not _may_read(user):
        return []
    tasks = (
        tasks_visible_to(user)
        .filter(title__icontains=text)
        .select_related("client")
        .order_by("-updated_at", "-id")[:limit]
    )
    zone = zone_for(user)
    return [
        SearchHit(
            kind=str(Task.Kind(task.kind).label),
            title=task.title,
            detail=" · ".join(
                part
                for part in (
                    str(Status(task.status).label),
                    when_text(task, zone),
                    task.client.name if task.client else "",
                )
                if part
            ),
            url=reverse("planner:task_detail", args=[task.pk]),
        )
        for task in tasks
    ]


# A series as people read it


WEEKDAY_NAMES = {
    "MO": _lazy("Mon"),
    "TU": _lazy("Tue"),
    "WE": _lazy("Wed"),
    "TH": _lazy("Thu"),
    "FR": _lazy("Fri"),
    "SA": _lazy("Sat"),
    "SU": _lazy("Sun"),
}


def repeat_of(task: Task) -> Repeat | None:
    """The recurrence of a series as the task form shows it; None for a single task (or a rule the form cannot show)."""
    if not task.rrule:
        return None
    parts = dict(part.split("=", 1) for part in task.rrule.split(";") if "=" in part)
    frequency = parts.get("FREQ", "")
    if frequency not in recurrence.FREQUENCIES:
        return None
    until = None
    if parts.get("UNTIL"):
        try:
            moment = datetime.strptime(parts["UNTIL"].rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
        until = moment.astimezone(recurrence.zone_of(task.assignee)).date()
    try:
        return Repeat(
            frequency=frequency,
            interval=int(parts.get("INTERVAL", "1")),
            weekdays=tuple(day for day in parts.get("BYDAY", "").split(",") if day in recurrence.WEEKDAYS),
            until=until,
            count=int(parts["COUNT"]) if parts.get("COUNT") else None,
        )
    except ValueError:
        return None


def series_text(task: Task) -> str:
    """ "Repeats weekly on Mon, Wed until 31/12/2026", "Repeats every 2 days, 10 times" — or the rule itself."""
    repeat = repeat_of(task)
    if repeat is None:
        return _("Repeats (%(rule)s)") % {"rule": task.rrule} if task.rrule else ""
    every = {
        "DAILY": ngettext("Repeats daily", "Repeats every %(count)d days", repeat.interval),
        "WEEKLY": ngettext("Repeats weekly", "Repeats every %(count)d weeks", repeat.interval),
        "MONTHLY": ngettext("Repeats monthly", "Repeats every %(count)d months", repeat.interval),
        "YEARLY": ngettext("Repeats yearly", "Repeats every %(count)d years", repeat.interval),
    }[repeat.frequency] % {"count": repeat.interval}
    if repeat.weekdays:
        every = _("%(every)s on %(days)s") % {
            "every": every,
            "days": ", ".join(str(WEEKDAY_NAMES[day]) for day in repeat.weekdays),
        }
    if repeat.until:
        every = _("%(every)s until %(date)s") % {
            "every": every,
            "date": formats.date_format(repeat.until, "SHORT_DATE_FORMAT"),
        }
    if repeat.count:
        every = ngettext("%(every)s, %(count)d time", "%(every)s, %(count)d times", repeat.count) % {
            "every": every,
            "count": repeat.count,
        }
    return every
