"""The backups side of the setup checklist: one backup made and verified."""

from django.utils.translation import gettext_lazy as _

from carte.backups.models import Backup
from carte.core.setup import SetupStep, add_step


def backup_verified() -> bool:
    """A backup was restored into a scratch database and checked."""
    return Backup.objects.filter(verification=Backup.Verification.PASSED).exists()


def register() -> None:
    """Called by BackupsConfig.ready()."""
    add_step(
        SetupStep(
            "backups",
            _("Backups"),
            _(
                "A disk failure or a mistake must never cost you your clients' history. "
                "Check the backup folder and run a first backup: it counts once it is verified by a restore."
            ),
            "backups:backup_list",
            backup_verified,
            order=100,
        )
    )
