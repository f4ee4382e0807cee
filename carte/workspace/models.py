"""Notifications: what the notification bar shows each employee, kept with read / unread."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something an employee should know now: a reminder, an assignment, a call, a mention.

    The text is written in the recipient's language when the notification is made (it is read
    by them only). `link` opens what it is about.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ASSIGNED = "assigned", _("New assignment")
        OVERDUE = "overdue", _("Overdue task")
        MENTION = "mention", _("Mention")
        INCOMING_CALL = "incoming_call", _("Incoming call")
        MISSED_CALL = "missed_call", _("Missed call")
        DEAL_STAGE = "deal_stage", _("Deal stage changed")
        IMPORT = "import", _("Import finished")
        EXPORT = "export", _("Export ready")
        BACKUP = "backup", _("Backup failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.CharField(_("text"), max_length=500, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient"),
            models.Index(fields=["recipient", "-id"], condition=models.Q(read_at=None), name="notification_unread"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.title
