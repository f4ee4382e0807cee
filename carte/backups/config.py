"""Backup configuration, read from settings.BACKUP_* at each call (tests override the settings)."""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from carte.core.env import ConfigError


@dataclass(frozen=True)
class BackupConfig:
    folder: Path  # CARTE_BACKUP_DIR
    copy_folder: Path | None  # CARTE_BACKUP_COPY_DIR: a second folder for an off-site copy
    hour: int  # CARTE_BACKUP_TIME "HH:MM", local time (TIME_ZONE)
    minute: int
    keep_daily: int  # CARTE_BACKUP_KEEP "daily,weekly,monthly"
    keep_weekly: int
    keep_monthly: int
    key_file: Path | None  # CARTE_BACKUP_KEY_FILE; None: archives are not encrypted


def config() -> BackupConfig:
    hour, minute = _time(str(settings.BACKUP_TIME or "02:30"))
    daily, weekly, monthly = _keep(str(settings.BACKUP_KEEP or "7,4,12"))
    return BackupConfig(
        folder=Path(settings.BACKUP_DIR),
        copy_folder=_path(settings.BACKUP_COPY_DIR),
        hour=hour,
        minute=minute,
        keep_daily=daily,
        keep_weekly=weekly,
        keep_monthly=monthly,
        key_file=_path(settings.BACKUP_KEY_FILE),
    )


def _path(value) -> Path | None:
    return Path(value).expanduser() if value else None


def _time(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"CARTE_BACKUP_TIME={text!r} is not a time of day (use HH:MM, e.g. 02:30).")
    return int(match[1]), int(match[2])


def _keep(text: str) -> tuple[int, int, int]:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ConfigError(
            f"CARTE_BACKUP_KEEP={text!r} is not three whole numbers (daily, weekly, monthly; e.g. 7,4,12)."
        )
    daily, weekly, monthly = (int(part) for part in parts)
    return daily, weekly, monthly
