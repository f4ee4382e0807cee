"""End to end, in real headless Chromium: log in, find a client with the global search, open its card."""

import pytest

from carte.clients import services as client_services
from carte.core.testing import PASSWORD, make_personas
from tests.e2e.steps import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_employee_logs_in_finds_a_client_and_opens_its_card(live_server, page):
    alice = make_personas()["alice"]
    bakery = client_services.create_client(
        actor=alice, name="Alice's Bakery", status="customer", phones=[("+33 6 12 34 56 78", "mobile")]
    )
    client_services.add_note(actor=alice, client=bakery, text="Wants a quote for two ovens.")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.keyboard.press("/")  # the shortcut focuses the global search box
    page.keyboard.type("0612 34")  # a phone fragment, typed the way people do
    hit = page.locator("#global-search-results a", has_text="Alice's Bakery")
    hit.wait_for()
    hit.click()

    page.wait_for_url(f"{live_server.url}/clients/{bakery.pk}/")
    assert page.locator("h1").inner_text().strip() == "Alice's Bakery"
    assert page.get_by_text("Wants a quote for two ovens.").is_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "workspace.png"), full_page=True)
    assert problems == [], problems
