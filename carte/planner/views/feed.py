"""The phone calendar feed: the public iCalendar address, and the calendar page's "Subscribe on
your phone" section that makes, resets and revokes it.

The feed is reached without a session (a phone calendar has none): the token in the address
is the only key, and an unknown or revoked one answers 404 like any missing page. It lists
the employee's tasks as events (RFC 5545): a series is one event with its rule and the
occurrences it skips, an all-day task has DATE values, each reminder is an alarm, and done
tasks stay, marked done.
"""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from dateutil.rrule import rrule
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from icalendar import Alarm, Calendar, Event, vRecur
from icalendar.enums import STATUS

from carte.core.errors import NotFound
from carte.core.htmx import is_fragment
from carte.planner import recurrence
from carte.planner.models import Task
from carte.planner.queries.calendar import feed_tasks
from carte.planner.services import feeds as services

PRODUCT = "-//Carte//Planner//EN"
REFRESH = timedelta(hours=1)  # how often a phone is asked to read the feed again


# The section of the calendar page


def section_context(request, address: str = "") -> dict:
    """Context of "planner/calendar/feed_section.html": the user's address record, and the address
    itself right after it was made (it cannot be shown again)."""
    absolute = request.build_absolute_uri(address) if address else ""
    return {
        "feed": services.feed_of(request.user),
        "oob_messages": is_fragment(request),
        "feed_address": absolute,
        "feed_subscribe": absolute.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
    }


def _section(request, address: str = ""):
    if is_fragment(request):
        return render(request, "planner/calendar/feed_section.html", section_context(request, address))
    if address:  # without htmx, the address is shown on a page of its own, once
        return render(request, "planner/calendar/feed_created.html", section_context(request, address))
    return redirect("planner:calendar")


@require_POST
def feed_reset(request):
    """Make (or make again) the user's calendar address and show it once."""
    address = services.create_feed(actor=request.user)
    messages.success(request, _("Your calendar address is ready. Copy it now: it is shown only once."))
    return _section(request, address)


@require_POST
def feed_revoke(request):
    """Stop the user's calendar address from working."""
    if not services.revoke_feed(actor=request.user):
        raise NotFound(_("You have no calendar address."))
    messages.success(request, _("Your calendar address no longer works."))
    return _section(request)


# The feed


@login_not_required
@require_GET
def calendar_feed(request, token):
    """The employee's tasks as iCalendar for a phone to subscribe to; 404 for an unknown or revoked address."""
    employee = services.employee_for_feed(token)
    if employee is None:
        raise Http404()
    with translation.override(employee.language or settings.LANGUAGE_CODE):
        body = feed_ics(employee, feed_tasks(employee))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="carte.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _host() -> str:
    return urlsplit(settings.BASE_URL).hostname or "carte"


def _task_address():
    try:
        address = reverse("planner:task_detail", args=[0])
    except NoReverseMatch:
        return None
    cut = address.rindex("0")
    return lambda pk: f"{settings.BASE_URL}{address[:cut]}{pk}{address[cut + 1 :]}"


def feed_ics(employee, tasks: list[Task]) -> bytes:
    """The iCalendar text of an employee's tasks (see the module's docstring)."""
    host, address = _host(), _task_address()
    calendar = Calendar.new(
        prodid=PRODUCT,
        uid=f"calendar-{employee.pk}@{host}",
        name=_("Carte: %(name)s") % {"name": employee},
        refresh_interval=REFRESH,
    )
    for task in tasks:
        event = _event(task, host, address(task.pk) if address else None)
        if event is not None:
            calendar.add_component(event)
    # The time zones' rules from a little before the oldest event a series may start at.
    calendar.add_missing_timezones(first_date=timezone.now().date() - timedelta(days=2 * 365))
    return calendar.to_ical()


def _kind_label(task: Task) -> str:
    return str(Task.Kind(task.kind).label) if task.kind in Task.Kind.values else ""


def _event(task: Task, host: str, url: str | None) -> Event | None:
    zone = recurrence.zone_of(task.assignee)
    done = task.status == Task.Status.DONE
    series = bool(task.rrule) and not done
    summary = task.title
    if task.kind != Task.Kind.TASK:
        summary = _("%(kind)s: %(title)s") % {"kind": _kind_label(task), "title": task.title}
    if done:
        summary = _("Done: %(title)s") % {"title": summary}
    start: date | datetime = timezone.localtime(task.due_at, zone) if series else task.due_at.astimezone(UTC)
    if task.all_day:
        start = timezone.localtime(task.due_at, zone).date()
    event = Event.new(
        uid=f"task-{task.pk}@{host}",
        stamp=task.updated_at.astimezone(UTC),
        summary=summary,
        description=_description(task) or None,
        start=start,
        status=STATUS.CONFIRMED,
        url=url,
    )
    if task.all_day:
        event.add("dtend", start + timedelta(days=1))
    else:
        event.add("duration", timedelta(minutes=task.duration or 0))
    if series:
        rule = _remaining_rule(task, zone)
        if rule is None:
            return None
        event.add("rrule", rule)
        skipped = _skipped(task, zone)
        if skipped:
            event.add("exdate", skipped)
    if done:
        event.add("categories", [_("Done")])
        event.add("x-carte-status", "done")
    else:
        for minutes in task.reminders or ():
            event.add_component(_alarm(task, minutes))
    return event


def _remaining_rule(task: Task, zone) -> vRecur | None:
    """The series' rule from its current occurrence on: a COUNT is lowered by the occurrences already
    behind it (done or skipped), so the phone shows what is left; None when nothing is."""
    rule = vRecur.from_ical(task.rrule)
    if "COUNT" in rule:
        parsed: rrule = recurrence.parse(task.rrule, task.series_start or task.due_at, zone)
        current = timezone.localtime(task.due_at, zone)
        behind = sum(1 for moment in parsed if moment < current)
        left = int(rule["COUNT"][0]) - behind
        if left <= 0:
            return None
        rule["COUNT"] = [left]
    if task.all_day and "UNTIL" in rule:
        # With a DATE start, UNTIL is a DATE too (RFC 5545): the last day where the assignee is.
        until = rule["UNTIL"][0]
        rule["UNTIL"] = [until.astimezone(zone).date() if isinstance(until, datetime) else until]
    return rule


def _skipped(task: Task, zone) -> list:
    """The series' skipped occurrences still ahead of it, as its start gives them (local time, or dates)."""
    current = task.due_at
    moments = []
    for text in task.skipped or ():
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if moment >= current:
            local = timezone.localtime(moment, zone)
            moments.append(local.date() if task.all_day else local)
    return sorted(moments)


def _alarm(task: Task, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task.title)
    alarm.add("trigger", timedelta(minutes=-int(minutes)))
    return alarm


def _description(task: Task) -> str:
    lines = []
    if task.client is not None:
        lines.append(_("Client: %(name)s") % {"name": task.client.name})
    if task.description:
        lines.append(task.description)
    if task.status == Task.Status.DONE and task.result:
        lines.append(_("Result: %(result)s") % {"result": task.result})
    return "\n\n".join(lines)
