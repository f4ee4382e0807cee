"""End to end, in Chromium: a company with two contacts, found by a phone fragment, merged with its duplicate."""

import pytest

from carte.clients import services as client_services
from carte.clients.models import Client, Contact
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def create_company(page, live_server) -> int:
    """Fill the form as a person would; the likely duplicate is announced before saving."""
    page.goto(f"{live_server.url}/clients/new/")
    page.fill("input[name=name]", "Boulangerie Martin")
    page.fill("input[name=phones-0-number]", "+33 6 12 34 56 78")
    page.fill("input[name=emails-0-address]", "contact@martin.example")
    page.locator("input[name=emails-0-address]").blur()
    warning = page.locator("#duplicates")
    warning.get_by_role("link", name="Boulangerie Martin SARL").wait_for()
    assert "contact@martin.example" in warning.inner_text()
    page.get_by_role("button", name="Create").click()
    page.locator("#card-header", has_text="Boulangerie Martin").wait_for()
    return int(page.url.rstrip("/").split("/")[-1])


def link_contact(page, typed: str, name: str) -> None:
    # The tab and its search results are swapped in by htmx: wait for each answer before going on.
    with page.expect_response(lambda answer: "/tabs/contacts/" in answer.url):
        page.get_by_role("link", name="Contacts").first.click()
    page.fill("#contact-find", typed)
    with page.expect_response(lambda answer: "find=" in answer.url):
        page.get_by_role("button", name="Find").click()
    row = page.locator("#card-tabs li", has_text=name)
    row.locator("select[name=role]").select_option("decision_maker")
    row.get_by_role("button", name="Link").click()
    page.locator("#card-tabs table", has_text=name).wait_for()


def test_a_company_with_two_contacts_is_found_by_phone_and_merged_with_its_duplicate(live_server, page):
    from carte.core.testing import make_personas

    people = make_personas()
    mia, alice = people["mia"], people["alice"]
    duplicate = client_services.create_client(
        actor=alice, name="Boulangerie Martin SARL", emails=[("CONTACT@martin.example", "work")]
    )
    client_services.add_note(actor=alice, client=duplicate, text="Asked for a quote in March")
    for first, last in (("Jeanne", "Martin"), ("Paul", "Lefèvre")):
        client_services.create_client(actor=mia, kind="person", first_name=first, last_name=last)
    problems = log_in(page, live_server, "mia")

    company = create_company(page, live_server)
    link_contact(page, "Jeanne Martin", "Jeanne Martin")
    link_contact(page, "paul lefevre", "Paul Lefèvre")  # found without the accent
    assert Contact.objects.filter(company_id=company).count() == 2

    # The search box finds the company by a fragment of its phone typed another way.
    page.goto(f"{live_server.url}/")
    page.fill("#global-search-text", "612 34")
    page.locator("#global-search-results").get_by_role("link", name="Boulangerie Martin").first.click()
    page.wait_for_url(f"{live_server.url}/clients/{company}/")

    # Merge the duplicate into it from the card's quick action.
    page.locator("#card-header").get_by_role("link", name="Merge").click()
    page.locator(".merge-add li", has_text="Boulangerie Martin SARL").get_by_role("link", name="Add").click()
    page.get_by_role("radio", name="Keep Boulangerie Martin", exact=True).check()
    page.get_by_role("button", name="Merge").click()
    page.wait_for_url(f"{live_server.url}/clients/{company}/")

    assert not Client.objects.filter(pk=duplicate.pk).exists()
    kept = Client.objects.get(pk=company)
    assert kept.timeline.filter(summary="Asked for a quote in March").exists()
    assert page.locator("#timeline").get_by_text("Asked for a quote in March").is_visible()
    assert Contact.objects.filter(company=kept).count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "client-card.png"), full_page=True)
    assert problems == [], problems
