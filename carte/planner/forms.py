"""Forms of the task screens: parsing only, the services check the rules.

Choices (employees, the client's deals) are read once by the view and given to the form,
which hands the service the chosen records. Times typed in a form are in the reader's time
zone (`zone`); an all-day task gives the service its date.
"""

from datetime import date, datetime, time

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from carte.planner.models import Task
from carte.planner.recurrence import WEEKDAYS, Repeat

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
REMINDER_CHOICES = [
    (0, _("At the time")),
    (5, _("5 minutes before")),
    (15, _("15 minutes before")),
    (30, _("30 minutes before")),
    (60, _("1 hour before")),
    (1440, _("1 day before")),
]
FREQUENCY_CHOICES = [
    ("", _("Does not repeat")),
    ("DAILY", _("Daily")),
    ("WEEKLY", _("Weekly")),
    ("MONTHLY", _("Monthly")),
    ("YEARLY", _("Yearly")),
]
WEEKDAY_CHOICES = list(
    zip(WEEKDAYS, [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")], strict=True)
)
ENDS_CHOICES = [("never", _("Never")), ("until", _("On a date")), ("count", _("After a number of times"))]


def reminder_label(minutes: int) -> str:
    """ "15 minutes before", "2 hours before", "1 day before" for a number of minutes."""
    for value, label in REMINDER_CHOICES:
        if value == minutes:
            return str(label)
    if minutes % 1440 == 0:
        days = minutes // 1440
        return str(ngettext_lazy("%(count)d day before", "%(count)d days before", days) % {"count": days})
    if minutes % 60 == 0:
        hours = minutes // 60
        return str(ngettext_lazy("%(count)d hour before", "%(count)d hours before", hours) % {"count": hours})
    return str(ngettext_lazy("%(count)d minute before", "%(count)d minutes before", minutes) % {"count": minutes})


def _moment(day: date | None, at: time | None, all_day: bool, zone):
    """What the service reads as the time: a date for an all-day task, else an aware time in the reader's zone."""
    if day is None:
        return None
    if all_day:
        return day
    return datetime.combine(day, at or time(9, 0), tzinfo=zone)


class TaskForm(forms.Form):
    """A task's fields; `client` is the chosen client's id (hidden, or a radio of the client picker)."""

    kind = forms.ChoiceField(label=_("kind"), choices=Task.Kind.choices, initial=Task.Kind.TASK)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)
    deal = forms.IntegerField(label=_("deal"), required=False, widget=forms.Select)
    assignee = forms.ChoiceField(label=_("assignee"), required=False)
    co_assignees = forms.MultipleChoiceField(
        label=_("co-assignees"), required=False, widget=forms.CheckboxSelectMultiple
    )
    day = forms.DateField(label=_("date"), widget=DATE_INPUT)
    at = forms.TimeField(label=_("time"), required=False, widget=TIME_INPUT)
    all_day = forms.BooleanField(label=_("all day"), required=False)
    duration = forms.IntegerField(
        label=_("duration (minutes)"), min_value=1, max_value=10080, initial=30, widget=forms.NumberInput
    )
    priority = forms.ChoiceField(label=_("priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL)
    reminders = forms.TypedMultipleChoiceField(
        label=_("reminders"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    frequency = forms.ChoiceField(label=_("repeat"), required=False, choices=FREQUENCY_CHOICES)
    interval = forms.IntegerField(label=_("every"), min_value=1, max_value=365, initial=1, required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("on"), required=False, choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    ends = forms.ChoiceField(label=_("ends"), choices=ENDS_CHOICES, initial="never", widget=forms.RadioSelect)
    until = forms.DateField(label=_("until"), required=False, widget=DATE_INPUT)
    count = forms.IntegerField(label=_("times"), min_value=1, max_value=1000, required=False)

    def __init__(self, *args, zone, assignees=(), co_assignees=(), deals=(), reminders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self._people = {str(e.pk): e for e in [*assignees, *co_assignees]}
        fields = self.fields
        fields["assignee"].choices = [(str(e.pk), str(e)) for e in assignees]
        fields["co_assignees"].choices = [(str(e.pk), str(e)) for e in co_assignees]
        fields["deal"].widget.choices = [("", _("No deal"))] + [(d.pk, d.title) for d in deals]
        known = dict(REMINDER_CHOICES)
        extra = [(m, reminder_label(m)) for m in sorted(set(reminders) - set(known))]
        fields["reminders"].choices = [*REMINDER_CHOICES, *extra]

    @staticmethod
    def initial_for(task: Task, zone, repeat: Repeat | None) -> dict:
        local = task.due_at.astimezone(zone)
        initial = {
            "kind": task.kind,
            "title": task.title,
            "description": task.description,
            "client": task.client_id,
            "deal": task.deal_id,
            "assignee": str(task.assignee_id),
            "co_assignees": [str(pk) for pk in task.co_assignees.values_list("pk", flat=True)],
            "day": local.date(),
            "at": None if task.all_day else local.time(),
            "all_day": task.all_day,
            "duration": task.duration,
            "priority": task.priority,
            "reminders": list(task.reminders or ()),
            "ends": "never",
        }
        if repeat is not None:
            initial |= {
                "frequency": repeat.frequency,
                "interval": repeat.interval,
                "weekdays": list(repeat.weekdays),
                "until": repeat.until,
                "count": repeat.count,
                "ends": "until" if repeat.until else "count" if repeat.count else "never",
            }
        return initial

    def clean(self):
        data = super().clean()
        if not data.get("all_day") and data.get("at") is None and "at" not in self.errors and data.get("day"):
            self.add_error("at", _("Give the time, or tick “all day”."))
        if data.get("frequency"):
            if data.get("ends") == "until" and not data.get("until"):
                self.add_error("until", _("Give the last date."))
            if data.get("ends") == "count" and not data.get("count"):
                self.add_error("count", _("Give how many times."))
        return data

    def repeat(self) -> Repeat | None:
        data = self.cleaned_data
        if not data.get("frequency"):
            return None
        ends = data.get("ends")
        return Repeat(
            frequency=data["frequency"],
            interval=data.get("interval") or 1,
            weekdays=tuple(data.get("weekdays") or ()),
            until=data.get("until") if ends == "until" else None,
            count=data.get("count") if ends == "count" else None,
        )

    def values(self) -> dict:
        """Keyword arguments for create_task / update_task (the client apart: the view reads it through the policy)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "deal": data.get("deal"),
            "co_assignees": [self._people[pk] for pk in data.get("co_assignees") or () if pk in self._people],
            "due_at": _moment(data.get("day"), data.get("at"), bool(data.get("all_day")), self.zone),
            "all_day": bool(data.get("all_day")),
            "duration": data["duration"],
            "priority": data["priority"],
            "reminders": data.get("reminders") or [],
            "repeat": self.repeat(),
        } | ({"assignee": self._people[data["assignee"]]} if data.get("assignee") in self._people else {})


class CompleteForm(forms.Form):
    """What came of a task, and optionally the next step (pre-ticked for calls and meetings)."""

    result = forms.CharField(
        label=_("result"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    plan_next = forms.BooleanField(label=_("plan a next step"), required=False)
    next_kind = forms.ChoiceField(label=_("kind"), choices=Task.Kind.choices, required=False)
    next_title = forms.CharField(label=_("title"), max_length=200, required=False)
    next_day = forms.DateField(label=_("date"), required=False, widget=DATE_INPUT)
    next_at = forms.TimeField(label=_("time"), required=False, widget=TIME_INPUT)

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    @staticmethod
    def initial_for(task: Task, today: date) -> dict:
        follow = task.kind in (Task.Kind.CALL, Task.Kind.MEETING)
        return {
            "plan_next": follow,
            "next_kind": Task.Kind.CALL if task.kind == Task.Kind.MEETING else task.kind,
            "next_title": task.title if follow else "",
            "next_day": today,
            "next_at": time(10, 0),
        }

    def clean(self):
        data = super().clean()
        if data.get("plan_next"):
            if not data.get("next_title"):
                self.add_error("next_title", _("Give the next step a title."))
            if not data.get("next_day"):
                self.add_error("next_day", _("Give the date of the next step."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        step = None
        if data.get("plan_next"):
            step = {
                "kind": data.get("next_kind") or Task.Kind.TASK,
                "title": data["next_title"],
                "due_at": _moment(data["next_day"], data.get("next_at"), False, self.zone),
            }
        return {"result": data.get("result") or "", "next_step": step}


class TaskFilterForm(forms.Form):
    """The task list's filters (see carte.planner.queries.tasks.TaskCriteria)."""

    assignee = forms.ChoiceField(label=_("whose"), required=False)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("done", _("Done")),
            ("cancelled", _("Cancelled")),
            ("all", _("All")),
        ],
    )
    period = forms.ChoiceField(
        label=_("when"),
        required=False,
        choices=[
            ("all", _("Any time")),
            ("overdue", _("Overdue")),
            ("today", _("Today")),
            ("week", _("This week")),
            ("later", _("Later")),
        ],
    )
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("Any kind")), *Task.Kind.choices])
    q = forms.CharField(label=_("title contains"), required=False, max_length=200)
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("due", _("Soonest first")),
            ("-due", _("Latest first")),
            ("title", _("Title")),
            ("-created", _("Newest")),
        ],
    )

    def __init__(self, *args, whose=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = list(whose)
