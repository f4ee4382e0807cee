"""The call log and the phone systems it comes from."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client
from carte.planner.models import Task


class Connection(models.Model):
    """A phone system that reports calls to Carte and places calls for it.

    A webhook connection posts events to /api/v1/telephony/<key>/events, signed with
    `secret` (HMAC-SHA256 of the timestamp and the body); Carte asks it to place a call by
    posting to `originate_url`. An AMI connection is an Asterisk server that Carte logs in to
    (host, port, user, password): events come over that link and calls are placed by Originate.
    """

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        AMI = "ami", _("Asterisk (AMI)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WEBHOOK)
    key = models.SlugField(_("key"), max_length=50, unique=True)
    # Kept as given: verifying a signature needs the secret itself, not a digest of it.
    secret = models.CharField(_("secret"), max_length=100)
    originate_url = models.URLField(_("address that places calls"), blank=True)
    ami_host = models.CharField(_("AMI host"), max_length=200, blank=True)
    ami_port = models.PositiveIntegerField(_("AMI port"), default=5038)
    ami_username = models.CharField(_("AMI user"), max_length=100, blank=True)
    ami_password = models.CharField(_("AMI password"), max_length=100, blank=True)
    ami_context = models.CharField(_("dial plan context"), max_length=100, blank=True, default="from-internal")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("telephony connection")
        verbose_name_plural = _("telephony connections")

    def __str__(self):
        return self.name


class Call(models.Model):
    """One phone call, built up from the phone system's events (or logged by hand).

    Events may come repeated or out of order: each sets the fields it knows, and `status` is
    derived from all of them, so the result does not depend on their order. `number` is the
    other party's number (the client's side) in E.164 when it parses, matched against the
    clients' phones; `extension` is ours, matched against employees.
    """

    class Direction(models.TextChoices):
        INCOMING = "in", _("Incoming")
        OUTGOING = "out", _("Outgoing")
        INTERNAL = "internal", _("Internal")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        MISSED = "missed", _("Missed")
        BUSY = "busy", _("Busy")
        FAILED = "failed", _("Failed")

    connection = models.ForeignKey(
        Connection, verbose_name=_("connection"), null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    external_id = models.CharField(_("call id"), max_length=200, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    from_number = models.CharField(_("from"), max_length=50, blank=True)
    to_number = models.CharField(_("to"), max_length=50, blank=True)
    number = models.CharField(_("number"), max_length=50, blank=True, db_index=True)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("start"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.RINGING)
    # What the phone system said at the end (busy, failed, no answer), when it said it.
    hangup_cause = models.CharField(max_length=20, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)
    callback_task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("callback task")
    )
    logged_at = models.DateTimeField(null=True, blank=True)  # when its timeline entry was written
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"],
                condition=~models.Q(external_id=""),
                name="call_unique_per_connection",
            )
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="call_started"),
            models.Index(fields=["client", "-started_at"], name="call_client_started"),
            models.Index(fields=["employee", "-started_at"], name="call_employee_started"),
            models.Index(fields=["status", "-started_at"], name="call_status_started"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.number or self.from_number}"


class CallEvent(models.Model):
    """One event a phone system sent, as received: the journal behind each call.

    `event_id` (the system's own, or a digest of the event) makes a repeated event a no-op;
    events that matched nothing or were refused stay here with the reason, for the admin.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Repeated")
        UNMATCHED = "unmatched", _("Unmatched")
        REJECTED = "rejected", _("Rejected")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=200)
    kind = models.CharField(_("event"), max_length=20)
    external_call_id = models.CharField(_("call id"), max_length=200, blank=True)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    payload = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["connection", "event_id"], name="call_event_unique")]
        indexes = [models.Index(fields=["connection", "-received_at"], name="call_event_received")]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")

    def __str__(self):
        return f"{self.kind} {self.external_call_id}"
