"""Tasks, calls to make, meetings and emails to send: the planner's one record, with its calendar feed."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client
from carte.planner.recurrence import zone_of
from carte.sales.models import Deal


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Task.Status.OPEN)

    def overdue(self, now=None):
        """Open tasks whose (current occurrence's) time has passed; an all-day task at the end of its day."""
        return self.open().filter(overdue_at__lt=now or timezone.now())


class Task(models.Model):
    """Something to do at a time: a task, a call to make, a meeting or an email to send.

    A recurring task is one row, a series: `rrule` (RFC 5545, without DTSTART) counts from
    `series_start`, and `due_at` is its current occurrence — the first one not done yet.
    Completing it keeps a done copy of that occurrence (with `series` pointing here) and moves
    `due_at` on; `skipped` lists occurrences removed from the series (moved or cancelled one by
    one). Occurrences are computed for the window a calendar shows, never stored ahead.

    `overdue_at` is when the current occurrence becomes overdue (its time, or the end of its day
    for an all-day task), kept so that "overdue" is one indexed comparison. `next_reminder_at`
    is when the scheduler fires the next reminder; `reminders` lists minutes before `due_at`.
    """

    class Kind(models.TextChoices):
        TASK = "task", _("Task")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email to send")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TASK)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="tasks"
    )
    co_assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("co-assignees"), blank=True, related_name="shared_tasks"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    all_day = models.BooleanField(_("all day"), default=False)
    duration = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    reminders = models.JSONField(_("reminders (minutes before)"), default=list, blank=True)
    rrule = models.CharField(_("recurrence"), max_length=500, blank=True)
    series_start = models.DateTimeField(null=True, blank=True)
    skipped = models.JSONField(default=list, blank=True)
    series = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="done_occurrences"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("result"), blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due"),
            models.Index(fields=["status", "due_at"], name="task_status_due"),
            models.Index(fields=["client", "status", "due_at"], name="task_client_due"),
            models.Index(fields=["deal", "status", "due_at"], name="task_deal_due"),
            models.Index(fields=["assignee", "done_at"], name="task_assignee_done"),
            models.Index(fields=["overdue_at"], condition=Q(status="open"), name="task_open_overdue"),
            models.Index(fields=["next_reminder_at"], condition=Q(status="open"), name="task_open_reminder"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def day(self) -> date:
        """The task's date where its assignee is: the day an all-day task is about, wherever one reads it."""
        return self.due_at.astimezone(zone_of(self.assignee)).date()

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.overdue_at is not None and self.overdue_at < timezone.now()


class CalendarFeed(models.Model):
    """An employee's private calendar address for phone calendars; only a digest of its token is kept.

    Resetting the address replaces the digest, so an old address stops working at once.
    """

    employee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.employee}"
