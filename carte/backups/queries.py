"""Reading backups, for who holds the backups rights: the list, one backup, how things stand, the configuration.

Backups have no owner: the "backups" module's scope "all" (administrators by default) reaches
every one; anyone else is refused the list and gets NotFound for one backup.
"""

from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

from carte.backups import services
from carte.backups.config import config
from carte.backups.models import Backup
from carte.core import policy
from carte.core.errors import NotFound
from carte.core.listing import Page, page_of

PAGE_SIZE = 30


def backups_visible_to(actor, action: str = policy.Action.VIEW) -> QuerySet:
    return policy.visible(actor, Backup.objects.all(), action)


def backup_page(actor, number=1, size=PAGE_SIZE) -> Page:
    """A page of the backups, newest first (two queries)."""
    policy.require(actor, policy.Action.VIEW, Backup)
    return page_of(backups_visible_to(actor).order_by("-started_at", "-id"), number, size)


def get_backup_for(actor, pk, action: str = policy.Action.VIEW) -> Backup:
    """The backup with this id if the user may see it (NotFound otherwise) and do `action` to it."""
    try:
        backup = backups_visible_to(actor).get(pk=int(pk))
    except (Backup.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, backup)
    return backup


def status_for(actor) -> services.BackupStatus | None:
    """How backups stand, for who may see backups; None for anyone else (no query then)."""
    if not policy.can(actor, policy.Action.VIEW, Backup):
        return None
    return services.backup_status()


@dataclass(frozen=True)
class Configuration:
    """The configuration as the Settings page shows it (read-only: it comes from the environment)."""

    folder: Path
    copy_folder: Path | None
    time: str  # HH:MM, local time
    keep_daily: int
    keep_weekly: int
    keep_monthly: int
    encrypted: bool


def configuration(actor) -> Configuration:
    policy.require(actor, policy.Action.VIEW, Backup)
    settings = config()
    return Configuration(
        folder=settings.folder,
        copy_folder=settings.copy_folder,
        time=f"{settings.hour:02d}:{settings.minute:02d}",
        keep_daily=settings.keep_daily,
        keep_weekly=settings.keep_weekly,
        keep_monthly=settings.keep_monthly,
        encrypted=settings.key_file is not None,
    )
