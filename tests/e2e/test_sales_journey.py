"""End to end, in Chromium: a sale from the client card to the money on the bank account.

A seller opens a deal on her client, adds two products from the price list, drags the deal
across the board, issues an invoice, downloads its PDF (the client's name and the total are in
it), records the payment, and sees on the card that the client owes nothing. Screenshots of the
board, of the deal card and of the invoice's first page (pdftoppm) are kept in var/screenshots/.
"""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from pypdf import PdfReader

from carte.clients.services import create_client
from carte.core.testing import make_personas
from carte.sales.models import Deal, Price, PriceList, SalesDocument
from carte.sales.testing import ProductFactory, currency, legal_entity, pipeline, stage, tax
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    """Alice sells two products listed in the default price list, for Carte Test SAS."""
    alice = make_personas()["alice"]
    legal_entity()
    pipeline()
    retail = PriceList.objects.create(name="Retail", currency=currency("EUR"), is_default=True)
    vat = tax("20")
    for name, price in (("Steam oven", "1200.00"), ("Installation", "150.00")):
        Price.objects.create(price_list=retail, product=ProductFactory(name=name, tax=vat), unit_price=Decimal(price))
    bakery = create_client(actor=alice, name="Boulangerie Martin")
    return alice, bakery


def add_product_line(page, row: int, typed: str, quantity: str) -> None:
    """Find a product by a piece of its name; its description, unit, tax and price fill in."""
    line = page.locator("[data-line-row]").nth(row)
    line.locator("[data-line-find]").fill(typed)
    line.locator("[data-line-choices] option[data-product]").first.click()
    line.locator("[data-line-field=quantity]").fill(quantity)


def test_a_deal_is_sold_invoiced_printed_and_paid(live_server, page, shop):
    alice, bakery = shop
    problems = log_in(page, live_server, "alice")
    page.set_viewport_size({"width": 1600, "height": 900})

    # A deal from the client card's Deals tab.
    page.goto(f"{live_server.url}/clients/{bakery.pk}/?tab=deals")
    page.locator("#card-tabs").get_by_role("link", name="New deal").click()
    page.fill("#id_title", "Bakery ovens")
    page.get_by_role("button", name="Create").click()
    page.get_by_role("heading", name="Bakery ovens").wait_for()
    deal = Deal.objects.get(title="Bakery ovens")
    assert deal.client == bakery

    # Two product lines, priced from the default price list.
    page.get_by_role("link", name="Add lines").click()
    page.wait_for_url(f"{live_server.url}/deals/{deal.pk}/lines/")  # loaded: htmx listens to the rows
    add_product_line(page, 0, "steam", "2")
    page.get_by_role("button", name="Add a line").click()
    add_product_line(page, 1, "install", "1")
    page.get_by_role("button", name="Save the lines").click()
    page.wait_for_url(f"{live_server.url}/deals/{deal.pk}/#lines")
    deal.refresh_from_db()
    assert deal.amount == Decimal("3060.00")  # (2 × 1,200 + 150) + 20 % VAT
    assert deal.lines.count() == 2

    # Across the board by drag-and-drop.
    page.goto(f"{live_server.url}/deals/board/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    card.drag_to(page.locator(f"[data-board-column][data-stage='{stage('Proposal').pk}']"))
    page.locator(f"#column-head-{stage('Proposal').pk} .badge", has_text="1").wait_for()
    card.drag_to(page.locator(f"[data-board-column][data-stage='{stage('Negotiation').pk}']"))
    page.locator(f"#column-head-{stage('Negotiation').pk} .badge", has_text="1").wait_for()
    assert Deal.objects.get(pk=deal.pk).stage == stage("Negotiation")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kanban.png"))

    # An invoice from the deal, issued and printed.
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.locator("summary", has_text="Create a document").click()
    page.select_option(f"#document-kind-{deal.pk}", "invoice")
    page.get_by_role("button", name="Create", exact=True).click()
    page.get_by_role("button", name="Issue the invoice").click()
    page.locator(".badge", has_text="Unpaid").first.wait_for()
    invoice = SalesDocument.objects.get(deal=deal, kind="invoice")
    assert invoice.status == "unpaid" and invoice.total == Decimal("3060.00")
    page.get_by_role("button", name="Generate").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    pdf = download.value.path().read_bytes()
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    assert "Boulangerie Martin" in text
    assert "3,060.00" in text or "3 060.00" in text or "3060.00" in text
    _first_page_as_png(pdf)

    # The payment, and the card shows the invoice paid and nothing owed.
    page.fill("#id_amount", "3060.00")
    page.get_by_role("button", name="Record payment").click()
    page.locator("#payment-panel table").wait_for()  # the payments table appears with the first one
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.screenshot(path=str(SCREENSHOTS / "deal.png"), full_page=True)
    page.goto(f"{live_server.url}/clients/{bakery.pk}/?tab=documents")
    row = page.locator("tr", has_text=invoice.number)
    row.get_by_text("Paid").wait_for()
    assert "Owes" not in page.locator("#card-header").inner_text()
    assert problems == []


def _first_page_as_png(pdf: bytes) -> None:
    """The invoice's first page as the reader sees it (docs/invoice.png comes from here)."""
    assert shutil.which("pdftoppm"), "make test installs poppler-utils"
    source = SCREENSHOTS / "invoice.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", source, SCREENSHOTS / "invoice"],
        check=True,
    )
    assert (SCREENSHOTS / "invoice.png").stat().st_size > 10_000
