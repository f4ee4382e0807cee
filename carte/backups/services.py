"""Backups as use cases: make one, verify one, copy it off site, apply the retention, say how things stand.

The archive itself is the engine's (carte.backups.engine); this module keeps the record of
each archive (`Backup`) and runs the steps in order: the archive, its verification by a
restore into a scratch database, the copy to the second folder, the retention in both
folders. A step that fails is written on the row in one line for an administrator (the
traceback goes to the log only) and never undoes the steps before it: a backup whose copy
failed is still a backup.

`actor=None` is the scheduler or the `carte backup` command: they are allowed. A person
needs the "backups" rights, which only administrators hold by default.
"""

import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.backups import engine, locks
from carte.backups.archive import PARTIAL
from carte.backups.config import config
from carte.backups.models import Backup
from carte.backups.retention import BEFORE_RESTORE_PREFIX, Retention, archives_to_remove
from carte.core import events, policy
from carte.core.audit import record
from carte.core.errors import Conflict, NotFound
from carte.core.models import AuditEntry

log = logging.getLogger(__name__)

Status, Kind, Verification = Backup.Status, Backup.Kind, Backup.Verification
WARN_AFTER = timedelta(hours=26)  # a daily backup that is this late has been missed
STALLED_AFTER = timedelta(hours=6)  # a backup "running" this long lost its process (stopped, restarted)
FAILURES_KEPT_DAYS = 7  # the least time a failed attempt stays listed
COPY_CHUNK = 1024 * 1024
# A run holds this file locked while it works, so the next run knows at once when it died (see carte.backups.locks).
LOCK_FILE = ".carte-backup-{pk}.lock"
STAMP = re.compile(r"(\d{8})-(\d{6})")


# --- the rights ----------------------------------------------------------------------------------


def _require(actor, action: str, target=Backup) -> None:
    """People need the backups rights; the scheduler and the command line (no actor) are allowed."""
    if actor is not None:
        policy.require(actor, action, target)


# --- making a backup -----------------------------------------------------------------------------


def _running() -> Backup | None:
    """The backup being made now, if any (one at a time: two would compete for the disk and the database)."""
    _close_stalled()
    return Backup.objects.filter(status=Status.RUNNING).first()


def _close_stalled() -> None:
    """A backup still "running" long after it began, or whose process died, lost its process: say so,
    and free the way."""
    stalled = Backup.objects.filter(status=Status.RUNNING, started_at__lt=timezone.now() - STALLED_AFTER)
    dead = Backup.objects.filter(status=Status.RUNNING, pk__in=_dead_runs())
    for rows in (stalled, dead):
        rows.update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=_("The backup stopped before it finished: the process was stopped or the server restarted."),
        )


def _dead_runs() -> list[int]:
    """The "running" rows whose lock file is there but held by nobody: their process died.

    A row without a lock file (a job still queued, another machine's run) is left to STALLED_AFTER.
    """
    dead = []
    for pk in Backup.objects.filter(status=Status.RUNNING).values_list("pk", flat=True):
        path = _lock_file(pk)
        if locks.abandoned(path):
            dead.append(pk)
            path.unlink(missing_ok=True)
    return dead


def _lock_file(pk: int) -> Path:
    return config().folder / LOCK_FILE.format(pk=pk)


def _lock_held(backup: Backup):
    """The run's lock file, held while the run works."""
    return locks.held(_lock_file(backup.pk))


@transaction.atomic
def _begin(kind: str) -> Backup:
    if _running() is not None:
        raise Conflict(_("A backup is already being made. Wait until it ends."))
    return Backup.objects.create(kind=kind, status=Status.RUNNING, started_at=timezone.now())


@transaction.atomic
def start_backup(*, actor) -> Backup:
    """Record a backup asked for from the Settings page or the API, and make it in the background.

    The row shows "running" at once; the job (carte.backups.tasks) makes, verifies and copies the
    archive once this transaction commits.
    """
    from carte.backups.tasks import run_backup_job  # the tasks module calls this one: imported late

    _require(actor, policy.Action.CREATE)
    backup = _begin(Kind.MANUAL)
    record(actor, AuditEntry.Verb.CREATE, backup)
    transaction.on_commit(lambda: run_backup_job(backup.pk))
    return backup


def run_backup(*, actor=None, kind: str = Kind.MANUAL, backup: Backup | None = None) -> Backup:
    """Make an archive now, then verify it, copy it to the second folder and apply the retention.

    `backup` is a row `start_backup` recorded (the background job); without it a row is made here.
    Returns the row as it ends: `status` done or failed (with `error`), and the verification's result.
    """
    _require(actor, policy.Action.CREATE)
    if backup is None:
        backup = _begin(kind)
        if actor is not None:
            record(actor, AuditEntry.Verb.CREATE, backup)
    elif backup.status != Status.RUNNING:
        return backup  # a job queued twice: the first one made it
    try:
        with _lock_held(backup):
            path = _write_archive(backup)
            if path is not None:
                verify_backup(backup=backup)
                _copy_off_site(backup, path)
                record_found_archives()
                apply_retention()
    finally:
        events.emit(
            "backup.finished",
            actor=actor,
            backup_id=backup.pk,
            status=backup.status,
            verification=backup.verification,
        )
    return backup


def _write_archive(backup: Backup) -> Path | None:
    """The archive in the backup folder, recorded on the row; None when it failed (the row says why)."""
    try:
        path, manifest = engine.make_archive(config().folder, key=engine.load_key())
        size = path.stat().st_size
    except engine.BackupError as error:
        _finish(backup, Status.FAILED, error=_message(error))
        return None
    except Exception as error:  # the engine's own words are missing: the log keeps the traceback
        log.exception("Backup %s failed", backup.pk)
        _finish(backup, Status.FAILED, error=_unexpected(error))
        return None
    backup.file_name, backup.size, backup.encrypted = path.name, size, bool(manifest.encrypted)
    _finish(backup, Status.DONE)
    return path


def _finish(backup: Backup, status: str, error: str = "") -> None:
    backup.status, backup.error, backup.finished_at = status, error, timezone.now()
    backup.save()


def _message(error: Exception) -> str:
    """A refusal's one line: the engine's message, never more than its first line."""
    text = str(getattr(error, "message", "") or error).strip()
    return text.splitlines()[0] if text else _("The backup failed without saying why.")


def _unexpected(error: Exception) -> str:
    detail = _message(error)
    return _("Unexpected error (%(kind)s): %(detail)s. The server's log has the details.") % {
        "kind": type(error).__name__,
        "detail": detail,
    }


# --- verifying -----------------------------------------------------------------------------------


def archive_path(backup: Backup) -> Path | None:
    """Where the backup's archive is, when its name is a plain file name of the backup folder (None otherwise)."""
    name = backup.file_name
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        return None
    folder = config().folder
    path = folder / name
    if path.is_symlink() or not path.is_file():
        return None
    return path


def _key_for(path: Path) -> bytes | None:
    """The key for an encrypted archive; a plain one needs none (and a broken key file must not fail it)."""
    return engine.load_key() if path.name.endswith(".enc") else None


@transaction.atomic
def start_verify(*, actor, backup: Backup) -> Backup:
    """Mark a backup as being verified and verify it in the background once this transaction commits."""
    from carte.backups.tasks import verify_backup_job

    _require(actor, policy.Action.EDIT, backup)
    backup = Backup.objects.select_for_update().get(pk=backup.pk)
    if backup.status != Status.DONE:
        raise Conflict(_("Only a finished backup can be verified."))
    if backup.verification == Verification.VERIFYING:
        raise Conflict(_("This backup is already being verified."))
    if archive_path(backup) is None:
        raise Conflict(_("The archive is no longer in the backup folder."))
    backup.verification = Verification.VERIFYING
    backup.save(update_fields=["verification"])
    record(actor, AuditEntry.Verb.UPDATE, backup, changes={"verification": ["", Verification.VERIFYING]})
    transaction.on_commit(lambda: verify_backup_job(backup.pk))
    return backup


def verify_backup(*, actor=None, backup: Backup) -> Backup:
    """Restore the backup's archive into a scratch database and check it; record the result and its time.

    The checks are the engine's (checksums, the database's own integrity check, migrations, row
    counts, every attachment present); the first that fails is the row's `verification_error`.
    """
    _require(actor, policy.Action.EDIT, backup)
    path = archive_path(backup)
    if path is None:
        _verified(backup, Verification.FAILED, _("The archive is no longer in the backup folder."))
        return backup
    backup.verification = Verification.VERIFYING
    backup.save(update_fields=["verification"])
    try:
        engine.verify_archive(path, key=_key_for(path))
    except engine.BackupError as error:
        _verified(backup, Verification.FAILED, _message(error))
    except Exception as error:
        log.exception("Verification of backup %s failed", backup.pk)
        _verified(backup, Verification.FAILED, _unexpected(error))
    else:
        _verified(backup, Verification.PASSED)
    return backup


def _verified(backup: Backup, result: str, error: str = "") -> None:
    backup.verification, backup.verification_error, backup.verified_at = result, error, timezone.now()
    backup.save(update_fields=["verification", "verification_error", "verified_at"])


def verify_file(path: Path) -> tuple[Backup | None, str]:
    """Verify any archive file (`carte backup verify ARCHIVE`): (its row or None, "" or why it failed).

    When the file is one of the backup folder's recorded archives, its row gets the result.
    """
    backup = Backup.objects.filter(file_name=path.name, status=Status.DONE).first()
    recorded = archive_path(backup) if backup is not None else None
    if backup is not None and recorded is not None and recorded.resolve() == path.resolve():
        verify_backup(backup=backup)
        return backup, backup.verification_error
    try:
        engine.verify_archive(path, key=_key_for(path))
    except engine.BackupError as error:
        return None, _message(error)
    return None, ""


# --- the off-site copy ---------------------------------------------------------------------------


def _copy_off_site(backup: Backup, source: Path) -> None:
    """Copy the archive to the second folder the engine's way: a partial name, fsync, then the real name.

    A failure (the share is not mounted, the disk is full) is recorded on the row; the backup stays.
    """
    folder = config().copy_folder
    if folder is None:
        return
    partial = Path(folder) / f"{source.name}{PARTIAL}"
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with source.open("rb") as reading, partial.open("wb") as writing:
            shutil.copyfileobj(reading, writing, COPY_CHUNK)
            writing.flush()
            os.fsync(writing.fileno())
        if partial.stat().st_size != source.stat().st_size:
            raise OSError(_("the copy is shorter than the archive"))
        os.replace(partial, Path(folder) / source.name)
        engine.fsync_folder(Path(folder))
    except OSError as error:
        _remove_quietly(partial)
        backup.copied = False
        backup.copy_error = _("The copy to %(folder)s failed: %(reason)s") % {
            "folder": folder,
            "reason": error.strerror or str(error),
        }
    else:
        backup.copied, backup.copy_error = True, ""
    backup.save(update_fields=["copied", "copy_error"])


def _remove_quietly(path: Path) -> None:
    """Remove a partial copy when the folder still lets us (an unmounted share may not)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# --- retention -----------------------------------------------------------------------------------


def retention() -> Retention:
    settings = config()
    return Retention(settings.keep_daily, settings.keep_weekly, settings.keep_monthly)


def _made_at(path: Path, rows: dict[str, datetime]) -> datetime:
    """When an archive was made: its row's start, else the time in its name (UTC), else the file's time."""
    if path.name in rows:
        return rows[path.name]
    stamp = STAMP.search(path.name)
    if stamp:
        try:
            return datetime.strptime("".join(stamp.groups()), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _prune(folder: Path, rows: dict[str, datetime]) -> list[str]:
    """Remove the archives of one folder that the retention lets go; their names."""
    if not folder.is_dir():
        return []
    archives = [(path, _made_at(path, rows)) for path in engine.archives(folder)]
    names = archives_to_remove([(path.name, timezone.localtime(made)) for path, made in archives], retention())
    removed = []
    for name in names:
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("Could not remove the old backup %s: %s", folder / name, error)
            continue
        removed.append(name)
    return removed


def apply_retention() -> list[str]:
    """Keep the last N daily, M weekly and K monthly archives in the backup folder and in the second one.

    The rows of the removed archives go with them; failed attempts stay as long as daily archives do
    (at least a week). Returns the names removed from the backup folder.
    """
    settings = config()
    rows = dict(Backup.objects.filter(status=Status.DONE).exclude(file_name="").values_list("file_name", "started_at"))
    removed = _prune(settings.folder, rows)
    Backup.objects.filter(status=Status.DONE, file_name__in=removed).delete()
    _remove_leftovers(settings.folder)
    if settings.copy_folder is not None:
        _prune(Path(settings.copy_folder), rows)
        _remove_leftovers(Path(settings.copy_folder))
    failures_kept = timedelta(days=max(settings.keep_daily, FAILURES_KEPT_DAYS))
    Backup.objects.filter(status=Status.FAILED, started_at__lt=timezone.now() - failures_kept).delete()
    return removed


def _remove_leftovers(folder: Path) -> None:
    """What a killed backup or copy left (its ".partial" file, its work folder), once no backup can still be
    writing it: never listed as archives, they would only fill the disk."""
    limit = (timezone.now() - STALLED_AFTER).timestamp()
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        leftover = path.name.endswith(PARTIAL) or path.name.startswith(engine.WORK_PREFIX)
        if not leftover or path.is_symlink() or path.stat().st_mtime > limit:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def after_restore(archive: Path) -> None:
    """Bring the rows of the restored database up to date with the backup folder.

    The database is the archive's snapshot, taken while its own backup was being made: that row
    still says "running", and the archives made since (the one before the restore among them) are
    unknown to it. The running rows go (no backup runs during a restore), the folder's archives get
    rows, and the restored archive passed its verification just now.
    """
    Backup.objects.filter(status=Status.RUNNING).delete()
    record_found_archives()
    Backup.objects.filter(file_name=Path(archive).name).update(
        verification=Verification.PASSED, verified_at=timezone.now(), verification_error=""
    )


# --- archives found in the folder ----------------------------------------------------------------


def record_found_archives() -> list[Backup]:
    """Give a row to each archive of the backup folder that has none.

    Archives made by `carte restore` (the state before a restore), copied in by an administrator,
    or made after the backup a restore brought back (whose database knew nothing of them).
    """
    known = set(Backup.objects.exclude(file_name="").values_list("file_name", flat=True))
    found: list[Backup] = []
    folder = config().folder
    if not folder.is_dir():
        return found
    for path in engine.archives(folder):
        if path.name in known:
            continue
        found.append(_found(path))
    return found


def _found(path: Path) -> Backup:
    stat = path.stat()
    made = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    backup = Backup(
        file_name=path.name,
        size=stat.st_size,
        kind=Kind.BEFORE_RESTORE if path.name.startswith(BEFORE_RESTORE_PREFIX) else Kind.MANUAL,
        status=Status.DONE,
        encrypted=path.name.endswith(".enc"),
        started_at=made,
        finished_at=made,
    )
    try:
        manifest = engine.read_manifest(path, key=_key_for(path))
        backup.started_at = datetime.fromisoformat(manifest.started_at)
        backup.finished_at = datetime.fromisoformat(manifest.finished_at)
        backup.encrypted = bool(manifest.encrypted)
    except engine.BackupError as error:
        backup.verification, backup.verification_error, backup.verified_at = (
            Verification.FAILED,
            _message(error),
            timezone.now(),
        )
    except ValueError:
        pass  # times that do not read: the file's own time stays
    backup.save()
    return backup


# --- how things stand ----------------------------------------------------------------------------


@dataclass
class BackupStatus:
    """What an administrator must know at a glance: the last backup, the last good verification, what is wrong."""

    last_backup: Backup | None  # the last one made (status done)
    last_verified: Backup | None  # the one whose verification passed last
    last_attempt: Backup | None  # the last one begun, whatever its outcome
    warnings: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.warnings

    @property
    def last_backup_at(self) -> datetime | None:
        return self.last_backup.finished_at if self.last_backup else None

    @property
    def last_verified_at(self) -> datetime | None:
        return self.last_verified.verified_at if self.last_verified else None


def backup_status(now: datetime | None = None) -> BackupStatus:
    """The last done backup, the last passed verification and the warnings (four queries).

    Warnings: no backup yet; the last backup or the last passed verification older than 26 hours;
    the last backup failed; the last verification failed.
    """
    now = now or timezone.now()
    rows = Backup.objects.all()
    status = BackupStatus(
        last_backup=rows.filter(status=Status.DONE).order_by("-finished_at", "-id").first(),
        last_verified=rows.filter(verification=Verification.PASSED).order_by("-verified_at", "-id").first(),
        last_attempt=rows.exclude(status=Status.RUNNING).order_by("-started_at", "-id").first(),
    )
    checked = rows.filter(verified_at__isnull=False).exclude(verification=Verification.VERIFYING)
    last_check = checked.order_by("-verified_at", "-id").first()
    status.warnings = _warnings(status, last_check, now)
    return status


def _warnings(status: BackupStatus, last_check: Backup | None, now: datetime) -> list[str]:
    warnings = []
    if status.last_attempt is not None and status.last_attempt.status == Status.FAILED:
        warnings.append(_("The last backup failed: %(error)s") % {"error": status.last_attempt.error})
    if status.last_backup is None:
        warnings.append(_("No backup has been made yet."))
    elif now - (status.last_backup_at or status.last_backup.started_at) > WARN_AFTER:
        warnings.append(_("The last backup is more than 26 hours old."))
    if last_check is not None and last_check.verification == Verification.FAILED:
        warnings.append(_("The last verification failed: %(error)s") % {"error": last_check.verification_error})
    if status.last_verified is None:
        if status.last_backup is not None:
            warnings.append(_("No backup has been verified yet."))
    elif status.last_verified_at is None or now - status.last_verified_at > WARN_AFTER:
        warnings.append(_("The last successful verification is more than 26 hours old."))
    return warnings


# --- downloads -----------------------------------------------------------------------------------


def backup_file(actor, backup: Backup) -> Path:
    """The archive of a backup, to download: a plain file of the backup folder, never a path elsewhere.

    Audited: an archive holds every record of the company.
    """
    policy.require(actor, policy.Action.EXPORT, backup)
    if backup.status != Status.DONE:
        raise Conflict(_("This backup has no archive."))
    path = archive_path(backup)
    if path is None:
        raise NotFound(_("The archive is no longer in the backup folder."))
    record(actor, AuditEntry.Verb.EXPORT, backup)
    return path
