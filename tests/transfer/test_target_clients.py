"""The clients import target: rows become cards (companies, persons and their links), duplicates, undo."""

from decimal import Decimal

import pytest

from carte.clients.models import Client, Contact, CustomField, ReferenceValue, TimelineEntry
from carte.clients.services import create_client
from carte.transfer.models import SourceKey
from carte.transfer.targets import target
from carte.transfer.targets.base import Context, Options, Row

pytestmark = pytest.mark.django_db


def context_for(actor, **options) -> Context:
    context = Context(actor=actor, options=Options(**options), target_key="clients")
    context.cache["summary"] = "Imported from test.csv"
    return context


def row(number, **values) -> Row:
    return Row(number, {key: value if isinstance(value, list) else [value] for key, value in values.items()})


def save(actor, rows, **options):
    return target("clients").save(context_for(actor, **options), rows)


def test_rows_become_companies_and_persons_linked_to_their_company(alice):
    outcomes = save(
        alice,
        [
            row(2, name="Acme SARL", tax_id_siren="732 829 320", phone_work="+33 1 44 55 66 77", industry="Retail"),
            row(
                3,
                first_name="Jeanne",
                last_name="Durand",
                company="Acme SARL",
                email_work="jeanne@acme.fr",
                position="Buyer",
            ),
            row(4, name="", first_name="", phone_work="12"),
        ],
        unknown_values="reject",
    )
    assert [o.outcome for o in outcomes] == ["created", "created", "failed"]
    assert "Name" in outcomes[2].message and "not a phone number" in outcomes[2].message
    acme = Client.objects.get(pk=outcomes[0].object_id)
    jeanne = Client.objects.get(pk=outcomes[1].object_id)
    assert acme.kind == "company" and acme.owner == alice and acme.industry.key == "retail"
    assert acme.phones.get().e164 == "+33144556677"
    assert acme.tax_ids.get().normalized == "732829320"
    assert jeanne.kind == "person" and jeanne.name == "Jeanne Durand" and jeanne.position == "Buyer"
    assert Contact.objects.filter(company=acme, person=jeanne).exists()
    assert TimelineEntry.objects.filter(client=jeanne, summary="Imported from test.csv").exists()
    assert Client.objects.count() == 2
    # Found by search like any card.
    assert "jeanne@acme.fr" in jeanne.search_document


def test_duplicates_are_found_by_email_phone_tax_id_and_in_the_file_itself(alice):
    existing = create_client(actor=alice, name="Old Co", emails=[("info@old.co", "work")])
    rows = [
        row(2, name="Old Company", email_work="INFO@old.co"),
        row(3, name="New Co", phone_work="+33 6 12 34 56 78"),
        row(4, name="New Co again", phone_mobile="06 12 34 56 78"),
    ]
    checked = target("clients").check(context_for(alice), rows)
    assert [o.outcome for o in checked] == ["skipped", "created", "skipped"]
    assert Client.objects.count() == 1  # the check wrote nothing
    outcomes = save(alice, rows)
    assert [o.outcome for o in outcomes] == ["skipped", "created", "skipped"]
    assert outcomes[0].object_id == existing.pk
    assert outcomes[2].object_id == outcomes[1].object_id
    assert Client.objects.count() == 2


def test_update_fills_what_the_row_gives_and_undo_puts_the_card_back(alice):
    existing = create_client(actor=alice, name="Old Co", emails=[("info@old.co", "work")], position="")
    outcomes = save(
        alice,
        [row(2, name="Old Co", email_work="info@old.co", phone_mobile="+33 6 11 22 33 44", website="old.co")],
        duplicates="update",
    )
    assert outcomes[0].outcome == "updated"
    existing.refresh_from_db()
    assert existing.website == "https://old.co"
    assert [p.number for p in existing.phones.all()] == ["+33 6 11 22 33 44"]
    chosen = target("clients")
    assert chosen.moved([(existing.pk, outcomes[0].stamp)]) == set()
    chosen.undo(alice, [], [(existing.pk, outcomes[0].before)])
    existing.refresh_from_db()
    assert existing.website == "" and not existing.phones.exists()
    assert [e.address for e in existing.emails.all()] == ["info@old.co"]


def test_an_owner_scope_seller_cannot_import_clients_for_someone_else(alice, charlie):
    outcomes = save(alice, [row(2, name="Theirs", owner=charlie.email), row(3, name="Mine")])
    assert [o.outcome for o in outcomes] == ["failed", "created"]
    assert "may not create" in outcomes[0].message


def test_unknown_reference_values_are_created_or_refused_as_chosen(ada):
    refused = save(ada, [row(2, name="A", source="Trade fair 2024")], unknown_values="reject")
    assert refused[0].outcome == "failed" and "Trade fair 2024" in refused[0].message
    created = save(ada, [row(3, name="B", source="Trade fair 2024")], unknown_values="create")
    assert created[0].outcome == "created"
    assert ReferenceValue.objects.filter(list="source", label="Trade fair 2024").count() == 1


def test_reference_values_are_found_by_their_name_in_any_language(ada):
    outcomes = save(ada, [row(2, name="A", status="Действующий клиент"), row(3, name="B", status="CUSTOMER")])
    statuses = Client.objects.filter(pk__in=[o.object_id for o in outcomes]).values_list("status__key", flat=True)
    assert list(statuses) == ["customer", "customer"]


def test_custom_fields_are_read_per_locale(ada):
    CustomField.objects.create(key="revenue", label="Revenue", kind="money", currency="EUR")
    CustomField.objects.create(key="since", label="Client since", kind="date")
    CustomField.objects.create(key="vip", label="VIP", kind="boolean")
    outcomes = save(ada, [row(2, name="A", cf_revenue="1 234,56", cf_since="31.12.2024", cf_vip="oui")], decimal=",")
    client = Client.objects.get(pk=outcomes[0].object_id)
    values = {value.field.key: value for value in client.field_values.select_related("field")}
    assert values["revenue"].number == Decimal("1234.56")
    assert str(values["since"].date) == "2024-12-31"
    assert values["vip"].flag is True


def test_a_person_whose_company_is_unknown_gets_a_new_company_once(ada):
    made = save(ada, [row(3, first_name="Ann", company="Nowhere Ltd"), row(4, first_name="Bob", company="nowhere ltd")])
    assert [o.outcome for o in made] == ["created", "created"]
    company = Client.objects.get(kind="company", name="Nowhere Ltd")
    assert made[0].also == [company.pk] and not made[1].also
    assert set(Contact.objects.filter(company=company).values_list("person__first_name", flat=True)) == {"Ann", "Bob"}


def test_google_contacts_own_groups_are_not_tags(ada):
    outcomes = save(ada, [row(2, name="A", tags=["* myContacts", "VIP"])], unknown_values="create")
    client = Client.objects.get(pk=outcomes[0].object_id)
    assert [str(tag) for tag in client.tags.all()] == ["VIP"]


def test_external_ids_find_the_same_record_on_the_next_import(ada):
    first = save(ada, [row(2, name="Legacy", external_id="CRM-17")])
    assert SourceKey.objects.get(target="clients", key="CRM-17").object_id == first[0].object_id
    again = save(ada, [row(2, name="Legacy renamed", external_id="CRM-17")])
    assert again[0].outcome == "skipped" and again[0].object_id == first[0].object_id


def test_undo_removes_created_cards_unless_they_changed(ada):
    outcomes = save(ada, [row(2, name="Gone soon"), row(3, name="Kept")])
    kept = Client.objects.get(pk=outcomes[1].object_id)
    chosen = target("clients")
    kept.version += 1
    kept.save()
    moved = chosen.moved([(o.object_id, o.stamp) for o in outcomes])
    assert moved == {kept.pk}
    chosen.undo(ada, [outcomes[0].object_id], [])
    assert not Client.objects.filter(pk=outcomes[0].object_id).exists()


def test_an_address_in_parts_is_joined_and_a_note_keeps_its_commas(ada, tmp_path):
    from carte.transfer.services.imports import rows_of

    class Source:
        target = "clients"
        mapping = {"0": "name", "1": "address_actual", "2": "address_actual", "3": "notes"}

    rows = rows_of(Source(), [(2, ["Acme", "1 rue de la Paix", "Paris", "Call Monday, ask for Anna"])])
    assert rows[0].values["notes"] == ["Call Monday, ask for Anna"]
    client = Client.objects.get(pk=save(ada, rows)[0].object_id)
    assert client.address_actual == "1 rue de la Paix, Paris"
    assert client.notes == "Call Monday, ask for Anna"


def test_imported_clients_are_found_by_search_and_the_index_keeps_following_new_cards(ada):
    from carte.clients.search import find_clients

    save(ada, [row(2, name="Zanzibar Trading", phone_work="+33 1 44 55 66 77")])
    assert [client.name for client in find_clients(ada, "zanzib")] == ["Zanzibar Trading"]
    assert [client.name for client in find_clients(ada, "0144556677")] == ["Zanzibar Trading"]
    create_client(actor=ada, name="Zanzibar Shipping")  # the insert trigger is back after the bulk load
    assert {client.name for client in find_clients(ada, "zanzibar")} == {"Zanzibar Trading", "Zanzibar Shipping"}
