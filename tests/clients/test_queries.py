import pytest

from carte.clients import queries, services
from carte.core.errors import Invalid, NotAllowed, NotFound


@pytest.fixture
def portfolio(alice, bob, charlie, make_client):
    """Clients of three sellers: Alice and Bob are teammates, Charlie is in another department."""
    return {
        "acme": make_client(
            name="Acme Industries",
            status="customer",
            phones=[("06 12 34 56 78", "mobile")],
            emails=[("orders@acme.example", "work")],
        ),
        "intl": make_client(name="Globex", phones=[("+33 6 12 99 88 77", "work")]),
        "jean": make_client(kind="person", name="", first_name="Jean", last_name="Dupont"),
        "bobs": make_client(actor=bob, name="Bob's Bistro"),
        "charlies": make_client(
            actor=charlie,
            name="Acme South",
            phones=[("06 12 00 00 00", "work")],
            emails=[("south@acme.example", "work")],
        ),
    }


def names(clients):
    return sorted(client.name for client in clients)


def test_seller_sees_the_clients_of_their_department_only(alice, portfolio):
    assert names(queries.clients_visible_to(alice)) == ["Acme Industries", "Bob's Bistro", "Globex", "Jean Dupont"]


def test_list_filters_by_kind_status_and_owner(alice, bob, portfolio):
    assert names(queries.clients_visible_to(alice, kind="person")) == ["Jean Dupont"]
    assert names(queries.clients_visible_to(alice, status="customer")) == ["Acme Industries"]
    assert names(queries.clients_visible_to(alice, owner=str(bob.pk))) == ["Bob's Bistro"]
    assert "Bob's Bistro" not in names(queries.clients_visible_to(alice, owner="me"))


@pytest.mark.parametrize(
    ("criteria", "field"),
    [({"kind": "robot"}, "kind"), ({"status": "vip"}, "status"), ({"owner": "alice"}, "owner")],
)
def test_unknown_filter_values_are_refused_with_a_clear_message(alice, criteria, field):
    with pytest.raises(Invalid) as refused:
        queries.clients_visible_to(alice, **criteria)
    assert field in refused.value.errors
    assert list(criteria.values())[0] in str(refused.value.message)


@pytest.mark.parametrize("ordering", ["password", "owner__password", "-owner__password", "notes"])
def test_sorting_only_by_the_allowlisted_keys(alice, ordering):
    with pytest.raises(Invalid) as refused:
        queries.clients_visible_to(alice, ordering=ordering)
    assert "created, name, owner, status, type, updated" in str(refused.value.message)


def test_sorting_by_an_allowed_key_in_both_directions(alice, portfolio):
    visible = ["Acme Industries", "Bob's Bistro", "Globex", "Jean Dupont"]
    assert [c.name for c in queries.clients_visible_to(alice, ordering="name")] == visible
    assert [c.name for c in queries.clients_visible_to(alice, ordering="-name")] == visible[::-1]
    assert queries.clients_visible_to(alice, ordering="-created").first().name == "Bob's Bistro"


@pytest.mark.parametrize("text", ["acme ind", "+33 6 12 34", "0612 34", "34 56 78", "orders@acme", "ORDERS"])
def test_search_finds_a_client_by_name_phone_or_email_fragment(alice, portfolio, text):
    assert "Acme Industries" in names(queries.clients_visible_to(alice, q=text))


@pytest.mark.parametrize("text", ["+33 6 12", "0612"])
def test_phone_typed_nationally_or_internationally_finds_both_forms(alice, portfolio, text):
    assert names(queries.clients_visible_to(alice, q=text)) == ["Acme Industries", "Globex"]


def test_nothing_leaks_across_departments(charlie, portfolio):
    for text in ("Acme", "0612", "+33 6 12", "acme.example", "Globex"):
        assert names(queries.clients_visible_to(charlie, q=text)) in ([], ["Acme South"])
        assert {hit.title for hit in queries.search_hits(charlie, text, 10)} <= {"Acme South"}


def test_global_search_returns_clients_and_contact_persons_with_their_company(alice, portfolio):
    services.link_contact(actor=alice, company=portfolio["acme"], person=portfolio["jean"], role="purchaser")
    hits = {hit.title: hit for text in ("dupont", "acme") for hit in queries.search_hits(alice, text, 10)}
    assert hits["Jean Dupont"].detail == "Purchaser at Acme Industries"
    assert hits["Jean Dupont"].url == f"/clients/{portfolio['jean'].pk}/"
    assert hits["Acme Industries"].kind == "Company"


def test_contact_person_detail_hides_a_company_the_user_cannot_see(alice, mia, portfolio):
    services.link_contact(actor=mia, company=portfolio["charlies"], person=portfolio["jean"], role="accountant")
    (hit,) = queries.search_hits(alice, "Jean", 10)
    assert "Acme South" not in hit.detail
    assert hit.kind == "Private person"
    (seen_by_mia,) = queries.search_hits(mia, "Jean", 10)
    assert seen_by_mia.detail == "Accountant at Acme South"


def test_search_needs_some_text(alice, portfolio):
    assert queries.search_hits(alice, "  ", 10) == []


def test_search_respects_the_limit_in_a_bounded_number_of_queries(alice, portfolio, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(queries.search_hits(alice, "0612", 2)) == 2


def test_outsider_cannot_open_a_card(charlie, portfolio):
    with pytest.raises(NotFound):
        queries.get_client_for(charlie, portfolio["acme"].pk)


def test_teammate_opens_but_may_not_edit(bob, portfolio):
    assert queries.get_client_for(bob, portfolio["acme"].pk) == portfolio["acme"]
    with pytest.raises(NotAllowed):
        queries.get_client_for(bob, portfolio["acme"].pk, "edit")


def test_a_missing_client_is_not_found(alice):
    with pytest.raises(NotFound):
        queries.get_client_for(alice, 987654)


def test_history_is_read_with_the_clients_rights(bob, charlie, mia, portfolio):
    acme = portfolio["acme"]
    services.update_client(actor=mia, client=acme, version=acme.version, status="partner")
    page = queries.history_of(bob, acme)
    assert [entry.verb for entry in page.items] == ["update", "create"]
    with pytest.raises(NotAllowed):
        queries.history_of(charlie, acme)


def test_contacts_list_only_visible_companies(alice, charlie, portfolio):
    jean = portfolio["jean"]
    services.link_contact(actor=alice, company=portfolio["acme"], person=jean)
    assert [link.company for link in queries.contacts_of(alice, jean)] == [portfolio["acme"]]
    assert queries.count_contacts(alice, portfolio["acme"]) == 1


def test_owners_offered_are_those_the_service_accepts(alice, bob, mia, people):
    assert list(queries.assignable_owners(alice)) == [alice]
    assert set(queries.assignable_owners(mia)) == set(people.values())
    assert set(queries.assignable_owners(alice, "edit", current=bob)) == {alice, bob}


def test_progress_counts_the_users_own_clients(alice, bob, portfolio):
    added, updated = queries.progress_of(alice)
    assert (added.done, updated.done) == (3, 3)
    assert [figure.done for figure in queries.progress_of(bob)] == [1, 1]


def test_link_candidates_are_visible_clients_of_the_other_kind_not_yet_linked(alice, portfolio):
    acme = portfolio["acme"]
    assert queries.link_candidates(alice, acme, "Dupont") == [portfolio["jean"]]
    services.link_contact(actor=alice, company=acme, person=portfolio["jean"])
    assert queries.link_candidates(alice, acme, "Dupont") == []
    assert queries.link_candidates(alice, portfolio["jean"], "Globex") == [portfolio["intl"]]
    assert queries.link_candidates(alice, portfolio["jean"], "Acme South") == []
