"""Running an import in the background: the dry run, the run batch by batch, the undo.

A run reads the file from the row after `rows_done` and saves BATCH rows per transaction:
the records, the journal rows and the counters commit together. A worker killed in the
middle loses only the batch it was writing, which nobody was told about; the import then
shows as stalled and resumes after its last saved batch (by hand, or by the periodic job
`resume_stalled`). Messages are written in the language of who imports; "import.finished"
tells the workspace when a run ends, done or stopped.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carte.core import bulk, events
from carte.core.errors import Conflict
from carte.transfer import readers
from carte.transfer.models import Import, ImportRow
from carte.transfer.services.imports import STALLED_AFTER, layout_of, moved_message, options_of, path_of, rows_of
from carte.transfer.targets import target
from carte.transfer.targets.base import Context, Outcome, Row

log = logging.getLogger(__name__)
BATCH = 500
Status, Phase = Import.Status, ImportRow.Phase
COUNTED = ("created", "updated", "skipped", "failed")
KEEP_FILES = timedelta(days=7)
ABANDONED = timedelta(days=30)


def context_for(source: Import, *, dry: bool) -> Context:
    options = options_of(source)
    if source.format == "xlsx":
        options.decimal = "."  # a workbook's numbers come as the numbers Excel stores, never as typed text
    context = Context(actor=source.owner, options=options, target_key=source.target, dry=dry)
    context.cache["summary"] = _("Imported from %(file)s") % {"file": source.file_name}
    return context


def _batches(source: Import, skip: int) -> Iterator[list[Row]]:
    cells = readers.rows(path_of(source), layout_of(source), skip=skip)
    while batch := list(islice(cells, BATCH)):
        yield rows_of(source, batch)


JOURNAL_COLUMNS = ("source", "phase", "number", "outcome", "object_id", "stamp", "before", "message")


def _journal(source: Import, phase: str, outcomes: list[Outcome]) -> None:
    """Write the report's rows of a batch (a run keeps every row, for the undo; a dry run its failures and skips).

    As plain values in one insert: an import of a million rows writes a million of them.
    """
    rows = []
    for outcome in outcomes:
        if phase == Phase.RUN or outcome.outcome in ("failed", "skipped"):
            made = outcome.object_id if outcome.object_id and outcome.object_id > 0 else None
            rows.append(
                (
                    source.pk,
                    phase,
                    outcome.number,
                    outcome.outcome,
                    made,
                    outcome.stamp,
                    outcome.before,
                    outcome.message[:1000],
                )
            )
        if phase == Phase.RUN:
            rows += [(source.pk, phase, outcome.number, "created", made, "1", None, "") for made in outcome.also]
    if rows:
        bulk.insert(ImportRow, JOURNAL_COLUMNS, rows)


def _in_language_of(source: Import):
    return translation.override(source.owner.language or settings.LANGUAGE_CODE)


def _count_rows(source: Import) -> None:
    if source.total_rows is None:
        source.total_rows = readers.count_rows(path_of(source), layout_of(source))
        Import.objects.filter(pk=source.pk).update(total_rows=source.total_rows)


def _stop(source: Import, exc: Exception, status: str = Status.FAILED) -> None:
    """Record why a job stopped, in words for the user (the details go to the log)."""
    log.exception("import %s stopped", source.pk)
    message = getattr(exc, "message", "") or _("The import stopped on an unexpected error; it can be resumed.")
    Import.objects.filter(pk=source.pk).update(status=status, error=str(message)[:2000], runner="")


def check(import_id: int) -> None:
    """The dry run: every row checked as the run would save it; only counts and reasons are kept."""
    source = Import.objects.select_related("owner").filter(pk=import_id, status=Status.CHECKING).first()
    if source is None:
        return
    with _in_language_of(source):
        try:
            _count_rows(source)
            source.rows.filter(phase=Phase.CHECK).delete()
            context, counts = context_for(source, dry=True), Counter()
            chosen = target(source.target)
            for batch in _batches(source, 0):
                with transaction.atomic():
                    outcomes = chosen.check(context, batch)
                    transaction.set_rollback(True)  # a dry run writes nothing, whatever a target does
                counts.update(outcome.outcome for outcome in outcomes)
                counts["rows"] += len(batch)
                _journal(source, Phase.CHECK, outcomes)
                Import.objects.filter(pk=source.pk).update(check_counts=dict(counts), heartbeat_at=timezone.now())
        except Exception as exc:
            _stop(source, exc, Status.UPLOADED)  # nothing was saved: the file can be read another way
            return
    Import.objects.filter(pk=source.pk).update(
        status=Status.CHECKED, check_counts=dict(counts), checked_at=timezone.now()
    )


def run(import_id: int) -> None:
    """Save the rows after the last saved batch, BATCH at a time, each batch whole or not at all.

    The job claims the import with a token of its own: a second job for the same import (a
    resume sent twice, a stalled run queued again while its worker was only slow) finds it
    claimed and leaves; a job that lost its claim stops before its next batch.
    """
    runner = uuid.uuid4().hex
    with transaction.atomic():
        source = Import.objects.select_for_update().select_related("owner").filter(pk=import_id).first()
        if source is None or source.status != Status.QUEUED:
            return
        now = timezone.now()
        source.status, source.heartbeat_at, source.runner = Status.RUNNING, now, runner
        source.started_at = source.started_at or now
        source.save(update_fields=["status", "heartbeat_at", "started_at", "runner"])
    with _in_language_of(source):
        try:
            _count_rows(source)
            finished = _run_batches(source, runner)
        except Exception as exc:
            _stop(source, exc)
            events.emit("import.finished", actor=source.owner, import_id=source.pk)
            return
    if finished:
        Import.objects.filter(pk=source.pk, runner=runner).update(
            status=Status.DONE, finished_at=timezone.now(), runner=""
        )
        events.emit("import.finished", actor=source.owner, import_id=source.pk)


def _run_batches(source: Import, runner: str) -> bool:
    """The batches after `rows_done`; False when another job took the import over (this one stops)."""
    context, chosen = context_for(source, dry=False), target(source.target)
    for batch in _batches(source, source.rows_done):
        with transaction.atomic():
            held = Import.objects.select_for_update().filter(pk=source.pk, runner=runner, status=Status.RUNNING)
            if not held.exists():
                return False
            outcomes = chosen.save(context, batch)
            _journal(source, Phase.RUN, outcomes)
            counts = Counter(outcome.outcome for outcome in outcomes)
            Import.objects.filter(pk=source.pk).update(
                rows_done=F("rows_done") + len(batch),
                heartbeat_at=timezone.now(),
                **{name: F(name) + counts[name] for name in COUNTED if counts[name]},
            )
    return True


def moved_rows(source: Import) -> list[int]:
    """The numbers of the rows whose record changed since the import wrote it."""
    journal = list(
        source.rows.filter(phase=Phase.RUN, outcome__in=("created", "updated"), object_id__isnull=False).values_list(
            "number", "object_id", "stamp"
        )
    )
    moved = target(source.target).moved((object_id, stamp) for _number, object_id, stamp in journal)
    return sorted({number for number, object_id, _stamp in journal if object_id in moved})


def undo(import_id: int) -> None:
    """Remove what the import created and put back what it changed, all at once or not at all."""
    source = Import.objects.select_related("owner").filter(pk=import_id, status=Status.UNDOING).first()
    if source is None:
        return
    with _in_language_of(source):
        try:
            with transaction.atomic():
                moved = moved_rows(source)
                if moved:
                    raise Conflict(moved_message(moved))
                journal = source.rows.filter(phase=Phase.RUN, object_id__isnull=False)
                created = list(journal.filter(outcome="created").values_list("object_id", flat=True))
                updated = list(journal.filter(outcome="updated").order_by("-number").values_list("object_id", "before"))
                target(source.target).undo(source.owner, created, updated)
                Import.objects.filter(pk=source.pk).update(status=Status.UNDONE, undone_at=timezone.now(), error="")
        except Exception as exc:
            log.exception("undo of import %s stopped", source.pk)
            message = getattr(exc, "message", "") or _("The undo stopped on an unexpected error; nothing was undone.")
            stopped = Status.DONE if source.finished_at else Status.FAILED
            Import.objects.filter(pk=source.pk).update(status=stopped, error=str(message)[:2000])


def resume_stalled() -> list[int]:
    """The runs whose worker died (no batch for STALLED_AFTER): queued again; answers their ids."""
    limit = timezone.now() - STALLED_AFTER
    stalled = list(Import.objects.filter(status=Status.RUNNING, heartbeat_at__lt=limit).values_list("pk", flat=True))
    Import.objects.filter(pk__in=stalled).update(status=Status.QUEUED, runner="")
    return stalled


def remove_old_files(now=None) -> int:
    """Files of imports done (or undone) KEEP_FILES ago, and imports never run after ABANDONED: removed.

    A finished import keeps its report and its undo (the journal is in the database); its
    file, which holds people's data, is only needed to run or resume it. Answers how many
    files went.
    """
    now = now or timezone.now()
    finished = Import.objects.filter(status__in=(Status.DONE, Status.UNDONE), finished_at__lt=now - KEEP_FILES)
    abandoned = Import.objects.filter(status__in=(Status.UPLOADED, Status.CHECKED), created_at__lt=now - ABANDONED)
    removed = 0
    for source in [*finished.exclude(stored_name=""), *abandoned]:
        path_of(source).unlink(missing_ok=True)
        removed += 1
    finished.update(stored_name="")
    abandoned.delete()
    return removed
