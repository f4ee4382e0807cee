"""The catalogue's reads: the price look-up others code against, the picker and the lists."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.core.errors import Invalid, NotFound
from carte.sales.models import ClientPriceList, Price, PriceList
from carte.sales.queries import catalogue as queries
from carte.sales.testing import ProductFactory, currency

DAY = date(2025, 6, 15)


@pytest.fixture
def eur(db):
    return currency("EUR", 2)


def make_list(name: str, *, start=None, end=None, default=False, archived=False, code="EUR", digits=2):
    return PriceList.objects.create(
        name=name,
        currency=currency(code, digits),
        valid_from=start,
        valid_until=end,
        is_default=default,
        archived=archived,
    )


def price(price_list, product, amount: str) -> Price:
    return Price.objects.create(price_list=price_list, product=product, unit_price=Decimal(amount))


@pytest.fixture
def chair(db):
    return ProductFactory(name="Chair", sku="CH-1")


# ---------------------------------------------------------------------------------------------
# price_list_for
# ---------------------------------------------------------------------------------------------


def test_a_client_buys_from_its_own_list_when_valid_that_day(alices_client, eur, django_assert_num_queries):
    make_list("Retail", default=True)
    own = make_list("Wholesale", start=date(2025, 1, 1), end=date(2025, 12, 31))
    ClientPriceList.objects.create(client=alices_client, price_list=own)
    with django_assert_num_queries(1):
        found = queries.price_list_for(alices_client, DAY)
        assert found == own and found.currency.code == "EUR"
    assert queries.price_list_for(alices_client.pk, DAY) == own


def test_outside_its_own_lists_dates_the_client_falls_back_to_the_default_list(alices_client, eur):
    default = make_list("Retail", default=True)
    own = make_list("Summer", start=date(2025, 6, 1), end=date(2025, 8, 31))
    ClientPriceList.objects.create(client=alices_client, price_list=own)
    assert queries.price_list_for(alices_client, date(2025, 5, 31)) == default
    assert queries.price_list_for(alices_client, date(2025, 6, 1)) == own
    assert queries.price_list_for(alices_client, date(2025, 8, 31)) == own
    assert queries.price_list_for(alices_client, date(2025, 9, 1)) == default


def test_an_archived_own_list_falls_back_to_the_default_list(alices_client, eur):
    default = make_list("Retail", default=True)
    ClientPriceList.objects.create(client=alices_client, price_list=make_list("Old", archived=True))
    assert queries.price_list_for(alices_client, DAY) == default


def test_no_list_valid_that_day_gives_none(alices_client, charlies_client, eur):
    make_list("Retail 2024", default=True, start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert queries.price_list_for(alices_client, DAY) is None
    assert queries.price_list_for(charlies_client) is None


def test_another_clients_list_is_not_this_clients(alices_client, charlies_client, eur):
    ClientPriceList.objects.create(client=charlies_client, price_list=make_list("Charlie's"))
    assert queries.price_list_for(alices_client, DAY) is None


def test_without_a_day_the_look_up_is_for_today(alices_client, eur):
    today = timezone.localdate()
    make_list("Yesterday", default=True, end=today - timedelta(days=1))
    assert queries.price_list_for(alices_client) is None
    own = make_list("Today", start=today, end=today)
    ClientPriceList.objects.create(client=alices_client, price_list=own)
    assert queries.price_list_for(alices_client) == own


# ---------------------------------------------------------------------------------------------
# price_of and prices_for
# ---------------------------------------------------------------------------------------------


def test_price_of_is_the_price_in_the_list_in_its_currency(chair, db):
    yen = make_list("Tokyo", code="JPY", digits=0)
    price(yen, chair, "1250")
    assert queries.price_of(chair, yen, DAY) == Decimal("1250")
    assert queries.price_of(chair.pk, yen, DAY) == Decimal("1250")
    assert queries.price_of(ProductFactory(), yen, DAY) is None
    assert queries.price_of(chair, None) is None


def test_price_of_is_none_on_a_day_outside_the_lists_validity_or_once_archived(chair, eur):
    summer = make_list("Summer", start=date(2025, 6, 1), end=date(2025, 8, 31))
    price(summer, chair, "12.50")
    assert queries.price_of(chair, summer, date(2025, 7, 1)) == Decimal("12.50")
    assert queries.price_of(chair, summer, date(2025, 9, 1)) is None
    summer.archived = True
    summer.save()
    assert queries.price_of(chair, summer, date(2025, 7, 1)) is None


def test_prices_for_reads_a_page_of_products_in_one_query(eur, django_assert_num_queries):
    retail = make_list("Retail")
    products = ProductFactory.create_batch(5)
    for number, product in enumerate(products[:3], start=1):
        price(retail, product, f"{number}.25")
    with django_assert_num_queries(1):
        found = queries.prices_for([product.pk for product in products], retail)
    assert found == {products[0].pk: Decimal("1.25"), products[1].pk: Decimal("2.25"), products[2].pk: Decimal("3.25")}
    with django_assert_num_queries(0):
        assert queries.prices_for([products[0].pk], None) == {}
        assert queries.prices_for([], retail) == {}


# ---------------------------------------------------------------------------------------------
# The picker
# ---------------------------------------------------------------------------------------------


def test_the_picker_offers_active_products_by_name_or_sku_best_first(alice, db):
    ProductFactory(name="Oak table", sku="TB-OAK")
    chair = ProductFactory(name="Chair", sku="TB")
    ProductFactory(name="Table lamp", sku="LMP-1")
    ProductFactory(name="Table old", sku="TB-OLD", archived=True)
    names = [product.name for product in queries.products_for_picker(alice, "tb")]
    assert names == ["Chair", "Oak table"]  # the exact SKU first; never the archived one
    names = [product.name for product in queries.products_for_picker(alice, "table")]
    assert names == ["Table lamp", "Oak table"]  # names starting with it first
    assert queries.products_for_picker(alice, "TB", limit=1) == [chair]


def test_the_picker_without_text_gives_the_first_products_by_name_within_the_limit(rita, db):
    ProductFactory.create_batch(30)
    found = queries.products_for_picker(rita, "", limit=500)
    assert len(found) == 30  # at most PICKER_LIMIT (50) whatever is asked
    assert [product.name for product in found] == sorted(product.name for product in found)
    assert len(queries.products_for_picker(rita, "")) == 20


# ---------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------


def test_products_are_searched_filtered_and_sorted(alice, db):
    ProductFactory(name="Beta", sku="B-2", kind="service")
    ProductFactory(name="Alpha", sku="A-9")
    ProductFactory(name="Gamma", sku="G-1", archived=True)
    assert [p.name for p in queries.products_for(alice)] == ["Alpha", "Beta"]
    assert [p.name for p in queries.products_for(alice, archived="all", ordering="-sku")] == ["Gamma", "Beta", "Alpha"]
    assert [p.name for p in queries.products_for(alice, archived="yes")] == ["Gamma"]
    assert [p.name for p in queries.products_for(alice, kind="service")] == ["Beta"]
    assert [p.name for p in queries.products_for(alice, text="a-9")] == ["Alpha"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"kind": "gadget"}, "kind"), ({"archived": "maybe"}, "archived")],
)
def test_bad_list_filters_are_refused_with_the_choices(alice, arguments, field):
    with pytest.raises(Invalid) as refused:
        queries.products_for(alice, **arguments)
    assert field in refused.value.errors


def test_an_unknown_sort_is_refused(alice):
    with pytest.raises(Invalid):
        queries.products_for(alice, ordering="price")


def test_a_missing_or_absurd_id_is_not_found(alice):
    for pk in (999, "x", "9" * 40, None):
        with pytest.raises(NotFound):
            queries.get_product_for(alice, pk)
        with pytest.raises(NotFound):
            queries.get_price_list_for(alice, pk)


def test_the_price_list_page_shows_active_products_and_archived_ones_still_priced(alice, eur):
    retail = make_list("Retail")
    chair = ProductFactory(name="Chair")
    ProductFactory(name="Desk")
    ProductFactory(name="Old desk", archived=True)
    old_lamp = ProductFactory(name="Old lamp", archived=True)
    price(retail, chair, "10")
    price(retail, old_lamp, "3")
    rows = {row.name: row.unit_price for row in queries.price_rows(alice, retail)}
    assert rows == {"Chair": Decimal("10"), "Desk": None, "Old lamp": Decimal("3")}
    priced = [row.name for row in queries.price_rows(alice, retail, priced_only=True, ordering="-price")]
    assert priced == ["Chair", "Old lamp"]


def test_a_product_page_shows_its_price_in_every_list_in_one_query(eur, django_assert_num_queries):
    chair = ProductFactory(name="Chair")
    retail, wholesale = make_list("Retail"), make_list("Wholesale")
    old = make_list("Old", archived=True)
    make_list("Older", archived=True)
    price(retail, chair, "10")
    price(old, chair, "9")
    with django_assert_num_queries(1):
        shown = {item.name: item.unit_price for item in queries.product_prices(chair)}
    assert shown == {"Retail": Decimal("10"), "Wholesale": None, "Old": Decimal("9")}
    assert wholesale.pk


def test_price_lists_carry_their_number_of_prices(alice, eur):
    retail = make_list("Retail", default=True)
    make_list("Empty")
    for product in ProductFactory.create_batch(3):
        price(retail, product, "1")
    counts = {item.name: item.price_count for item in queries.price_lists_for(alice)}
    assert counts == {"Retail": 3, "Empty": 0}
