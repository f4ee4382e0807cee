"""The engine's archives: names, members, manifest, encryption, listing, keys and configuration."""

import io
import re
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from carte.backups import crypto, engine
from carte.backups.config import config
from carte.backups.manifest import Manifest
from carte.core.env import ConfigError
from tests.backups.files import checksums


@pytest.mark.django_db(transaction=True)
def test_archive_holds_database_files_and_a_manifest_that_verifies(company):
    path, manifest = engine.make_archive()

    assert re.fullmatch(r"carte-backup-\d{8}-\d{6}\.tar", path.name)
    assert [archive.name for archive in company.backups.iterdir()] == [path.name]  # no partial, no work folder
    with tarfile.open(path) as tar:
        names = tar.getnames()
    member = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    assert names[0] == member and names[-2:] == ["manifest.json", "manifest.json.sha256"]
    assert manifest.database == connection.vendor and manifest.database_member == member
    assert manifest.files == checksums(company.media)  # the ".partial" upload left out
    assert manifest.tables["clients_client"] == 12 and manifest.tables["django_migrations"] > 0
    assert "0001_initial" in manifest.migrations["clients"]
    assert manifest.started_at <= manifest.finished_at and not manifest.encrypted
    assert engine.read_manifest(path) == manifest
    assert engine.verify_archive(path) == manifest


@pytest.mark.django_db(transaction=True)
def test_archives_lists_complete_archives_newest_first(company):
    first, _manifest = engine.make_archive()
    second, _manifest = engine.make_archive()
    (company.backups / "carte-backup-29991231-235959.tar.partial").write_bytes(b"half")
    (company.backups / "notes.txt").write_text("not an archive")

    assert engine.archives() == [second, first]


@pytest.mark.django_db(transaction=True)
def test_encrypted_archive_is_unreadable_without_its_key(company):
    key = crypto.parse_key(engine.new_key())
    path, manifest = engine.make_archive(key=key)

    assert path.name.endswith(".tar.enc") and manifest.encrypted
    assert b"manifest.json" not in path.read_bytes() and b"Client" not in path.read_bytes()
    assert engine.read_manifest(path, key=key) == manifest
    assert engine.verify_archive(path, key=key) == manifest
    with pytest.raises(engine.BackupError, match="the backup key is needed"):
        engine.verify_archive(path)


def encrypt(plain: bytes, key: bytes) -> bytes:
    raw = io.BytesIO()
    writer = crypto.EncryptingWriter(raw, key)
    writer.write(plain)
    writer.close()
    return raw.getvalue()


def decrypt(sealed: bytes, key: bytes) -> bytes:
    return crypto.DecryptingReader(io.BytesIO(sealed), key).read()


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK, crypto.CHUNK + 1, 2 * crypto.CHUNK])
def test_encryption_round_trips_every_length(size):
    key = crypto.parse_key(engine.new_key())
    plain = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = encrypt(plain, key)
    assert decrypt(sealed, key) == plain
    assert encrypt(plain, key) != sealed  # a fresh nonce base per archive


def test_swapped_encrypted_chunks_are_detected():
    key = crypto.parse_key(engine.new_key())
    sealed = encrypt(b"a" * crypto.CHUNK + b"b" * crypto.CHUNK + b"c", key)
    header, size = crypto.HEADER_SIZE, crypto.CHUNK + crypto.TAG
    first, second = sealed[header : header + size], sealed[header + size : header + 2 * size]
    swapped = sealed[:header] + second + first + sealed[header + 2 * size :]
    with pytest.raises(engine.BackupError, match="damaged or was altered"):
        decrypt(swapped, key)


def test_key_file_must_hold_a_key(settings, tmp_path):
    settings.BACKUP_KEY_FILE = None
    assert engine.load_key() is None
    settings.BACKUP_KEY_FILE = tmp_path / "missing.key"
    with pytest.raises(engine.BackupError, match="cannot read the backup key file"):
        engine.load_key()
    settings.BACKUP_KEY_FILE = tmp_path / "short.key"
    (tmp_path / "short.key").write_text("c2hvcnQ=")
    with pytest.raises(engine.BackupError, match="the backup key is not valid"):
        engine.load_key()
    (tmp_path / "short.key").write_text(engine.new_key() + "\n")
    assert len(engine.load_key()) == 32


def test_configuration_comes_from_the_settings(settings, tmp_path):
    settings.BACKUP_DIR, settings.BACKUP_COPY_DIR = tmp_path / "b", str(tmp_path / "copy")
    settings.BACKUP_TIME, settings.BACKUP_KEEP, settings.BACKUP_KEY_FILE = "23:05", "3, 2,1", ""
    given = config()
    assert (given.folder, given.copy_folder, given.key_file) == (tmp_path / "b", tmp_path / "copy", None)
    assert (given.hour, given.minute, given.keep_daily, given.keep_weekly, given.keep_monthly) == (23, 5, 3, 2, 1)
    settings.BACKUP_TIME = "24:00"
    with pytest.raises(ConfigError, match="CARTE_BACKUP_TIME"):
        config()
    settings.BACKUP_TIME, settings.BACKUP_KEEP = "02:30", "7,4"
    with pytest.raises(ConfigError, match="CARTE_BACKUP_KEEP"):
        config()


def test_manifest_from_a_newer_format_is_refused():
    with pytest.raises(engine.BackupError, match="backup format 2, made by a newer Carte"):
        Manifest.from_json('{"format": 2}')
    with pytest.raises(engine.BackupError, match="not readable"):
        Manifest.from_json("{not json")


@pytest.mark.django_db(transaction=True)
def test_restore_command_asks_for_confirmation_off_a_terminal(company, monkeypatch):
    path, _manifest = engine.make_archive()
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a terminal
    with pytest.raises(CommandError, match="confirm on a terminal, or add --yes"):
        call_command("restore", str(path))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(company.backups / "nothing.tar"), "--yes")
    assert engine.archives() == [path]
