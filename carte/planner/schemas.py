"""The shapes of tasks in the REST API: parsing and presenting only, the services check the rules.

A recurrence is a structured object ({frequency, interval, weekdays, until, count}); the
RFC 5545 rule it makes is shown read-only beside it. Times are ISO 8601; a time without an
offset is read in the assignee's time zone.
"""

from datetime import date, datetime

from ninja import Field, Schema

from carte.core.listing import DEFAULT_PAGE_SIZE
from carte.planner.models import Task
from carte.planner.queries.tasks import repeat_of
from carte.planner.recurrence import Repeat


class RecurrenceIn(Schema):
    frequency: str = Field(description="DAILY, WEEKLY, MONTHLY or YEARLY.")
    interval: int = Field(1, description="Every N days, weeks, months or years (1 to 365).")
    weekdays: list[str] = Field(default_factory=list, description="For WEEKLY: MO, TU, WE, TH, FR, SA, SU.")
    until: date | None = Field(None, description="The last day (in the assignee's time zone); not with count.")
    count: int | None = Field(None, description="How many times (1 to 1000); not with until.")

    def repeat(self) -> Repeat:
        return Repeat(
            frequency=self.frequency.upper(),
            interval=self.interval,
            weekdays=tuple(day.upper() for day in self.weekdays),
            until=self.until,
            count=self.count,
        )


class RecurrenceOut(Schema):
    frequency: str
    interval: int
    weekdays: list[str]
    until: date | None
    count: int | None
    rrule: str = Field(description="The RFC 5545 rule (without DTSTART), read-only.")


class TaskOut(Schema):
    id: int
    kind: str = Field(description="task, call, meeting or email.")
    title: str
    description: str
    client_id: int | None
    deal_id: int | None
    assignee_id: int
    co_assignee_ids: list[int]
    author_id: int | None
    due_at: datetime = Field(description="The (current occurrence's) time, UTC.")
    all_day: bool
    duration: int = Field(description="Minutes.")
    priority: str = Field(description="low, normal or high.")
    reminders: list[int] = Field(description="Minutes before the task.")
    recurrence: RecurrenceOut | None = Field(description="For a series; null for a single task.")
    series_id: int | None = Field(description="For a series' done occurrence: the series.")
    status: str = Field(description="open, done or cancelled.")
    overdue: bool
    result: str
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_co_assignee_ids(task: Task) -> list[int]:
        return sorted(employee.pk for employee in task.co_assignees.all())

    @staticmethod
    def resolve_overdue(task: Task) -> bool:
        return task.is_overdue

    @staticmethod
    def resolve_recurrence(task: Task) -> dict | None:
        if not task.rrule:
            return None
        repeat = repeat_of(task)
        if repeat is None:
            return {"frequency": "", "interval": 1, "weekdays": [], "until": None, "count": None, "rrule": task.rrule}
        return {
            "frequency": repeat.frequency,
            "interval": repeat.interval,
            "weekdays": list(repeat.weekdays),
            "until": repeat.until,
            "count": repeat.count,
            "rrule": task.rrule,
        }


class TaskIn(Schema):
    title: str
    due_at: datetime | date = Field(description="ISO 8601; a date alone for an all-day task.")
    kind: str = Field(Task.Kind.TASK, description="task, call, meeting or email.")
    description: str = ""
    client_id: int | None = None
    deal_id: int | None = Field(None, description="One of the client's deals; alone, it brings its client.")
    assignee_id: int | None = Field(None, description="You by default.")
    co_assignee_ids: list[int] = Field(default_factory=list)
    all_day: bool = False
    duration: int = Field(30, description="Minutes (1 to a week).")
    priority: str = Field(Task.Priority.NORMAL, description="low, normal or high.")
    reminders: list[int] = Field(default_factory=list, description="Minutes before (0 to 40320), at most five.")
    recurrence: RecurrenceIn | None = None

    def values(self) -> dict:
        return {
            "title": self.title,
            "due_at": self.due_at,
            "kind": self.kind,
            "description": self.description,
            "client": self.client_id,
            "deal": self.deal_id,
            "assignee": self.assignee_id,
            "co_assignees": self.co_assignee_ids,
            "all_day": self.all_day,
            "duration": self.duration,
            "priority": self.priority,
            "reminders": self.reminders,
            "repeat": self.recurrence.repeat() if self.recurrence else None,
        }


class TaskPatch(Schema):
    """Only the fields sent change; `recurrence: null` makes a series a single task."""

    title: str | None = None
    due_at: datetime | date | None = None
    kind: str | None = None
    description: str | None = None
    client_id: int | None = None
    deal_id: int | None = None
    assignee_id: int | None = None
    co_assignee_ids: list[int] | None = None
    all_day: bool | None = None
    duration: int | None = None
    priority: str | None = None
    reminders: list[int] | None = None
    recurrence: RecurrenceIn | None = None

    def changes(self) -> dict:
        sent = self.dict(exclude_unset=True)
        names = {"client_id": "client", "deal_id": "deal", "assignee_id": "assignee", "co_assignee_ids": "co_assignees"}
        changes = {names.get(name, name): value for name, value in sent.items() if name != "recurrence"}
        if "recurrence" in sent:
            changes["repeat"] = self.recurrence.repeat() if self.recurrence else None
        return changes


class NextStepIn(Schema):
    kind: str = Field(Task.Kind.TASK, description="task, call, meeting or email.")
    title: str
    due_at: datetime | date


class CompleteIn(Schema):
    result: str = ""
    next_step: NextStepIn | None = Field(None, description="A follow-up for the same client, deal and assignee.")


class RescheduleIn(Schema):
    due_at: datetime | date
    occurrence: datetime | None = Field(None, description="For a series: the occurrence to move (its current one).")
    all_day: bool | None = None
    duration: int | None = None


class TaskFilters(Schema):
    assignee: str | None = Field(
        None, description='"me", "department" or an employee\'s id; all you may see if left out.'
    )
    status: str | None = Field(None, description="open, done or cancelled; all when left out.")
    client: int | None = None
    deal: int | None = None
    kind: str | None = Field(None, description="task, call, meeting or email.")
    due_from: datetime | None = Field(None, description="Due at or after.")
    due_to: datetime | None = Field(None, description="Due before.")
    overdue: bool | None = Field(None, description="true: only overdue tasks; false: none of them.")
    q: str | None = Field(None, description="A fragment of the title.")
    ordering: str | None = Field(None, description='due, title, created or done; "-" first for descending.')
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
