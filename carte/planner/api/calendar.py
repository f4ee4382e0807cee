"""The calendar in the REST API: the occurrences of a period, and the phone calendar address.

Times are ISO 8601 in UTC. A period is at most 62 days; a series is expanded for the period
only, each occurrence naming itself (`occurrence`) so that it can be moved alone
(POST /tasks/{task_id}/reschedule with that occurrence).
"""

from datetime import MAXYEAR, datetime, time, timedelta

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.core.errors import Invalid, NotFound
from carte.planner import recurrence
from carte.planner.queries import calendar as queries
from carte.planner.services import feeds as services

router = Router(tags=["calendar"])


class OccurrenceOut(Schema):
    task_id: int
    title: str
    kind: str = Field(description="task, call, meeting or email.")
    priority: str = Field(description="low, normal or high.")
    start: datetime
    end: datetime
    all_day: bool = Field(description="An all-day occurrence starts at the beginning of its day where the assignee is.")
    overdue: bool = Field(description="Open and its time has passed.")
    done: bool
    recurring: bool = Field(description="An occurrence of a series.")
    occurrence: str | None = Field(description="For a series: this occurrence (ISO, UTC), to move it alone.")
    assignee_id: int
    assignee: str
    client_id: int | None
    client: str | None


class CalendarFilters(Schema):
    start: str = Field(description="YYYY-MM-DD (that day's start in your time zone) or an ISO 8601 time.")
    end: str = Field(description="YYYY-MM-DD (included, to the end of that day) or an ISO 8601 time (excluded).")
    employee: list[int] = Field(
        default_factory=list, description="Employees' ids (repeat the parameter); you alone by default."
    )
    department: int | None = Field(None, description="A department's id: everyone in it (instead of `employee`).")


class FeedOut(Schema):
    url: str = Field(description="The private iCalendar address; shown only in this answer.")


def _moment(text: str, field: str, zone, *, day_end: bool = False) -> datetime:
    """A time from ISO 8601 text; a date alone is the start of that day (or of the next one, for an end)."""
    value = (text or "").strip()
    moment: datetime | None = None
    try:
        day = parse_date(value)  # first: Python reads a date alone as a datetime at midnight
        moment = None if day else parse_datetime(value)
    except ValueError:
        day = None
    if day is not None and day.year < MAXYEAR:
        moment = datetime.combine(day + timedelta(days=1) if day_end else day, time(0, 0), tzinfo=zone)
    if moment is None:
        raise Invalid(errors={field: [_("Enter a date (YYYY-MM-DD) or a time (ISO 8601).")]})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    return moment


def _out(item: queries.Occurrence) -> dict:
    task = item.task
    return {
        "task_id": task.pk,
        "title": task.title,
        "kind": task.kind,
        "priority": task.priority,
        "start": item.start,
        "end": item.end,
        "all_day": item.all_day,
        "overdue": item.overdue,
        "done": item.done,
        "recurring": item.recurring,
        "occurrence": item.occurrence_key or None,
        "assignee_id": task.assignee_id,
        "assignee": str(task.assignee),
        "client_id": task.client_id,
        "client": task.client.name if task.client is not None else None,
    }


@router.get("/calendar", response=list[OccurrenceOut], summary="Occurrences in a period")
def calendar_occurrences(request: HttpRequest, filters: Query[CalendarFilters]):
    """The occurrences of the tasks you may see in [start, end), for you, chosen employees or a
    department (as your rights allow; 403 otherwise), by start time. At most 62 days (400)."""
    zone = recurrence.zone_of(request.user)
    start = _moment(filters.start, "start", zone)
    end = _moment(filters.end, "end", zone, day_end=True)
    occurrences = queries.occurrences_between(
        request.user,
        start,
        end,
        employee_ids=filters.employee or None,
        department_id=filters.department,
    )
    return [_out(item) for item in occurrences]


@router.post("/calendar/feed", response={201: FeedOut}, summary="Make a new calendar address")
def reset_feed(request: HttpRequest):
    """Make your private calendar address (iCalendar, for phone calendars), replacing the old one,
    which stops working. The address is in this answer only: it is never shown again."""
    path = services.create_feed(actor=request.user)
    return Status(201, {"url": request.build_absolute_uri(path)})


@router.delete("/calendar/feed", response={204: None}, summary="Stop the calendar address")
def revoke_feed(request: HttpRequest):
    """Your calendar address stops working at once (404 when you have none)."""
    if not services.revoke_feed(actor=request.user):
        raise NotFound(_("You have no calendar address."))
    return Status(204, None)
