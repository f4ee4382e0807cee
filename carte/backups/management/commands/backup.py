"""`carte backup`: make a verified backup now, verify an archive, list the backups, make an encryption key.

    carte backup                   one archive (database + attached files), verified, copied, old ones let go
    carte backup verify [ARCHIVE]  restore an archive (the latest when none) into a scratch database and check it
    carte backup list              the backups, newest first
    carte backup key               a new encryption key, for the file CARTE_BACKUP_KEY_FILE names

A failure ends with its reason in one line and the exit status 1.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.backups import engine, services
from carte.backups.config import config
from carte.backups.models import Backup
from carte.core.errors import Conflict

Status, Verification = Backup.Status, Backup.Verification


class Command(BaseCommand):
    help = "Make a verified backup; `verify [ARCHIVE]`, `list` or `key` for the other uses."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["verify", "list", "key"], help="what to do instead")
        parser.add_argument("archive", nargs="?", help="verify: the archive (a path, or a name in the folder)")

    def handle(self, *args, action=None, archive=None, **options):
        if archive and action != "verify":
            raise CommandError(_("Only `carte backup verify` takes an archive."))
        {None: self.backup, "verify": self.verify, "list": self.list, "key": self.key}[action](archive)

    def backup(self, _archive) -> None:
        try:
            backup = services.run_backup(kind=Backup.Kind.MANUAL)
        except Conflict as refused:
            raise CommandError(str(refused.message)) from None
        if backup.status != Status.DONE:
            raise CommandError(_("The backup failed: %(error)s") % {"error": backup.error})
        self.stdout.write(
            _("Archive: %(path)s (%(size)s)")
            % {"path": config().folder / backup.file_name, "size": filesizeformat(backup.size)}
        )
        if backup.copy_error:
            self.stderr.write(backup.copy_error)
        elif backup.copied:
            self.stdout.write(_("Copied to %(folder)s") % {"folder": config().copy_folder})
        if backup.verification != Verification.PASSED:
            raise CommandError(_("The verification failed: %(error)s") % {"error": backup.verification_error})
        self.stdout.write(_("Verified: restored into a scratch database, every check passed."))

    def verify(self, archive: str | None) -> None:
        path = self._archive(archive)
        _row, error = services.verify_file(path)
        if error:
            raise CommandError(_("%(name)s: the verification failed: %(error)s") % {"name": path.name, "error": error})
        self.stdout.write(
            _("%(name)s: verified, restored into a scratch database, every check passed.") % {"name": path.name}
        )

    def _archive(self, archive: str | None) -> Path:
        """The archive named (a path, or a name in the backup folder), or the latest in the folder."""
        folder = config().folder
        if archive is None:
            found = engine.archives(folder) if folder.is_dir() else []
            if not found:
                raise CommandError(_("There is no archive in %(folder)s.") % {"folder": folder})
            return found[0]
        path = Path(archive)
        if not path.exists() and Path(archive).name == archive and (folder / archive).exists():
            path = folder / archive
        if not path.is_file():
            raise CommandError(_("%(archive)s: no such archive.") % {"archive": archive})
        return path

    def list(self, _archive) -> None:
        services.record_found_archives()
        backups = Backup.objects.order_by("-started_at", "-id")
        if not backups:
            self.stdout.write(_("No backup yet (%(folder)s).") % {"folder": config().folder})
            return
        for backup in backups:
            started = timezone.localtime(backup.started_at).strftime("%Y-%m-%d %H:%M")
            size = filesizeformat(backup.size) if backup.status == Status.DONE else "-"
            checked = backup.get_verification_display() if backup.status == Status.DONE else ""
            reason = backup.error or backup.verification_error
            line = f"{started}  {backup.get_status_display():<8} {size:>10}  {checked:<20} {backup.file_name}"
            self.stdout.write(f"{line}  {reason}".rstrip())

    def key(self, _archive) -> None:
        self.stdout.write(engine.new_key())
        self.stderr.write(
            _(
                "Save this key in a file readable only by Carte (chmod 600) and set CARTE_BACKUP_KEY_FILE to its "
                "path; keep a copy somewhere else than this server. A lost key cannot be recovered, and the "
                "archives it encrypted cannot be read by anyone."
            )
        )
