"""The calendar: day, week and month views of one employee's or a department's tasks, quick
create by clicking a slot, and moving a task by dragging it (carte/static/carte/calendar.js).

Everything reads without JavaScript: the periods are links, a slot is a link to the quick
create page, a task a link to its page. With JavaScript the quick create form opens in a
dialog and a dropped task is moved where it lands; the grid then reloads itself (it listens
for "calendar-changed").
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.accounts.models import Employee
from carte.core import policy
from carte.core.errors import Invalid, NotAllowed
from carte.core.htmx import is_fragment, save_posted
from carte.planner.models import Task
from carte.planner.queries import calendar as queries
from carte.planner.queries.tasks import get_task_for
from carte.planner.services import create_task, reschedule_task
from carte.planner.views import feed as feed_views

SLOT_MINUTES = 30
SLOTS = 24 * 60 // SLOT_MINUTES
MORNING_SLOT = 8 * 60 // SLOT_MINUTES  # the grid opens scrolled to 8:00
MONTH_CHIPS = 3  # chips shown in a month's day before "+k more"
MAX_LANES = 4  # tasks side by side in a time grid before they overlap
LOCAL_MOMENT = "%Y-%m-%dT%H:%M"
VIEWS = [("day", gettext_lazy("Day")), ("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]


# Parsing


class CalendarForm(forms.Form):
    """What the calendar shows: the view, a day in the period, and whose tasks (a department wins)."""

    view = forms.ChoiceField(label=gettext_lazy("View"), choices=VIEWS, required=False)
    date = forms.DateField(label=gettext_lazy("Date"), required=False, input_formats=["%Y-%m-%d"])
    employee = forms.IntegerField(label=gettext_lazy("Employee"), required=False, min_value=1)
    department = forms.IntegerField(label=gettext_lazy("Department"), required=False, min_value=1)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day and not queries.FIRST_YEAR < day.year < queries.LAST_YEAR:
            raise forms.ValidationError(
                _("Choose a date between %(first)d and %(last)d.")
                % {"first": queries.FIRST_YEAR + 1, "last": queries.LAST_YEAR - 1}
            )
        return day


class QuickTaskForm(forms.Form):
    """The quick create dialog: what, which kind, when (prefilled from the slot), and for whom."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Task.Kind.choices, initial=Task.Kind.TASK)
    due = forms.DateTimeField(
        label=gettext_lazy("When"),
        input_formats=[LOCAL_MOMENT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MOMENT),
    )
    all_day = forms.BooleanField(label=gettext_lazy("All day"), required=False)
    duration = forms.IntegerField(label=gettext_lazy("Duration (minutes)"), min_value=1, initial=30)
    assignee = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MoveForm(forms.Form):
    """Where a dropped task lands: a local time (or a day for an all-day drop) and which occurrence moved."""

    due = forms.DateTimeField(input_formats=[LOCAL_MOMENT, "%Y-%m-%d"])
    all_day = forms.BooleanField(required=False)
    occurrence = forms.DateTimeField(required=False)


# The period shown


@dataclass(frozen=True)
class Period:
    """The days a view shows: one day, a week from the locale's first weekday, or the six weeks around a month."""

    view: str
    anchor: date
    first: date
    days: int

    @classmethod
    def of(cls, view: str, anchor: date) -> "Period":
        if view == "day":
            return cls(view, anchor, anchor, 1)
        if view == "month":
            return cls(view, anchor, _week_start(anchor.replace(day=1)), 42)
        return cls("week", anchor, _week_start(anchor), 7)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range(self.days)]

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return _midnight(self.first, zone), _midnight(self.last + timedelta(days=1), zone)

    @property
    def previous(self) -> date:
        if self.view == "month":
            return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        return self.anchor - timedelta(days=self.days)

    @property
    def next(self) -> date:
        if self.view == "month":
            return (self.anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
        return self.anchor + timedelta(days=self.days)

    @property
    def title(self) -> str:
        if self.view == "day":
            return formats.date_format(self.anchor, "l j E Y")  # E: the month as a date says it ("декабря")
        if self.view == "month":
            return formats.date_format(self.anchor, "YEAR_MONTH_FORMAT")
        return _("%(first)s – %(last)s") % {
            "first": formats.date_format(self.first, "j M"),
            "last": formats.date_format(self.last, "j M Y"),
        }


def _week_start(day: date) -> date:
    first_weekday = int(formats.get_format("FIRST_DAY_OF_WEEK"))  # 0 is Sunday
    return day - timedelta(days=(day.isoweekday() % 7 - first_weekday) % 7)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


# The grid


@dataclass
class Chip:
    """One occurrence as the grid draws it: where it starts (slot), how many slots it covers, its lane."""

    occurrence: queries.Occurrence
    url: str | None
    move_url: str | None
    time_text: str
    time_value: str = ""  # the local start ("08:00") a drop on another day keeps
    slot: int = 0
    span: int = 1
    half: bool = False
    lane: int = 0
    lanes: int = 1
    end_slot: int = 0
    html: str = ""  # its markup (chip_markup), made once the grid is laid out

    @property
    def task(self) -> Task:
        return self.occurrence.task

    @property
    def classes(self) -> str:
        names = ["cal-chip", f"cal-kind-{self.task.kind}"]
        if self.occurrence.overdue:
            names.append("cal-chip-overdue")
        if self.occurrence.done:
            names.append("cal-chip-done")
        if self.move_url:
            names.append("cal-chip-movable")
        return " ".join(names)

    @property
    def place(self) -> str:
        """Classes placing a timed chip in the time grid: its height, its lane, a start at half a slot."""
        names = [f"cal-span-{self.span}"]
        if self.lanes > 1:
            names.append(f"cal-lane-{self.lane}-of-{self.lanes}")
        if self.half:
            names.append("cal-half")
        return " ".join(names)


def chip_markup(chip: Chip, *, placed: bool, show_assignee: bool, words: dict[str, str]) -> str:
    """A chip's HTML: a link to the task (draggable when the user may move it) with its time, title,
    "overdue", and who does it in a department's calendar.

    Built here rather than by a template include: a department's week holds hundreds of chips,
    and an include per chip cost most of the page's time (see the query budget test's numbers).
    Strings are joined directly and escaped with the standard library's html.escape (what
    Django's escape() does, without its lazy-string checks): format_html() per part took a
    third of a busy week's time."""
    occurrence, task = chip.occurrence, chip.task
    classes = f"{chip.classes} {chip.place}" if placed else chip.classes
    title = escape(f"{chip.time_text} {task.title}".strip())
    attributes = f' class="{escape(classes)}" title="{title}"'
    if chip.url:
        attributes = f' href="{escape(chip.url)}"{attributes}'
    if chip.move_url:
        attributes += f' draggable="true" data-move-url="{escape(chip.move_url)}"'
        if occurrence.occurrence_key:  # read by calendar.js only when present
            attributes += f' data-occurrence="{escape(occurrence.occurrence_key)}"'
        if chip.time_value:
            attributes += f' data-time="{chip.time_value}"'
        if occurrence.all_day:
            attributes += " data-all-day"
    parts = []
    if chip.time_text:
        parts.append(
            f'<time class="cal-chip-time" datetime="{occurrence.start.isoformat()}">{escape(chip.time_text)}</time>'
        )
    done = f'<span class="visually-hidden">{escape(words["done"])} </span>' if occurrence.done else ""
    parts.append(f'<span class="cal-chip-title">{done}{escape(task.title)}</span>')
    if occurrence.overdue:
        parts.append(f'<span class="cal-chip-flag">{escape(words["overdue"])}</span>')
    if occurrence.recurring:
        parts.append(f'<span class="visually-hidden">{escape(words["repeats"])}</span>')
    if show_assignee:
        parts.append(f'<span class="cal-chip-who">{escape(str(task.assignee))}</span>')
    tag = "a" if chip.url else "span"
    return mark_safe(f"<{tag}{attributes}>{' '.join(parts)}</{tag}>")  # every value above is escaped


def grid_body_markup(rows: list["Row"]) -> str:
    """The time grid's 48 rows of slots with their chips, as HTML.

    Made here rather than by the template: a week is 336 slots, and the template's loops and
    lookups over them cost more than everything else on the page."""
    parts = []
    for row in rows:
        label = escape(row.label)
        heading = f"<time>{label}</time>" if row.on_the_hour else f'<span class="visually-hidden">{label}</span>'
        morning = " data-cal-morning" if row.is_morning else ""
        parts.append(
            f'<tr class="{"cal-hour" if row.on_the_hour else "cal-half-hour"}"{morning}>'
            f'<th scope="row" class="cal-time">{heading}</th>'
        )
        for cell in row.cells:
            chips = "".join(chip.html for chip in cell.chips)
            parts.append(f'<td class="cal-slot" data-drop-at="{cell.value}">{chips}</td>')
        parts.append("</tr>\n")
    return mark_safe("".join(parts))  # labels escaped; values and chips are made above


@dataclass
class Cell:
    value: str  # the local time of the slot ("2026-11-23T08:00"), what a click or a drop gives
    chips: list[Chip] = field(default_factory=list)


@dataclass
class Column:
    day: date
    is_today: bool
    all_day: list[Chip] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Row:
    index: int
    label: str
    cells: list[Cell]

    @property
    def on_the_hour(self) -> bool:
        return self.index % 2 == 0

    @property
    def is_morning(self) -> bool:
        return self.index == MORNING_SLOT


@dataclass
class MonthDay:
    day: date
    in_month: bool
    is_today: bool
    chips: list[Chip] = field(default_factory=list)
    more: int = 0


def _address_of(name: str):
    """A function giving the address of record `pk` of a view, from one reverse() for the page;
    None when the view is not installed."""
    try:
        address = reverse(name, args=[0])
    except NoReverseMatch:
        return None
    cut = address.rindex("0")
    return lambda pk: f"{address[:cut]}{pk}{address[cut + 1 :]}"


def _chips(user, occurrences: list[queries.Occurrence], zone: ZoneInfo) -> list[Chip]:
    """The chips of the occurrences; those the user may edit (and not done) can be dragged (one query)."""
    task_url, move_url = _address_of("planner:task_detail"), _address_of("planner:calendar_move")
    movable = queries.editable_task_ids(user, [item.task.pk for item in occurrences if not item.done])
    shown: dict[tuple[int, int], str] = {}  # a week has a few dozen distinct times: format each once
    chips = []
    for item in occurrences:
        time_text = time_value = ""
        if not item.all_day:
            local = timezone.localtime(item.start, zone)
            time_value = f"{local:%H:%M}"
            key = (local.hour, local.minute)
            if key not in shown:
                shown[key] = formats.time_format(local, "TIME_FORMAT")
            time_text = shown[key]
        chips.append(
            Chip(
                occurrence=item,
                url=task_url(item.task.pk) if task_url else None,
                move_url=move_url(item.task.pk) if move_url and item.task.pk in movable else None,
                time_text=time_text,
                time_value=time_value,
            )
        )
    return chips


def _place(chip: Chip, zone: ZoneInfo) -> None:
    """Where a timed chip starts in its day's column and how many slots it covers (to the end of the day)."""
    local = timezone.localtime(chip.occurrence.start, zone)
    minutes = local.hour * 60 + local.minute
    chip.slot = min(minutes // SLOT_MINUTES, SLOTS - 1)
    chip.half = minutes % SLOT_MINUTES >= SLOT_MINUTES // 2
    length = max(chip.task.duration or 0, SLOT_MINUTES)
    chip.span = max(1, min(math.ceil(length / SLOT_MINUTES), SLOTS - chip.slot))
    chip.end_slot = chip.slot + chip.span


def _lay_lanes(chips: list[Chip]) -> None:
    """Side by side when they overlap: each chip takes the first free lane of its group of overlapping chips."""
    group: list[Chip] = []
    group_end = -1
    lane_ends: list[int] = []

    def close(group: list[Chip]) -> None:
        lanes = min(max((chip.lane for chip in group), default=0) + 1, MAX_LANES)
        for chip in group:
            chip.lanes = lanes
            chip.lane = min(chip.lane, lanes - 1)

    for chip in sorted(chips, key=lambda item: (item.slot, -item.span)):
        if group and chip.slot >= group_end:
            close(group)
            group, lane_ends = [], []
        lane = next((index for index, end in enumerate(lane_ends) if end <= chip.slot), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(chip.end_slot)
        else:
            lane_ends[lane] = chip.end_slot
        chip.lane = lane
        group.append(chip)
        group_end = max(group_end, chip.end_slot) if len(group) > 1 else chip.end_slot
    if group:
        close(group)


def time_grid(period: Period, chips: list[Chip], zone: ZoneInfo, today: date) -> tuple[list[Column], list[Row]]:
    """The day or week grid: a column per day with its all-day chips, and the 48 half-hour rows across them."""
    columns = []
    for day in period.dates():
        column = Column(day=day, is_today=day == today)
        column.cells = [
            Cell(value=f"{day:%Y-%m-%d}T{slot * SLOT_MINUTES // 60:02d}:{slot * SLOT_MINUTES % 60:02d}")
            for slot in range(SLOTS)
        ]
        columns.append(column)
    by_day = {column.day: column for column in columns}
    timed: dict[date, list[Chip]] = {}
    for chip in chips:
        shown = by_day.get(chip.occurrence.day_in(zone))
        if shown is None:
            continue
        if chip.occurrence.all_day:
            shown.all_day.append(chip)
        else:
            _place(chip, zone)
            shown.cells[chip.slot].chips.append(chip)
            timed.setdefault(shown.day, []).append(chip)
    for day_chips in timed.values():
        _lay_lanes(day_chips)
    rows = []
    for index in range(SLOTS):
        label = formats.time_format(time(index * SLOT_MINUTES // 60, index * SLOT_MINUTES % 60), "TIME_FORMAT")
        rows.append(Row(index=index, label=label, cells=[column.cells[index] for column in columns]))
    return columns, rows


def month_grid(period: Period, chips: list[Chip], zone: ZoneInfo, today: date) -> list[list[MonthDay]]:
    """Six weeks of seven days; each day shows its first MONTH_CHIPS chips (all-day first) and how many more."""
    days = [
        MonthDay(day=day, in_month=day.month == period.anchor.month, is_today=day == today) for day in period.dates()
    ]
    by_day = {item.day: item for item in days}
    for chip in chips:
        cell = by_day.get(chip.occurrence.day_in(zone))
        if cell is None:
            continue
        if len(cell.chips) < MONTH_CHIPS:
            cell.chips.append(chip)
        else:
            cell.more += 1
    return [days[week * 7 : week * 7 + 7] for week in range(6)]


# The page


def _today(zone: ZoneInfo) -> date:
    return timezone.localtime(timezone.now(), zone).date()


def _address(view: str, day: date, choice: dict) -> str:
    query = {"view": view, "date": day.isoformat()} | {key: value for key, value in choice.items() if value}
    return f"{reverse('planner:calendar')}?{urlencode(query)}"


@require_GET
def calendar(request):
    """The calendar of the chosen employee (the user by default) or department, for a day, week or month."""
    user = request.user
    zone = timezone.get_current_timezone()
    form = CalendarForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    today = _today(zone)
    period = Period.of(data.get("view") or "week", data.get("date") or today)
    choice = {
        "department": data.get("department"),
        "employee": None if data.get("department") else data.get("employee"),
    }
    start, end = period.window(zone)
    occurrences = queries.occurrences_between(
        user,
        start,
        end,
        employee_ids=[choice["employee"]] if choice["employee"] else None,
        department_id=choice["department"],
        with_clients=False,
    )
    chips = _chips(user, occurrences, zone)
    context = {
        "form": form,
        "period": period,
        "choice": choice,
        "views": [(key, label, _address(key, period.anchor, choice)) for key, label in VIEWS],
        "previous_url": _address(period.view, period.previous, choice),
        "next_url": _address(period.view, period.next, choice),
        "today_url": _address(period.view, today, choice),
        "refresh_url": _address(period.view, period.anchor, choice),
        "day_url": reverse("planner:calendar"),
        "new_url": reverse("planner:calendar_new") if policy.can(user, policy.Action.CREATE, Task) else "",
        "for_employee": choice["employee"] or "",
        "show_assignee": bool(choice["department"] or (choice["employee"] and choice["employee"] != user.pk)),
        "count": len(occurrences),
        "today": today,
    }
    if period.view == "month":
        context["weeks"] = month_grid(period, chips, zone, today)
        context["weekdays"] = [formats.date_format(day, "D") for day in period.dates()[:7]]
    else:
        context["columns"], context["rows"] = time_grid(period, chips, zone, today)
    words = {"done": _("Done:"), "overdue": _("overdue"), "repeats": _("(repeats)")}
    for chip in chips:
        placed = period.view != "month" and not chip.occurrence.all_day
        chip.html = chip_markup(chip, placed=placed, show_assignee=context["show_assignee"], words=words)
    if period.view != "month":
        context["grid_body"] = grid_body_markup(context["rows"])
    if is_fragment(request):
        response = render(request, "planner/calendar/page.html#body", context)
    else:
        people = list(queries.calendar_people(user).only("pk", "first_name", "last_name", "username"))
        departments = list(queries.calendar_departments(user))
        context |= {"people": people, "departments": departments} | feed_views.section_context(request)
        response = render(request, "planner/calendar/page.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Quick create


def _when(moment: datetime, all_day: bool):
    """What the services get for a time picked on the grid: an all-day task's day (its start where the
    assignee is), otherwise the moment itself, aware in the user's time zone."""
    return timezone.localtime(moment).date() if all_day else moment


@require_http_methods(["GET", "POST"])
def calendar_new(request):
    """The quick create form, prefilled from the clicked slot (`due`, `all_day`, `employee`); it creates the task."""
    user = request.user
    policy.require(user, policy.Action.CREATE, Task)
    if request.method == "POST":
        form = QuickTaskForm(request.POST)
    else:
        initial = {"due": request.GET.get("due", ""), "all_day": request.GET.get("all_day") == "1"}
        initial["assignee"] = request.GET.get("employee", "")
        form = QuickTaskForm(initial=initial)
    saved = save_posted(request, form, lambda: _create(user, form.cleaned_data), refusals=(Invalid, NotAllowed))
    if saved:
        task = saved.value
        messages.success(request, _("Task “%(title)s” planned.") % {"title": task.title})
        if not is_fragment(request):
            return redirect(_address("day", timezone.localtime(task.due_at).date(), {}))
        return _changed(request)
    due = form["due"].value() or ""
    context = {"form": form, "more_url": _more_options_url(due)}
    template = (
        "planner/calendar/quick_create.html" if is_fragment(request) else "planner/calendar/quick_create_page.html"
    )
    return render(request, template, context, status=422 if form.is_bound else 200)


def _create(user, data: dict) -> Task:
    assignee = None
    if data.get("assignee") and data["assignee"] != user.pk:
        assignee = Employee.objects.filter(pk=data["assignee"]).first()
        if assignee is None:
            raise Invalid(errors={"assignee": [_("Choose an active employee.")]})
    return create_task(
        actor=user,
        title=data["title"],
        kind=data["kind"],
        due_at=_when(data["due"], data["all_day"]),
        all_day=data["all_day"],
        duration=data["duration"],
        assignee=assignee,
    )


def _changed(request) -> HttpResponse:
    """The answer to htmx once something changed: the messages, and "calendar-changed" for the grid to reload."""
    response = render(request, "planner/calendar/changed.html", {})
    response["HX-Trigger"] = "calendar-changed"
    return response


def _more_options_url(due) -> str:
    try:
        address = reverse("planner:task_create")
    except NoReverseMatch:
        return ""
    return f"{address}?{urlencode({'due': due})}" if due else address


# Moving


@require_POST
def calendar_move(request, pk):
    """Move a task (for a series: the occurrence dropped) to where it was dropped."""
    task = get_task_for(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise Invalid(_("Drop the task on a day or a time of the calendar."))
    data = form.cleaned_data
    moved = reschedule_task(
        actor=request.user,
        task=task,
        due_at=_when(data["due"], data["all_day"]),
        all_day=data["all_day"],
        occurrence=data["occurrence"] if task.rrule else None,
    )
    when = timezone.localtime(moved.due_at)
    text = formats.date_format(when, "DATE_FORMAT") if moved.all_day else formats.date_format(when, "DATETIME_FORMAT")
    messages.success(request, _("“%(title)s” moved to %(when)s.") % {"title": moved.title, "when": text})
    if not is_fragment(request):
        return redirect(_address("day", when.date(), {}))
    return _changed(request)
