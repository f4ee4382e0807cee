"""Backups in the REST API: list, run now (202), verify (202), status; administrators only, problem+json otherwise."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carte.backups.models import Backup
from tests.backups.places import use_folders, verified_backup

Status, Verification = Backup.Status, Backup.Verification
real_archives = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    return use_folders(settings, tmp_path)


@real_archives
def test_run_answers_202_with_the_backup_and_the_list_shows_it_verified(client, ada, places):
    client.force_login(ada)
    response = client.post("/api/v1/backups")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running" and body["kind"] == "manual" and body["file_name"] == ""
    listed = client.get("/api/v1/backups").json()
    assert listed["count"] == 1
    [backup] = listed["results"]
    assert backup["id"] == body["id"] and backup["status"] == "done" and backup["verification"] == "passed"
    assert backup["size"] > 0 and backup["duration_seconds"] >= 0 and backup["file_name"].endswith(".tar")
    assert backup["copied"] is False and backup["error"] == ""


@real_archives
def test_verify_answers_202_and_records_the_result(client, ada, places):
    client.force_login(ada)
    client.post("/api/v1/backups")
    backup = Backup.objects.get()
    response = client.post(f"/api/v1/backups/{backup.pk}/verify")
    assert response.status_code == 202 and response.json()["verification"] == "verifying"
    backup.refresh_from_db()
    assert backup.verification == Verification.PASSED


@pytest.mark.django_db
def test_run_while_one_runs_is_a_conflict_in_problem_json(client, ada, places):
    Backup.objects.create(status=Status.RUNNING, started_at=timezone.now())
    client.force_login(ada)
    response = client.post("/api/v1/backups")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert "already being made" in response.json()["detail"]


@pytest.mark.django_db
def test_verify_of_a_failed_backup_is_a_conflict(client, ada, places):
    failed = Backup.objects.create(status=Status.FAILED, error="disk full", started_at=timezone.now())
    client.force_login(ada)
    assert client.post(f"/api/v1/backups/{failed.pk}/verify").status_code == 409
    failed.refresh_from_db()
    assert failed.verification == ""


@pytest.mark.django_db
def test_status_gives_the_dates_and_the_warnings(client, ada, places):
    moment = timezone.now() - timedelta(hours=30)
    verified_backup(moment)
    client.force_login(ada)
    body = client.get("/api/v1/backups/status").json()
    assert body["healthy"] is False
    assert body["last_backup"]["file_name"] == "carte-backup-20260101-020000.tar"
    assert body["last_backup_at"] is not None and body["last_verified_at"] is not None
    assert body["warnings"] == [
        "The last backup is more than 26 hours old.",
        "The last successful verification is more than 26 hours old.",
    ]


@pytest.mark.django_db
def test_others_are_refused_in_problem_json_and_nothing_changes(client, people, places):
    backup = Backup.objects.create(status=Status.FAILED, error="disk full", started_at=timezone.now())
    for name in ("mia", "alice", "rita"):
        client.force_login(people[name])
        for method, path in (
            ("get", "/api/v1/backups"),
            ("post", "/api/v1/backups"),
            ("get", "/api/v1/backups/status"),
        ):
            response = getattr(client, method)(path)
            assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
        assert client.post(f"/api/v1/backups/{backup.pk}/verify").status_code == 404
    assert list(Backup.objects.all()) == [backup]
