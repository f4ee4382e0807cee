"""The products import target: rows become catalogue products with a price, duplicates by SKU or old id, undo."""

from decimal import Decimal

import pytest
from django.db import transaction

from carte.core.errors import Conflict, Invalid
from carte.sales.models import Price, Product
from carte.sales.services import catalogue
from carte.sales.testing import DealFactory, ProductFactory, add_line, currency, tax
from carte.transfer.models import SourceKey
from carte.transfer.targets import products as products_target
from carte.transfer.targets import target
from carte.transfer.targets.base import Context, Options, Row

pytestmark = pytest.mark.django_db


@pytest.fixture
def retail(ada):
    return catalogue.create_price_list(actor=ada, name="Retail", currency=currency("EUR"), is_default=True)


@pytest.fixture
def chair(retail, ada):
    chair = ProductFactory(name="Chair", sku="CH-1", unit="pc")
    catalogue.set_price(actor=ada, price_list=retail, product=chair, unit_price="40.00")
    return chair


def context_for(actor, *, dry=False, **options) -> Context:
    return Context(actor=actor, options=Options(**options), target_key="products", dry=dry)


def row(number, **values) -> Row:
    return Row(number, {key: [value] for key, value in values.items()})


def check(actor, rows, **options):
    return target("products").check(context_for(actor, dry=True, **options), rows)


def save(actor, rows, **options):
    with transaction.atomic():  # the batch's transaction, as the import's run opens it
        return target("products").save(context_for(actor, **options), rows)


def price_of(product) -> Decimal | None:
    return (
        Price.objects.filter(product=product, price_list__is_default=True).values_list("unit_price", flat=True).first()
    )


def test_check_says_what_each_row_would_become_and_writes_nothing(mia, retail):
    tax("20")
    outcomes = check(
        mia,
        [
            row(2, name="Desk", sku="DK-1", tax="20 %", price="1 234,50", kind="service"),
            row(3, sku="NO-NAME"),
            row(4, name="Lamp", price="abc", tax="7 %"),
        ],
        decimal=",",
    )
    assert [o.outcome for o in outcomes] == ["created", "failed", "failed"]
    assert outcomes[0].object_id < 0
    assert outcomes[0].shown["Price"] == "1234.50" and outcomes[0].shown["Tax"] == "VAT 20 %"
    assert outcomes[0].shown["Kind"] == "Service"
    assert outcomes[1].message == "Name: Give the product a name."
    assert "Price: " in outcomes[2].message and "abc" in outcomes[2].message
    assert "Tax: No tax is named or rated “7 %”." in outcomes[2].message
    assert not Product.objects.exists()


def test_save_creates_products_with_their_values_and_price(mia, retail):
    vat = tax("20")
    outcomes = save(
        mia,
        [
            row(2, name="Desk", sku="DK-1", unit="pc", tax="20", price="1 234,50", kind="Service", archived="oui"),
            row(3, name="Chair", description="Oak\nwith arms", tax="VAT 20 %", external_id="P-7"),
        ],
        decimal=",",
    )
    assert [o.outcome for o in outcomes] == ["created", "created"]
    desk = Product.objects.get(pk=outcomes[0].object_id)
    assert (desk.name, desk.sku, desk.unit, desk.kind, desk.tax, desk.archived) == (
        "Desk",
        "DK-1",
        "pc",
        "service",
        vat,
        True,
    )
    assert price_of(desk) == Decimal("1234.50")
    assert outcomes[0].stamp == desk.updated_at.isoformat()
    chair = Product.objects.get(pk=outcomes[1].object_id)
    assert chair.description == "Oak\nwith arms" and chair.kind == "product" and price_of(chair) is None
    assert SourceKey.objects.get(target="products", key="P-7").object_id == chair.pk


def test_a_row_that_fails_half_way_leaves_nothing_and_the_others_stay(mia, retail, monkeypatch):
    def refuse(**kwargs):
        raise Invalid(errors={"unit_price": ["The list is closed."]})

    monkeypatch.setattr(products_target, "set_price", refuse)
    outcomes = save(mia, [row(2, name="Desk"), row(3, name="Lamp", price="12")])
    assert [o.outcome for o in outcomes] == ["created", "failed"]
    assert outcomes[1].message == "Price: The list is closed."
    assert list(Product.objects.values_list("name", flat=True)) == ["Desk"]


def test_a_price_needs_a_default_price_list_and_the_currency_decimals(mia):
    assert save(mia, [row(2, name="Desk", price="10")])[0].message.startswith("Price: There is no default price list")
    catalogue.create_price_list(actor=mia, name="Yen", currency=currency("JPY", 0), is_default=True)
    outcome = save(mia, [row(2, name="Desk", price="10.5")])[0]
    assert outcome.outcome == "failed" and "whole number" in outcome.message
    assert not Product.objects.exists()


def test_duplicates_by_sku_are_skipped_by_default(mia, chair):
    outcome = save(mia, [row(2, name="Chair again", sku="ch-1", price="99")])[0]
    assert outcome.outcome == "skipped" and outcome.object_id == chair.pk
    assert "Chair" in outcome.message and "sku" in outcome.message
    chair.refresh_from_db()
    assert chair.name == "Chair" and price_of(chair) == Decimal("40.00")


def test_duplicates_update_the_product_and_keep_what_undo_needs(mia, chair):
    outcome = save(mia, [row(2, name="Armchair", sku="CH-1", price="45")], duplicates="update")[0]
    assert outcome.outcome == "updated" and outcome.object_id == chair.pk
    chair.refresh_from_db()
    assert chair.name == "Armchair" and chair.unit == "pc"  # an empty cell leaves the value
    assert price_of(chair) == Decimal("45.00")
    assert outcome.before["name"] == "Chair" and Decimal(outcome.before["price"]) == Decimal("40")
    assert outcome.stamp == chair.updated_at.isoformat()


def test_create_anyway_cannot_take_a_sku_in_use_but_makes_a_twin_of_an_old_id(mia, chair):
    SourceKey.objects.create(target="products", key="OLD-1", object_id=chair.pk)
    outcomes = save(
        mia,
        [row(2, name="Chair", sku="CH-1"), row(3, name="Chair", sku="CH-2", external_id="OLD-1")],
        duplicates="create",
    )
    assert outcomes[0].outcome == "failed"
    assert outcomes[0].message == "SKU: Another product already has the SKU “CH-1”."
    assert outcomes[1].outcome == "created"
    assert Product.objects.count() == 2
    assert SourceKey.objects.get(key="OLD-1").object_id == chair.pk  # the old id keeps its product


def test_old_ids_find_the_products_of_an_earlier_import(mia, retail):
    first = save(mia, [row(2, name="Desk", external_id="A1")])[0]
    again = save(mia, [row(2, name="Desk XL", external_id="A1")], duplicates="update")[0]
    assert again.outcome == "updated" and again.object_id == first.object_id
    assert Product.objects.get().name == "Desk XL"


def test_a_file_naming_the_same_sku_twice_makes_one_product(mia, retail):
    rows = [row(2, name="Desk", sku="DK-1"), row(3, name="Desk (copy)", sku="dk-1")]
    checked = check(mia, rows)
    assert [o.outcome for o in checked] == ["created", "skipped"]
    assert checked[1].object_id == checked[0].object_id
    saved = save(mia, rows)
    assert [o.outcome for o in saved] == ["created", "skipped"]
    assert Product.objects.count() == 1


def test_sellers_cannot_import_products(alice, retail):
    rows = [row(2, name="Desk")]
    assert check(alice, rows)[0].message == "You do not have the right to do this."
    outcome = save(alice, rows)[0]
    assert outcome.outcome == "failed" and not Product.objects.exists()


def test_undo_removes_created_products_and_puts_back_updated_ones(mia, chair):
    outcomes = save(
        mia,
        [row(2, name="Desk", price="10", external_id="D1"), row(3, name="Armchair", sku="CH-1", price="55")],
        duplicates="update",
    )
    created, updated = outcomes
    chosen = target("products")
    assert chosen.moved([(created.object_id, created.stamp), (updated.object_id, updated.stamp)]) == set()
    chosen.undo(mia, [created.object_id], [(updated.object_id, updated.before)])
    assert not Product.objects.filter(pk=created.object_id).exists()
    assert not SourceKey.objects.filter(key="D1").exists()
    chair.refresh_from_db()
    assert chair.name == "Chair" and price_of(chair) == Decimal("40.00")


def test_undo_removes_a_price_the_import_added(mia, retail):
    lamp = ProductFactory(name="Lamp", sku="LA-1")
    outcome = save(mia, [row(2, sku="LA-1", price="12")], duplicates="update")[0]
    assert outcome.before["price"] is None
    target("products").undo(mia, [], [(lamp.pk, outcome.before)])
    assert price_of(lamp) is None


def test_products_changed_since_the_import_are_moved(mia, retail):
    outcome = save(mia, [row(2, name="Desk")])[0]
    desk = Product.objects.get(pk=outcome.object_id)
    catalogue.update_product(actor=mia, product=desk, name="Standing desk")
    assert target("products").moved([(desk.pk, outcome.stamp), (999_999, "x")]) == {desk.pk, 999_999}


def test_undo_refuses_to_delete_products_on_deal_lines(mia, retail):
    outcome = save(mia, [row(2, name="Desk")])[0]
    deal = DealFactory(owner=mia)
    line = add_line(deal, "1", "10")
    line.product_id = outcome.object_id
    line.save()
    with pytest.raises(Conflict, match="Desk"):
        target("products").undo(mia, [outcome.object_id], [])
    assert Product.objects.filter(pk=outcome.object_id).exists()


def test_exports_show_the_kind_tax_price_and_archived_flag(mia, chair):
    chair.tax = tax("20")
    chair.save()
    chosen = target("products")
    record = Product.objects.select_related(*chosen.select_related).prefetch_related(*chosen.prefetch_related).get()
    texts = {field.key: field.text(record) for field in chosen.export_fields()}
    assert texts == {
        "name": "Chair",
        "kind": "Product",
        "sku": "CH-1",
        "description": "",
        "unit": "pc",
        "tax": "VAT 20 %",
        "price": "40.00",
        "archived": "no",
    }
