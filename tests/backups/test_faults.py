"""Bad archives and faults: each gives a clear message, keeps the previous archives intact,
leaves no complete-looking new file, and a restore of a bad archive changes nothing."""

import errno
import os
import signal
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from carte.backups import crypto, engine
from tests.backups.files import (
    backup_process,
    database_url,
    flip_byte,
    inserted_before_manifest,
    state,
    tar_members,
    truncate,
    with_manifest,
    write_tar,
)

pytestmark = pytest.mark.django_db(transaction=True)
OFFER = "files/templates/offer-0.docx"


@pytest.fixture
def good(company):
    """A sound plain archive of the small company."""
    path, _manifest = engine.make_archive()
    return path


def _copy(path: Path, name: str) -> Path:
    target = path.with_name(name)
    target.write_bytes(path.read_bytes())
    return target


def truncated(good):
    truncate(_copy(good, "cut.tar"), good.stat().st_size // 2)
    return good.with_name("cut.tar")


def flipped(good):
    bad = _copy(good, "flipped.tar")
    with tarfile.open(good) as tar:
        flip_byte(bad, tar.getmember(OFFER).offset_data + 100)
    return bad


def member(name, kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def climbing(good):
    return write_tar(good.with_name("climb.tar"), inserted_before_manifest(tar_members(good), member("../evil"), b"x"))


def absolute(good):
    return write_tar(good.with_name("abs.tar"), inserted_before_manifest(tar_members(good), member("/tmp/evil"), b"x"))


def symlinked(good):
    link = member("files/passwd", tarfile.SYMTYPE, "/etc/passwd")
    return write_tar(good.with_name("link.tar"), inserted_before_manifest(tar_members(good), link))


def edited(name, change):
    def build(good):
        return write_tar(good.with_name(name), with_manifest(tar_members(good), change))

    return build


def lying_checksum(manifest):
    manifest["files"]["templates/offer-0.docx"] = "0" * 64


def lying_count(manifest):
    manifest["tables"]["clients_client"] -= 1


def newer_version(manifest):
    manifest["carte_version"] = "99.0.0"


def unknown_migration(manifest):
    manifest["migrations"]["clients"].append("9999_from_the_future")


def without_attachment(good):
    items = [(info, data) for info, data in tar_members(good) if info.name != OFFER]

    def forget(manifest):
        del manifest["files"]["templates/offer-0.docx"]
        del manifest["sizes"][OFFER]

    return write_tar(good.with_name("lost.tar"), with_manifest(items, forget))


BAD_ARCHIVES = {
    "truncated": (truncated, "the archive is truncated"),
    "flipped byte": (flipped, "checksum of templates/offer-0.docx does not match"),
    "../ member": (climbing, "unsafe path: ../evil"),
    "absolute member": (absolute, "unsafe path: /tmp/evil"),
    "symlink member": (symlinked, "a link, which is not allowed: files/passwd"),
    "lying checksum": (edited("lie.tar", lying_checksum), "checksum of templates/offer-0.docx does not match"),
    "lying count": (edited("count.tar", lying_count), "row counts differ for clients_client: 11 in the manifest, 12"),
    "newer Carte": (edited("newer.tar", newer_version), "made by Carte 99.0.0, newer than this Carte"),
    "unknown migration": (edited("future.tar", unknown_migration), "clients.9999_from_the_future is unknown here"),
    "attachment missing": (without_attachment, "file templates/offer-0.docx is missing (the database refers to it)"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_bad_archive_is_refused_with_a_clear_message_and_restore_changes_nothing(good, company, case):
    build, message = BAD_ARCHIVES[case]
    bad = build(good)
    with pytest.raises(engine.BackupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        engine.verify_archive(bad)
    before = state(company.media)

    with pytest.raises(engine.BackupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        engine.restore_archive(bad)

    assert state(company.media) == before
    assert engine.archives() == [good]  # no "before restore" backup either: verification came first
    assert not list(company.root.glob(".media-restoring-*"))


def test_the_good_archive_passes_so_the_faults_above_are_what_fails(good):
    assert engine.verify_archive(good).tables["clients_client"] == 12


class FullDisk:
    """The partial file, on a disk that fills up after `room` bytes (OSError ENOSPC, as the OS says it)."""

    def __init__(self, file, room: int):
        self.file, self.room = file, room

    def write(self, data):
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def test_full_disk_removes_the_partial_file_and_keeps_previous_archives(good, company, monkeypatch):
    previous = good.read_bytes()
    real_open = engine._open_partial
    monkeypatch.setattr(engine, "_open_partial", lambda path: FullDisk(real_open(path), room=8192))

    with pytest.raises(engine.BackupError, match=f"the disk holding {company.backups} is full"):
        engine.make_archive()

    assert sorted(path.name for path in company.backups.iterdir()) == [good.name]
    assert good.read_bytes() == previous


def test_killed_backup_leaves_no_complete_archive(good, company):
    process = backup_process(database_url(company.root), company, pause=0.5)
    try:
        deadline = time.monotonic() + 60
        while not list(company.backups.glob("*.partial")):
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        process.stdout.close()
        process.stderr.close()

    assert process.returncode == -signal.SIGKILL
    assert engine.archives() == [good]  # the partial file of the killed process is not an archive
    assert engine.verify_archive(good).tables["clients_client"] == 12


def _run_backup(company) -> engine.Manifest:
    process = backup_process(f"sqlite:///{company.root / 'carte.sqlite3'}", company)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return engine.verify_archive(Path(out.strip()))


def _session(connection, key):
    connection.execute("INSERT INTO django_session VALUES (?, 'data', '2030-01-01 00:00:00')", (key,))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer")
def test_backup_completes_while_a_writer_holds_a_write_transaction(company):
    database = database_url(company.root).removeprefix("sqlite:///")
    writer = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    _session(writer, "uncommitted")
    try:
        manifest = _run_backup(company)
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert manifest.tables["django_session"] == 0  # the archive holds the committed state only


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer")
def test_backup_completes_and_is_consistent_while_writers_keep_committing(company):
    database = database_url(company.root).removeprefix("sqlite:///")
    stop, written = threading.Event(), []

    def keep_writing():
        writer = sqlite3.connect(database, isolation_level=None, timeout=30)
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            _session(writer, f"s{len(written)}")
            time.sleep(0.01)  # hold the write lock a while, as a real request does
            writer.execute("COMMIT")
            written.append(1)
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        manifest = _run_backup(company)  # verification proves the counts are those of one snapshot
    finally:
        stop.set()
        thread.join()
    assert 0 < manifest.tables["django_session"] <= len(written)


@pytest.fixture
def encrypted(company, settings):
    key_file = company.root / "backup.key"
    key_file.write_text(engine.new_key())
    settings.BACKUP_KEY_FILE = key_file
    (company.media / "scan.bin").write_bytes(os.urandom(crypto.CHUNK * 5 // 2))  # several encrypted chunks
    path, _manifest = engine.make_archive(key=engine.load_key())
    return path


def test_wrong_key_does_not_open_an_encrypted_archive(encrypted):
    with pytest.raises(engine.BackupError, match="the key does not open this archive"):
        engine.verify_archive(encrypted, key=crypto.parse_key(engine.new_key()))
    with pytest.raises(engine.BackupError, match="the backup key is needed"):
        engine.read_manifest(encrypted)


@pytest.mark.parametrize("cut", ["chunk boundary", "inside a chunk"])
def test_truncated_encrypted_archive_is_refused(encrypted, company, cut):
    size = crypto.HEADER_SIZE + crypto.CHUNK + crypto.TAG if cut == "chunk boundary" else encrypted.stat().st_size - 7
    assert encrypted.stat().st_size > size
    truncate(encrypted, size)
    before = state(company.media)
    with pytest.raises(engine.BackupError, match="the archive is truncated"):
        engine.restore_archive(encrypted, key=engine.load_key())
    assert state(company.media) == before


def test_altered_encrypted_archive_is_refused(encrypted):
    flip_byte(encrypted, crypto.HEADER_SIZE + 10)
    with pytest.raises(engine.BackupError, match="damaged or was altered"):
        engine.verify_archive(encrypted, key=engine.load_key())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's client tools")
def test_missing_or_old_postgresql_client_tools_are_named(company, monkeypatch):
    monkeypatch.setenv("PATH", str(company.root / "bin"))
    with pytest.raises(engine.BackupError, match="pg_dump is not installed: install the PostgreSQL 1[0-9] client"):
        engine.make_archive()
    old = company.root / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")  # what an old client answers
    old.chmod(0o755)
    with pytest.raises(engine.BackupError, match="pg_dump is version 9, older than the PostgreSQL 1[0-9] server"):
        engine.make_archive()
    assert not company.backups.exists() or not list(company.backups.iterdir())
