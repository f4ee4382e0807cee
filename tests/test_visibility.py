"""Every way of reaching clients returns exactly the records the policy allows, no more, no fewer.

Expected sets are written out by hand from the personas' rights (see carte.core.testing),
not computed from the policy, so a policy bug shows here.
"""

import re

import pytest

from carte.core.testing import ClientFactory

CARD_LINK = re.compile(r'href="/clients/(\d+)/"')


@pytest.fixture
def clients_by_owner(people):
    """One company per seller and for the manager, all named "Acme …" so one search finds them."""
    return {
        name: ClientFactory(name=f"Acme {name}", owner=people[name]).pk for name in ("alice", "bob", "charlie", "mia")
    }


EXPECTED = {
    "ada": {"alice", "bob", "charlie", "mia"},
    "mia": {"alice", "bob", "charlie", "mia"},
    "rita": {"alice", "bob", "charlie", "mia"},
    "alice": {"alice", "bob", "mia"},  # department North
    "bob": {"alice", "bob", "mia"},
    "charlie": {"charlie"},  # department South
}


def expected_ids(persona, clients_by_owner):
    return {clients_by_owner[owner] for owner in EXPECTED[persona]}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_client_list_page_shows_exactly_the_allowed_clients(client, people, clients_by_owner, persona):
    client.force_login(people[persona])
    html = client.get("/clients/", {"q": "Acme"}).content.decode()
    assert {int(pk) for pk in CARD_LINK.findall(html)} == expected_ids(persona, clients_by_owner)


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_client_api_list_and_count_show_exactly_the_allowed_clients(client, people, clients_by_owner, persona):
    client.force_login(people[persona])
    body = client.get("/api/v1/clients", {"q": "Acme", "page_size": 200}).json()
    assert {item["id"] for item in body["results"]} == expected_ids(persona, clients_by_owner)
    assert body["count"] == len(EXPECTED[persona])


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_global_search_finds_exactly_the_allowed_clients(client, people, clients_by_owner, persona):
    client.force_login(people[persona])
    hits = client.get("/api/v1/search", {"q": "Acme"}).json()
    found = {int(CARD_LINK.search(f'href="{hit["url"]}"').group(1)) for hit in hits}
    assert found == expected_ids(persona, clients_by_owner)
    page = client.get("/search/", {"q": "Acme"}).content.decode()
    assert {int(pk) for pk in CARD_LINK.findall(page)} == expected_ids(persona, clients_by_owner)


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_home_page_lists_only_allowed_clients(client, people, clients_by_owner, persona):
    client.force_login(people[persona])
    html = client.get("/").content.decode()
    assert {int(pk) for pk in CARD_LINK.findall(html)} <= expected_ids(persona, clients_by_owner)
