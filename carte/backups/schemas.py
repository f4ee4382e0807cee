"""The shapes of backups in the REST API (answers only; the rules live in the services)."""

from datetime import datetime

from ninja import Field, Schema

from carte.backups.models import Backup


class BackupOut(Schema):
    id: int
    file_name: str = Field(description="The archive's name in the backup folder; empty while it is being written.")
    size: int = Field(description="The archive's size in bytes, once written.")
    kind: str = Field(description=", ".join(Backup.Kind.values) + ".")
    status: str = Field(description="running, done or failed.")
    error: str = Field(description="Why the backup failed, when it did.")
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None = Field(description="How long the archive took to write.")
    verification: str = Field(description="Empty (not verified yet), verifying, passed or failed.")
    verified_at: datetime | None = Field(description="When the last verification ended.")
    verification_error: str = Field(description="Why the last verification failed, when it did.")
    encrypted: bool
    copied: bool = Field(description="Whether the archive was copied to the second folder.")
    copy_error: str = Field(description="Why the copy to the second folder failed, when it did.")

    @staticmethod
    def resolve_duration_seconds(backup: Backup) -> float | None:
        return None if backup.duration is None else backup.duration.total_seconds()


class BackupStatusOut(Schema):
    healthy: bool = Field(description="True when there is no warning.")
    last_backup_at: datetime | None = Field(description="When the last successful backup ended.")
    last_verified_at: datetime | None = Field(description="When the last successful verification ended.")
    last_backup: BackupOut | None
    last_verified: BackupOut | None
    warnings: list[str] = Field(
        description="What is wrong, in words: no backup, the last one older than 26 hours or failed, "
        "the last successful verification older than 26 hours, the last verification failed."
    )
