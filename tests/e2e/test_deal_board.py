"""In real headless Chromium: drag a card across the board (the lost column asks why), then fill lines.

Proves carte/static/carte/kanban.js and lines.js work with SortableJS, htmx and the CSP: no
console error, every move saved.
"""

import pytest

from carte.sales.models import Deal
from carte.sales.services import deals as services
from carte.sales.testing import ProductFactory, currency, pipeline, stage, tax
from tests.e2e.steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def column(page, name: str):
    return page.locator(f"[data-board-column][data-stage='{stage(name).pk}']")


def test_a_deal_crosses_the_board_by_drag_and_drop_and_gets_its_lines(live_server, page, alice, alices_client):
    currency("EUR")
    pipeline()
    deal = services.create_deal(actor=alice, client=alices_client, title="Ovens", amount="100")
    ProductFactory(name="Steam oven", unit="pc", tax=tax("20"))
    problems = log_in(page, live_server, "alice")
    page.set_viewport_size({"width": 1600, "height": 900})  # six columns side by side

    page.goto(f"{live_server.url}/deals/board/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    card.drag_to(column(page, "Proposal"))
    page.locator(f"#column-head-{stage('Proposal').pk} .badge", has_text="1").wait_for()
    assert Deal.objects.get(pk=deal.pk).stage == stage("Proposal")

    lost = column(page, "Lost")
    lost.scroll_into_view_if_needed()
    card.drag_to(lost)
    page.select_option(f"#lost-reason-{deal.pk}", "price")
    page.get_by_role("button", name="Mark as lost").click()
    page.locator(f"#column-head-{stage('Lost').pk} .badge", has_text="1").wait_for()
    moved = Deal.objects.get(pk=deal.pk)
    assert (moved.stage, moved.lost_reason.key) == (stage("Lost"), "price")

    page.goto(f"{live_server.url}/deals/{deal.pk}/lines/")
    page.fill("#lines-0-find", "steam")
    page.locator("[data-line-choices] option[data-product]").first.click()
    assert page.input_value("#lines-0-description") == "Steam oven"
    page.fill("#lines-0-unit_price", "300")
    page.get_by_role("button", name="Add a line").click()
    page.fill("#lines-2-description", "Setup")
    page.fill("#lines-2-quantity", "1")
    page.fill("#lines-2-unit_price", "50")
    page.get_by_role("button", name="Save the lines").click()
    page.wait_for_url(f"{live_server.url}/deals/{deal.pk}/#lines")
    assert str(Deal.objects.get(pk=deal.pk).amount) == "410.000"  # 300 + 20 % tax, and 50
    assert problems == []
