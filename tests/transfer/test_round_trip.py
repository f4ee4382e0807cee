"""Exporting clients and importing the file into an empty Carte gives the same clients (issue 6, Deliver 6).

The clients are made with the services, as employees make them; they are exported with
the export service (every field of the card: `columns="all"`) as CSV, XLSX and vCard; the
clients are wiped and the settings made again from nothing (custom fields and reference
lists as an admin sets them up, the built-in values seeded: an empty Carte with the same
settings); the file is imported as a user would (the suggested mapping unchanged, the
default options, the run queued and done by the worker); then every card is compared with
the one it was exported from (see `compared`).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carte.clients.models import Client, Contact, CustomField, ReferenceValue
from carte.clients.services import create_client
from carte.clients.services.clients import card_values
from carte.clients.services.contacts import link_contact
from carte.clients.services.custom_fields import create_custom_field
from carte.clients.services.references import add_reference_value, seed_builtin_values
from carte.transfer.models import Import, ImportRow
from carte.transfer.services import exports
from carte.transfer.services import imports as services

pytestmark = pytest.mark.django_db
List = ReferenceValue.List
Kind = CustomField.Kind

# The lists of a card: several phones (emails…) of different kinds go to one column per kind,
# so the file keeps the values of each kind in order but not how the kinds were interleaved.
LISTS = ("phones", "emails", "tax_ids", "messengers", "tags")
# What a vCard holds of a card (see carte.transfer.exports.writers.vcard_of and the vCard reader),
# phones by kind and number (a TEL is written as a tel: URI, +33142685300, not as it was typed),
# and the addresses (see `vcard_addresses`). The rest (legal name, tax ids, messengers, bank
# details, the reference lists, custom fields, the owner) is Carte's own: no address book has it.
VCARD_HOLDS = (
    "kind",
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "position",
    "birthday",
    "website",
    "notes",
    "dialled",
    "emails",
    "tags",
    "companies",
)


def carte_settings(admin) -> None:
    """What an admin sets up before anyone enters a client: custom fields of every kind, values of the lists."""
    create_custom_field(actor=admin, label="Contract reference", kind=Kind.TEXT)
    create_custom_field(actor=admin, label="Employees", kind=Kind.NUMBER)
    create_custom_field(actor=admin, label="Annual budget", kind=Kind.MONEY, currency="EUR")
    create_custom_field(actor=admin, label="Contract renewal", kind=Kind.DATE)
    create_custom_field(actor=admin, label="Tier", kind=Kind.CHOICE, options=["Gold", "Silver", "Bronze"])
    create_custom_field(
        actor=admin,
        label="Services",
        kind=Kind.MULTICHOICE,
        options=["Repair, maintenance", "Installation", "Training"],
    )
    create_custom_field(actor=admin, label="Signed NDA", kind=Kind.BOOLEAN)
    create_custom_field(actor=admin, label="Account manager", kind=Kind.EMPLOYEE)
    add_reference_value(actor=admin, reference_list=List.TAG, label="Late payer", key="late-payer")
    add_reference_value(actor=admin, reference_list=List.TAG, label="Trade fair 2024", key="fair-2024")
    add_reference_value(actor=admin, reference_list=List.INDUSTRY, label="Bakeries", key="bakeries")
    add_reference_value(actor=admin, reference_list=List.SOURCE, label="Partner network", key="partners")


def real_clients(admin, people) -> list[Client]:
    """Companies and persons as a small company's Carte holds them, every field and kind of value used."""
    alice, bob = people["alice"], people["bob"]
    bakery = create_client(
        actor=admin,
        name="Boulangerie Martin",
        legal_name="Boulangerie Martin SARL",
        owner=alice,
        industry="bakeries",
        type="client",
        source="partners",
        status="customer",
        website="https://boulangerie-martin.fr",
        phones=[("+33 1 42 68 53 00", "work"), ("+33 6 12 34 56 78", "mobile"), ("+33 1 42 68 53 09", "fax")],
        emails=[("contact@boulangerie-martin.fr", "work"), ("compta@boulangerie-martin.fr", "other")],
        tax_ids=[("siren", "732 829 320"), ("vat", "FR44732829320")],
        messengers=[("whatsapp", "+33612345678")],
        tags=["vip", "fair-2024", "late-payer"],
        address_legal="12 rue de la Paix\n75002 Paris\nFrance",
        address_postal="BP 42, 75002 Paris Cedex",
        address_actual="14 rue de la Paix, 75002 Paris",
        bank_details="IBAN FR76 3000 6000 0112 3456 7890 189\nBIC AGRIFRPP",
        notes="Deliveries before 7 am, back door.\nAsk for Paul, not the shop; he signs.",
        custom={
            "contract-reference": "CT-2024/017, renewed",
            "employees": Decimal("14"),
            "annual-budget": Decimal("12500.50"),
            "contract-renewal": date(2025, 3, 31),
            "tier": "Gold",
            "services": ["Repair, maintenance", "Training"],
            "signed-nda": True,
            "account-manager": bob.pk,
        },
    )
    romashka = create_client(
        actor=admin,
        name="ООО «Ромашка»",
        legal_name="Общество с ограниченной ответственностью «Ромашка»",
        owner=bob,
        industry="manufacturing",
        type="supplier",
        source="exhibition",
        website="https://romashka.ru",
        phones=[("+7 495 123-45-67", "work")],
        emails=[("info@romashka.ru", "work")],
        tax_ids=[("inn", "7707083893"), ("kpp", "773601001"), ("ogrn", "1027700132195")],
        messengers=[("telegram", "@romashka_sales")],
        address_actual="Москва, ул. Тверская, д. 7, офис 12",
        notes="Оплата по счёту, 50% предоплата.",
        custom={"tier": "Silver", "services": ["Installation"], "signed-nda": False, "employees": Decimal("250.5")},
    )
    at_home = create_client(
        actor=admin,
        name="@Home Services",  # starts like a formula: the export neutralizes it, the import reads it back
        owner=alice,
        emails=[("hello@athome.example", "work")],
        tax_ids=[("siren", "443061841"), ("vat", "FR64443061841")],
        custom={"services": ["Repair, maintenance"]},
    )
    dupont = create_client(
        actor=admin,
        kind=Client.Kind.PERSON,
        name="Jean-Pierre Dupont",
        first_name="Jean-Pierre",
        last_name="Dupont",
        position="Directeur commercial",
        owner=alice,
        status="prospect",
        source="referral",
        birthday=date(1975, 3, 14),
        phones=[("+33 6 98 76 54 32", "mobile"), ("+33 1 42 68 53 01", "work"), ("+33 1 45 00 00 01", "home")],
        emails=[("jp.dupont@boulangerie-martin.fr", "work"), ("jpdupont@gmail.com", "personal")],
        messengers=[("whatsapp", "+33698765432"), ("signal", "jpdupont")],
        tags=["vip"],
        website="https://jpdupont.fr",
        address_actual="3 rue Neuve, 69001 Lyon",
        notes="Prefers calls after 10,\nnever on Mondays.",
        custom={"signed-nda": True, "account-manager": alice.pk, "contract-renewal": date(2024, 12, 1)},
    )
    sidorov = create_client(
        actor=admin,
        kind=Client.Kind.PERSON,
        name="Иван Петрович Сидоров",
        first_name="Иван",
        middle_name="Петрович",
        last_name="Сидоров",
        position="Закупщик",
        owner=bob,
        birthday=date(1982, 11, 2),
        phones=[("+7 916 123-45-67", "mobile")],
        emails=[("sidorov@romashka.ru", "work")],
        tax_ids=[("inn", "500100732259")],
        messengers=[("telegram", "@sidorov")],
        notes="Звонить после 10:00",
        custom={"contract-reference": "Договор №15 от 01.02.2024"},
    )
    create_client(
        actor=admin,
        kind=Client.Kind.PERSON,
        name="Anna Smith",
        first_name="Anna",
        last_name="Smith",
        owner=bob,
        emails=[("anna.smith@example.org", "other")],
        tags=["fair-2024", "late-payer"],
    )
    link_contact(actor=admin, company=bakery, person=dupont)
    link_contact(actor=admin, company=romashka, person=sidorov)
    return [bakery, romashka, at_home, dupont, sidorov]


def compared(client: Client) -> dict:
    """What is compared of a card: all of `card_values` — kind, names, legal name, position, birthday,
    website, bank details, the three addresses, notes, industry, type, status, source, the owner (by
    name; the file names them by email), every custom field as the card shows it (money with its
    currency), the phones, emails, tax ids, messengers and tags (each list sorted, see LISTS) —, the
    phones by kind and E.164 number and the addresses as a vCard gives them back (for the vCard test),
    and the names of the companies a person is a contact of. Left out: the times of creation and
    change, the version, the timeline and the audit log, which a new card starts anew."""
    values = card_values(client)
    for name in LISTS:
        values[name] = sorted(part for part in values[name].split("; ") if part)
    values["tags"] = sorted(str(tag) for tag in client.tags.all())  # card_values joins them with ", "
    values["dialled"] = sorted(f"{phone.kind}: {phone.e164}" for phone in client.phones.all())
    values["vcard_addresses"] = vcard_addresses(client)
    values["companies"] = sorted(Contact.objects.filter(person=client).values_list("company__name", flat=True))
    return values


def vcard_addresses(client: Client) -> str:
    """The addresses a vCard gives back: each of the card's addresses once, on one line, in the actual address
    (an ADR says nothing of legal or postal)."""
    addresses = (client.address_actual, client.address_postal, client.address_legal)
    return "\n".join(", ".join(address.splitlines()) for address in dict.fromkeys(addresses) if address)


def cards() -> dict[str, dict]:
    return {client.name: compared(client) for client in Client.objects.all()}


def exported(actor, file_format: str) -> bytes:
    export = exports.export_list(
        actor=actor, list_key="clients", params={}, file_format=file_format, options={"columns": "all"}
    )
    assert isinstance(export, exports.ExportFile)
    return b"".join(export.chunks)


def wiped_to_an_empty_carte(admin) -> None:
    """No client left, and the settings made again from nothing, as in an empty Carte set up the same way."""
    Client.objects.all().delete()  # their lists, custom values, contacts and timelines go with them
    CustomField.objects.all().delete()
    ReferenceValue.objects.all().delete()
    seed_builtin_values()
    carte_settings(admin)


def problems(source: Import) -> list[tuple[int, str, str]]:
    """The rows of the run that were not created, with why: none is expected."""
    rows = source.rows.filter(phase=ImportRow.Phase.RUN).exclude(outcome=ImportRow.Outcome.CREATED)
    return list(rows.order_by("number").values_list("number", "outcome", "message"))


def imported(actor, name: str, content: bytes, capture) -> Import:
    """The file imported as a user does it: uploaded, the suggested mapping and the default options kept, run."""
    source = services.upload(actor=actor, target_key="clients", file=SimpleUploadedFile(name, content), file_name=name)
    source = services.configure(actor=actor, source=source, mapping=source.mapping, options={})
    with capture(execute=True):
        source = services.start_run(actor=actor, source=source)
    source.refresh_from_db()
    return source


@pytest.fixture
def originals(ada, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    carte_settings(ada)
    real_clients(ada, people)
    return cards()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_clients_exported_then_imported_into_an_empty_carte_are_the_same(
    ada, originals, file_format, django_capture_on_commit_callbacks
):
    content = exported(ada, file_format)
    wiped_to_an_empty_carte(ada)
    assert not Client.objects.exists()

    source = imported(ada, f"clients.{file_format}", content, django_capture_on_commit_callbacks)
    assert (source.status, source.error) == (Import.Status.DONE, "")
    assert problems(source) == []
    assert (source.created, source.updated, source.skipped, source.failed) == (len(originals), 0, 0, 0)
    after = cards()
    assert sorted(after) == sorted(originals)
    for name, card in originals.items():
        # A CSV or XLSX row names no company of a person (the export writes no such column): links are lost.
        assert after[name] == card | {"companies": []}, name


def test_clients_exported_as_vcards_come_back_with_what_a_vcard_holds(
    ada, originals, django_capture_on_commit_callbacks
):
    content = exported(ada, "vcard")
    wiped_to_an_empty_carte(ada)

    source = imported(ada, "clients.vcf", content, django_capture_on_commit_callbacks)
    assert (source.status, source.error) == (Import.Status.DONE, "")
    assert problems(source) == []
    assert (source.created, source.failed) == (len(originals), 0)
    after = cards()
    assert sorted(after) == sorted(originals)
    for name, card in originals.items():
        assert {key: after[name][key] for key in VCARD_HOLDS} == {key: card[key] for key in VCARD_HOLDS}, name
        assert after[name]["address_actual"] == card["vcard_addresses"], name
