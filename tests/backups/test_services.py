"""The backup use cases: a backup is recorded, verified, copied off site and old ones let go; failures are
recorded in one line and leave the backups before them intact; how things stand for the notification bar."""

import fcntl
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from carte.backups import engine, services, tasks
from carte.backups.models import Backup
from carte.core import events
from carte.core.errors import Conflict, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory
from tests.backups.places import use_folders

Status, Verification, Kind = Backup.Status, Backup.Verification, Backup.Kind
real_archives = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    return use_folders(settings, tmp_path)


def old_copy(archive, folder, when: datetime, prefix: str = "carte-backup-"):
    """A copy of a real archive under the name it would have had at `when` (UTC)."""
    target = folder / f"{prefix}{when:%Y%m%d-%H%M%S}.tar"
    shutil.copyfile(archive, target)
    return target


# --- making a backup -------------------------------------------------------------------------------


@real_archives
def test_a_backup_is_written_verified_and_recorded(places, people):
    ClientFactory(name="Kept in the archive", owner=people["alice"])
    with events.Recording() as seen:
        backup = services.run_backup(actor=people["ada"])
    backup.refresh_from_db()
    assert backup.status == Status.DONE and backup.error == ""
    assert backup.kind == Kind.MANUAL
    path = places.backups / backup.file_name
    assert path.is_file() and backup.size == path.stat().st_size > 0
    assert backup.file_name.startswith("carte-backup-") and backup.file_name.endswith(".tar")
    assert backup.duration is not None and backup.duration >= timedelta(0)
    assert backup.verification == Verification.PASSED and backup.verified_at >= backup.finished_at
    assert backup.encrypted is False and backup.copied is False and backup.copy_error == ""
    manifest = engine.read_manifest(path)
    assert set(manifest.files) == {"documents/2026/quote-17.pdf", "avatar.png"}
    assert manifest.tables["clients_client"] == 1
    assert [(event.name, event.data["status"], event.data["verification"]) for event in seen] == [
        ("backup.finished", "done", "passed")
    ]
    assert AuditEntry.objects.filter(verb="create", model="backups.backup", object_id=str(backup.pk)).exists()


@real_archives
def test_a_backup_that_cannot_be_written_is_recorded_as_failed_in_one_line(places, settings, tmp_path):
    good = services.run_backup()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    settings.BACKUP_DIR = blocker / "backups"
    failed = services.run_backup()
    failed.refresh_from_db()
    assert failed.status == Status.FAILED and failed.file_name == "" and failed.finished_at is not None
    assert failed.error and "\n" not in failed.error and "Traceback" not in failed.error
    assert str(blocker) in failed.error
    assert failed.verification == Verification.NONE
    assert (places.backups / good.file_name).is_file(), "the backups before it are intact"
    assert [path.name for path in engine.archives(places.backups)] == [good.file_name]
    warnings = services.backup_status().warnings
    assert any(failed.error in warning for warning in warnings)


@real_archives
def test_one_backup_at_a_time(places):
    running = Backup.objects.create(kind=Kind.MANUAL, status=Status.RUNNING, started_at=timezone.now())
    with pytest.raises(Conflict):
        services.run_backup()
    assert list(Backup.objects.all()) == [running]
    assert not places.backups.exists() or engine.archives(places.backups) == []


@real_archives
def test_a_backup_running_for_hours_lost_its_process_and_does_not_block_the_next(places):
    stalled = Backup.objects.create(
        kind=Kind.SCHEDULED, status=Status.RUNNING, started_at=timezone.now() - services.STALLED_AFTER - timedelta(1)
    )
    backup = services.run_backup()
    stalled.refresh_from_db()
    assert stalled.status == Status.FAILED and "stopped before it finished" in stalled.error
    assert backup.status == Status.DONE


def _lock_file(places, backup) -> Path:
    places.backups.mkdir(parents=True, exist_ok=True)
    path = places.backups / services.LOCK_FILE.format(pk=backup.pk)
    path.write_text("")
    return path


@real_archives
def test_a_backup_whose_process_was_killed_does_not_block_the_next(places):
    killed = Backup.objects.create(kind=Kind.MANUAL, status=Status.RUNNING, started_at=timezone.now())
    left = _lock_file(places, killed)  # what a run killed with -9 leaves: its lock file, held by nobody

    backup = services.run_backup()

    killed.refresh_from_db()
    assert killed.status == Status.FAILED and "stopped before it finished" in killed.error
    assert backup.status == Status.DONE and not left.exists()


@real_archives
def test_a_backup_whose_process_holds_its_lock_still_blocks_the_next(places):
    alive = Backup.objects.create(kind=Kind.MANUAL, status=Status.RUNNING, started_at=timezone.now())
    handle = os.open(_lock_file(places, alive), os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX)  # another open file: as another process holding it
    try:
        with pytest.raises(Conflict):
            services.run_backup()
    finally:
        os.close(handle)
    alive.refresh_from_db()
    assert alive.status == Status.RUNNING


@real_archives
def test_an_encrypted_backup_is_verified_with_its_key(places, settings, tmp_path):
    key_file = tmp_path / "backup.key"
    key_file.write_text(engine.new_key())
    settings.BACKUP_KEY_FILE = str(key_file)
    backup = services.run_backup()
    assert backup.file_name.endswith(".tar.enc") and backup.encrypted
    assert backup.verification == Verification.PASSED
    assert b"quote" not in (places.backups / backup.file_name).read_bytes()


@real_archives
def test_an_unreadable_key_file_fails_the_backup_with_its_reason(places, settings, tmp_path):
    settings.BACKUP_KEY_FILE = str(tmp_path / "missing.key")
    backup = services.run_backup()
    assert backup.status == Status.FAILED and "missing.key" in backup.error
    assert engine.archives(places.backups) == []


# --- verifying -------------------------------------------------------------------------------------


@real_archives
def test_a_damaged_archive_fails_its_verification_with_the_reason_and_the_time(places):
    backup = services.run_backup()
    path = places.backups / backup.file_name
    with path.open("r+b") as archive:
        archive.truncate(path.stat().st_size // 2)
    checked = services.verify_backup(backup=backup)
    checked.refresh_from_db()
    assert checked.verification == Verification.FAILED and checked.verification_error
    assert "\n" not in checked.verification_error
    assert checked.verified_at > checked.finished_at
    assert any("The last verification failed" in warning for warning in services.backup_status().warnings)


@real_archives
def test_an_archive_gone_from_the_folder_fails_its_verification(places):
    backup = services.run_backup()
    (places.backups / backup.file_name).unlink()
    services.verify_backup(backup=backup)
    assert backup.verification == Verification.FAILED
    assert backup.verification_error == "The archive is no longer in the backup folder."


@real_archives
def test_verify_asked_from_the_page_runs_after_the_commit(places, people):
    backup = services.run_backup()
    Backup.objects.filter(pk=backup.pk).update(verified_at=None, verification="")
    queued = services.start_verify(actor=people["ada"], backup=backup)
    assert queued.verification == Verification.VERIFYING  # as the answer says; the job ran on commit (Huey immediate)
    backup.refresh_from_db()
    assert backup.verification == Verification.PASSED and backup.verified_at is not None


@real_archives
def test_a_backup_asked_from_the_page_is_recorded_at_once_and_made_by_the_job(places, people):
    backup = services.start_backup(actor=people["ada"])
    assert backup.status == Status.RUNNING  # what the page and the API answer
    backup.refresh_from_db()
    assert backup.status == Status.DONE and backup.verification == Verification.PASSED


# --- the off-site copy -----------------------------------------------------------------------------


@real_archives
def test_the_archive_is_copied_to_the_second_folder(places, settings, tmp_path):
    settings.BACKUP_COPY_DIR = str(tmp_path / "share")
    backup = services.run_backup()
    copy = tmp_path / "share" / backup.file_name
    assert backup.copied and backup.copy_error == ""
    assert copy.read_bytes() == (places.backups / backup.file_name).read_bytes()
    assert [path.name for path in (tmp_path / "share").iterdir()] == [backup.file_name]  # no partial file left


@real_archives
def test_a_failed_copy_is_recorded_and_the_backup_stays(places, settings, tmp_path):
    unmounted = tmp_path / "unmounted"
    unmounted.write_text("the share is not mounted: a file stands where the folder should be")
    settings.BACKUP_COPY_DIR = str(unmounted / "carte")
    backup = services.run_backup()
    backup.refresh_from_db()
    assert backup.status == Status.DONE and backup.verification == Verification.PASSED
    assert backup.copied is False and str(unmounted) in backup.copy_error
    assert (places.backups / backup.file_name).is_file()


# --- retention -------------------------------------------------------------------------------------


@real_archives
def test_retention_lets_old_archives_go_in_both_folders_with_their_rows(places, settings, tmp_path):
    settings.BACKUP_COPY_DIR = str(tmp_path / "share")
    settings.BACKUP_KEEP = "2,0,0"
    first = services.run_backup()
    share = tmp_path / "share"
    now = datetime.now(UTC)
    old = []
    for days in (3, 4):
        path = old_copy(places.backups / first.file_name, places.backups, now - timedelta(days=days))
        shutil.copyfile(path, share / path.name)
        Backup.objects.create(file_name=path.name, status=Status.DONE, started_at=now - timedelta(days=days))
        old.append(path)
    yesterday = old_copy(places.backups / first.file_name, places.backups, now - timedelta(days=1))
    restore = old_copy(
        places.backups / first.file_name, places.backups, now - timedelta(days=30), prefix="carte-before-restore-"
    )
    failed_long_ago = Backup.objects.create(
        status=Status.FAILED, error="disk full", started_at=now - timedelta(days=40), kind=Kind.SCHEDULED
    )

    services.apply_retention()

    left = {path.name for path in engine.archives(places.backups)}
    # Today's (the first one and its row, copied to the share), yesterday's, and the one before a restore.
    assert left == {first.file_name, yesterday.name, restore.name}
    # The share has no archive of yesterday: its last two days with one are today and three days ago.
    assert {path.name for path in engine.archives(share)} == {first.file_name, old[0].name}
    assert not Backup.objects.filter(file_name__in=[path.name for path in old]).exists()
    assert Backup.objects.filter(pk=first.pk).exists()
    assert not Backup.objects.filter(pk=failed_long_ago.pk).exists()


@real_archives
def test_a_new_backup_applies_the_retention(places, settings):
    settings.BACKUP_KEEP = "1,0,0"
    first = services.run_backup()
    old = old_copy(places.backups / first.file_name, places.backups, datetime.now(UTC) - timedelta(days=2))
    second = services.run_backup()
    names = {path.name for path in engine.archives(places.backups)}
    assert second.file_name in names and old.name not in names


@real_archives
def test_what_a_killed_backup_left_goes_once_no_backup_can_be_writing_it(places):
    old_partial = places.backups / "carte-backup-20260101-023000.tar.partial"
    old_work = places.backups / f"{engine.WORK_PREFIX}abc"
    fresh_partial = places.backups / "carte-backup-20260102-023000.tar.partial"
    places.backups.mkdir(parents=True, exist_ok=True)
    old_partial.write_bytes(b"half")
    (old_work / "database.sqlite3").parent.mkdir()
    (old_work / "database.sqlite3").write_bytes(b"half")
    fresh_partial.write_bytes(b"half")
    hours_ago = (timezone.now() - timedelta(hours=7)).timestamp()
    for path in (old_partial, old_work):
        os.utime(path, (hours_ago, hours_ago))

    backup = services.run_backup()

    left = {path.name for path in places.backups.iterdir()}
    assert left == {backup.file_name, fresh_partial.name}


# --- archives found in the folder ------------------------------------------------------------------


@real_archives
def test_archives_without_a_row_are_recorded_when_found(places):
    made = services.run_backup()
    before_restore = old_copy(
        places.backups / made.file_name, places.backups, datetime(2026, 1, 5, 9, 0, tzinfo=UTC), "carte-before-restore-"
    )
    found = services.record_found_archives()
    assert [backup.file_name for backup in found] == [before_restore.name]
    row = found[0]
    manifest = engine.read_manifest(before_restore)
    assert row.kind == Kind.BEFORE_RESTORE and row.status == Status.DONE
    assert row.started_at == datetime.fromisoformat(manifest.started_at)
    assert row.size == before_restore.stat().st_size
    assert services.record_found_archives() == []


@real_archives
def test_a_found_file_that_is_not_an_archive_is_recorded_as_failing_verification(places):
    places.backups.mkdir(parents=True)
    (places.backups / "carte-backup-20260101-020000.tar").write_bytes(b"not a tar at all" * 10)
    [row] = services.record_found_archives()
    assert row.verification == Verification.FAILED and row.verification_error


# --- rights and downloads --------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_who_holds_the_backups_rights_may_run_verify_or_download(places, people):
    backup = Backup.objects.create(
        file_name="carte-backup-20260101-020000.tar", status=Status.DONE, started_at=timezone.now()
    )
    for name in ("mia", "alice", "rita"):
        with pytest.raises(NotAllowed):
            services.run_backup(actor=people[name])
        with pytest.raises(NotAllowed):
            services.start_backup(actor=people[name])
        with pytest.raises(NotAllowed):
            services.verify_backup(actor=people[name], backup=backup)
        with pytest.raises(NotAllowed):
            services.backup_file(people[name], backup)
    assert list(Backup.objects.all()) == [backup]


@pytest.mark.django_db
def test_a_download_is_only_ever_a_plain_file_of_the_backup_folder(places, people, tmp_path):
    ada = people["ada"]
    places.backups.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not an archive")
    (places.backups / "carte-backup-20260101-020000.tar").symlink_to(secret)
    for name in ("../secret.txt", str(secret), "carte-backup-20260101-020000.tar", "", ".."):
        backup = Backup.objects.create(file_name=name, status=Status.DONE, started_at=timezone.now())
        with pytest.raises(NotFound):
            services.backup_file(ada, backup)
    archive = places.backups / "carte-backup-20260102-020000.tar"
    archive.write_bytes(b"archive bytes")
    backup = Backup.objects.create(file_name=archive.name, status=Status.DONE, started_at=timezone.now())
    assert services.backup_file(ada, backup) == archive
    assert AuditEntry.objects.filter(verb="export", object_id=str(backup.pk), actor=ada).exists()
    running = Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    with pytest.raises(Conflict):
        services.backup_file(ada, running)


# --- how things stand ------------------------------------------------------------------------------


def _done(hours_ago: float, verification: str = Verification.PASSED, **fields) -> Backup:
    moment = timezone.now() - timedelta(hours=hours_ago)
    return Backup.objects.create(
        file_name=f"carte-backup-{moment:%Y%m%d-%H%M%S}.tar",
        status=Status.DONE,
        started_at=moment - timedelta(minutes=1),
        finished_at=moment,
        verification=verification,
        verified_at=moment if verification else None,
        **fields,
    )


@pytest.mark.django_db
def test_status_without_any_backup_warns_that_there_is_none(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        status = services.backup_status()
    assert status.last_backup is None and status.last_verified is None
    assert status.warnings == ["No backup has been made yet."]


@pytest.mark.django_db
def test_a_recent_verified_backup_is_healthy():
    backup = _done(hours_ago=2)
    status = services.backup_status()
    assert status.healthy and status.last_backup == backup and status.last_verified == backup
    assert status.last_backup_at == backup.finished_at and status.last_verified_at == backup.verified_at


@pytest.mark.django_db
def test_a_backup_older_than_26_hours_is_a_warning():
    _done(hours_ago=26.5)
    assert services.backup_status().warnings == [
        "The last backup is more than 26 hours old.",
        "The last successful verification is more than 26 hours old.",
    ]
    assert services.backup_status(now=timezone.now() - timedelta(hours=1)).healthy


@pytest.mark.django_db
def test_a_recent_backup_whose_last_good_verification_is_old_is_a_warning():
    old = _done(hours_ago=30)
    _done(hours_ago=1, verification="")
    status = services.backup_status()
    assert status.last_verified == old
    assert status.warnings == ["The last successful verification is more than 26 hours old."]


@pytest.mark.django_db
def test_a_failed_last_backup_and_a_failed_last_verification_are_warnings():
    good = _done(hours_ago=3)
    Backup.objects.create(status=Status.FAILED, error="the disk holding /srv is full", started_at=timezone.now())
    assert services.backup_status().warnings == ["The last backup failed: the disk holding /srv is full"]
    good.verification, good.verification_error, good.verified_at = "failed", "row counts differ", timezone.now()
    good.save()
    warnings = services.backup_status().warnings
    assert "The last verification failed: row counts differ" in warnings
    assert "No backup has been verified yet." in warnings


@pytest.mark.django_db
def test_a_backup_being_made_hides_no_earlier_failure():
    Backup.objects.create(status=Status.FAILED, error="boom", started_at=timezone.now() - timedelta(minutes=5))
    Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    assert "The last backup failed: boom" in services.backup_status().warnings


# --- the schedule ----------------------------------------------------------------------------------


def test_the_daily_backup_runs_at_the_local_time_whatever_the_season(settings):
    settings.TIME_ZONE, settings.BACKUP_TIME = "Europe/Paris", "02:30"
    assert tasks.at_backup_time(datetime(2026, 1, 15, 1, 30))  # UTC+1 in winter (naive UTC, as Huey gives it)
    assert tasks.at_backup_time(datetime(2026, 7, 15, 0, 30))  # UTC+2 in summer
    assert not tasks.at_backup_time(datetime(2026, 1, 15, 2, 30))
    assert not tasks.at_backup_time(datetime(2026, 1, 15, 1, 31))
    settings.TIME_ZONE, settings.BACKUP_TIME = "Asia/Kolkata", "23:00"  # UTC+5:30
    assert tasks.at_backup_time(datetime(2026, 1, 15, 17, 30))


@real_archives
def test_the_scheduled_job_makes_a_scheduled_backup(places):
    backup_id = tasks.scheduled_backup_job.call_local()
    backup = Backup.objects.get(pk=backup_id)
    assert backup.kind == Kind.SCHEDULED and backup.status == Status.DONE
    assert backup.verification == Verification.PASSED


@real_archives
def test_the_scheduled_job_skips_while_a_backup_is_being_made(places):
    Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    assert tasks.scheduled_backup_job.call_local() is None
    assert Backup.objects.count() == 1
