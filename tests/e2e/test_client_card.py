"""End to end, in real headless Chromium: the card's groups edited in place, and the endless timeline."""

import pytest

from carte.clients import services as client_services
from carte.clients.models import Client
from carte.core.testing import make_personas
from tests.e2e.steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_groups_edited_in_place_one_after_the_other(live_server, page):
    alice = make_personas()["alice"]
    bakery = client_services.create_client(actor=alice, name="Alice's Bakery", phones=[("06 12 34 56 78", "mobile")])
    problems = log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/clients/{bakery.pk}/")

    # Open two groups at once, then save one and the other: the second is no conflict.
    page.locator("#section-contact").get_by_role("link", name="Edit").click()
    page.locator("#section-notes").get_by_role("link", name="Edit").click()
    page.locator("#section-contact input[name=website]").fill("bakery.example")
    page.locator("#section-notes textarea[name=notes]").fill("Open on Sundays")
    page.locator("#section-contact").get_by_role("button", name="Save").click()
    page.locator("#section-contact a[href='https://bakery.example']").wait_for()
    page.locator("#section-notes").get_by_role("button", name="Save").click()
    page.locator("#section-notes", has_text="Open on Sundays").locator("a", has_text="Edit").wait_for()

    bakery.refresh_from_db()
    assert (bakery.website, bakery.notes, bakery.version) == ("https://bakery.example", "Open on Sundays", 3)
    assert page.locator("#timeline").get_by_text("Changed: notes").is_visible()

    # The status changes in its group, and the header follows.
    page.locator("#section-classification").get_by_role("link", name="Edit").click()
    page.locator("#section-classification select[name=status]").select_option("customer")
    page.locator("#section-classification").get_by_role("button", name="Save").click()
    page.locator("#card-header .badge-customer").wait_for()
    assert Client.objects.get(pk=bakery.pk).status.key == "customer"
    assert problems == [], problems


def test_a_stale_group_shows_what_the_card_says_now(live_server, page):
    people = make_personas()
    alice, mia = people["alice"], people["mia"]
    bakery = client_services.create_client(actor=alice, name="Alice's Bakery")
    problems = log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/clients/{bakery.pk}/")
    page.locator("#section-contact").get_by_role("link", name="Edit").click()
    page.locator("#section-contact input[name=website]").wait_for()  # the form holds the old version
    client_services.update_client(actor=mia, client=bakery, version=bakery.version, website="mia.example")
    page.locator("#section-contact input[name=website]").fill("alice.example")
    page.locator("#section-contact").get_by_role("button", name="Save").click()
    page.get_by_text("The card now says “https://mia.example”.").wait_for()
    assert page.locator("#section-contact input[name=website]").input_value() == "alice.example"
    page.locator("#section-contact").get_by_role("button", name="Save").click()  # deliberately overwrite
    page.locator("#section-contact a[href='https://alice.example']").wait_for()
    assert Client.objects.get(pk=bakery.pk).website == "https://alice.example"
    assert [p for p in problems if "409" not in p] == [], problems


def test_the_timeline_loads_older_entries_as_it_scrolls(live_server, page):
    alice = make_personas()["alice"]
    bakery = client_services.create_client(actor=alice, name="Alice's Bakery")
    for n in range(70):
        client_services.add_note(actor=alice, client=bakery, text=f"Note number {n}")
    problems = log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/clients/{bakery.pk}/")
    assert page.locator(".timeline-entry").count() == 30
    page.locator(".timeline-more").scroll_into_view_if_needed()
    page.get_by_text("Note number 10", exact=True).wait_for()
    page.locator(".timeline-more").scroll_into_view_if_needed()
    page.get_by_text("Note number 0", exact=True).wait_for()
    assert page.locator(".timeline-entry").count() == 71  # the notes and "Card created"
    assert problems == [], problems


def test_the_form_shows_the_fields_of_the_chosen_kind(live_server, page):
    make_personas()
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/clients/new/")
    assert page.locator("input[name=legal_name]").is_visible()
    assert not page.locator("input[name=first_name]").is_visible()
    page.select_option("select[name=kind]", "person")
    assert page.locator("input[name=first_name]").is_visible()
    assert not page.locator("input[name=legal_name]").is_visible()
