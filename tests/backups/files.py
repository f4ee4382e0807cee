"""Helpers of the engine tests: a small company with attachments, state snapshots, archive surgery."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from carte.core.testing import ClientFactory, EmployeeFactory, database_state

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Folders:
    media: Path
    backups: Path
    root: Path


def point_folders(settings, tmp_path: Path) -> Folders:
    """MEDIA_ROOT and the backup folder under tmp_path; no key, no copy folder."""
    folders = Folders(media=tmp_path / "media", backups=tmp_path / "backups", root=tmp_path)
    folders.media.mkdir()
    settings.MEDIA_ROOT = folders.media
    settings.BACKUP_DIR = folders.backups
    settings.BACKUP_COPY_DIR = None
    settings.BACKUP_KEY_FILE = None
    return folders


def fill_company(media: Path, clients: int = 12) -> None:
    """Employees, clients, and document templates whose files lie under MEDIA_ROOT (a FileField)."""
    from carte.documents.models import DocumentTemplate

    owners = [EmployeeFactory() for _ in range(3)]
    for number in range(clients):
        ClientFactory(owner=owners[number % 3], name=f"Client «{number}» Ünïcode")
    (media / "templates").mkdir(exist_ok=True)
    for number, suffix in enumerate(["docx", "html", "docx"]):
        name = f"templates/offer-{number}.{suffix}"
        (media / name).write_bytes(os.urandom(3000 + number * 700))
        DocumentTemplate.objects.create(name=f"Offer {number}", purpose="quote", format=suffix, file=name)
    (media / "imports").mkdir(exist_ok=True)
    (media / "imports" / "clients.csv").write_text("name\nAcme\n")
    (media / "imports" / "upload.csv.partial").write_text("being written")


def checksums(root: Path) -> dict[str, str]:
    """SHA-256 of every file under root that a backup keeps (not symlinks nor ".partial" files being written)."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".partial")
    }


def state(media: Path) -> tuple[dict, dict]:
    return database_state(), checksums(media)


# --- archive surgery --------------------------------------------------------------------------


def tar_members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path, "r:") as tar:
        return [(info, tar.extractfile(info).read() if info.isreg() else b"") for info in tar.getmembers()]


def write_tar(path: Path, items: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:", format=tarfile.PAX_FORMAT) as tar:
        for info, data in items:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def with_manifest(items, change) -> list:
    """The members with the manifest changed by change(dict), and its checksum member made to match."""
    out, text = [], None
    for info, data in items:
        if info.name == "manifest.json":
            manifest = json.loads(data)
            change(manifest)
            text = json.dumps(manifest).encode()
            out.append((info, text))
        elif info.name == "manifest.json.sha256":
            out.append((info, hashlib.sha256(text).hexdigest().encode()))
        else:
            out.append((info, data))
    return out


def inserted_before_manifest(items, info: tarfile.TarInfo, data: bytes = b"") -> list:
    position = next(index for index, (member, _data) in enumerate(items) if member.name == "manifest.json")
    return [*items[:position], (info, data), *items[position:]]


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as file:
        file.seek(offset)
        byte = file.read(1)
        file.seek(offset)
        file.write(bytes([byte[0] ^ 0x40]))


def truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as file:
        file.truncate(size)


# --- another process on the same database -----------------------------------------------------


def database_url(tmp_path: Path) -> str:
    """A URL another process can use for the test database: PostgreSQL's test database itself, or,
    since SQLite's test database lives in memory, a file copy of it (returned URL names the copy)."""
    given = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(given.get("USER") or "postgres")
        password = f":{quote(given['PASSWORD'])}" if given.get("PASSWORD") else ""
        host = f"{given.get('HOST') or '127.0.0.1'}:{given.get('PORT') or 5432}"
        return f"postgres://{user}{password}@{host}/{given['NAME']}"
    import sqlite3

    copy = tmp_path / "carte.sqlite3"
    name = str(given["NAME"])
    source = sqlite3.connect(name, uri=name.startswith("file:"))
    target = sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    source.close()
    return f"sqlite:///{copy}"


BACKUP_SCRIPT = """
import os, sys, time
import django
django.setup()
from carte.backups import engine
pause = float(os.environ.get("PAUSE_PER_WRITE", "0"))
if pause:
    real_open = engine._open_partial

    class Slow:
        def __init__(self, file):
            self.file = file
        def write(self, data):
            time.sleep(pause)
            return self.file.write(data)
        def __getattr__(self, name):
            return getattr(self.file, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.file.close()

    engine._open_partial = lambda path: Slow(real_open(path))
path, manifest = engine.make_archive()
print(path, flush=True)
"""


def backup_process(url: str, folders: Folders, pause: float = 0.0, script: str = BACKUP_SCRIPT) -> subprocess.Popen:
    """`make_archive()` (or another `script`) in another Python process, on the database at `url`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "carte.settings",
        "CARTE_DATABASE_URL": url,
        "CARTE_VAR_DIR": str(folders.root / "var"),
        "CARTE_MEDIA_ROOT": str(folders.media),
        "CARTE_BACKUP_DIR": str(folders.backups),
        "CARTE_SECRET_KEY": "test",
        "PAUSE_PER_WRITE": str(pause),
    }
    (folders.root / "var").mkdir(exist_ok=True)
    for name in ("CARTE_BACKUP_KEY_FILE", "CARTE_BACKUP_COPY_DIR", "CARTE_REDIS_URL"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
