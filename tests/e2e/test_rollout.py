"""End to end, in Chromium: a fresh installation is set up step by step, then used and watched.

The administrator of a brand-new Carte puts the wizard aside, lands on Settings →
Getting started: she writes the company's first article herself, her colleagues' work (the
company, the team, a mail server, a telephony connection, an import, a verified backup …)
arrives through the same services their screens call, and the bar climbs to 100 % as each
step's data appears. A seller then opens the help of the deals board, lands on the article
written for it, and finds another one with the knowledge base's search. Finally the manager's
adoption view shows who logged in and worked. Screenshots: `checklist.png`, `adoption.png`.
"""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.sql import emit_post_migrate_signal
from django.utils import timezone

from carte.accounts import services as accounts
from carte.calls.services.connections import create_connection
from carte.clients.services.references import add_reference_value
from carte.core.testing import PASSWORD, DepartmentFactory, EmployeeFactory, role
from carte.sales.models import Currency
from carte.sales.services import company, money, pipelines
from carte.transfer.services import imports
from tests.backups.places import verified_backup
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _checklist(page, url: str) -> tuple[int, int]:
    page.goto(f"{url}/knowledge/setup/")
    bar = page.locator("progress.setup-bar").first
    return int(bar.get_attribute("value")), int(bar.get_attribute("max"))


def _import_old_clients(admin) -> None:
    source = imports.upload(
        actor=admin,
        target_key="clients",
        file=SimpleUploadedFile("old.csv", b"Name\nBoulangerie Petit\nMoulin Rouge SARL\n"),
        file_name="old.csv",
    )
    source = imports.configure(actor=admin, source=source, mapping=source.mapping, options={})
    imports.start_run(actor=admin, source=source)  # Huey runs immediately in the tests


def _logo() -> BytesIO:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def _the_others_set_up(admin, settings) -> list:
    """What the rest of the setup is, each through the service its screen calls: one step each."""
    entity = []
    return [
        lambda: entity.append(
            company.create_legal_entity(
                actor=admin, name="Martin", legal_name="Martin SARL", address="3 place du Marché, Lyon", is_default=True
            )
        ),
        lambda: money.review_money_settings(actor=admin, currency=Currency.objects.get(is_base=True)),
        lambda: _team(admin),
        lambda: add_reference_value(actor=admin, reference_list="tag", label="Wholesale"),
        lambda: pipelines.create_pipeline(actor=admin, name="Catering"),
        lambda: company.set_entity_image(actor=admin, entity=entity[0], which="logo", file=_logo()),
        lambda: setattr(settings, "EMAIL_URL", "smtp+tls://carte:secret@smtp.example.com:587"),
        lambda: create_connection(actor=admin, name="Office PBX"),
        lambda: _import_old_clients(admin),
        lambda: verified_backup(timezone.now()),  # the backup job's result (tests/backups make real archives)
    ]


def _team(admin) -> None:
    shop = DepartmentFactory(name="Shop")
    accounts.update_employee(actor=admin, employee=admin, department=shop)
    EmployeeFactory(username="sam", first_name="Sam", last_name="Seller", role=role("sales"), department=shop)


def test_a_fresh_installation_is_set_up_used_and_watched(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_URL = "console://"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # the seeding, as `carte init` runs it
    admin = EmployeeFactory(username="admin", first_name="Ada", last_name="Admin", role=role("administrator"))

    # The wizard greets her; she puts it aside for now.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/knowledge/welcome/company/")
    page.get_by_role("button", name="Skip for now").click()
    page.wait_for_url(f"{live_server.url}/knowledge/setup/")
    assert _checklist(page, live_server.url) == (0, 11)

    # She starts the knowledge base herself.
    page.goto(f"{live_server.url}/knowledge/")
    page.get_by_role("link", name="New article").click()
    page.fill("#id_title", "How we take bread orders")
    page.fill("#id_body", "# Orders\n\nWrite every **order** on the client card, then plan the delivery.")
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("heading", name="How we take bread orders").wait_for()
    assert _checklist(page, live_server.url) == (1, 11)

    # The rest arrives step by step, and the bar follows the data.
    for done, step in enumerate(_the_others_set_up(admin, settings), start=2):
        step()
        assert _checklist(page, live_server.url) == (done, 11)
    page.get_by_role("heading", name="11 of 11 steps done").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "checklist.png"), full_page=True)

    # A seller asks the deals board for help, then searches the knowledge base.
    page.context.clear_cookies()
    problems = log_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/deals/board/")
    page.locator("a.help-link[data-help-for=deals]").click()
    page.get_by_role("heading", name="Deals", level=1).wait_for()
    assert "/knowledge/" in page.url
    page.goto(f"{live_server.url}/knowledge/")
    page.get_by_role("searchbox").fill("bread ord")
    page.locator("#article-results, main").get_by_role("link", name="How we take bread orders").first.wait_for()

    # The administrator's adoption view: who logged in and worked today.
    page.context.clear_cookies()
    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/reports/adoption/")
    page.get_by_role("button", name="Refresh now").click()
    rows = page.locator("table.adoption-table tbody tr")
    rows.first.wait_for()
    ada = rows.filter(has_text="Ada Admin")
    assert int(ada.locator("td").first.inner_text()) >= 2  # logins: this morning's and now
    page.screenshot(path=str(SCREENSHOTS / "adoption.png"), full_page=True)
    assert problems == []
