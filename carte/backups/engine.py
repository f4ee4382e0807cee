"""The backup engine: make an archive, verify it in a scratch database, restore it.

An archive is a tar (see archive.py), encrypted as a whole when a key is given (see crypto.py).
It is written under a ".partial" name, fsynced and renamed, so a crash or a full disk never leaves
a file that looks complete; archives() lists only complete ones.
"""

import errno
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from carte.backups import crypto, databases
from carte.backups.archive import FILES, MANIFEST_SHA, PARTIAL, ArchiveWriter, copy_hashing, media_files, members
from carte.backups.config import config
from carte.backups.errors import BackupError
from carte.backups.manifest import FORMAT, Manifest

__all__ = [
    "BackupError",
    "Manifest",
    "archives",
    "fsync_folder",
    "load_key",
    "make_archive",
    "new_key",
    "read_manifest",
    "restore_archive",
    "verify_archive",
]

BACKUP = "carte-backup-"
BEFORE_RESTORE = "carte-before-restore-"
WORK_PREFIX = ".carte-work-"  # the dump's temporary folder, beside the archive being written
ARCHIVE_NAME = re.compile(r"^carte-(?:backup|before-restore)-(\d{8}-\d{6})(?:-(\d+))?\.tar(?:\.enc)?$")
SQLITE_FULL = 13


def new_key() -> str:
    """A fresh key as text (what goes in the key file)."""
    return crypto.new_key()


def load_key() -> bytes | None:
    """The key of config().key_file; None when archives are not to be encrypted."""
    path = config().key_file
    if path is None:
        return None
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(
            _("cannot read the backup key file %(path)s: %(reason)s")
            % {"path": path, "reason": getattr(exc, "strerror", None) or exc}
        ) from None
    return crypto.parse_key(text)


def archives(folder: Path | None = None) -> list[Path]:
    """Complete archives in the folder, newest first (partial files are not archives)."""
    folder = Path(folder or config().folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = ARCHIVE_NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append((match[1], int(match[2] or 0), path.name, path))
    return [item[-1] for item in sorted(found, reverse=True)]


# --- making ---------------------------------------------------------------------------------


def make_archive(
    folder: Path | None = None, *, key: bytes | None = None, prefix: str = BACKUP
) -> tuple[Path, Manifest]:
    """Write carte-backup-YYYYMMDD-HHMMSS.tar (".tar.enc" when encrypted; the time in UTC) in folder:
    under a ".partial" name, fsynced, then renamed. A failure removes the partial file and raises
    BackupError; archives already there are never touched."""
    folder = Path(folder or config().folder)
    started = datetime.now(UTC)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_failure(exc, folder) from None
    final = _free_name(folder, prefix, started, encrypted=key is not None)
    partial = final.with_name(final.name + PARTIAL)
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=WORK_PREFIX) as work:
            manifest = _write(partial, Path(work), started, key, folder)
        os.rename(partial, final)
        fsync_folder(folder)
    except BaseException as exc:
        _remove(partial)
        if isinstance(exc, OSError):
            raise _write_failure(exc, folder) from None
        if isinstance(exc, sqlite3.Error):
            if getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL:
                raise BackupError(_("the disk holding %(folder)s is full") % {"folder": folder}) from None
            raise BackupError(_("cannot copy the database: %(reason)s") % {"reason": exc}) from None
        raise
    return final, manifest


def _open_partial(path: Path) -> BinaryIO:
    """The partial file, created exclusively: a second backup at the same second cannot share it."""
    return open(path, "xb")


def _write(partial: Path, work: Path, started: datetime, key: bytes | None, folder: Path) -> Manifest:
    member = databases.member()
    dump_path = work / member
    dumped = databases.dump(dump_path)
    with _open_partial(partial) as raw:
        stream = crypto.EncryptingWriter(raw, key) if key else raw
        writer = ArchiveWriter(stream)
        try:
            manifest = _add_members(writer, member, dump_path, started, dumped, folder, key)
        except BaseException:
            writer.abandon()
            raise
        if key:
            stream.close()
        raw.flush()
        os.fsync(raw.fileno())
    return manifest


def _add_members(
    writer: ArchiveWriter, member: str, dump_path: Path, started: datetime, dumped, folder, key
) -> Manifest:
    """The database, the files under MEDIA_ROOT, then the manifest with the checksums computed on the way."""
    tables, applied = dumped
    database_sha, size = writer.add_file(member, dump_path)
    files, sizes = {}, {member: size}
    for relative, path in media_files(Path(settings.MEDIA_ROOT), skip=folder):
        try:
            files[relative], sizes[FILES + relative] = writer.add_file(FILES + relative, path)
        except FileNotFoundError:  # deleted meanwhile; verification tells if the database still needs it
            continue
    manifest = Manifest(
        format=FORMAT,
        carte_version=metadata.version("carte"),
        database=databases.kind(),
        migrations=applied,
        tables=tables,
        database_member=member,
        database_sha256=database_sha,
        files=files,
        sizes=sizes,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        encrypted=key is not None,
    )
    text = manifest.to_json().encode()
    writer.add_bytes("manifest.json", text)
    writer.add_bytes(MANIFEST_SHA, hashlib.sha256(text).hexdigest().encode())
    writer.close()
    return manifest


def _free_name(folder: Path, prefix: str, started: datetime, encrypted: bool) -> Path:
    stamp, suffix = started.strftime("%Y%m%d-%H%M%S"), ".tar.enc" if encrypted else ".tar"
    number = 0
    while True:
        path = folder / f"{prefix}{stamp}{f'-{number}' if number else ''}{suffix}"
        if not path.exists() and not path.with_name(path.name + PARTIAL).exists():
            return path
        number += 1


def _write_failure(exc: OSError, folder: Path) -> BackupError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BackupError(_("the disk holding %(folder)s is full") % {"folder": folder})
    where = exc.filename or folder
    return BackupError(_("the backup failed on %(path)s: %(reason)s") % {"path": where, "reason": exc.strerror or exc})


def fsync_folder(folder: Path) -> None:
    """Make a rename itself durable: fsync the folder that holds the new name."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# --- reading ----------------------------------------------------------------------------------


@contextmanager
def _opened(path: Path, key: bytes | None) -> Iterator[BinaryIO]:
    """The archive's tar stream, decrypted when it is encrypted."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise BackupError(
            _("cannot open the archive %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from None
    with raw:
        try:
            yield crypto.DecryptingReader(raw, key) if crypto.is_encrypted(raw) else raw
        except OSError as exc:
            raise BackupError(
                _("cannot read the archive %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None


def _is_encrypted(path: Path) -> bool:
    with open(path, "rb") as raw:
        return crypto.is_encrypted(raw)


def _manifest_of(text: bytes | None, checksum: bytes | None) -> Manifest:
    if text is None:
        raise BackupError(_("the archive has no manifest: it is truncated or not a Carte backup"))
    if checksum is None or checksum.decode("ascii", "replace").strip() != hashlib.sha256(text).hexdigest():
        raise BackupError(_("checksum of manifest.json does not match"))
    return Manifest.from_json(text)


def read_manifest(path: Path, *, key: bytes | None = None) -> Manifest:
    """Only the manifest (a plain archive is skimmed header by header; an encrypted one is decrypted)."""
    path = Path(path)
    text = checksum = None
    with _opened(path, key) as stream:
        for kind, _name, data, _size in members(stream, random_access=not isinstance(stream, crypto.DecryptingReader)):
            if kind == "manifest":
                text = data.read()
            elif kind == "manifest_sha":
                checksum = data.read()
                break
    return _manifest_of(text, checksum)


# --- verifying --------------------------------------------------------------------------------


def verify_archive(path: Path, *, key: bytes | None = None) -> Manifest:
    """Read the whole archive, restore its database into a scratch one and check it (see the
    contract in docs); raise BackupError naming the first failure."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="carte-verify-") as work:
        manifest, dump_path = _read_checked(path, key, Path(work))
        if manifest.encrypted != _is_encrypted(path):
            raise BackupError(_("the manifest does not match the archive (encryption)"))
        _refuse_newer(manifest)
        _check_database(manifest, dump_path)
    return manifest


def _expected(manifest: Manifest) -> dict[str, str]:
    """Member name -> SHA-256, as the manifest lists them."""
    return {manifest.database_member: manifest.database_sha256} | {
        FILES + relative: sha for relative, sha in manifest.files.items()
    }


def _read_checked(path: Path, key: bytes | None, work: Path) -> tuple[Manifest, Path]:
    """One pass over the archive: the database member copied to `work`, every member hashed."""
    sums, sizes, text, checksum = {}, {}, None, None
    with _opened(path, key) as stream:
        for kind, name, data, size in members(stream):
            if kind == "database":
                with open(work / name, "xb") as target:
                    sums[name] = copy_hashing(data, target)
            elif kind == "file":
                sums[name] = copy_hashing(data, None)
            elif kind == "manifest":
                text = data.read()
            else:
                checksum = data.read()
            sizes[name] = size
    manifest = _manifest_of(text, checksum)
    if databases.MEMBERS.get(manifest.database) != manifest.database_member:
        raise BackupError(_("the manifest of this archive is not valid"))
    for name, sha in _expected(manifest).items():
        label = name.removeprefix(FILES) if name.startswith(FILES) else name
        if name not in sums:
            raise BackupError(_("file %(path)s is missing") % {"path": label})
        if sums[name] != sha or (manifest.sizes and manifest.sizes.get(name) != sizes[name]):
            raise BackupError(_("checksum of %(path)s does not match") % {"path": label})
    unlisted = sorted(set(sums) - set(_expected(manifest)))
    if unlisted:
        raise BackupError(_("the archive holds %(name)s, which its manifest does not list") % {"name": unlisted[0]})
    return manifest, work / manifest.database_member


def _known_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return known


def _release(version: str) -> tuple[int, ...] | None:
    """The release numbers of a version ("1.4.2" -> (1, 4, 2)); None when it is not one."""
    match = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in match[0].split(".")) if match else None


def _refuse_newer(manifest: Manifest) -> None:
    """An archive from a newer Carte would be restored into a schema this code does not know."""
    current = metadata.version("carte")
    if _release(manifest.carte_version) is None:
        raise BackupError(_("the manifest names no valid Carte version"))
    if _release(manifest.carte_version) > (_release(current) or ()):
        raise BackupError(
            _("this archive was made by Carte %(theirs)s, newer than this Carte %(ours)s: upgrade Carte first")
            % {"theirs": manifest.carte_version, "ours": current}
        )
    known = _known_migrations()
    for app, names in sorted(manifest.migrations.items()):
        for name in names:
            if (app, name) not in known:
                raise BackupError(
                    _("this archive comes from a newer Carte: its migration %(migration)s is unknown here")
                    % {"migration": f"{app}.{name}"}
                )


def _check_database(manifest: Manifest, dump_path: Path) -> None:
    if manifest.database == "postgresql" and databases.kind() != "postgresql":
        raise BackupError(_("this archive holds a PostgreSQL database: verify it where Carte uses PostgreSQL"))
    report = databases.check(manifest.database, dump_path)
    for app in sorted(set(manifest.migrations) | set(report.migrations)):
        if manifest.migrations.get(app, []) != report.migrations.get(app, []):
            raise BackupError(
                _("the migrations of %(app)s in the restored database differ from the manifest") % {"app": app}
            )
    for table in sorted(set(manifest.tables) | set(report.tables)):
        expected, found = manifest.tables.get(table), report.tables.get(table)
        if expected != found:
            raise BackupError(
                _("row counts differ for %(table)s: %(expected)s in the manifest, %(found)s restored")
                % {
                    "table": table,
                    "expected": "none" if expected is None else expected,
                    "found": "none" if found is None else found,
                }
            )
    missing = sorted(report.file_values - set(manifest.files))
    if missing:
        raise BackupError(_("file %(path)s is missing (the database refers to it)") % {"path": missing[0]})


# --- restoring --------------------------------------------------------------------------------


def restore_archive(path: Path, *, key: bytes | None = None) -> Manifest:
    """Verify the archive (refusing a bad one, a newer Carte's, unsafe paths), back up the current
    state ("carte-before-restore-…" in the backup folder), then restore the database and swap the
    extracted files in place of MEDIA_ROOT. Nothing changes if any step before the restore fails."""
    path = Path(path)
    manifest = verify_archive(path, key=key)
    if manifest.database != databases.kind():
        raise BackupError(
            _("this archive holds a %(theirs)s database, and this Carte runs on %(ours)s")
            % {"theirs": manifest.database, "ours": databases.kind()}
        )
    make_archive(config().folder, key=load_key(), prefix=BEFORE_RESTORE)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="carte-restore-") as work:
        media.parent.mkdir(parents=True, exist_ok=True)
        incoming = Path(tempfile.mkdtemp(dir=media.parent, prefix=f".{media.name}-restoring-"))
        try:
            dump_path = _extract(path, key, manifest, Path(work), incoming)
            databases.restore(dump_path, set(manifest.tables))
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
    _swap_in(incoming, media)
    return manifest


def _extract(path: Path, key: bytes | None, manifest: Manifest, work: Path, incoming: Path) -> Path:
    """Second pass: the database member to `work`, the files to `incoming`, each member checked
    against the verified manifest (the archive may not change between the two passes)."""
    expected, written = _expected(manifest), set()
    changed = BackupError(_("the archive changed after it was verified: restore refused"))
    with _opened(path, key) as stream:
        for kind, name, data, _size in members(stream, limits=manifest.sizes or None):
            if kind == "manifest" and Manifest.from_json(data.read()) != manifest:
                raise changed
            if kind not in ("database", "file"):
                continue
            if name not in expected:
                raise changed
            target = work / name if kind == "database" else incoming / name.removeprefix(FILES)
            if _write_member(data, target) != expected[name]:
                raise changed
            written.add(name)
    if written != set(expected):
        raise changed
    return work / manifest.database_member


def _write_member(data: BinaryIO, target: Path) -> str:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as out:
            return copy_hashing(data, out)
    except OSError as exc:
        raise _write_failure(exc, target.parent) from None


def _swap_in(incoming: Path, media: Path) -> None:
    """Put the restored files in place of MEDIA_ROOT with two renames; the old folder goes last."""
    aside = None
    if media.exists():
        os.chmod(incoming, media.stat().st_mode & 0o7777)
        aside = media.with_name(f".{media.name}-before-restore-{secrets.token_hex(4)}")
        os.rename(media, aside)
    else:
        os.chmod(incoming, 0o755)
    os.rename(incoming, media)
    fsync_folder(media.parent)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
