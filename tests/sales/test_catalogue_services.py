"""The catalogue's use cases: products, price lists, prices and a client's price list."""

from datetime import date
from decimal import Decimal

import pytest

from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.sales.models import ClientPriceList, Price, PriceList, Product
from carte.sales.queries.catalogue import products_for_picker
from carte.sales.services import catalogue as services
from carte.sales.services.lines import clean_lines
from carte.sales.testing import DealFactory, ProductFactory, add_line, currency, tax


@pytest.fixture
def eur(db):
    return currency("EUR", 2)


@pytest.fixture
def retail(ada, eur):
    return services.create_price_list(actor=ada, name="Retail", currency=eur, is_default=True)


@pytest.fixture
def chair(db):
    return ProductFactory(name="Chair", sku="CH-1", unit="pc")


def _entries(model: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(model=model).order_by("pk"))


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def test_a_manager_adds_a_product_and_it_is_audited(mia):
    vat = tax("20")
    product = services.create_product(
        actor=mia, name="  Office   chair ", kind="product", sku=" OC-1 ", unit="pc", tax=vat, description="Grey"
    )
    assert (product.name, product.sku, product.unit, product.tax, product.archived) == (
        "Office chair",
        "OC-1",
        "pc",
        vat,
        False,
    )
    [entry] = _entries("sales.product")
    assert entry.verb == "create" and entry.changes["name"] == [None, "Office chair"]


def test_a_service_needs_no_sku_and_several_may_have_none(ada):
    services.create_product(actor=ada, name="Consulting", kind="service", unit="h")
    services.create_product(actor=ada, name="Training", kind="service", unit="day")
    assert Product.objects.filter(sku="").count() == 2


def test_a_product_needs_a_name_and_a_known_kind(ada):
    with pytest.raises(Invalid) as refused:
        services.create_product(actor=ada, name="  ", kind="gadget")
    assert set(refused.value.errors) == {"name", "kind"}
    assert not Product.objects.exists()


def test_a_duplicate_sku_is_refused_with_a_clear_message_whatever_the_case(ada, chair):
    with pytest.raises(Invalid) as refused:
        services.create_product(actor=ada, name="Other chair", sku="ch-1")
    assert refused.value.errors["sku"] == ["Another product already has the SKU “ch-1”."]
    assert Product.objects.count() == 1


def test_changing_a_product_to_another_products_sku_is_refused(ada, chair):
    table = ProductFactory(name="Table", sku="TB-1")
    with pytest.raises(Invalid) as refused:
        services.update_product(actor=ada, product=table, sku="CH-1")
    assert "sku" in refused.value.errors
    table.refresh_from_db()
    assert table.sku == "TB-1"


def test_too_long_values_are_refused(ada):
    with pytest.raises(Invalid) as refused:
        services.create_product(actor=ada, name="x" * 301, sku="s" * 65, unit="u" * 21)
    assert set(refused.value.errors) == {"name", "sku", "unit"}


def test_an_archived_tax_is_refused_for_a_product_but_kept_when_it_already_has_it(ada):
    old = tax("19.6")
    product = services.create_product(actor=ada, name="Lamp", tax=old)
    old.archived = True
    old.save()
    with pytest.raises(Invalid) as refused:
        services.create_product(actor=ada, name="Desk", tax=old)
    assert "tax" in refused.value.errors
    services.update_product(actor=ada, product=product, name="Desk lamp", tax=old)
    product.refresh_from_db()
    assert (product.name, product.tax) == ("Desk lamp", old)


def test_an_update_changes_only_what_is_given_and_audits_the_difference(ada, chair):
    services.update_product(actor=ada, product=chair, unit="set", description="Four legs")
    chair.refresh_from_db()
    assert (chair.name, chair.sku, chair.unit, chair.description) == ("Chair", "CH-1", "set", "Four legs")
    [entry] = _entries("sales.product")
    assert entry.changes == {"unit": ["pc", "set"], "description": ["", "Four legs"]}


def test_an_update_that_changes_nothing_writes_no_audit_entry(ada, chair):
    services.update_product(actor=ada, product=chair, name="Chair")
    assert _entries("sales.product") == []


def test_an_unknown_field_is_a_programming_error(ada, chair):
    with pytest.raises(TypeError):
        services.update_product(actor=ada, product=chair, price="10")


def test_an_archived_product_is_not_offered_on_new_lines_but_stays_on_old_ones(ada, alice, eur, chair):
    deal = DealFactory(owner=alice, currency=eur)
    line = add_line(deal, "1", "10")
    line.product = chair
    line.save()
    services.archive_product(actor=ada, product=chair)
    assert products_for_picker(alice, "Chair") == []
    with pytest.raises(Invalid) as refused:
        clean_lines([{"product": chair.pk, "quantity": "1", "unit_price": "10"}], currency=eur)
    assert "lines.0.product" in refused.value.errors
    line.refresh_from_db()
    assert line.product == chair
    services.unarchive_product(actor=ada, product=chair)
    assert products_for_picker(alice, "Chair") == [chair]


@pytest.mark.parametrize("persona", ["alice", "charlie", "rita"])
def test_those_without_the_catalogue_right_change_nothing(people, persona, chair):
    actor = people[persona]
    with pytest.raises(NotAllowed):
        services.create_product(actor=actor, name="Sneaky")
    with pytest.raises(NotAllowed):
        services.update_product(actor=actor, product=chair, name="Renamed")
    with pytest.raises(NotAllowed):
        services.archive_product(actor=actor, product=chair)
    chair.refresh_from_db()
    assert (Product.objects.count(), chair.name, chair.archived) == (1, "Chair", False)
    assert not AuditEntry.objects.exists()


# ---------------------------------------------------------------------------------------------
# Price lists
# ---------------------------------------------------------------------------------------------


def test_a_price_list_is_created_in_a_currency_in_use(ada, eur):
    price_list = services.create_price_list(
        actor=ada, name="Wholesale", currency=eur, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31)
    )
    assert (price_list.currency, price_list.is_default, price_list.archived) == (eur, False, False)
    [entry] = _entries("sales.pricelist")
    assert entry.verb == "create"


def test_a_currency_not_in_use_is_refused(ada, db):
    currency("EUR")
    from carte.sales.models import Currency

    sleeping = Currency.objects.update_or_create(code="CHF", defaults={"name": "Swiss franc", "active": False})[0]
    with pytest.raises(Invalid) as refused:
        services.create_price_list(actor=ada, name="Swiss", currency=sleeping)
    assert "currency" in refused.value.errors
    assert not PriceList.objects.exists()


def test_validity_must_not_end_before_it_starts(ada, eur):
    with pytest.raises(Invalid) as refused:
        services.create_price_list(
            actor=ada, name="Odd", currency=eur, valid_from=date(2025, 6, 1), valid_until=date(2025, 5, 31)
        )
    assert list(refused.value.errors) == ["valid_until"]
    same_day = services.create_price_list(
        actor=ada, name="One day", currency=eur, valid_from=date(2025, 6, 1), valid_until=date(2025, 6, 1)
    )
    with pytest.raises(Invalid):
        services.update_price_list(actor=ada, price_list=same_day, valid_from=date(2025, 6, 2))


def test_a_name_already_taken_is_refused(ada, eur, retail):
    with pytest.raises(Invalid) as refused:
        services.create_price_list(actor=ada, name="retail", currency=eur)
    assert "name" in refused.value.errors


def test_making_a_list_the_default_takes_the_mark_from_the_previous_one(ada, eur, retail):
    wholesale = services.create_price_list(actor=ada, name="Wholesale", currency=eur)
    services.update_price_list(actor=ada, price_list=wholesale, is_default=True)
    retail.refresh_from_db()
    assert (retail.is_default, wholesale.is_default) == (False, True)
    assert list(PriceList.objects.filter(is_default=True)) == [wholesale]


def test_the_default_list_cannot_be_archived(ada, retail):
    with pytest.raises(Invalid) as refused:
        services.archive_price_list(actor=ada, price_list=retail)
    assert "archived" in refused.value.errors
    retail.refresh_from_db()
    assert not retail.archived
    services.update_price_list(actor=ada, price_list=retail, is_default=False, archived=True)
    retail.refresh_from_db()
    assert (retail.is_default, retail.archived) == (False, True)
    services.unarchive_price_list(actor=ada, price_list=retail)
    retail.refresh_from_db()
    assert not retail.archived


def test_the_currency_cannot_change_once_the_list_has_prices(ada, retail, chair):
    usd = currency("USD")
    services.update_price_list(actor=ada, price_list=retail, currency=usd)  # no prices yet: allowed
    services.set_price(actor=ada, price_list=retail, product=chair, unit_price="10")
    with pytest.raises(Invalid) as refused:
        services.update_price_list(actor=ada, price_list=retail, currency=currency("EUR"))
    assert "once the list has prices" in refused.value.errors["currency"][0]
    retail.refresh_from_db()
    assert retail.currency_id == "USD"


@pytest.mark.parametrize("persona", ["alice", "charlie", "rita"])
def test_only_the_catalogue_right_changes_price_lists(people, persona, eur, retail, chair):
    actor = people[persona]
    with pytest.raises(NotAllowed):
        services.create_price_list(actor=actor, name="Mine", currency=eur)
    with pytest.raises(NotAllowed):
        services.update_price_list(actor=actor, price_list=retail, name="Renamed")
    with pytest.raises(NotAllowed):
        services.set_price(actor=actor, price_list=retail, product=chair, unit_price="1")
    assert (PriceList.objects.count(), Price.objects.count()) == (1, 0)


# ---------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits", "good", "too_precise"),
    [("JPY", 0, "1250", "1250.5"), ("EUR", 2, "12.50", "12.505"), ("KWD", 3, "1.250", "1.2505")],
)
def test_a_price_has_at_most_the_currencys_decimals(ada, chair, code, digits, good, too_precise):
    price_list = services.create_price_list(actor=ada, name=code, currency=currency(code, digits))
    price = services.set_price(actor=ada, price_list=price_list, product=chair, unit_price=good)
    assert price.unit_price == Decimal(good)
    with pytest.raises(Invalid) as refused:
        services.set_price(actor=ada, price_list=price_list, product=chair, unit_price=too_precise)
    assert list(refused.value.errors) == ["unit_price"]
    price.refresh_from_db()
    assert price.unit_price == Decimal(good)


def test_a_jpy_price_with_decimals_says_the_currency_has_no_minor_units(ada, chair):
    price_list = services.create_price_list(actor=ada, name="Tokyo", currency=currency("JPY", 0))
    with pytest.raises(Invalid) as refused:
        services.set_price(actor=ada, price_list=price_list, product=chair, unit_price="99.9")
    assert "whole number" in refused.value.errors["unit_price"][0]


@pytest.mark.parametrize("bad", ["-1", "-0.01", "ten", "", None, "1e30"])
def test_negative_or_unreadable_prices_are_refused(ada, retail, chair, bad):
    with pytest.raises(Invalid) as refused:
        services.set_price(actor=ada, price_list=retail, product=chair, unit_price=bad)
    assert list(refused.value.errors) == ["unit_price"]
    assert not Price.objects.exists()


def test_a_price_is_read_as_people_type_it_changed_and_audited(ada, retail, chair):
    services.set_price(actor=ada, price_list=retail, product=chair, unit_price="1 234,50")
    services.set_price(actor=ada, price_list=retail, product=chair, unit_price="1234.5")  # the same: no entry
    services.set_price(actor=ada, price_list=retail, product=chair, unit_price=Decimal("0"))
    price = Price.objects.get()
    assert price.unit_price == Decimal("0")
    changes = [(entry.verb, entry.changes["unit_price"]) for entry in _entries("sales.price")]
    assert changes == [("create", [None, "1234.50"]), ("update", ["1234.50", "0.00"])]


def test_removing_a_price_deletes_it_and_a_missing_one_is_not_found(ada, retail, chair):
    services.set_price(actor=ada, price_list=retail, product=chair, unit_price="5")
    services.remove_price(actor=ada, price_list=retail, product=chair)
    assert not Price.objects.exists()
    assert _entries("sales.price")[-1].verb == "delete"
    with pytest.raises(NotFound):
        services.remove_price(actor=ada, price_list=retail, product=chair)


# ---------------------------------------------------------------------------------------------
# A client's price list
# ---------------------------------------------------------------------------------------------


def test_the_clients_seller_gives_it_a_price_list_and_takes_it_back(alice, alices_client, retail, eur, ada):
    wholesale = services.create_price_list(actor=ada, name="Wholesale", currency=eur)
    link = services.set_client_price_list(actor=alice, client=alices_client, price_list=wholesale)
    assert link is not None and ClientPriceList.objects.get(client=alices_client).price_list == wholesale
    services.set_client_price_list(actor=alice, client=alices_client, price_list=retail)
    assert ClientPriceList.objects.get(client=alices_client).price_list == retail
    assert services.set_client_price_list(actor=alice, client=alices_client, price_list=None) is None
    assert not ClientPriceList.objects.exists()
    changes = [entry.changes["price_list"] for entry in _entries("clients.client")]
    assert changes == [[None, "Wholesale"], ["Wholesale", "Retail"], ["Retail", None]]


@pytest.mark.parametrize("persona", ["charlie", "rita"])
def test_who_may_not_edit_the_client_cannot_set_its_price_list(people, persona, alices_client, retail):
    with pytest.raises(NotAllowed):
        services.set_client_price_list(actor=people[persona], client=alices_client, price_list=retail)
    assert not ClientPriceList.objects.exists()


def test_the_sellers_manager_may_change_it_and_a_teammate_who_only_sees_the_client_may_not(
    bob, mia, alices_client, retail
):
    with pytest.raises(NotAllowed):
        services.set_client_price_list(actor=bob, client=alices_client, price_list=retail)
    services.set_client_price_list(actor=mia, client=alices_client, price_list=retail)
    assert ClientPriceList.objects.get().price_list == retail


def test_an_archived_list_cannot_be_given_to_a_client(ada, alice, alices_client, eur):
    old = services.create_price_list(actor=ada, name="Old", currency=eur)
    services.archive_price_list(actor=ada, price_list=old)
    with pytest.raises(Invalid) as refused:
        services.set_client_price_list(actor=alice, client=alices_client, price_list=old)
    assert "price_list" in refused.value.errors
    assert not ClientPriceList.objects.exists()


def test_a_concurrent_default_is_a_conflict_not_a_crash(ada, eur, retail, monkeypatch):
    """Two lists made default at once: the database's constraint says no, the service says why."""
    wholesale = services.create_price_list(actor=ada, name="Wholesale", currency=eur)
    # Simulate the other transaction: the previous default is not seen when the mark is taken.
    monkeypatch.setattr(PriceList.objects, "select_for_update", lambda: PriceList.objects.none())
    with pytest.raises(Conflict):
        services.update_price_list(actor=ada, price_list=wholesale, is_default=True)
    assert list(PriceList.objects.filter(is_default=True)) == [retail]
