"""Recurring tasks: RFC 5545 rules (python-dateutil), expanded lazily for the window being shown.

A rule is kept without its DTSTART (the series' first occurrence is `Task.series_start`) and is
expanded in the assignee's time zone, so "weekly on Monday at 9:00" stays at 9:00 across
daylight-saving changes. Nothing is expanded beyond the window asked for, so a rule without an
end (no UNTIL, no COUNT) costs what the window holds, never more.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.conf import settings
from django.utils.translation import gettext as _

from carte.core.errors import Invalid

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_IN_WINDOW = 1000  # a window never lists more occurrences of one task than this


@dataclass(frozen=True)
class Repeat:
    """A recurrence as the task form asks for it: every `interval` periods, until a date or `count` times."""

    frequency: str
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    until: date | None = None
    count: int | None = None


def rule_text(repeat: Repeat, zone: ZoneInfo) -> str:
    """The RRULE for a Repeat ("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20251231T225959Z"); Invalid when it makes no sense."""
    if repeat.frequency not in FREQUENCIES:
        raise Invalid(errors={"repeat": [_("Choose how often the task repeats.")]})
    if not 1 <= repeat.interval <= 365:
        raise Invalid(errors={"interval": [_("Repeat every 1 to 365 periods.")]})
    if repeat.until and repeat.count:
        raise Invalid(errors={"until": [_("Give an end date or a number of times, not both.")]})
    if repeat.count is not None and not 1 <= repeat.count <= 1000:
        raise Invalid(errors={"count": [_("Repeat 1 to 1000 times.")]})
    parts = [f"FREQ={repeat.frequency}"]
    if repeat.interval != 1:
        parts.append(f"INTERVAL={repeat.interval}")
    days = [day for day in WEEKDAYS if day in repeat.weekdays]
    if days and repeat.frequency == "WEEKLY":
        parts.append("BYDAY=" + ",".join(days))
    if repeat.until:
        # UNTIL is in UTC when the start has a time zone: the end of that day where the assignee is.
        end = datetime.combine(repeat.until, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
    if repeat.count:
        parts.append(f"COUNT={repeat.count}")
    return ";".join(parts)


def zone_of(employee) -> ZoneInfo:
    """The time zone an employee's tasks repeat in (their own, or the installation's)."""
    return ZoneInfo(getattr(employee, "time_zone", "") or settings.TIME_ZONE)


def parse(text: str, start: datetime, zone: ZoneInfo) -> rrule:
    """The rule of a series starting at `start`; Invalid for a rule dateutil cannot read."""
    try:
        rule = rrulestr(text, dtstart=start.astimezone(zone))
    except (ValueError, TypeError) as exc:
        raise Invalid(errors={"rrule": [_("This recurrence cannot be read: %(error)s") % {"error": exc}]}) from None
    if not isinstance(rule, rrule):  # an RRULE with several rules or dates is not something the form makes
        raise Invalid(errors={"rrule": [_("Give one recurrence rule.")]})
    return rule


def _rule_of(task) -> rrule:
    """The series' rule, counted from its current occurrence when that gives the same dates.

    dateutil walks a rule from its start, so a daily series two years old would walk 700 days
    to find tomorrow. Without COUNT, the occurrences after the current one are the same whether
    the rule starts at the series' start or at that occurrence (which has the start's weekday,
    day of month and time); with COUNT they are not, but COUNT bounds the walk (at most 1000).
    """
    start = task.series_start or task.due_at
    if "COUNT=" not in task.rrule.upper() and task.due_at > start:
        start = task.due_at
    return parse(task.rrule, start, zone_of(task.assignee))


def occurrences(task, start: datetime, end: datetime) -> list[datetime]:
    """The times of a task's open occurrences in [start, end): the current one and later ones of a series."""
    if not task.rrule:
        return [task.due_at] if start <= task.due_at < end else []
    rule = _rule_of(task)
    skipped = set(task.skipped or ())
    found = []
    for moment in rule.xafter(max(start, task.due_at), inc=True):
        if moment >= end or len(found) >= MAX_IN_WINDOW:
            break
        moment = moment.astimezone(UTC)
        if moment.isoformat() not in skipped:
            found.append(moment)
    return found


def next_occurrence(task, after: datetime) -> datetime | None:
    """The first occurrence of a series strictly after `after` that is not skipped; None when the series has ended."""
    rule = (
        _rule_of(task)
        if after >= task.due_at
        else parse(task.rrule, task.series_start or task.due_at, zone_of(task.assignee))
    )
    skipped = set(task.skipped or ())
    for moment in rule.xafter(after, inc=False):
        moment = moment.astimezone(UTC)
        if moment.isoformat() not in skipped:
            return moment
    return None


def overdue_at(due_at: datetime, all_day: bool, zone: ZoneInfo) -> datetime:
    """When an occurrence becomes overdue: at its time, or at the end of its day for an all-day task."""
    if not all_day:
        return due_at
    day = due_at.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
