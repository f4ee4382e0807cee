"""The manifest: what an archive holds and what the restored copy must show."""

import json
from dataclasses import asdict, dataclass, field, fields

from django.utils.translation import gettext as _

from carte.backups.errors import BackupError

FORMAT = 1


@dataclass
class Manifest:
    format: int
    carte_version: str
    database: str  # "sqlite" | "postgresql"
    migrations: dict[str, list[str]]  # app label -> applied migration names, sorted
    tables: dict[str, int]  # row count per table
    database_member: str  # "database.sqlite3" | "database.pgdump"
    database_sha256: str
    files: dict[str, str]  # path under MEDIA_ROOT (posix) -> sha256
    started_at: str  # ISO 8601, UTC
    finished_at: str
    encrypted: bool
    # Size in bytes of each member (database member and "files/…"): a reader refuses a larger member.
    sizes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Manifest":
        try:
            data = json.loads(text)
        except ValueError:
            raise BackupError(_("the manifest of this archive is not readable (the archive is damaged)")) from None
        if not isinstance(data, dict) or not isinstance(data.get("format"), int):
            raise BackupError(_("the manifest of this archive is not valid"))
        if data["format"] > FORMAT:
            raise BackupError(
                _("this archive uses backup format %(format)s, made by a newer Carte") % {"format": data["format"]}
            )
        names = {item.name for item in fields(cls)}
        missing = names - set(data) - {"sizes"}
        if missing:
            raise BackupError(_("the manifest of this archive lacks %(names)s") % {"names": ", ".join(sorted(missing))})
        manifest = cls(**{name: data[name] for name in names if name in data})
        manifest._check_types()
        return manifest

    def _check_types(self) -> None:
        valid = (
            isinstance(self.carte_version, str)
            and self.database in ("sqlite", "postgresql")
            and self.database_member in ("database.sqlite3", "database.pgdump")
            and _mapping(self.tables, int)
            and _mapping(self.files, str)
            and _mapping(self.sizes, int)
            and isinstance(self.migrations, dict)
            and all(isinstance(names, list) for names in self.migrations.values())
        )
        if not valid:
            raise BackupError(_("the manifest of this archive is not valid"))


def _mapping(value, kind) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, kind) for k, v in value.items())
