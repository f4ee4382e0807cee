"""The archive as a tar stream: members written with their SHA-256 computed on the way, and read
back member by member with every name and type checked before anything is written to disk.

Members, in order: the database dump, "files/<path under MEDIA_ROOT>", "manifest.json", and
"manifest.json.sha256". The manifest comes last because it holds the checksums computed while
the members were streamed; a truncated archive therefore has no manifest and is refused whole.
"""

import hashlib
import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.utils.translation import gettext as _

from carte.backups.errors import BackupError

MANIFEST = "manifest.json"
MANIFEST_SHA = "manifest.json.sha256"
DATABASE_MEMBERS = ("database.sqlite3", "database.pgdump")
FILES = "files/"
PARTIAL = ".partial"
BLOCK = 1 << 20
MANIFEST_LIMIT = 64 << 20


class HashingReader:
    """Reads a file for tarfile while computing its SHA-256: each byte is read once."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.hash = stream, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.hash.update(data)
        return data


class ArchiveWriter:
    """Appends members to a tar stream (no seeking: the stream may be the encrypting writer)."""

    def __init__(self, stream):
        self.tar = tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT, bufsize=BLOCK)
        self.tar.copybufsize = BLOCK

    def add_file(self, name: str, path: Path) -> tuple[str, int]:
        """Add the file as member `name`; return its SHA-256 and size."""
        with open(path, "rb") as source:
            info = tarfile.TarInfo(name)
            status = os.fstat(source.fileno())
            info.size, info.mtime, info.mode = status.st_size, int(status.st_mtime), 0o600
            reader = HashingReader(source)
            try:
                self.tar.addfile(info, reader)
            except tarfile.ReadError:  # the file shrank while it was read
                raise BackupError(_("the file %(path)s changed while it was backed up") % {"path": path}) from None
        return reader.hash.hexdigest(), info.size

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o600
        self.tar.addfile(info, io.BytesIO(data))

    def close(self) -> None:
        self.tar.close()

    def abandon(self) -> None:
        """After a failure: nothing more is written, not even on garbage collection."""
        self.tar.fileobj.closed = True
        self.tar.closed = True


def media_files(root: Path, skip: Path | None = None) -> Iterator[tuple[str, Path]]:
    """(posix path under root, path) of every regular file, sorted; symlinks, files being written
    (".partial") and the `skip` folder (the backup folder, should it lie inside) are left out."""
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(
            name for name in subfolders if not os.path.islink(os.path.join(folder, name)) and Path(folder, name) != skip
        )
        for name in sorted(names):
            path = Path(folder, name)
            if name.endswith(PARTIAL) or path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def member_kind(name: str) -> str:
    """ "manifest", "manifest_sha", "database" or "file"; BackupError for any other or unsafe name."""
    if name in (MANIFEST, MANIFEST_SHA):
        return "manifest" if name == MANIFEST else "manifest_sha"
    if name in DATABASE_MEMBERS:
        return "database"
    path = PurePosixPath(name)
    unsafe = (
        name.startswith(("/", "\\"))
        or "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or ":" in path.parts[0]
    )
    if unsafe:
        raise BackupError(_("the archive holds an unsafe path: %(name)s") % {"name": name})
    if not name.startswith(FILES) or len(path.parts) < 2:
        raise BackupError(_("the archive holds an unexpected member: %(name)s") % {"name": name})
    return "file"


def members(
    stream: BinaryIO, limits: dict[str, int] | None = None, random_access: bool = False
) -> Iterator[tuple[str, str, BinaryIO, int]]:
    """(kind, name, data, size) for each member, in order, each checked before it is handed out:
    a safe name, a regular file (no link, device or folder), no duplicate, and no larger than
    `limits` says (the verified manifest's sizes, when known). The data must be read before the next,
    unless `random_access` (a plain file: member data is skipped by seeking, not read)."""
    seen: set[str] = set()
    try:
        with tarfile.open(fileobj=stream, mode="r:" if random_access else "r|", bufsize=BLOCK) as tar:
            for info in tar:
                kind = _checked(info, seen, limits)
                yield kind, info.name, _Guarded(tar.extractfile(info)), info.size
    except tarfile.TarError as exc:
        raise BackupError(_("the archive is truncated or damaged (%(reason)s)") % {"reason": exc}) from None
    except EOFError:
        raise BackupError(_("the archive is truncated (its end is missing)")) from None


class _Guarded:
    """A member's data: a short read (a truncated archive) is a BackupError like any other damage."""

    def __init__(self, data: BinaryIO):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        try:
            return self.data.read(size)
        except (tarfile.TarError, EOFError):
            raise BackupError(_("the archive is truncated (its end is missing)")) from None


def _checked(info: tarfile.TarInfo, seen: set[str], limits: dict[str, int] | None) -> str:
    kind = member_kind(info.name)
    if info.issym() or info.islnk():
        raise BackupError(_("the archive holds a link, which is not allowed: %(name)s") % {"name": info.name})
    if not info.isreg():
        raise BackupError(_("the archive holds something other than a file: %(name)s") % {"name": info.name})
    if info.name in seen:
        raise BackupError(_("the archive holds %(name)s twice") % {"name": info.name})
    seen.add(info.name)
    if kind in ("manifest", "manifest_sha") and info.size > MANIFEST_LIMIT:
        raise BackupError(_("the manifest of this archive is too large"))
    if limits is not None and kind in ("database", "file") and info.size > limits.get(info.name, -1):
        raise BackupError(_("the archive member %(name)s is larger than its manifest says") % {"name": info.name})
    return kind


def copy_hashing(source: BinaryIO, target: BinaryIO | None) -> str:
    """Copy (or, with no target, only read) the member; return its SHA-256."""
    digest = hashlib.sha256()
    while block := source.read(BLOCK):
        digest.update(block)
        if target is not None:
            target.write(block)
    return digest.hexdigest()
