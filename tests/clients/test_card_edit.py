"""The client form with every field, and the card's groups edited in place with htmx."""

import re
from decimal import Decimal

import pytest

from carte.clients import services
from carte.clients.models import Client, CustomField, FieldValue, ReferenceValue
from carte.clients.services import custom_fields as custom_field_services

HTMX = {"HX-Request": "true"}
Kind = CustomField.Kind


@pytest.fixture
def custom(ada):
    """One custom field of each kind, as an administrator adds them."""

    def add(label, kind, **options):
        return custom_field_services.create_custom_field(actor=ada, label=label, kind=kind, **options)

    return {
        "budget": add("Budget", Kind.MONEY, currency="EUR"),
        "staff": add("Staff", Kind.NUMBER),
        "renewal": add("Renewal", Kind.DATE),
        "level": add("Level", Kind.CHOICE, options=["Bronze", "Gold"]),
        "channels": add("Channels", Kind.MULTICHOICE, options=["Mail", "Phone"]),
        "newsletter": add("Newsletter", Kind.BOOLEAN),
        "manager": add("Manager", Kind.EMPLOYEE),
        "motto": add("Motto", Kind.TEXT),
    }


def rows(prefix: str, *items: dict, initial: int = 0) -> dict:
    """A formset's POST data: management form and one row per item, the first `initial` ones shown filled."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, item in enumerate(items):
        data |= {f"{prefix}-{index}-{name}": value for name, value in item.items()}
    return data


def company_form(owner, **changes) -> dict:
    return {
        "kind": "company",
        "name": "Initech",
        "legal_name": "Initech SAS",
        "website": "initech.example",
        "bank_details": "IBAN FR76 3000 6000 0112 3456 7890 189",
        "address_legal": "1 rue de la Paix, Paris",
        "address_postal": "BP 12",
        "address_actual": "Zone industrielle, Lyon",
        "type": "client",
        "status": "prospect",
        "source": "referral",
        "industry": "it",
        "tags": ["vip"],
        "owner": owner.pk,
        "notes": "Met at the fair.",
        **rows("phones", {"kind": "work", "number": "+33 1 40 00 00 00"}, {"kind": "work", "number": ""}),
        **rows("emails", {"kind": "work", "address": "Hello@Initech.example"}),
        **rows("tax_ids", {"kind": "siret", "value": "732 829 320 00074"}, {"kind": "vat", "value": ""}),
        **rows("messengers", {"kind": "telegram", "handle": "@initech"}),
        **changes,
    }


def message_beside(html: str, anchor: str, message: str) -> bool:
    """Is the message in the same field block as the control (or the rows) with this id?"""
    at = html.index(f'id="{anchor}"')
    start = html.rfind('class="field', 0, at)
    ends = [html.find(tag, at) for tag in ('<div class="field', '<fieldset class="field')]
    return message in html[start : min([end for end in ends if end != -1] or [len(html)])]


def saved_state() -> list:
    return list(Client.objects.order_by("pk").values()) + list(FieldValue.objects.order_by("pk").values())


def test_the_form_has_every_field_and_one_per_custom_field(login, alice, custom):
    ReferenceValue.objects.filter(list="type", key="competitor").update(archived=True)
    html = login(alice).get("/clients/new/").content.decode()
    for name in (
        "legal_name",
        "middle_name",
        "birthday",
        "website",
        "bank_details",
        "address_legal",
        "address_postal",
        "address_actual",
        "type",
        "source",
        "industry",
        "tags",
        "tax_ids-0-kind",
        "tax_ids-0-value",
        "messengers-0-kind",
        "messengers-0-handle",
        "phones-0-number",
        "emails-0-address",
    ):
        assert f'name="{name}"' in html, name
    assert 'type="date" name="birthday"' in html
    assert 'type="number" name="custom_budget"' in html and '<span class="field-unit">EUR</span>' in html
    assert 'type="date" name="custom_renewal"' in html
    assert '<option value="Gold">Gold</option>' in html
    assert 'type="checkbox" name="custom_channels" value="Phone"' in html
    assert '<option value="true">Yes</option>' in html
    assert f'<option value="{alice.pk}">Alice Seller</option>' in html
    assert 'value="vip"' in html and 'value="competitor"' not in html


def test_the_edit_form_keeps_an_archived_value_the_card_has(login, alice, make_client):
    client = make_client(type="competitor")
    ReferenceValue.objects.filter(list="type", key="competitor").update(archived=True)
    html = login(alice).get(f"/clients/{client.pk}/edit/").content.decode()
    assert '<option value="competitor" selected>Competitor</option>' in html


def test_a_company_is_created_with_every_field_in_one_service_call(login, alice, bob, custom, monkeypatch):
    calls = []
    create = services.create_client
    monkeypatch.setattr(services, "create_client", lambda **kwargs: calls.append(kwargs) or create(**kwargs))
    custom_values = {
        "custom_budget": "12500.5",
        "custom_staff": "42",
        "custom_renewal": "2031-03-01",
        "custom_level": "Gold",
        "custom_channels": ["Mail", "Phone"],
        "custom_newsletter": "true",
        "custom_manager": str(bob.pk),
        "custom_motto": "Fast",
    }
    answer = login(alice).post("/clients/new/", company_form(alice, **custom_values))
    client = Client.objects.get(name="Initech")
    assert answer.status_code == 302 and answer["Location"] == f"/clients/{client.pk}/"
    assert len(calls) == 1
    assert (client.legal_name, client.website, client.type.key, client.industry.key) == (
        "Initech SAS",
        "https://initech.example",
        "client",
        "it",
    )
    assert [(t.kind, t.value) for t in client.tax_ids.all()] == [("siret", "732 829 320 00074")]
    assert [(m.kind, m.handle) for m in client.messengers.all()] == [("telegram", "@initech")]
    assert [tag.key for tag in client.tags.all()] == ["vip"]
    assert [p.e164 for p in client.phones.all()] == ["+33140000000"]
    values = {v.field.key: v for v in client.field_values.select_related("field")}
    assert values["budget"].number == Decimal("12500.50") and values["staff"].number == 42
    assert str(values["renewal"].date) == "2031-03-01" and values["newsletter"].flag is True
    assert values["manager"].employee == bob and values["motto"].text == "Fast"
    assert sorted(v.text for v in client.field_values.filter(field__key="channels")) == ["Mail", "Phone"]


def test_a_person_is_created_with_their_own_fields(login, alice):
    form = {
        "kind": "person",
        "first_name": "Jeanne",
        "middle_name": "Marie",
        "last_name": "Martin",
        "birthday": "1984-02-29",
        "position": "Buyer",
        "status": "lead",
        "owner": alice.pk,
    }
    assert login(alice).post("/clients/new/", form).status_code == 302
    person = Client.objects.get(last_name="Martin")
    assert (person.name, person.middle_name, str(person.birthday), person.position) == (
        "Jeanne Martin",
        "Marie",
        "1984-02-29",
        "Buyer",
    )


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        (rows("tax_ids", {"kind": "siret", "value": "732 829 320 00075"}), "rows-tax_ids", "is not a valid SIRET"),
        (rows("phones", {"kind": "work", "number": "call me"}), "rows-phones", "is not a phone number"),
        (rows("emails", {"kind": "work", "address": "not-an-email"}), "rows-emails", "Enter a valid email address"),
        ({"website": "http://exa mple"}, "id_website", "Not a web address."),
        ({"name": "x" * 301}, "id_name", "at most 300 characters"),
        ({"bank_details": "x" * 10_001}, "id_bank_details", "at most 10000 characters"),
        ({"birthday": "2999-01-01"}, "id_birthday", "Not a plausible birthday."),
        ({"custom_staff": "many"}, "id_custom_staff", "Not a number."),
    ],
)
def test_bad_input_is_told_next_to_its_field_and_nothing_is_saved(login, alice, custom, changes, field_id, message):
    before = saved_state()
    answer = login(alice).post("/clients/new/", company_form(alice, **changes))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message_beside(html, field_id, message), html
    assert "Nothing was saved" in html
    assert saved_state() == before


def test_a_required_custom_field_is_asked_for_on_creation(login, alice, ada):
    custom_field_services.create_custom_field(actor=ada, label="Contract", kind=Kind.TEXT, required=True)
    answer = login(alice).post("/clients/new/", company_form(alice))
    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    assert not Client.objects.filter(name="Initech").exists()


def test_the_full_edit_changes_only_the_custom_values_the_user_changed(login, alice, custom, make_client):
    client = make_client(custom={"level": "Bronze", "motto": "Old"})
    custom["level"].options = ["Silver", "Gold"]  # Bronze is no longer offered, but the card keeps it
    custom["level"].save()
    browser = login(alice)
    page = browser.get(f"/clients/{client.pk}/edit/").content.decode()
    assert '<option value="Bronze" selected>Bronze</option>' in page
    form = company_form(alice, name="Acme", version=client.version, custom_level="Bronze", custom_motto="New")
    assert browser.post(f"/clients/{client.pk}/edit/", form).status_code == 302
    values = {v.field.key: v.text for v in client.field_values.select_related("field")}
    assert values == {"level": "Bronze", "motto": "New"}


# One group of the card at a time


def section_url(client, key, show=False) -> str:
    return f"/clients/{client.pk}/sections/{key}/" + ("show/" if show else "")


def test_an_edit_button_swaps_a_group_for_its_small_form(login, alice, acme):
    browser = login(alice)
    card = browser.get(f"/clients/{acme.pk}/").content.decode()
    assert f'hx-get="{section_url(acme, "contact")}"' in card
    assert f'href="/clients/{acme.pk}/edit/"' in card  # without JavaScript: the whole form
    form = browser.get(section_url(acme, "contact"), headers=HTMX).content.decode()
    assert "<html" not in form and 'id="section-contact"' in form
    assert 'name="phones-0-number" value="06 12 34 56 78"' in form and 'name="website"' in form
    assert 'name="name"' not in form and 'name="status"' not in form
    assert f'name="version" value="{acme.version}"' in form


def test_saving_a_group_changes_only_its_fields_and_refreshes_the_header(login, alice, acme):
    acme.notes = "Keep me"
    acme.save()
    data = {
        "version": acme.version,
        "website": "acme.example",
        "address_postal": "BP 7",
        "address_actual": "",
        **rows(
            "phones",
            {"kind": "mobile", "number": "06 12 34 56 78"},
            {"kind": "work", "number": "01 02 03 04 05"},
            initial=1,
        ),
        **rows("emails", {"kind": "work", "address": "sales@acme.example"}, initial=1),
        **rows("messengers", {"kind": "signal", "handle": "acme"}),
    }
    answer = login(alice).post(section_url(acme, "contact"), data, headers=HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="section-contact"' in html and "https://acme.example" in html and "01 02 03 04 05" in html
    assert '<header id="card-header"' in html and 'hx-swap-oob="true"' in html
    assert f"hx-swap-oob=\"outerHTML:.section-version[value='{acme.version}']\"" in html
    assert f'value="{acme.version + 1}"' in html
    assert 'id="timeline" hx-swap-oob="innerHTML"' in html and "Changed:" in html
    acme.refresh_from_db()
    assert (acme.website, acme.address_postal, acme.notes, acme.name) == (
        "https://acme.example",
        "BP 7",
        "Keep me",
        "Acme Industries",
    )
    assert [m.handle for m in acme.messengers.all()] == ["acme"] and acme.phones.count() == 2


def test_a_classification_group_saves_status_tags_and_owner(login, mia, alice, bob, acme):
    data = {"version": acme.version, "type": "", "status": "customer", "source": "", "industry": "retail"}
    data |= {"tags": ["vip"], "owner": bob.pk}
    answer = login(mia).post(section_url(acme, "classification"), data, headers=HTMX)
    assert answer.status_code == 200
    acme.refresh_from_db()
    assert (acme.status.key, acme.industry.key, acme.owner, [t.key for t in acme.tags.all()]) == (
        "customer",
        "retail",
        bob,
        ["vip"],
    )
    assert "badge-customer" in answer.content.decode()


def test_a_custom_group_saves_the_values_shown_by_kind(login, alice, bob, acme, custom):
    data = {
        "version": acme.version,
        "custom_budget": "1234.5",
        "custom_renewal": "2031-03-01",
        "custom_newsletter": "false",
        "custom_manager": str(bob.pk),
        "custom_channels": ["Phone"],
    }
    answer = login(alice).post(section_url(acme, "custom"), data, headers=HTMX)
    assert answer.status_code == 200, answer.content.decode()[:2000]
    html = answer.content.decode()
    assert "1,234.50 EUR" in html and "March 1, 2031" in html and ">No<" in html and "Bob Seller" in html
    assert acme.field_values.count() == 5


def test_a_stale_group_save_is_told_what_the_card_says_now_then_may_overwrite(login, alice, mia, acme):
    services.update_client(actor=mia, client=acme, version=acme.version, website="mia.example")
    data = {"version": acme.version, "website": "alice.example", "address_postal": "", "address_actual": ""}
    browser = login(alice)
    answer = browser.post(section_url(acme, "contact"), data, headers=HTMX)
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Someone else changed this card" in html
    assert 'value="alice.example"' in html  # their value kept
    assert "The card now says “https://mia.example”." in html  # the current one beside it
    assert f'name="version" value="{acme.version + 1}"' in html and "<form" in html
    acme.refresh_from_db()
    assert acme.website == "https://mia.example"
    again = browser.post(section_url(acme, "contact"), data | {"version": acme.version}, headers=HTMX)
    assert again.status_code == 200
    acme.refresh_from_db()
    assert acme.website == "https://alice.example"


def test_a_wrong_value_stays_in_the_group_form_and_nothing_is_saved(login, alice, acme):
    data = {"version": acme.version, "website": "", "address_postal": "", "address_actual": ""}
    data |= rows("phones", {"kind": "work", "number": "call me"})
    answer = login(alice).post(section_url(acme, "contact"), data, headers=HTMX)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "is not a phone number" in html and 'id="section-contact"' in html and "<form" in html
    assert list(acme.phones.values_list("number", flat=True)) == ["06 12 34 56 78"]


def test_cancel_brings_the_group_back(login, alice, acme):
    html = login(alice).get(section_url(acme, "contact", show=True), headers=HTMX).content.decode()
    assert 'id="section-contact"' in html and "sales@acme.example" in html and "<form" not in html


def test_a_group_works_without_javascript(login, alice, acme):
    browser = login(alice)
    page = browser.get(section_url(acme, "notes"))
    assert page.status_code == 200 and "<html" in page.content.decode() and 'name="notes"' in page.content.decode()
    saved = browser.post(section_url(acme, "notes"), {"version": acme.version, "notes": "Likes tea"})
    assert saved.status_code == 302 and saved["Location"] == f"/clients/{acme.pk}/#section-notes"
    assert Client.objects.get(pk=acme.pk).notes == "Likes tea"


def test_groups_follow_the_kind_of_card(login, alice, acme, jean):
    browser = login(alice)
    assert browser.get(section_url(acme, "person"), headers=HTMX).status_code == 404
    assert browser.get(section_url(jean, "company"), headers=HTMX).status_code == 404
    assert browser.get(section_url(acme, "nonsense"), headers=HTMX).status_code == 404
    form = browser.get(section_url(jean, "person"), headers=HTMX).content.decode()
    assert 'name="middle_name"' in form and 'type="date" name="birthday"' in form


@pytest.mark.parametrize(("persona", "status"), [("rita", 403), ("bob", 403), ("charlie", 404)])
def test_only_those_who_may_edit_the_card_edit_a_group(request, login, acme, persona, status):
    browser = login(request.getfixturevalue(persona))
    assert browser.get(section_url(acme, "notes"), headers=HTMX).status_code == status
    data = {"version": acme.version, "notes": "Hacked"}
    assert browser.post(section_url(acme, "notes"), data, headers=HTMX).status_code == status
    assert Client.objects.get(pk=acme.pk).notes == ""


def test_readers_see_no_edit_buttons(login, rita, acme):
    html = login(rita).get(f"/clients/{acme.pk}/").content.decode()
    assert "/sections/" not in html and 'id="section-contact"' in html


def test_history_names_custom_fields_by_their_label(login, alice, acme, custom):
    services.update_client(actor=alice, client=acme, version=acme.version, custom={"motto": "Fast"})
    html = login(alice).get(f"/clients/{acme.pk}/tabs/history/", headers=HTMX).content.decode()
    assert "Motto: " in html and "custom_motto" not in html


def test_reference_value_choices_come_in_one_query(login, alice, acme, django_assert_max_num_queries):
    browser = login(alice)
    # 3 for the session and rights, 7 for the card, 2 for the owners one may choose, 1 for every reference list
    with django_assert_max_num_queries(13):
        assert browser.get(section_url(acme, "classification"), headers=HTMX).status_code == 200


def test_the_form_asks_for_likely_duplicates_as_it_is_filled(login, alice):
    html = login(alice).get("/clients/new/").content.decode()
    assert 'id="duplicates" hx-get="/clients/duplicates/"' in html


def test_the_timeline_loads_more_as_it_is_scrolled(login, alice, acme):
    for n in range(65):
        services.add_note(actor=alice, client=acme, text=f"Note {n}")
    browser = login(alice)
    card = browser.get(f"/clients/{acme.pk}/").content.decode()
    loader = re.search(r'<li class="timeline-more"\s+hx-get="([^"]+)"\s+hx-trigger="revealed"', card)
    assert loader, "the last row loads the next page when revealed"
    assert "Load more" in card  # the button, for browsers without JavaScript
    second = browser.get(loader.group(1).replace("&amp;", "&"), headers=HTMX).content.decode()
    assert "Note 34" in second and "Note 64" not in second and 'hx-trigger="revealed"' in second
    cursor = re.search(r'<li class="timeline-more"\s+hx-get="([^"]+)"', second).group(1).replace("&amp;", "&")
    third = browser.get(cursor, headers=HTMX).content.decode()
    assert "Note 0" in third and "timeline-more" not in third
