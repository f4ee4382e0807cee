from pathlib import Path

import pytest
from django.template import engines

from carte.clients import card, services
from carte.core.errors import NotFound

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def extra_tab(monkeypatch):
    """A tab registered as another app would, with its template in this test directory."""
    engine = engines["django"].engine
    monkeypatch.setattr(engine, "dirs", [*engine.dirs, TEMPLATES])
    card.register_tab(
        "extra",
        "Extra",
        "test_clients/extra_tab.html",
        context=lambda request, client: {"greeting": "Hello from another app"},
        order=15,
        count=lambda request, client: 7,
    )
    yield
    card.unregister_tab("extra")


def test_the_clients_app_registers_its_own_tabs():
    assert [tab.key for tab in card.tabs()][:2] == ["overview", "contacts"]
    assert card.tabs()[-1].key == "history"


def test_a_tab_registered_by_another_app_appears_on_the_card(login, alice, acme, extra_tab):
    page = login(alice).get(f"/clients/{acme.pk}/")
    assert b"Extra" in page.content
    assert b'<span class="badge">7</span>' in page.content
    opened = login(alice).get(f"/clients/{acme.pk}/?tab=extra")
    assert b"Hello from another app Acme Industries" in opened.content


def test_a_tab_is_fetched_alone_by_htmx(login, alice, acme, extra_tab):
    page = login(alice).get(f"/clients/{acme.pk}/tabs/extra/", headers={"HX-Request": "true"})
    assert b"Hello from another app" in page.content
    assert b"<html" not in page.content


def test_a_tab_of_a_module_the_user_cannot_see_is_hidden(alice):
    card.register_tab("secret", "Secret", "test_clients/extra_tab.html", module="nothing-granted")
    try:
        with pytest.raises(NotFound):
            card.tab_for(alice, "secret")
        assert "secret" in [tab.key for tab in card.tabs()]
    finally:
        card.unregister_tab("secret")


def test_an_unknown_tab_is_not_found(login, alice, acme):
    assert login(alice).get(f"/clients/{acme.pk}/?tab=nonsense").status_code == 404


def test_timeline_kinds_are_labelled_and_unknown_ones_shown_raw(monkeypatch):
    monkeypatch.setattr(card, "_timeline_kinds", card.timeline_kinds())
    card.register_timeline_kind("deal", "Deal")
    assert card.timeline_kind_label("deal") == "Deal"
    assert card.timeline_kind_label("fax-from-1995") == "fax-from-1995"
    assert "note" in card.timeline_kinds()


# The header and the Overview


@pytest.fixture
def acme_with_contacts(alice, acme):
    """Acme with four contact persons (the header shows three) and a company card for one of them."""
    people = []
    for n, role in enumerate(["decision_maker", "purchaser", None, "accountant"]):
        person = services.create_client(
            actor=alice,
            kind="person",
            first_name="Person",
            last_name=f"{n}",
            phones=[(f"06 00 00 00 0{n}", "mobile")],
            emails=[(f"p{n}@acme.example", "work")],
        )
        services.link_contact(actor=alice, company=acme, person=person, role=role)
        people.append(person)
    return people


def card_header(html: str) -> str:
    start = html.index('<header id="card-header"')
    return html[start : html.index("</header>", start)]


def test_the_header_shows_the_client_its_key_contacts_and_quick_actions(login, alice, acme, acme_with_contacts):
    html = login(alice).get(f"/clients/{acme.pk}/").content.decode()
    header = card_header(html)
    assert "<h1>Acme Industries</h1>" in header and "badge-lead" in header and "Owner: Alice Seller" in header
    assert "Person 0" in header and "Decision maker" in header and "tel:+33600000000" in header
    assert "mailto:p0@acme.example" in header and "Person 2" in header and "Person 3" not in header
    assert "and 1 more" in header
    assert 'href="tel:+33612345678"' in header and 'href="mailto:sales@acme.example"' in header  # call, email
    assert 'href="#note-text"' in header and f'href="/clients/{acme.pk}/edit/"' in header
    assert "/delete/" not in header  # sellers do not delete
    assert 'id="note-text"' in html


def test_a_person_s_header_names_their_companies(login, alice, acme, jean):
    services.link_contact(actor=alice, company=acme, person=jean, role="purchaser")
    html = login(alice).get(f"/clients/{jean.pk}/").content.decode()
    assert "Works for" in html and "Acme Industries" in html and "Purchaser" in html


def test_readers_get_no_actions_that_change_the_card(login, rita, mia, acme):
    page = login(rita).get(f"/clients/{acme.pk}/").content.decode()
    header = card_header(page)
    assert "/sections/" not in page
    assert "/edit/" not in header and "Add a note" not in header and "/delete/" not in header
    assert "Merge" not in header
    manager = login(mia).get(f"/clients/{acme.pk}/").content.decode()
    assert f'href="/clients/{acme.pk}/delete/"' in manager


def test_the_merge_action_is_offered_to_those_who_may_edit_and_delete(login, alice, mia, acme):
    merge = f'href="/clients/merge/?ids={acme.pk}"'
    assert merge in login(mia).get(f"/clients/{acme.pk}/").content.decode()
    assert merge not in login(alice).get(f"/clients/{acme.pk}/").content.decode()  # sellers delete nothing


def test_the_overview_shows_every_filled_field_by_group(login, alice, bob, ada, make_client):
    from carte.clients.services import custom_fields

    def add(label, kind, **options):
        return custom_fields.create_custom_field(actor=ada, label=label, kind=kind, **options)

    add("Budget", "money", currency="EUR")
    add("Renewal", "date")
    add("Newsletter", "boolean")
    add("Manager", "employee")
    add("Channels", "multichoice", options=["Mail", "Phone"])
    add("Unused", "text")
    client = make_client(
        name="Initech",
        legal_name="Initech SAS",
        website="initech.example",
        bank_details="IBAN FR76",
        address_legal="1 rue de la Paix",
        address_postal="BP 12",
        type="supplier",
        source="referral",
        industry="it",
        tags=["vip"],
        tax_ids=[("siren", "732829320")],
        messengers=[("telegram", "@initech")],
        notes="Met at the fair",
        custom={"budget": "12500", "renewal": "2031-03-01", "newsletter": "yes", "manager": bob.pk},
    )
    html = login(alice).get(f"/clients/{client.pk}/").content.decode()
    for text in (
        "Contact details",
        "https://initech.example",
        "@initech",
        "BP 12",
        "Company details",
        "Initech SAS",
        "SIREN",
        "732829320",
        "IBAN FR76",
        "1 rue de la Paix",
        "Classification",
        "Supplier",
        "Referral",
        "Information technology",
        "VIP",
        "12,500.00 EUR",
        "March 1, 2031",
        "<dd>Yes</dd>",
        "<dd>Bob Seller</dd>",
        "Met at the fair",
    ):
        assert text in html, text
    assert "Person details" not in html and "Unused" not in html and "Channels" not in html
    assert "Actual address" not in html  # empty fields are left out


def test_a_person_s_overview_has_the_person_s_details(login, alice, make_client):
    from datetime import date

    person = make_client(kind="person", name="", first_name="Ana", middle_name="Maria", last_name="Lopez")
    services.update_client(actor=alice, client=person, version=person.version, birthday=date(1990, 5, 17))
    html = login(alice).get(f"/clients/{person.pk}/").content.decode()
    assert "Person details" in html and "Maria" in html and "May 17, 1990" in html
    assert "Company details" not in html
