"""Where the backup tests work: a backup folder and attachment files of their own, under tmp_path."""

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Places:
    backups: Path
    media: Path
    root: Path


def use_folders(settings, tmp_path: Path) -> Places:
    """Point the backup folder and MEDIA_ROOT at tmp_path, with two attached files; no copy folder, no key."""
    media = tmp_path / "media"
    (media / "documents" / "2026").mkdir(parents=True)
    (media / "documents" / "2026" / "quote-17.pdf").write_bytes(b"%PDF-1.7 a quote\n" * 40)
    (media / "avatar.png").write_bytes(bytes(range(256)) * 8)
    settings.MEDIA_ROOT = media
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_COPY_DIR = None
    settings.BACKUP_KEY_FILE = None
    settings.BACKUP_KEEP = "7,4,12"
    return Places(backups=tmp_path / "backups", media=media, root=tmp_path)


def verified_backup(at, file_name: str = "carte-backup-20260101-020000.tar"):
    """The row of a backup made and verified at `at`, as the backup job leaves it (no archive on disk)."""
    from carte.backups.models import Backup

    return Backup.objects.create(
        file_name=file_name,
        status=Backup.Status.DONE,
        started_at=at,
        finished_at=at,
        verification=Backup.Verification.PASSED,
        verified_at=at,
    )
