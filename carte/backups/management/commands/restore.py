"""`carte restore ARCHIVE [--yes]`: replace the database and the attachment files with an archive's."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from carte.backups import engine, services


class Command(BaseCommand):
    help = _(
        "Restore Carte's database and attachment files from a backup archive, after verifying it "
        "and backing up the current state."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help=_("the archive to restore (carte-backup-….tar or .tar.enc)"))
        parser.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))

    def handle(self, *args, archive: str, yes: bool, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
        try:
            key = engine.load_key() if path.name.endswith(".enc") else None
            if not yes:
                self._confirm(path, engine.read_manifest(path, key=key))
            self.stdout.write(_("Verifying %(path)s, then backing up the current state…") % {"path": path})
            manifest = engine.restore_archive(path, key=key)
        except engine.BackupError as error:
            raise CommandError(_("Restore refused: %(reason)s.") % {"reason": error.message}) from None
        services.after_restore(path)
        self.stdout.write(
            _("Restored the backup of %(date)s: %(rows)s rows, %(files)s files.")
            % {"date": manifest.started_at, "rows": sum(manifest.tables.values()), "files": len(manifest.files)}
        )

    def _confirm(self, path: Path, manifest: engine.Manifest) -> None:
        if not sys.stdin.isatty():
            raise CommandError(_("Restore refused: confirm on a terminal, or add --yes."))
        self.stdout.write(
            _("This replaces all data and attachment files with the backup of %(date)s (%(path)s).")
            % {"date": manifest.started_at, "path": path}
        )
        answer = input(_("Type yes to restore: "))
        if answer.strip().lower() != "yes":
            raise CommandError(_("Restore refused: not confirmed."))
