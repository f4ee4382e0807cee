"""End to end, in Chromium: a manager imports 30 clients from a CSV file, then undoes the import.

She uploads the file, finds its columns mapped from their French names, previews the first
rows, runs the dry run, starts the import and watches the progress bar until the report comes
by itself (the page polls), then undoes the import: the new clients are gone, the one that was
already there stays. Screenshots of the mapping and of the report are kept in var/screenshots/.

The worker is played by the test: the "run" job is held when queued, so the progress bar can be
seen, and then run as `carte worker` would run it.
"""

import pytest

from carte.clients.models import Client
from carte.clients.services import create_client
from carte.core.testing import make_personas
from carte.transfer import running, tasks
from carte.transfer.models import Import
from tests.e2e.steps import SCREENSHOTS, log_in
from tests.transfer.files import delimited

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def clients_file(tmp_path):
    """27 companies, a row without a name, one with a wrong phone number, one repeating a known email."""
    rows = [["Nom", "E-mail", "Téléphone", "Ville"]]
    rows += [[f"Société {n:02d}", f"contact{n}@societe{n}.example", f"01 40 00 00 {n:02d}", "Lyon"] for n in range(27)]
    rows += [["", "sans-nom@example.com", "", "Paris"], ["Numéro Faux", "", "12", "Lille"]]
    rows += [["Boulangerie Martin (bis)", "bonjour@martin.example", "", "Lyon"]]
    path = tmp_path / "clients-2024.csv"
    path.write_bytes(delimited(rows, delimiter=";", bom=True))
    return path


def test_a_csv_of_clients_is_mapped_previewed_imported_and_undone(live_server, page, tmp_path, monkeypatch):
    mia = make_personas()["mia"]
    known = create_client(actor=mia, name="Boulangerie Martin", emails=[("bonjour@martin.example", "work")])
    held: list[int] = []
    monkeypatch.setattr(tasks, "run_import_job", held.append)  # queued, not run: the test is the worker
    problems = log_in(page, live_server, "mia")

    # Upload from the clients list's "Import clients".
    page.goto(f"{live_server.url}/clients/")
    page.get_by_role("link", name="Import clients").click()
    assert page.get_by_role("radio", name="Clients and contacts").is_checked()
    page.set_input_files("input[name=file]", str(clients_file(tmp_path)))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Which field each column fills").wait_for()
    source = Import.objects.get()

    # The columns are mapped from their French names; the options follow the file.
    assert page.locator("select[name=column_0]").input_value() == "name"
    assert page.locator("select[name=column_1]").input_value() == "email_work"
    assert page.locator("select[name=column_2]").input_value() == "phone_work"
    layout = page.locator(".import-layout").inner_text()
    assert "CSV text" in layout and "UTF-8" in layout and ";" in layout
    assert "contact0@societe0.example" in page.locator(".mapping-table").inner_text()

    # Preview: the first ten rows as they will be saved.
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#import-preview table")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 10
    assert "Société 00" in preview.inner_text() and "Will be created" in preview.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-mapping.png"), full_page=True)

    # The dry run: counts and reasons, nothing saved.
    page.get_by_role("button", name="Dry run").click()
    report = page.locator(".import-report")
    report.get_by_role("heading", name="Dry run report").wait_for()
    assert report.locator('[data-count="created"]').inner_text() == "27"
    assert report.locator('[data-count="failed"]').inner_text() == "2"
    assert report.locator('[data-count="skipped"]').inner_text() == "1"
    assert "Boulangerie Martin (bis)" not in report.inner_text()
    assert Client.objects.count() == 1

    # The run: queued, the progress bar shows, then the worker runs it and the report comes by itself.
    report.get_by_role("button", name="Import").click()
    bar = page.locator("#import-progress-bar")
    bar.wait_for()
    assert bar.get_attribute("max") == "30" and bar.get_attribute("value") == "0"
    assert "0 of 30 rows" in page.locator("#import-progress").inner_text()
    assert held == [source.pk]
    running.run(source.pk)
    done = page.locator(".import-report")
    done.get_by_role("heading", name="Report").wait_for()  # the polled progress asked for a reload
    assert done.locator('[data-count="created"]').inner_text() == "27"
    assert done.locator('[data-count="failed"]').inner_text() == "2"
    assert done.locator('[data-count="skipped"]').inner_text() == "1"
    journal = page.locator("#import-journal")
    assert journal.get_by_role("link", name="Record").first.is_visible()
    journal.get_by_role("link", name="Failed").click()
    page.wait_for_function("() => document.querySelectorAll('#import-journal tbody tr').length === 2")
    assert "not a phone number" in journal.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "import-report.png"), full_page=True)
    assert Client.objects.count() == 28

    # Undo: what the import created goes, the client that was there stays.
    page.get_by_role("button", name="Undo this import").click()
    page.locator(".badge", has_text="Undone").wait_for()
    assert list(Client.objects.values_list("pk", flat=True)) == [known.pk]
    page.goto(f"{live_server.url}/clients/")
    assert page.get_by_role("link", name="Boulangerie Martin").is_visible()
    assert page.get_by_text("Société 00").count() == 0
    assert problems == [], problems
