"""Reading and checking the values of a task for the task services: each reader returns the clean
value or raises Invalid with a message for its field (NotAllowed for a client or deal the actor
may not see)."""

from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Invalid, NotAllowed
from carte.planner.models import Task
from carte.sales.models import Deal

Action = policy.Action
TITLE_LENGTH: int = Task._meta.get_field("title").max_length or 200
MAX_DURATION = 7 * 24 * 60  # a week, in minutes
MAX_REMINDER = 28 * 24 * 60  # four weeks before, in minutes
MAX_REMINDERS = 5
MAX_CO_ASSIGNEES = 20


def title(value) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise Invalid(errors={"title": [_("Give the task a title.")]})
    if len(text) > TITLE_LENGTH:
        raise Invalid(errors={"title": [_("At most %(count)d characters.") % {"count": TITLE_LENGTH}]})
    return text


def long_text(value, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid(errors={field: [_("At most %(count)d characters.") % {"count": limit}]})
    return text


def choice(value, choices, field: str, message: str) -> str:
    text = str(value or "")
    if text not in choices.values:
        raise Invalid(errors={field: [message]})
    return text


def duration(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if isinstance(value, bool) or not 1 <= minutes <= MAX_DURATION:
        raise Invalid(
            errors={"duration": [_("The duration is 1 to %(max)d minutes (a week).") % {"max": MAX_DURATION}]}
        )
    return minutes


def reminders(values) -> list[int]:
    """Minutes before the task, each 0 (at the time) to four weeks; at most five, each once, nearest last."""
    if values is None:
        return []
    if isinstance(values, (str, int)):
        values = [values]
    minutes: set[int] = set()
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if isinstance(value, bool) or not 0 <= number <= MAX_REMINDER:
            raise Invalid(
                errors={
                    "reminders": [
                        _("A reminder is 0 to %(max)d minutes (four weeks) before the task.") % {"max": MAX_REMINDER}
                    ]
                }
            )
        minutes.add(number)
    if len(minutes) > MAX_REMINDERS:
        raise Invalid(errors={"reminders": [_("At most %(count)d reminders.") % {"count": MAX_REMINDERS}]})
    return sorted(minutes, reverse=True)


def moment(value, zone, field: str = "due_at") -> datetime:
    """A time in UTC from an aware datetime, a naive one (in `zone`), ISO text or a date (its start)."""
    found: datetime | None = None
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime.combine(value, time(0, 0))
    elif isinstance(value, str) and value.strip():
        try:
            found = parse_datetime(value.strip())
            if found is None:
                day = parse_date(value.strip())
                found = datetime.combine(day, time(0, 0)) if day else None
        except ValueError:
            found = None
    if found is None:
        message = (
            _("Give the date and time.") if value in (None, "") else _("Enter a date and time (YYYY-MM-DD HH:MM).")
        )
        raise Invalid(errors={field: [message]})
    if timezone.is_naive(found):
        found = found.replace(tzinfo=zone)
    return found.astimezone(UTC).replace(microsecond=0)


def start_of_day(moment: datetime, zone) -> datetime:
    """An all-day task is due at the start of its day where its assignee is."""
    day = moment.astimezone(zone).date()
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def employee(value, field: str):
    """An active employee (an Employee or its id)."""
    employees = get_user_model().objects
    if value in (None, ""):
        raise Invalid(errors={field: [_("Choose who does the task.")]})
    if not isinstance(value, employees.model):
        try:
            value = employees.select_related("department").get(pk=int(value))
        except (employees.model.DoesNotExist, TypeError, ValueError):
            raise Invalid(errors={field: [_("Choose an active employee.")]}) from None
    if not value.is_active:
        raise Invalid(errors={field: [_("Choose an active employee.")]})
    return value


def co_assignees(values, assignee) -> list:
    if values is None:
        return []
    if isinstance(values, (str, int)) or isinstance(values, get_user_model()):
        values = [values]
    found: dict[int, Any] = {}
    for value in values:
        person = employee(value, "co_assignees")
        if person.pk != assignee.pk:
            found[person.pk] = person
    if len(found) > MAX_CO_ASSIGNEES:
        raise Invalid(errors={"co_assignees": [_("At most %(count)d co-assignees.") % {"count": MAX_CO_ASSIGNEES}]})
    return list(found.values())


def require_assignable(actor, employee, action: str = Action.CREATE) -> None:
    """The actor may plan for this employee: they are within the actor's scope for tasks."""
    if actor is not None and not policy.can(actor, action, Task(assignee=employee)):
        raise NotAllowed(_("You cannot plan tasks for %(name)s.") % {"name": employee})


def client(actor, value) -> Client | None:
    if value in (None, ""):
        return None
    if not isinstance(value, Client):
        try:
            value = Client.objects.get(pk=int(value))
        except (Client.DoesNotExist, TypeError, ValueError):
            raise Invalid(errors={"client": [_("Choose a client.")]}) from None
    if actor is not None and not policy.can(actor, Action.VIEW, value):
        raise NotAllowed(_("You cannot see this client."))
    return value


def deal(actor, value) -> Deal | None:
    if value in (None, ""):
        return None
    if not isinstance(value, Deal):
        try:
            value = Deal.objects.select_related("client").get(pk=int(value))
        except (Deal.DoesNotExist, TypeError, ValueError):
            raise Invalid(errors={"deal": [_("Choose a deal.")]}) from None
    if actor is not None and not policy.can(actor, Action.VIEW, value):
        raise NotAllowed(_("You cannot see this deal."))
    return value


def collect(errors: dict, read, *args, fallback=None):
    """What `read(*args)` gives, or `fallback` with its field errors added to `errors`."""
    try:
        return read(*args)
    except Invalid as refused:
        errors.update(refused.errors or {"__all__": [str(refused.message)]})
        return fallback
