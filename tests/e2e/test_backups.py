"""End to end, in Chromium: the administrator runs a backup from Settings → Backups and sees it verified.

The notification bar first warns her that there is no backup; she opens the Backups page from the
settings, runs a backup, watches its row say "Running" while the page polls, then "Verified" once
the job has made and checked the archive, with the dates of the last backup and of the last
successful verification on the page and in the bell. A screenshot is kept in var/screenshots/.

The worker is played by the test: the "run" job is held when queued, so the running state can be
seen, and then run as `carte worker` would run it.
"""

import pytest

from carte.backups import services, tasks
from carte.backups.models import Backup
from carte.core.testing import make_personas
from tests.backups.places import use_folders
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_administrator_runs_a_backup_and_sees_it_verified(live_server, page, settings, tmp_path, monkeypatch):
    places = use_folders(settings, tmp_path)
    make_personas()
    held: list[int] = []
    monkeypatch.setattr(tasks, "run_backup_job", held.append)  # queued, not run: the test is the worker
    problems = log_in(page, live_server, "ada")

    # The notification bar warns: no backup yet.
    bell = page.locator("#notification-bell")
    bell.locator("[data-backup-warning]").wait_for()
    bell.locator("summary").click()
    assert "No backup has been made yet." in bell.inner_text()

    # Settings → Backups: the configuration, and nothing made yet.
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Backups").click()
    page.get_by_role("heading", name="Backups", level=1).wait_for()
    assert str(places.backups) in page.locator(".backup-configuration").inner_text()
    assert "None yet" in page.locator("[data-last-backup]").inner_text()

    # Run a backup now: the row shows it running, the button waits.
    page.get_by_role("button", name="Run a backup now").click()
    row = page.locator(".backup-table tbody tr").first
    row.locator(".badge", has_text="Running").wait_for()
    assert page.get_by_role("button", name="A backup is being made…").is_disabled()
    backup = Backup.objects.get()
    assert held == [backup.pk]

    # The worker makes and verifies the archive; the polled list shows it without a reload.
    services.run_backup(backup=backup)
    row.locator(".badge", has_text="Verified").wait_for(timeout=10000)
    backup.refresh_from_db()
    assert "Done" in row.inner_text() and "Manual" in row.inner_text()
    download = row.get_by_role("link", name="Download")
    assert download.is_visible() and download.get_attribute("title") == backup.file_name
    last_backup = page.locator("[data-last-backup] time")
    last_verified = page.locator("[data-last-verified] time")
    assert last_backup.get_attribute("datetime") and last_verified.get_attribute("datetime")
    assert page.get_by_role("button", name="Run a backup now").is_enabled()
    # On any page, the bell shows the dates of the last backup and verification, and no warning.
    page.goto(f"{live_server.url}/")
    bell = page.locator("#notification-bell")
    bell.locator("summary").wait_for()
    bell.locator("[data-backup-dates]").wait_for(state="attached")
    assert bell.locator("[data-backup-warning]").count() == 0
    assert bell.locator("[data-backup-dates] time").count() == 2

    # The page as an administrator finds it the next morning: the list, and the bell opened on its dates.
    page.go_back()
    page.locator(".backup-table tbody tr").first.wait_for()
    bell = page.locator("#notification-bell")
    bell.locator("[data-backup-dates]").wait_for(state="attached")
    bell.locator("summary").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "backups.png"), full_page=True)
    assert problems == [], problems
