"""The Backups settings page: the list and the configuration, run now, verify, download; the bell's warning."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from carte.backups.models import Backup
from tests.backups.places import use_folders, verified_backup

Status, Verification = Backup.Status, Backup.Verification
real_archives = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    return use_folders(settings, tmp_path)


def failed_backup() -> Backup:
    return Backup.objects.create(
        status=Status.FAILED, error="the disk holding /srv/backups is full", started_at=timezone.now()
    )


@pytest.mark.django_db
def test_the_page_shows_the_configuration_and_each_backup(client, ada, places, settings, django_assert_max_num_queries):
    settings.BACKUP_COPY_DIR, settings.BACKUP_TIME, settings.BACKUP_KEEP = "/mnt/share/carte", "03:15", "5,3,6"
    failed_backup()
    client.force_login(ada)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("backups:backup_list")).content.decode()
    assert str(places.backups) in page and "/mnt/share/carte" in page and "03:15" in page
    assert "the last 5 days, 3 weeks and 6 months" in page and "Not encrypted" in page
    assert "the disk holding /srv/backups is full" in page
    assert "The last backup failed" in page
    assert "Run a backup now" in page
    assert "hx-trigger" not in page.split('id="backup-state"')[1].split("<section")[0]  # nothing runs: no polling


@pytest.mark.django_db
def test_the_list_polls_itself_while_a_backup_runs(client, ada, places):
    Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    client.force_login(ada)
    fragment = client.get(reverse("backups:backup_list"), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<html" not in text and 'hx-trigger="load delay:2s"' in text
    assert "A backup is being made" in text and "disabled" in text
    assert fragment["Vary"] == "HX-Request" or "HX-Request" in fragment["Vary"]


@pytest.mark.django_db
def test_the_settings_index_offers_the_page_to_administrators_only(client, ada, mia):
    client.force_login(ada)
    assert reverse("backups:backup_list") in client.get(reverse("workspace:settings")).content.decode()
    client.force_login(mia)
    assert reverse("backups:backup_list") not in client.get(reverse("workspace:settings")).content.decode()
    assert client.get(reverse("backups:backup_list")).status_code == 403


@real_archives
def test_run_now_makes_a_verified_backup_and_answers_the_list(client, ada, places):
    client.force_login(ada)
    response = client.post(reverse("backups:backup_run"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    backup = Backup.objects.get()
    assert backup.status == Status.DONE and backup.verification == Verification.PASSED  # Huey runs jobs at once here
    assert "The backup has started" in response.content.decode()
    page = client.get(reverse("backups:backup_list")).content.decode()
    assert backup.file_name in page and "Verified" in page


@pytest.mark.django_db
def test_run_now_while_one_runs_is_refused(client, ada, places):
    Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    client.force_login(ada)
    assert client.post(reverse("backups:backup_run"), HTTP_HX_REQUEST="true").status_code == 409
    response = client.post(reverse("backups:backup_run"), follow=True)
    assert "A backup is already being made" in response.content.decode()
    assert Backup.objects.count() == 1


@real_archives
def test_verify_from_the_page_records_the_result(client, ada, places):
    client.force_login(ada)
    client.post(reverse("backups:backup_run"))
    backup = Backup.objects.get()
    path = places.backups / backup.file_name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    response = client.post(reverse("backups:backup_verify", args=[backup.pk]))
    assert response.status_code == 302
    backup.refresh_from_db()
    assert backup.verification == Verification.FAILED and backup.verification_error
    assert escape(backup.verification_error) in client.get(reverse("backups:backup_list")).content.decode()


@real_archives
def test_download_streams_the_archive_as_an_attachment(client, ada, places):
    client.force_login(ada)
    client.post(reverse("backups:backup_run"))
    backup = Backup.objects.get()
    response = client.get(reverse("backups:backup_download", args=[backup.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="{backup.file_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == (places.backups / backup.file_name).read_bytes()


@pytest.mark.django_db
def test_a_download_of_an_archive_gone_from_the_folder_is_not_found(client, ada, places):
    backup = Backup.objects.create(
        file_name="carte-backup-20260101-020000.tar", status=Status.DONE, started_at=timezone.now()
    )
    client.force_login(ada)
    assert client.get(reverse("backups:backup_download", args=[backup.pk])).status_code == 404


@pytest.mark.django_db
def test_others_are_refused_every_backup_screen(client, people, places):
    backup = failed_backup()
    for name in ("mia", "alice", "rita"):
        client.force_login(people[name])
        assert client.get(reverse("backups:backup_list")).status_code == 403
        assert client.post(reverse("backups:backup_run")).status_code == 403
        assert client.post(reverse("backups:backup_verify", args=[backup.pk])).status_code == 404
        assert client.get(reverse("backups:backup_download", args=[backup.pk])).status_code == 404
    assert list(Backup.objects.all()) == [backup]


# --- the notification bar ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_bell_warns_administrators_when_the_last_backup_failed(client, ada, places):
    failed_backup()
    client.force_login(ada)
    bell = client.get(reverse("workspace:notification_bell"), HTTP_HX_REQUEST="true").content.decode()
    assert "Backups need attention" in bell
    assert "The last backup failed: the disk holding /srv/backups is full" in bell
    assert reverse("backups:backup_list") in bell


@pytest.mark.django_db
def test_the_bell_shows_the_dates_without_a_warning_when_all_is_well(client, ada, places):
    moment = timezone.now() - timedelta(hours=3)
    verified_backup(moment)
    client.force_login(ada)
    bell = client.get(reverse("workspace:notification_bell")).content.decode()
    assert "Backups need attention" not in bell
    assert bell.count(f'datetime="{timezone.localtime(moment):%Y-%m-%dT%H:%M:%S}') == 2  # backup and verification


@pytest.mark.django_db
def test_the_bell_says_nothing_of_backups_to_others(client, alice, places, django_assert_num_queries):
    failed_backup()
    client.force_login(alice)
    with django_assert_num_queries(5):  # session, employee, her rights, unread count, latest unread
        bell = client.get(reverse("workspace:notification_bell")).content.decode()
    assert "Backups" not in bell and "backup" not in bell
