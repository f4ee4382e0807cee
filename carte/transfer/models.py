"""Imports and exports: the uploaded file and its settings, the journal of every row, saved mappings.

An import is read in batches; each batch is written in one transaction together with its
journal rows (`ImportRow`) and the import's counters, so what the report says was saved is
exactly what the database holds, and a worker killed mid-batch leaves nothing half written:
the import resumes after `rows_done`. The journal is also what undo reads: what each row
created, or what it replaced.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Import(models.Model):
    """One file being imported into one kind of record (`target`), from upload to report."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the mapping")
        CHECKING = "checking", _("Dry run in progress")
        CHECKED = "checked", _("Dry run done")
        QUEUED = "queued", _("Waiting to run")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("import", "Done")
        FAILED = "failed", _("Stopped by an error")
        UNDOING = "undoing", _("Being undone")
        UNDONE = "undone", _("Undone")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(_("records"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(_("file"), max_length=255)  # as uploaded: shown, never used as a path
    stored_name = models.CharField(max_length=100)  # generated, under MEDIA_ROOT/imports/
    size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(_("format"), max_length=10)  # csv, xlsx, vcard
    # How the file is read and its rows saved (see carte.transfer.services.options).
    options = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)  # the file's headers as read
    mapping = models.JSONField(default=dict, blank=True)  # {column index as text: field key}
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)  # data rows committed, counted from the first
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    check_counts = models.JSONField(default=dict, blank=True)  # the dry run's {outcome: count}
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # last batch committed, to find a stalled run
    runner = models.CharField(max_length=32, blank=True)  # the job that holds the run: one at a time
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="import_owner_created"),
            models.Index(fields=["status", "heartbeat_at"], name="import_status_heartbeat"),
        ]

    def __str__(self):
        return self.file_name


class ImportRow(models.Model):
    """What happened to one row of the file: in the dry run (`check`) or the real run (`run`).

    Only rows worth reporting or undoing are kept: created, updated and failed ones, and
    skipped duplicates (with the card they matched).
    """

    class Phase(models.TextChoices):
        CHECK = "check", _("Dry run")
        RUN = "run", _("Run")

    class Outcome(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    phase = models.CharField(max_length=5, choices=Phase.choices)
    number = models.PositiveIntegerField(_("row"))  # as the user sees it in a spreadsheet
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The record's version (or its update time) right after the import: undo leaves it alone if it moved.
    stamp = models.CharField(max_length=40, blank=True)
    before = models.JSONField(null=True, blank=True)  # an updated record's previous values, for undo
    message = models.CharField(_("reason"), max_length=1000, blank=True)

    class Meta:
        ordering = ["number", "id"]
        indexes = [models.Index(fields=["source", "phase", "outcome", "number"], name="import_row_outcome")]

    def __str__(self):
        return f"{self.number}: {self.outcome}"


class Mapping(models.Model):
    """A column mapping an employee saved, to map the next file of the same shape in one click."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("records"), max_length=20)
    fields = models.JSONField(default=dict)  # {header as in the file: field key}
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "target", "name"], name="mapping_name")]

    def __str__(self):
        return self.name


class SourceKey(models.Model):
    """The id a record had in the system it was imported from, to find it again on the next import."""

    target = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="source_key")]
        indexes = [models.Index(fields=["target", "object_id"], name="source_key_object")]

    def __str__(self):
        return self.key


class Export(models.Model):
    """An export too large to send at once: written by the worker, downloaded by who asked for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list = models.CharField(_("list"), max_length=20)  # clients, contacts, deals, tasks, calls, products
    format = models.CharField(_("format"), max_length=10)  # csv, xlsx, vcard
    params = models.JSONField(default=dict, blank=True)  # the list's filters and the file options
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)  # offered to the browser
    stored_name = models.CharField(max_length=100, blank=True)  # generated, under MEDIA_ROOT/exports/
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_owner_created")]

    def __str__(self):
        return self.file_name or self.list
