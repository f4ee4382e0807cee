"""Backups in the REST API (administrators): the list, how things stand, run one now, verify one.

The same services as the Settings page. Running and verifying take minutes: they answer 202
with the backup, whose `status` and `verification` tell how far they got (ask GET /backups).
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from carte.backups import queries, services
from carte.backups.models import Backup
from carte.backups.schemas import BackupOut, BackupStatusOut
from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.listing import DEFAULT_PAGE_SIZE

router = Router(tags=["backups"])


class BackupFilters(Schema):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@router.get("/backups", response=PageOut[BackupOut], summary="List backups")
def list_backups(request: HttpRequest, filters: Query[BackupFilters]):
    """The backups, newest first: how each was made, verified and copied."""
    page = queries.backup_page(request.user, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/backups", response={202: BackupOut}, summary="Run a backup now")
def run_backup(request: HttpRequest):
    """Start a backup in the background (409 when one is being made). It is verified as soon as it is
    written, copied to the second folder when there is one, and old archives are let go."""
    return Status(202, services.start_backup(actor=request.user))


@router.get("/backups/status", response=BackupStatusOut, summary="How backups stand")
def backup_status(request: HttpRequest):
    """The last successful backup and verification, and the warnings the notification bar shows."""
    policy.require(request.user, policy.Action.VIEW, Backup)
    status = services.backup_status()
    return {
        "healthy": status.healthy,
        "last_backup_at": status.last_backup_at,
        "last_verified_at": status.last_verified_at,
        "last_backup": status.last_backup,
        "last_verified": status.last_verified,
        "warnings": [str(warning) for warning in status.warnings],
    }


@router.post("/backups/{int:backup_id}/verify", response={202: BackupOut}, summary="Verify a backup")
def verify_backup(request: HttpRequest, backup_id: int):
    """Restore the backup's archive into a scratch database and check it, in the background (409 when it is
    being verified already or its archive is gone)."""
    backup = queries.get_backup_for(request.user, backup_id, policy.Action.EDIT)
    return Status(202, services.start_verify(actor=request.user, backup=backup))
