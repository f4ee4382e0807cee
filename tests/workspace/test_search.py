import pytest
from django.urls import reverse

from carte.core.navigation import SearchHit
from carte.core.testing import ClientFactory
from tests.workspace.pages import page_of

SEARCH = "/search/"
API_SEARCH = "/api/workspace-test/search"


def deals_named(text):
    """A stand-in for a module that is not written yet: one deal whose title contains the text."""

    def provider(user, typed, limit):
        return [SearchHit("Deal", f"{text} ovens", "12,000 EUR", "/deals/1/")] if text.lower() in typed.lower() else []

    return provider


def headings(response) -> list[str]:
    html = response.content.decode()
    return [part.split("</h2>")[0].split(">")[-1] for part in html.split('class="search-group-title">')[1:]]


def test_search_groups_the_hits_of_every_module_by_kind(registries, alice, alices_client, login):
    registries.add_search(deals_named("Bakery"))
    ClientFactory(name="Bakery Supplies", owner=alice, kind="company")

    response = login(alice).get(SEARCH, {"q": "bakery"})

    assert response.status_code == 200
    assert headings(response) == ["Company", "Deal"]
    content = response.content.decode()
    # Names starting with the text first, then the others; each module's hits after the previous one's.
    assert content.index("Bakery Supplies") < content.index("Alice&#x27;s Bakery") < content.index("Bakery ovens")


def test_search_never_shows_what_the_policy_hides(people, alices_client, charlies_client, login):
    hidden_from_alice = page_of(login(people["alice"]).get(SEARCH, {"q": "garage"})).links()
    seen_by_mia = page_of(login(people["mia"]).get(SEARCH, {"q": "garage"})).links()

    card = reverse("clients:card", args=[charlies_client.pk])
    assert card not in hidden_from_alice
    assert card in seen_by_mia


def test_the_dropdown_shows_twenty_hits_per_module_and_the_page_fifty(registries, alice, login):
    asked = []

    def chatty(user, text, limit):
        asked.append(limit)
        return [SearchHit("Note", f"Note {n}", "", f"/notes/{n}/") for n in range(limit + 5)]

    registries.search_providers[:] = [chatty]

    browser = login(alice)
    dropdown = browser.get(SEARCH, {"q": "note"}, headers={"HX-Request": "true"})
    page = browser.get(SEARCH, {"q": "note"})

    assert asked == [20, 50]
    assert dropdown.content.decode().count('class="search-hit"') == 20
    assert page.content.decode().count('class="search-hit"') == 50


def test_the_search_box_gets_only_the_dropdown_from_htmx(alice, alices_client, login):
    response = login(alice).get(SEARCH, {"q": "bakery"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert "<html" not in content
    assert "Alice&#x27;s Bakery" in content
    assert f"{SEARCH}?q=bakery" in content  # "Show all results"
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(alice, login):
    response = login(alice).get(
        SEARCH, {"q": "bakery"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Type a name, a phone number or an email to search."), ("a", "Type at least 2 characters")],
)
def test_an_empty_or_too_short_search_says_what_to_type(typed, message, alice, login):
    response = login(alice).get(SEARCH, {"q": typed})

    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_empty_search_box_closes_the_dropdown(alice, login):
    response = login(alice).get(SEARCH, {"q": " "}, headers={"HX-Request": "true"})

    assert response.content.decode().strip() == ""


def test_nothing_found_is_said_plainly(alice, login):
    response = login(alice).get(SEARCH, {"q": "zzzz"})

    assert "Nothing found for “zzzz”." in response.content.decode()


def test_the_search_page_keeps_the_text_in_the_search_box(alice, login):
    page = page_of(login(alice).get(SEARCH, {"q": "bakery"}))

    (box,) = [field for field in page.all("input") if field.get("id") == "global-search-text"]
    assert box["value"] == "bakery"


@pytest.mark.urls("tests.workspace.urls")
def test_the_api_answers_the_hits_as_json(registries, alice, alices_client, login):
    registries.add_search(deals_named("Bakery"))

    response = login(alice).get(API_SEARCH, {"q": "bakery"})

    assert response.status_code == 200
    company, deal = response.json()
    assert deal == {"kind": "Deal", "title": "Bakery ovens", "detail": "12,000 EUR", "url": "/deals/1/"}
    assert company.keys() == deal.keys()
    assert (company["title"], company["url"]) == ("Alice's Bakery", reverse("clients:card", args=[alices_client.pk]))


@pytest.mark.urls("tests.workspace.urls")
def test_the_api_obeys_the_policy(alice, charlies_client, login):
    assert login(alice).get(API_SEARCH, {"q": "garage"}).json() == []


@pytest.mark.urls("tests.workspace.urls")
def test_the_api_refuses_a_too_short_text_as_a_problem(alice, login):
    response = login(alice).get(API_SEARCH, {"q": "a"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "at least 2 characters" in response.json()["detail"]


@pytest.mark.urls("tests.workspace.urls")
@pytest.mark.parametrize("limit", ["0", "51", "many"])
def test_the_api_refuses_a_limit_out_of_range(limit, alice, login):
    assert login(alice).get(API_SEARCH, {"q": "bakery", "limit": limit}).status_code == 422


@pytest.mark.urls("tests.workspace.urls")
def test_the_api_needs_a_login(db, client):
    assert client.get(API_SEARCH, {"q": "bakery"}).status_code == 401
