"""End to end, in headless Chromium: a mention arrives live in the bell with a toast; an incoming call pops up."""

import pytest

from carte.clients import services as client_services
from carte.core import live
from carte.core.testing import make_personas
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_mention_arrives_live_and_an_incoming_call_pops_up(live_server, page):
    people = make_personas()
    bakery = client_services.create_client(actor=people["alice"], name="Alice's Bakery", status="customer")
    problems = log_in(page, live_server, "alice")
    page.locator("html[data-live='connected']").wait_for(state="attached")  # the stream is open (no eval: CSP)
    page.locator("#notification-bell .bell-count").wait_for()

    client_services.add_note(actor=people["mia"], client=bakery, text="@alice the ovens are in stock")
    page.locator("#messages").get_by_text("Mia Manager mentioned you on Alice's Bakery").wait_for(timeout=5000)
    page.locator("#notification-bell", has_text="1 unread").wait_for(timeout=5000)

    page.locator("#notification-bell summary").click()
    page.get_by_role("link", name="All notifications").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="Mark all as read").first.click()
    page.locator("#notification-bell", has_text="none unread").wait_for(timeout=5000)
    page.locator("html[data-live='connected']").wait_for(state="attached")  # this page's own stream is open

    live.publish(people["alice"].pk, {"type": "call", "state": "ringing", "call_id": 1, "title": "+33 6 12 34 56 78"})
    popup = page.get_by_role("dialog")
    popup.wait_for(timeout=5000)
    assert "+33 6 12 34 56 78" in popup.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "notifications.png"), full_page=True)
    live.publish(people["alice"].pk, {"type": "call", "state": "ended", "call_id": 1})
    popup.wait_for(state="hidden", timeout=8000)
    page.close()
    assert problems == [], problems
