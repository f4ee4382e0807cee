"""Everything on a card beyond the name: company and person details, typed lists, reference values."""

from datetime import date

import pytest

from carte.clients import services
from carte.clients.models import Client, ReferenceValue, TaxId
from carte.core.errors import Conflict, Invalid
from carte.core.models import AuditEntry
from carte.core.testing import reference

VALID_TAX_IDS = [
    ("vat", "FR 40 303 265 045"),
    ("siret", "732 829 320 00074"),
    ("siren", "732829320"),
    ("inn", "7707083893"),
    ("inn", "500100732259"),
    ("kpp", "773601001"),
    ("ogrn", "1027700132195"),
    ("ein", "12-3456789"),
    ("other", "DUNS 150483782"),
]


def snapshot_of_clients() -> list:
    return list(Client.objects.order_by("pk").values()) + list(TaxId.objects.order_by("pk").values())


def test_a_company_keeps_every_detail(alice):
    acme = services.create_client(
        actor=alice,
        name="Acme",
        legal_name="Acme Industries SAS",
        website="acme.example",
        bank_details="IBAN FR76 3000 6000 0112 3456 7890 189",
        address_legal="1 rue de la Paix, Paris",
        address_postal="BP 12, Paris",
        address_actual="Zone industrielle, Lyon",
        industry="retail",
        type="client",
        source="referral",
        status="customer",
        tags=["vip"],
        tax_ids=VALID_TAX_IDS,
        messengers=[("telegram", "@acme"), ("whatsapp", "+33 6 12 34 56 78")],
    )
    acme.refresh_from_db()
    assert acme.website == "https://acme.example"
    assert (acme.industry.key, acme.type.key, acme.source.key, acme.status.key) == (
        "retail",
        "client",
        "referral",
        "customer",
    )
    assert [tag.key for tag in acme.tags.all()] == ["vip"]
    assert list(acme.tax_ids.values_list("normalized", flat=True))[:2] == ["FR40303265045", "73282932000074"]
    assert [m.handle for m in acme.messengers.all()] == ["@acme", "+33 6 12 34 56 78"]
    created = AuditEntry.objects.get(model="clients.client", object_id=str(acme.pk), verb="create")
    assert created.changes["tags"] == [None, "VIP"]
    assert created.changes["messengers"] == [None, "Telegram: @acme; WhatsApp: +33 6 12 34 56 78"]


def test_a_person_has_a_middle_name_and_a_birthday(alice):
    ivan = services.create_client(
        actor=alice,
        kind="person",
        first_name="Иван",
        middle_name="Петрович",
        last_name="Сидоров",
        birthday="1980-05-17",
    )
    assert (ivan.name, ivan.birthday) == ("Иван Сидоров", date(1980, 5, 17))


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("siret", "73282932000075"),  # wrong check digit
        ("siren", "12345"),
        ("inn", "7707083894"),
        ("inn", "77070838"),
        ("vat", "303265045"),  # no country prefix
        ("kpp", "77360100"),
        ("passport", "123"),
        ("other", "x" * 60),
    ],
)
def test_a_wrong_tax_id_is_refused_and_nothing_is_saved(alice, kind, value):
    before = snapshot_of_clients()
    with pytest.raises(Invalid) as refusal:
        services.create_client(actor=alice, name="Acme", tax_ids=[(kind, value)])
    assert list(refusal.value.errors) == ["tax_ids"]
    assert snapshot_of_clients() == before


def test_every_wrong_field_is_reported_at_once(alice):
    with pytest.raises(Invalid) as refusal:
        services.create_client(
            actor=alice,
            name="x" * 301,
            website="not a site",
            birthday="31/12/2024",
            status="nonsense",
            phones=[("call me", "work")],
            emails=[("nobody", "work")],
            messengers=[("pigeon", "coo")],
            tags=["nonsense"],
            custom={"no_such_field": "1"},
        )
    assert set(refusal.value.errors) == {
        "name",
        "website",
        "birthday",
        "status",
        "phones",
        "emails",
        "messengers",
        "tags",
        "custom_no_such_field",
    }
    assert not Client.objects.exists()


def test_a_birthday_in_the_future_is_refused(alice):
    with pytest.raises(Invalid) as refusal:
        services.create_client(actor=alice, kind="person", first_name="Jo", birthday=date(2999, 1, 1))
    assert "birthday" in refusal.value.errors


def test_an_archived_value_is_not_offered_to_new_cards_but_stays_on_old_ones(alice):
    old = services.create_client(actor=alice, name="Old", source="exhibition", tags=["vip"])
    ReferenceValue.objects.filter(key__in=["exhibition", "vip"]).update(archived=True)
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="New", source="exhibition")
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="New", tags=["vip"])
    kept = services.update_client(actor=alice, client=old, version=old.version, name="Old Ltd", tags=["vip"])
    assert (kept.name, kept.source.key, [t.key for t in kept.tags.all()]) == ("Old Ltd", "exhibition", ["vip"])


def test_the_default_status_is_lead(alice):
    assert services.create_client(actor=alice, name="Acme").status.key == "lead"


def test_clearing_a_reference_and_a_text(alice):
    acme = services.create_client(actor=alice, name="Acme", industry="retail", legal_name="Acme SAS")
    acme = services.update_client(actor=alice, client=acme, version=acme.version, industry=None, legal_name=None)
    assert (acme.industry, acme.legal_name) == (None, "")


def test_lists_not_given_stay_and_lists_given_are_replaced(alice):
    acme = services.create_client(actor=alice, name="Acme", tax_ids=[("siren", "732829320")], tags=["vip"])
    acme = services.update_client(actor=alice, client=acme, version=acme.version, messengers=[("signal", "acme")])
    assert (acme.tax_ids.count(), acme.tags.count(), acme.messengers.count()) == (1, 1, 1)
    acme = services.update_client(actor=alice, client=acme, version=acme.version, tags=[])
    assert acme.tags.count() == 0
    changes = AuditEntry.objects.filter(object_id=str(acme.pk), verb="update").latest("id").changes
    assert changes == {"tags": ["VIP", ""]}


def test_a_stale_save_of_a_list_is_told_what_the_card_says_now(alice, mia):
    acme = services.create_client(actor=alice, name="Acme", tax_ids=[("siren", "732829320")])
    services.update_client(actor=mia, client=acme, version=acme.version, tax_ids=[("inn", "7707083893")])
    with pytest.raises(Conflict) as conflict:
        services.update_client(actor=alice, client=acme, version=acme.version, tax_ids=[("ein", "12-3456789")])
    assert conflict.value.errors["tax_ids"] == ["The card now says “INN: 7707083893”."]
    assert list(Client.objects.get(pk=acme.pk).tax_ids.values_list("kind", flat=True)) == ["inn"]


def test_a_stale_save_that_wants_what_the_card_says_changes_nothing(alice, mia):
    acme = services.create_client(actor=alice, name="Acme")
    services.update_client(actor=mia, client=acme, version=acme.version, tags=["vip"])
    same = services.update_client(actor=alice, client=acme, version=acme.version, tags=["vip"])
    assert same.version == acme.version + 1


def test_status_by_key_filters_the_list(alice):
    from carte.clients import queries

    services.create_client(actor=alice, name="Lead Co")
    services.create_client(actor=alice, name="Customer Co", status=reference("status", "customer"))
    assert [c.name for c in queries.clients_visible_to(alice, status="customer")] == ["Customer Co"]
    with pytest.raises(Invalid):
        list(queries.clients_visible_to(alice, status="nonsense"))


def test_an_employee_field_keeps_naming_someone_who_left(alice, ada, bob):
    from carte.accounts.services import deactivate_employee
    from carte.clients.models import CustomField

    CustomField.objects.create(key="adviser", label="Adviser", kind=CustomField.Kind.EMPLOYEE)
    acme = services.create_client(actor=alice, name="Acme", custom={"adviser": bob.pk})
    deactivate_employee(actor=ada, employee=bob)
    acme = services.update_client(actor=alice, client=acme, version=acme.version, custom={"adviser": bob.pk}, name="A")
    assert acme.name == "A"
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="New", custom={"adviser": bob.pk})


def test_a_removed_choice_stays_on_a_card_that_has_it_but_is_not_offered_again(alice):
    from carte.clients.models import CustomField

    rating = CustomField.objects.create(key="rating", label="Rating", kind=CustomField.Kind.CHOICE, options=["A", "B"])
    acme = services.create_client(actor=alice, name="Acme", custom={"rating": "A"})
    rating.options = ["B"]
    rating.save()
    acme = services.update_client(actor=alice, client=acme, version=acme.version, custom={"rating": "a"}, name="A2")
    assert acme.name == "A2" and acme.field_values.get().text == "A"
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="New", custom={"rating": "A"})
