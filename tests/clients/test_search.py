"""Finding clients: names, accents, Cyrillic, phones in any format, emails, tax ids, ranking, rights.

Run on SQLite (FTS5) and on PostgreSQL (pg_trgm): the same tests, the same answers.
"""

import pytest
from django.db import connection

from carte.clients import queries, search, services
from carte.clients.models import Client
from carte.core import search as engine
from carte.core.phones import to_e164
from carte.core.testing import ClientFactory
from tests.core.test_search import HOSTILE, _random_texts


def names(clients) -> list[str]:
    return [client.name for client in clients]


def found(actor, text) -> list[str]:
    return names(search.find_clients(actor, text, limit=50))


@pytest.fixture
def societe(make_client):
    return make_client(name="Société Générale", legal_name="Société Générale SA")


@pytest.fixture
def elka(make_client):
    return make_client(name="Ёлка и Палка", tax_ids=[services.TaxIdData("inn", "7707083893")])


def test_a_name_fragment_finds_the_client(alice, acme):
    assert found(alice, "dust") == ["Acme Industries"]
    assert found(alice, "ACME IND") == ["Acme Industries"]
    assert found(alice, "nothing like it") == []


def test_accents_and_case_do_not_matter_either_way(alice, societe, make_client):
    make_client(name="Cafe Creme")
    assert found(alice, "societe generale") == ["Société Générale"]
    assert found(alice, "GÉNÉR") == ["Société Générale"]
    assert found(alice, "Café Crème") == ["Cafe Creme"]


def test_cyrillic_with_yo_or_ye(alice, elka, make_client):
    make_client(name="Елена Ёжикова", kind="person", first_name="Елена", last_name="Ёжикова")
    assert found(alice, "елка") == ["Ёлка и Палка"]
    assert found(alice, "ЁЛК") == ["Ёлка и Палка"]
    assert found(alice, "палк") == ["Ёлка и Палка"]
    assert found(alice, "ежик") == ["Елена Ёжикова"]
    assert found(alice, "ёлена") == ["Елена Ёжикова"]


def test_the_legal_name_and_the_middle_name_are_searched(alice, societe, make_client):
    make_client(kind="person", first_name="Ivan", middle_name="Petrovich", last_name="Sidorov")
    assert found(alice, "générale sa") == ["Société Générale"]
    assert found(alice, "petrovich") == ["Ivan Sidorov"]


@pytest.mark.parametrize(
    "typed", ["+33 6 12", "0612", "612 34", "06 12 34 56 78", "+33 (0)6 12 34", "0033 6 12", "33612"]
)
def test_a_phone_fragment_in_any_format(alice, acme, typed):
    assert found(alice, typed) == ["Acme Industries"]


def test_a_phone_stored_internationally_is_found_nationally(alice, make_client):
    make_client(name="Dupont SARL", phones=[services.PhoneData("+33 1 98 76 54 32")])
    make_client(name="Moscow LLC", phones=[services.PhoneData("+7 916 123-45-67")])
    assert found(alice, "01 98 76") == ["Dupont SARL"]
    assert found(alice, "8 916 123") == ["Moscow LLC"]  # the national form of its own country
    assert found(alice, "+7 916") == ["Moscow LLC"]
    assert found(alice, "123 45 67") == ["Moscow LLC"]


def test_an_email_in_any_case(alice, acme):
    assert found(alice, "sales@acme.example") == ["Acme Industries"]
    assert found(alice, "SALES@ACME") == ["Acme Industries"]
    assert found(alice, "acme.exam") == ["Acme Industries"]


def test_a_tax_id_typed_with_or_without_spaces(alice, elka, make_client):
    make_client(name="Big Corp", tax_ids=[services.TaxIdData("vat", "FR 40 303 265 045")])
    assert found(alice, "FR40303265045") == ["Big Corp"]
    assert found(alice, "fr 40 303 265 045") == ["Big Corp"]
    assert found(alice, "303 265") == ["Big Corp"]
    assert found(alice, "7707083893") == ["Ёлка и Палка"]


def test_the_name_itself_then_names_starting_with_it_then_words_then_fragments(alice, make_client):
    for name in ["Pacmen", "Big Acme", "Acme Industries", "Acme", "Zacme Acmeist"]:
        make_client(name=name)
    assert found(alice, "acme") == ["Acme", "Acme Industries", "Big Acme", "Zacme Acmeist", "Pacmen"]


def test_a_short_term_finds_the_start_of_a_word(alice, make_client):
    for name in ["Li Wei", "Lima Trading", "Amelie Shop"]:
        make_client(name=name)
    assert found(alice, "li") == ["Li Wei", "Lima Trading"]
    assert found(alice, "li we") == ["Li Wei"]
    assert found(alice, "shop a") == ["Amelie Shop"]  # a one-letter word narrows what the others find


def test_a_seller_finds_only_what_they_may_see(alice, bob, charlie, acme, make_client):
    make_client(actor=charlie, name="Acme South")
    assert found(alice, "acme") == ["Acme Industries"]
    assert found(bob, "acme") == ["Acme Industries"]  # the same department
    assert found(charlie, "acme") == ["Acme South"]
    assert found(charlie, "0612") == []


def test_the_limit_is_kept(alice):
    ClientFactory.create_batch(15, owner=alice, name="Acme")
    assert len(search.find_clients(alice, "acme", limit=5)) == 5
    assert len(search.find_clients(alice, "acme", limit=1000)) == 15
    assert len(search.find_clients(alice, "acme", limit=0)) == 1


def test_the_document_follows_edits(alice, acme):
    services.update_client(
        actor=alice, client=acme, version=acme.version, name="Zenith Works", phones=[("01 23 45 67 89", "work")]
    )
    assert found(alice, "zenith") == ["Zenith Works"]
    assert found(alice, "acme ind") == []
    assert found(alice, "0123") == ["Zenith Works"]
    assert found(alice, "0612") == []
    assert found(alice, "sales@acme") == ["Zenith Works"]  # the emails were not touched


def test_a_saved_instance_keeps_its_document(alice, acme):
    acme.notes = "Saved again by some other code"
    acme.save()
    assert found(alice, "dust") == ["Acme Industries"]


def test_deleted_clients_are_not_found(alice, mia, acme):
    services.delete_client(actor=mia, client=acme)
    assert found(alice, "acme") == []


def test_refresh_recomputes_documents_written_behind_its_back(alice, acme):
    Client.objects.filter(pk=acme.pk).update(search_document="")
    assert found(alice, "dust") == []
    search.refresh([acme.pk])
    assert found(alice, "dust") == ["Acme Industries"]


def test_two_queries_find_and_rank_whatever_the_number_of_clients(alice, acme, django_assert_max_num_queries):
    search.refresh(ClientFactory.create_batch(30, owner=alice, name="Big Acme"))
    search.find_clients(alice, "acme")  # the user's rights are read once, then kept
    with django_assert_max_num_queries(2):
        assert names(search.find_clients(alice, "acme", limit=3)) == ["Acme Industries", "Big Acme", "Big Acme"]
    with django_assert_max_num_queries(1):  # enough names start with it: the rest is not looked at
        assert names(search.find_clients(alice, "big", limit=3)) == ["Big Acme"] * 3


def test_a_common_fragment_still_finds_the_names_starting_with_it(alice, make_client, monkeypatch):
    """Past the candidates ranked, a name starting with the text is not lost."""
    monkeypatch.setattr(engine, "CANDIDATES", 3)
    for _ in range(10):
        make_client(name="Zz", phones=[services.PhoneData("06 12 34 56 78")])
    make_client(name="06 Services")
    assert found(alice, "06")[0] == "06 Services"
    assert len(found(alice, "06")) <= 1 + 3  # not all eleven: only three others were ranked


def test_one_letter_finds_the_names_starting_with_it(alice, make_client):
    for name in ["Eole", "Best Eleven", "Jean Dupont", "Jeanne Durand"]:
        make_client(name=name)
    assert found(alice, "e") == ["Eole"]
    assert found(alice, "j d") == ["Jean Dupont", "Jeanne Durand"]
    assert names(search.matching(Client.objects.order_by("name"), "E")) == ["Eole"]


def test_the_list_filter_matches_without_reordering(alice, acme, make_client):
    make_client(name="Acme Zeta")
    visible = Client.objects.all()
    assert sorted(names(search.matching(visible, "ACMÉ"))) == ["Acme Industries", "Acme Zeta"]
    assert names(search.matching(visible, "")) == names(visible)
    assert names(search.matching(visible, "%%")) == []


@pytest.fixture
def odd_names(make_client):
    return [
        make_client(name='O"Brien & Sons'),
        make_client(name="100% Bio *Stars*"),
        make_client(name="Under_score (NEAR) AND OR NOT"),
        make_client(name="Back\\slash 'quoted'"),
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_fails(alice, acme, odd_names, text):
    assert isinstance(search.find_clients(alice, text), list)
    assert search.matching(Client.objects.all(), text).count() >= 0


def test_odd_characters_are_searched_as_themselves(alice, acme, odd_names):
    assert found(alice, 'o"brien') == ['O"Brien & Sons']
    assert found(alice, "100%") == ["100% Bio *Stars*"]
    assert found(alice, "*stars*") == ["100% Bio *Stars*"]
    assert found(alice, "under_score") == ["Under_score (NEAR) AND OR NOT"]
    assert found(alice, "(near) and or not") == ["Under_score (NEAR) AND OR NOT"]
    assert found(alice, "back\\slash 'quoted'") == ["Back\\slash 'quoted'"]
    assert found(alice, "a%e") == []  # not a wildcard
    assert found(alice, "ac_e") == []  # nor this
    assert found(alice, "acme*") == ["Acme Industries"]  # trimmed, not a prefix operator
    assert found(alice, "NOT acme") == []  # a word, not an operator


def test_a_very_long_text_is_cut_and_still_searched(alice, acme):
    assert found(alice, "acme " + "x" * 10_000) == []
    assert found(alice, "industries " * 1_000) == ["Acme Industries"]


@pytest.mark.parametrize("text", HOSTILE[:20] + _random_texts(60) + ["acme", "dust", "0612", "li", "a", "o'", '"bri'])
def test_the_index_finds_what_a_plain_scan_finds(alice, acme, odd_names, text, monkeypatch):
    """Whatever the backend, its answer is the one LIKE gives without an index."""
    visible = Client.objects.all()
    indexed = set(search.matching(visible, text).values_list("pk", flat=True))
    monkeypatch.setitem(engine.BACKENDS, connection.vendor, engine.LikeBackend())
    assert indexed == set(search.matching(visible, text).values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables; PostgreSQL alters them in place")
def test_the_sqlite_index_comes_back_after_a_table_rebuild(alice, acme):
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "clients_client_search_update"')
        cursor.execute('DROP TRIGGER "clients_client_search_insert"')
    Client.objects.filter(pk=acme.pk).update(search_document=f"{engine.TITLE} zenith")
    assert found(alice, "zenith") == []  # the index missed the change
    search.restore_index(using="default")
    assert found(alice, "zenith") == ["Acme Industries"]
    ClientFactory(owner=alice, name="Newcomer")
    assert found(alice, "newcomer") == ["Newcomer"]


def test_the_index_follows_any_write(alice, acme):
    Client.objects.filter(pk=acme.pk).update(search_document=f"{engine.TITLE} zenith")
    assert found(alice, "zenith") == ["Acme Industries"]
    assert found(alice, "dust") == []


def test_a_contact_person_is_found_with_the_companies_they_work_for(alice, acme, jean):
    services.link_contact(actor=alice, company=acme, person=jean, role="purchaser")
    (hit,) = queries.search_hits(alice, "DUPONT", 10)
    assert (hit.title, hit.kind, hit.detail) == ("Jean Dupont", "Contact person", "Purchaser at Acme Industries")


def test_the_list_filter_the_search_page_and_the_api_search_alike(alice, charlie, acme, societe, login):
    assert names(queries.clients_visible_to(alice, q="SOCIETE")) == ["Société Générale"]
    assert names(queries.clients_visible_to(alice, q="+33 6 12")) == ["Acme Industries"]
    assert names(queries.clients_visible_to(charlie, q="+33 6 12")) == []
    page = login(alice).get("/search/", {"q": "générale"}).content.decode()
    assert "Société Générale" in page and "Acme Industries" not in page
    hits = login(alice).get("/api/v1/search", {"q": "612 34"}).json()
    assert [hit["title"] for hit in hits] == ["Acme Industries"]
    assert login(charlie).get("/api/v1/search", {"q": "612 34"}).json() == []


def test_contacts_to_link_are_found_by_the_search(alice, acme, jean, make_client):
    make_client(kind="person", first_name="Jeanne", last_name="Durand")
    assert names(queries.link_candidates(alice, acme, "jean")) == ["Jean Dupont", "Jeanne Durand"]
    assert names(queries.link_candidates(alice, acme, "durand")) == ["Jeanne Durand"]


@pytest.mark.parametrize(
    ("region", "typed", "national"),
    [
        ("FR", "+33 6 12 34 56 78", "0612345678"),
        ("FR", "+7 916 123-45-67", "89161234567"),  # a foreign number: its own country's form
        ("RU", "+7 495 123 45 67", "84951234567"),
        ("IT", "+39 06 1234 5678", "0612345678"),  # Italy keeps the 0 and has no trunk prefix
        ("IT", "+39 333 123 4567", "3331234567"),
        ("DE", "+49 30 1234567", "0301234567"),
        ("GB", "+44 20 7946 0958", "02079460958"),
    ],
)
def test_the_national_digits_of_a_number(settings, region, typed, national):
    settings.PHONE_REGION = region
    assert search.national_digits(to_e164(typed)) == national
