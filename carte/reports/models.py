"""Reports: the adoption figures, pre-aggregated so that the page never scans the raw tables.

Three derived tables, written only by carte.reports.services and rebuilt from the source
tables whenever asked (they hold nothing that cannot be computed again):

- `DailyActivity`: what each employee did on each day (days in settings.TIME_ZONE), one row
  per employee and day with any activity;
- `CompletenessDaily`: per owner and day, how many of their client cards have an active owner,
  a phone or an email, a next planned task and recent activity (a snapshot, one per day);
- `CardGap`: the incomplete cards of the latest snapshot, with what each lacks (the list of
  the worst cards to fix).

`AggregationRun` says which days were computed, when, and whether after the day had ended
(a final figure) or during it (today's figures, refreshed through the day).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AggregationRun(models.Model):
    """One computation of one day's figures: the activity of that day, or the completeness snapshot."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Activity")
        COMPLETENESS = "completeness", _("Completeness of the client cards")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed"))
    seconds = models.FloatField(_("duration (seconds)"), default=0)
    # Computed after the day ended: its figures no longer change (today's are refreshed all day).
    final = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="aggregation_run_unique")]
        indexes = [models.Index(fields=["kind", "-computed_at"], name="aggregation_run_latest")]
        verbose_name = _("aggregation")
        verbose_name_plural = _("aggregations")

    def __str__(self):
        return f"{self.kind} {self.day}"


class DailyActivity(models.Model):
    """What one employee did in Carte on one day. No row: nothing was done that day.

    The employee's department is not stored: it is read when the figures are shown, so an
    employee who moves takes their history to their new department.
    """

    day = models.DateField(_("day"))
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    logins = models.PositiveIntegerField(_("logins"), default=0)
    created = models.PositiveIntegerField(_("records created"), default=0)
    updated = models.PositiveIntegerField(_("records updated"), default=0)
    tasks_on_time = models.PositiveIntegerField(_("tasks done on time"), default=0)
    tasks_late = models.PositiveIntegerField(_("tasks done late"), default=0)
    calls = models.PositiveIntegerField(_("calls"), default=0)
    deals_moved = models.PositiveIntegerField(_("deals moved"), default=0)

    class Meta:
        ordering = ["day", "employee_id"]
        constraints = [models.UniqueConstraint(fields=["employee", "day"], name="daily_activity_unique")]
        indexes = [models.Index(fields=["day", "employee"], name="daily_activity_day")]
        verbose_name = _("daily activity")
        verbose_name_plural = _("daily activity")

    def __str__(self):
        return f"{self.day} {self.employee_id}"


class CompletenessDaily(models.Model):
    """The completeness of one owner's client cards on one day (the snapshot taken that day)."""

    day = models.DateField(_("day"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cards = models.PositiveIntegerField(_("cards"), default=0)
    with_owner = models.PositiveIntegerField(_("with an active owner"), default=0)
    with_contact = models.PositiveIntegerField(_("with a phone or an email"), default=0)
    with_next_task = models.PositiveIntegerField(_("with a next task"), default=0)
    active = models.PositiveIntegerField(_("with recent activity"), default=0)
    complete = models.PositiveIntegerField(_("complete"), default=0)

    class Meta:
        ordering = ["day", "owner_id"]
        constraints = [models.UniqueConstraint(fields=["day", "owner"], name="completeness_daily_unique")]
        verbose_name = _("completeness of the cards")
        verbose_name_plural = _("completeness of the cards")

    def __str__(self):
        return f"{self.day} {self.owner_id}: {self.complete}/{self.cards}"


class CardGap(models.Model):
    """An incomplete client card in the latest snapshot: what it lacks, and how much (`score`, 1 to 4)."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="+", primary_key=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    no_owner = models.BooleanField(_("no active owner"), default=False)
    no_contact = models.BooleanField(_("no phone or email"), default=False)
    no_next_task = models.BooleanField(_("no next task"), default=False)
    inactive = models.BooleanField(_("no recent activity"), default=False)
    score = models.PositiveSmallIntegerField(_("gaps"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["-score", "client_id"]
        indexes = [
            # The worst cards first, for everyone, and for some owners (own / department scope).
            models.Index(fields=["-score", "client"], name="card_gap_worst"),
            models.Index(fields=["owner", "-score", "client"], name="card_gap_owner_worst"),
        ]
        verbose_name = _("incomplete card")
        verbose_name_plural = _("incomplete cards")

    def __str__(self):
        return f"{self.client_id}: {self.score}"
