"""Backups: one row per archive Carte made (or found in its folder), with how it was made and checked.

The archive itself is a file in the backup folder (carte.backups.engine writes and reads it);
the row is what the Settings page, the API and the notification bar read: when it was made,
how long it took, whether it could be restored into a scratch database, and why not.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Backup(models.Model):
    """One archive: its making (`status`) and its last check by a restore (`verification`)."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MANUAL = "manual", _("Manual")
        BEFORE_RESTORE = "before_restore", _("Before a restore")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("backup", "Done")
        FAILED = "failed", pgettext_lazy("backup", "Failed")

    class Verification(models.TextChoices):
        NONE = "", _("Not verified")
        VERIFYING = "verifying", _("Being verified")
        PASSED = "passed", _("Verified")
        FAILED = "failed", _("Verification failed")

    file_name = models.CharField(_("file"), max_length=255, blank=True)  # in the backup folder; "" until written
    size = models.PositiveBigIntegerField(_("size"), default=0)  # bytes
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(_("why it failed"), blank=True)  # one line for an administrator, never a traceback
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification = models.CharField(
        _("verification"), max_length=10, choices=Verification.choices, default=Verification.NONE, blank=True
    )
    verification_error = models.TextField(_("why the verification failed"), blank=True)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    copied = models.BooleanField(_("copied to the second folder"), default=False)
    copy_error = models.TextField(_("why the copy failed"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        indexes = [
            models.Index(fields=["-started_at"], name="backup_started"),
            models.Index(fields=["file_name"], name="backup_file_name"),
        ]

    def __str__(self):
        return self.file_name or f"backup {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        """How long the archive took to write (None while it runs); the verification is not counted."""
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at
