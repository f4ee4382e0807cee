"""The restore drill, on the suite's database (SQLite or PostgreSQL): fill data and attachments,
back up, wipe, restore; every row of every table and every file comes back equal."""

import shutil

import pytest
from django.core.management import call_command
from django.utils import timezone

from carte.backups import engine
from carte.backups.models import Backup
from carte.clients.models import Client
from carte.documents.models import DocumentTemplate
from tests.backups.files import state

pytestmark = pytest.mark.django_db(transaction=True)


def wipe(media):
    DocumentTemplate.objects.all().delete()
    Client.objects.all().delete()
    shutil.rmtree(media)


def test_restore_drill_gives_back_every_row_and_file(company):
    before = state(company.media)
    path, manifest = engine.make_archive()
    assert manifest.tables["clients_client"] == 12
    assert "templates/offer-1.html" in manifest.files
    assert "imports/upload.csv.partial" not in manifest.files

    wipe(company.media)
    assert state(company.media) != before

    restored = engine.restore_archive(path)

    assert restored == manifest
    assert state(company.media) == before
    kept = [archive.name for archive in engine.archives()]
    assert kept[0].startswith("carte-before-restore-") or kept[1].startswith("carte-before-restore-")
    assert path in engine.archives()


def test_restore_command_restores_an_encrypted_archive(company, settings):
    key_file = company.root / "backup.key"
    key_file.write_text(engine.new_key())
    settings.BACKUP_KEY_FILE = key_file
    Backup.objects.create(status=Backup.Status.RUNNING, started_at=timezone.now())  # as run_backup has it
    before = state(company.media)
    path, manifest = engine.make_archive(key=engine.load_key())
    assert path.name.endswith(".tar.enc") and manifest.encrypted
    wipe(company.media)

    call_command("restore", str(path), "--yes")

    # Every row and file as backed up; only the rows the command gives the archives it finds.
    (rows, files), (rows_before, files_before) = state(company.media), before
    recorded = rows.pop("backups.Backup")
    rows_before.pop("backups.Backup")
    assert rows == rows_before and files == files_before
    assert path.name in recorded and "carte-before-restore-" in recorded
    # The row of the backup being made when the snapshot was taken is gone; the archive restored passed.
    assert not Backup.objects.filter(status=Backup.Status.RUNNING).exists()
    assert Backup.objects.get(file_name=path.name).verification == Backup.Verification.PASSED
    safety = [archive for archive in engine.archives() if archive.name.startswith("carte-before-restore-")]
    assert len(safety) == 1 and safety[0].name.endswith(".tar.enc")
    assert engine.verify_archive(safety[0], key=engine.load_key()).tables["clients_client"] == 0
