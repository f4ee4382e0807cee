"""`carte backup`, `carte backup verify [ARCHIVE]`, `carte backup list` and `carte backup key`."""

import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from carte.backups import engine
from carte.backups.management.commands.backup import Command
from carte.backups.models import Backup
from tests.backups.places import use_folders

Status, Verification = Backup.Status, Backup.Verification
real_archives = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    return use_folders(settings, tmp_path)


def carte_backup(*args) -> str:
    out = StringIO()
    call_command("backup", *args, stdout=out, stderr=out)
    return out.getvalue()


def exit_of(capsys, *args) -> tuple[int, str]:
    """Run the command as `carte backup …` runs it: the exit status and what it wrote on stderr."""
    with pytest.raises(SystemExit) as ended:
        Command().run_from_argv(["carte", "backup", *args])
    return ended.value.code, capsys.readouterr().err


@real_archives
def test_backup_prints_the_archive_and_its_verification(places):
    output = carte_backup()
    backup = Backup.objects.get()
    assert backup.kind == Backup.Kind.MANUAL and backup.verification == Verification.PASSED
    assert f"Archive: {places.backups / backup.file_name}" in output
    assert "Verified: restored into a scratch database, every check passed." in output


@real_archives
def test_a_failed_backup_exits_1_with_its_reason(places, settings, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    settings.BACKUP_DIR = blocker / "backups"
    code, error = exit_of(capsys)
    assert code == 1
    assert "The backup failed: " in error and str(blocker) in error and "Traceback" not in error
    assert Backup.objects.get().status == Status.FAILED


@real_archives
def test_verify_takes_the_latest_archive_and_records_the_result(places):
    carte_backup()
    backup = Backup.objects.get()
    Backup.objects.filter(pk=backup.pk).update(verification="", verified_at=None)
    output = carte_backup("verify")
    assert f"{backup.file_name}: verified" in output
    backup.refresh_from_db()
    assert backup.verification == Verification.PASSED and backup.verified_at is not None


@real_archives
def test_verify_a_damaged_archive_named_by_its_path_exits_1_with_the_reason(places, tmp_path, capsys):
    carte_backup()
    backup = Backup.objects.get()
    damaged = tmp_path / "elsewhere" / backup.file_name
    damaged.parent.mkdir()
    shutil.copyfile(places.backups / backup.file_name, damaged)
    with damaged.open("r+b") as archive:
        archive.truncate(damaged.stat().st_size // 2)
    code, error = exit_of(capsys, "verify", str(damaged))
    assert code == 1 and f"{backup.file_name}: the verification failed: " in error
    backup.refresh_from_db()
    assert backup.verification == Verification.PASSED, "another file of the same name is not this backup"


@real_archives
def test_verify_takes_a_name_of_the_backup_folder(places):
    carte_backup()
    name = Backup.objects.get().file_name
    assert f"{name}: verified" in carte_backup("verify", name)


@pytest.mark.django_db
def test_verify_without_any_archive_says_so(places, capsys):
    code, error = exit_of(capsys, "verify")
    assert code == 1 and f"There is no archive in {places.backups}." in error
    code, error = exit_of(capsys, "verify", "no-such.tar")
    assert code == 1 and "no-such.tar: no such archive." in error


@real_archives
def test_list_shows_the_backups_and_the_archives_found_in_the_folder(places):
    carte_backup()
    made = Backup.objects.get()
    found = places.backups / "carte-before-restore-20260105-090000.tar"
    shutil.copyfile(places.backups / made.file_name, found)
    lines = carte_backup("list").splitlines()
    assert len(lines) == 2
    assert made.file_name in lines[0] and "Verified" in lines[0]
    assert found.name in lines[1]


@pytest.mark.django_db
def test_list_without_backups(places):
    assert carte_backup("list").strip() == f"No backup yet ({places.backups})."


def test_key_prints_a_key_that_loads_and_says_where_it_goes(settings, tmp_path):
    out, err = StringIO(), StringIO()
    call_command("backup", "key", stdout=out, stderr=err)
    key_file = tmp_path / "backup.key"
    key_file.write_text(out.getvalue())
    settings.BACKUP_KEY_FILE = str(key_file)
    assert len(engine.load_key()) >= 32
    assert "CARTE_BACKUP_KEY_FILE" in err.getvalue() and "cannot be read by anyone" in err.getvalue()
    again = StringIO()
    call_command("backup", "key", stdout=again, stderr=StringIO())
    assert again.getvalue() != out.getvalue()
