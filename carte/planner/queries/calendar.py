"""Reading the calendar: the occurrences of tasks in a window, whose calendars a user may open, and
what an employee's phone calendar feed lists.

A calendar shows occurrences, not rows: a single task is one occurrence at its due time, a
series (a task with a recurrence rule) is expanded for the window only (carte.planner.recurrence),
and done tasks stay where they were due, struck through. Everything is read in a constant number
of queries whatever the data: one for the single and done tasks in the window, one for the open
series that may reach into it, both through the indexes on (assignee, status, due_at) and
(status, due_at) and scoped by the access policy.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.accounts.models import Department, Employee
from carte.core import policy
from carte.core.errors import Invalid, NotAllowed
from carte.planner import recurrence
from carte.planner.models import Task

MAX_WINDOW = timedelta(days=62)  # two months and a bit: a month view, and what the API allows
# All-day tasks are kept at the start of their day where the assignee is: a window is read a day
# wider on each side so that one kept in another time zone is still found, then cut to the window.
MARGIN = timedelta(days=1)
FEED_PAST = timedelta(days=60)
FIRST_YEAR, LAST_YEAR = (
    1900,
    2999,
)  # the years a calendar shows: far enough, and no date arithmetic overflows  # how far back a phone calendar feed goes
TASK_RELATIONS = ("assignee", "client")
# What an occurrence shows and how a series expands: a week of a department reads hundreds of
# rows, and the columns left out (texts, reminders, audit times) are most of each row's cost.
OCCURRENCE_FIELDS = (
    "kind",
    "title",
    "status",
    "priority",
    "due_at",
    "all_day",
    "duration",
    "rrule",
    "series_start",
    "skipped",
    "assignee_id",
    "client__name",
)
# The assignees are read apart, once each: a department's week has hundreds of tasks but a dozen
# people, and an employee object per row (through a join) was a third of the week's reading.
PERSON_FIELDS = ("pk", "first_name", "last_name", "username", "time_zone", "department_id")
SHARED = Task.co_assignees.through


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a task as a calendar shows it: from `start` to `end` (UTC).

    An all-day occurrence starts at the beginning of its day where the assignee is and lasts a
    day. `overdue` is an open occurrence whose time has passed; `done` a completed task;
    `recurring` an occurrence of a series (moving it moves that occurrence only).
    """

    task: Task
    start: datetime
    end: datetime
    all_day: bool
    overdue: bool
    done: bool
    recurring: bool

    def day_in(self, zone: ZoneInfo) -> date:
        """The day the occurrence is shown on for someone in `zone`; an all-day one keeps its own date."""
        if self.all_day:
            return self.start.astimezone(recurrence.zone_of(self.task.assignee)).date()
        return self.start.astimezone(zone).date()

    @property
    def occurrence_key(self) -> str:
        """The occurrence as the series lists it (ISO, UTC): what a move of this occurrence names."""
        return self.start.isoformat() if self.recurring else ""


# Whose calendar


def calendar_people(user) -> QuerySet[Employee]:
    """The active employees whose calendar the user may open: those their "tasks / view" scope
    reaches (themselves; their department's people; everyone), by name."""
    granted = policy.scope(user, "tasks", policy.Action.VIEW)
    people = Employee.objects.filter(is_active=True)
    if granted == policy.Scope.ALL:
        return people
    if granted == policy.Scope.DEPARTMENT and user.department_id:
        return people.filter(Q(department_id=user.department_id) | Q(pk=user.pk))
    if granted == policy.Scope.NONE:
        return people.none()
    return people.filter(pk=user.pk)


def calendar_departments(user) -> QuerySet[Department]:
    """The departments whose calendar the user may open: all of them with scope "all", their own
    with scope "department", none otherwise."""
    granted = policy.scope(user, "tasks", policy.Action.VIEW)
    if granted == policy.Scope.ALL:
        return Department.objects.all()
    if granted == policy.Scope.DEPARTMENT and user.department_id:
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


def _people_filter(user, employee_ids, department_id) -> Q:
    """Tasks assigned to or shared with the chosen people (the user by default); NotAllowed for a
    department or an employee whose calendar the user may not open."""
    people: QuerySet | list[int]
    if department_id is not None:
        if not calendar_departments(user).filter(pk=department_id).exists():
            raise NotAllowed(_("You may not see the calendar of this department."))
        people = Employee.objects.filter(department_id=department_id).values("pk")
    else:
        ids = sorted(set(employee_ids or [user.pk]))
        if ids != [user.pk] and calendar_people(user).filter(pk__in=ids).count() != len(ids):
            raise NotAllowed(_("You may not see the calendar of this employee."))
        people = ids
    shared = SHARED.objects.filter(employee_id__in=people).values("task_id")
    return Q(assignee_id__in=people) | Q(pk__in=shared)


def check_window(start: datetime, end: datetime) -> None:
    """Invalid unless `start` is before `end`, the window at most MAX_WINDOW long, and within the years a
    calendar shows (FIRST_YEAR to LAST_YEAR)."""
    if not (datetime(FIRST_YEAR, 1, 2, tzinfo=UTC) <= start and end <= datetime(LAST_YEAR, 12, 31, tzinfo=UTC)):
        raise Invalid(
            errors={
                "start": [_("Choose dates between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]
            }
        )
    if end <= start:
        raise Invalid(errors={"end": [_("The end of the period must be after its start.")]})
    if end - start > MAX_WINDOW:
        raise Invalid(errors={"end": [_("Show at most %(days)d days at a time.") % {"days": MAX_WINDOW.days}]})


# Occurrences


def occurrences_between(
    user,
    start: datetime,
    end: datetime,
    *,
    employee_ids: list[int] | None = None,
    department_id: int | None = None,
    with_clients: bool = True,
) -> list[Occurrence]:
    """The occurrences in [start, end) of the tasks the user may see, for the chosen employees
    (assigned or co-assigned; the user alone by default) or a whole department, by start time.

    Open single tasks and done tasks due in the window, and the open occurrences of series
    expanded for the window only; cancelled tasks are left out. Five queries at most whatever
    the data: the user's rights, whether they may open the calendar asked for (none for their
    own), the tasks in the window, the open series, their assignees. Each task comes with its
    assignee, and with its client unless `with_clients` is False (the calendar page shows none).
    Invalid for a window longer than MAX_WINDOW, NotAllowed for people the user may not see.
    """
    check_window(start, end)
    people = _people_filter(user, employee_ids, department_id)
    tasks = policy.visible(user, Task.objects.all()).filter(people)
    if with_clients:
        tasks = tasks.select_related("client").only(*OCCURRENCE_FIELDS)
    else:
        tasks = tasks.only(*(name for name in OCCURRENCE_FIELDS if not name.startswith("client")))
    low, high = start - MARGIN, end + MARGIN
    in_window = tasks.filter(status__in=(Task.Status.OPEN, Task.Status.DONE), due_at__gte=low, due_at__lt=high)
    in_window = in_window.exclude(Q(status=Task.Status.OPEN) & ~Q(rrule=""))
    series = tasks.filter(status=Task.Status.OPEN, due_at__lt=high).exclude(rrule="")

    viewer = recurrence.zone_of(user)
    first_day, last_day = start.astimezone(viewer).date(), (end - timedelta(microseconds=1)).astimezone(viewer).date()
    now = timezone.now()
    found: list[Occurrence] = []

    def add(task: Task, moment: datetime, recurring: bool) -> None:
        occurrence = _occurrence(task, moment, recurring, now)
        if occurrence.all_day:
            if first_day <= occurrence.day_in(viewer) <= last_day:
                found.append(occurrence)
        elif start <= occurrence.start < end:
            found.append(occurrence)

    singles, repeating = list(in_window), list(series)
    _with_assignees([*singles, *repeating])
    for task in singles:
        add(task, task.due_at, recurring=False)
    for task in repeating:
        for moment in recurrence.occurrences(task, low, high):
            add(task, moment, recurring=True)
    found.sort(key=lambda item: (item.start, not item.all_day, item.task.pk))
    return found


def _with_assignees(tasks: list[Task]) -> None:
    """Give each task its assignee, reading each employee once (one query; none without tasks)."""
    if not tasks:
        return
    ids = {task.assignee_id for task in tasks}
    people = {person.pk: person for person in Employee.objects.filter(pk__in=ids).only(*PERSON_FIELDS)}
    assignee = Task._meta.get_field("assignee")
    for task in tasks:
        assignee.set_cached_value(task, people[task.assignee_id])


def editable_task_ids(user, task_ids: list[int]) -> set[int]:
    """Which of these tasks the user may edit (and so move on the calendar): one query, none for no task."""
    if not task_ids:
        return set()
    editable = policy.visible(user, Task.objects.filter(pk__in=set(task_ids)), policy.Action.EDIT)
    return set(editable.values_list("pk", flat=True))


def _occurrence(task: Task, moment: datetime, recurring: bool, now: datetime) -> Occurrence:
    done = task.status == Task.Status.DONE
    length = timedelta(days=1) if task.all_day else timedelta(minutes=task.duration or 0)
    zone = recurrence.zone_of(task.assignee)
    if task.all_day:
        day = moment.astimezone(zone).date()
        moment = datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(moment.tzinfo)
    overdue = not done and recurrence.overdue_at(moment, task.all_day, zone) < now
    return Occurrence(
        task=task,
        start=moment,
        end=moment + length,
        all_day=task.all_day,
        overdue=overdue,
        done=done,
        recurring=recurring,
    )


# The phone calendar feed


def feed_tasks(employee: Employee, now: datetime | None = None) -> list[Task]:
    """What an employee's calendar feed lists: their tasks (assigned or co-assigned) that they
    may still see, open or done, due from FEED_PAST ago onward, and their open series however
    old (a series still runs). One query; an inactive employee's feed is empty."""
    if not employee.is_active:
        return []
    since = (now or timezone.now()) - FEED_PAST
    shared = SHARED.objects.filter(employee_id=employee.pk).values("task_id")
    tasks = policy.visible(employee, Task.objects.filter(Q(assignee_id=employee.pk) | Q(pk__in=shared)))
    tasks = tasks.filter(status__in=(Task.Status.OPEN, Task.Status.DONE)).filter(
        Q(due_at__gte=since) | (Q(status=Task.Status.OPEN) & ~Q(rrule=""))
    )
    return list(tasks.select_related(*TASK_RELATIONS).order_by("due_at", "pk"))
