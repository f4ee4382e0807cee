"""Background jobs of backups (run by `carte worker`): the daily backup, and "run now" and "verify" from the page.

The daily time is local (CARTE_BACKUP_TIME in TIME_ZONE) while Huey's scheduler counts in UTC:
a crontab built once would drift by an hour at each change of summer time and miss half-hour
time zones. The schedule is therefore a test Huey asks each minute: is it HH:MM here now?
It reads the configuration each time, so it follows the settings without a restart of the
worker's code. The services (and the engine under them) are imported by the jobs when they run:
registering the jobs at start-up costs nothing.
"""

import logging
from datetime import UTC, datetime

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task, db_task

from carte.backups.config import config
from carte.backups.models import Backup
from carte.core.errors import Conflict

log = logging.getLogger(__name__)


def at_backup_time(moment: datetime) -> bool:
    """Huey's test for the daily backup: `moment` (UTC, without a zone, as Huey gives it) is HH:MM local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = timezone.localtime(moment)
    settings = config()
    return (local.hour, local.minute) == (settings.hour, settings.minute)


@db_periodic_task(at_backup_time)
def scheduled_backup_job() -> int | None:
    """The daily backup: made, verified, copied, old ones let go. Its row's id, or None when one was running."""
    from carte.backups import services

    try:
        return services.run_backup(kind=Backup.Kind.SCHEDULED).pk
    except Conflict:
        log.warning("The daily backup was skipped: another backup was being made.")
        return None


@db_task()
def run_backup_job(backup_id: int) -> None:
    """A backup asked for from the Settings page or the API (its row is already "running")."""
    from carte.backups import services

    backup = Backup.objects.filter(pk=backup_id).first()
    if backup is not None:
        services.run_backup(backup=backup)


@db_task()
def verify_backup_job(backup_id: int) -> None:
    """A verification asked for from the Settings page or the API."""
    from carte.backups import services

    backup = Backup.objects.filter(pk=backup_id).first()
    if backup is not None:
        services.verify_backup(backup=backup)
