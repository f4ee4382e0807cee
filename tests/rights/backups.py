"""Rows of the rights matrix for backups: the Settings page and the API, administrators only.

Backups hold every record of the company: only Ada (administrator) may list, run, verify or
download them. The others are refused the list and "run now", and get 404 for one backup, as
if it did not exist. Running or verifying answers at once and leaves the work to a job queued
on commit: the matrix never commits, so no archive is made here (tests/backups make real ones).
"""

from django.utils import timezone

from carte.backups.config import config
from carte.backups.models import Backup
from tests.rights import ADMIN, EVERYONE, Later, row

OTHERS = EVERYONE - ADMIN
DONE = ("@done_backup",)
NAME = "carte-backup-20260101-023000.tar"

ROWS = [
    row("backups:backup_list", allowed=ADMIN),
    row("backups:backup_run", "POST", allowed=ADMIN),
    row("backups:backup_verify", "POST", allowed=ADMIN, hidden=OTHERS, args=DONE),
    row("backups:backup_download", allowed=ADMIN, hidden=OTHERS, args=DONE),
    row("GET /api/v1/backups", allowed=ADMIN),
    row("POST /api/v1/backups", "POST", allowed=ADMIN),
    row("GET /api/v1/backups/status", allowed=ADMIN),
    row("POST /api/v1/backups/{backup_id}/verify", "POST", allowed=ADMIN, hidden=OTHERS, args=DONE),
]


def _done_backup() -> Backup:
    """A finished backup whose file is in the backup folder (its bytes do not matter to the rights)."""
    folder = config().folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NAME).write_bytes(b"an archive of the matrix\n" * 64)
    now = timezone.now()
    return Backup.objects.create(file_name=NAME, size=1600, status=Backup.Status.DONE, started_at=now, finished_at=now)


def records(world: dict) -> dict:
    """The finished backup writes a file: made only for the rows that name it."""
    return {"done_backup": Later(_done_backup)}
