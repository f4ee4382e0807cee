"""The catalogue screens: status, fragments, refusals shown, rights and query bounds."""

from decimal import Decimal

import pytest
from django.test import Client as Browser
from django.urls import reverse

from carte.sales.models import ClientPriceList, Price, PriceList, Product
from carte.sales.testing import ProductFactory, currency, tax

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def login():
    def log_in(employee) -> Browser:
        browser = Browser()
        browser.force_login(employee)
        return browser

    return log_in


@pytest.fixture
def retail(db):
    return PriceList.objects.create(name="Retail", currency=currency("EUR", 2), is_default=True)


@pytest.fixture
def chair(db):
    return ProductFactory(name="Chair", sku="CH-1", unit="pc")


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def test_everyone_reads_the_product_list_but_only_managers_see_new_product(login, rita, mia, chair):
    page = login(rita).get(reverse("sales:product_list"))
    assert page.status_code == 200
    assert "Chair" in page.text and reverse("sales:product_create") not in page.text
    assert reverse("sales:product_create") in login(mia).get(reverse("sales:product_list")).text


def test_the_list_filters_and_answers_htmx_with_the_results_only(login, alice, chair):
    ProductFactory(name="Consulting", sku="", kind="service")
    ProductFactory(name="Old chair", archived=True)
    browser = login(alice)
    page = browser.get(reverse("sales:product_list"), {"kind": "service"}, **HTMX)
    assert "Consulting" in page.text and "Chair" not in page.text
    assert "<header" not in page.text and "HX-Request" in page["Vary"]
    archived = browser.get(reverse("sales:product_list"), {"archived": "yes", "q": "chair"})
    assert "Old chair" in archived.text and ">Chair<" not in archived.text


def test_a_bad_filter_is_said_above_the_list(login, alice):
    page = login(alice).get(reverse("sales:product_list"), {"kind": "gadget"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.text or "Choose one of" in page.text


def test_the_product_list_runs_the_same_queries_for_3_or_60_products(login, alice, django_assert_max_num_queries):
    vat = tax("20")
    browser = login(alice)
    ProductFactory.create_batch(3, tax=vat)
    browser.get(reverse("sales:product_list"))  # warm the caches (sessions, content types)
    with django_assert_max_num_queries(12) as few:
        browser.get(reverse("sales:product_list"))
    ProductFactory.create_batch(57, tax=vat)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = browser.get(reverse("sales:product_list"))
    assert page.text.count('href="/products/') >= 50


def test_a_manager_creates_a_product_from_the_form(login, mia):
    vat = tax("20")
    response = login(mia).post(
        reverse("sales:product_create"),
        {"kind": "service", "name": "Audit", "sku": "AU-1", "unit": "day", "tax": vat.pk, "description": "On site"},
    )
    product = Product.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sales:product_detail", args=[product.pk])
    assert (product.kind, product.unit, product.tax) == ("service", "day", vat)


def test_a_duplicate_sku_comes_back_beside_the_field(login, mia, chair):
    response = login(mia).post(reverse("sales:product_create"), {"kind": "product", "name": "Chair 2", "sku": "ch-1"})
    assert response.status_code == 400
    assert "Another product already has the SKU" in response.text
    assert Product.objects.count() == 1


def test_the_form_offers_taxes_in_use_and_unit_suggestions(login, mia):
    tax("20")
    old = tax("19.6")
    old.archived = True
    old.save()
    page = login(mia).get(reverse("sales:product_create"))
    assert "VAT 20 %" in page.text and "VAT 19.6 %" not in page.text
    assert 'list="unit-suggestions"' in page.text and '<option value="day">' in page.text


def test_a_seller_cannot_open_or_send_the_product_forms(login, alice, chair):
    browser = login(alice)
    assert browser.get(reverse("sales:product_create")).status_code == 403
    assert browser.post(reverse("sales:product_create"), {"kind": "product", "name": "X"}).status_code == 403
    assert browser.post(reverse("sales:product_edit", args=[chair.pk]), {"name": "X"}).status_code == 403
    assert browser.post(reverse("sales:product_archive", args=[chair.pk])).status_code == 403
    assert Product.objects.get().name == "Chair"


def test_edit_archive_and_unarchive(login, mia, chair):
    browser = login(mia)
    form = browser.get(reverse("sales:product_edit", args=[chair.pk]))
    assert 'value="CH-1"' in form.text
    response = browser.post(
        reverse("sales:product_edit", args=[chair.pk]), {"kind": "product", "name": "Armchair", "sku": "CH-1"}
    )
    assert response.status_code == 302
    browser.post(reverse("sales:product_archive", args=[chair.pk]))
    chair.refresh_from_db()
    assert (chair.name, chair.archived) == ("Armchair", True)
    browser.post(reverse("sales:product_unarchive", args=[chair.pk]))
    chair.refresh_from_db()
    assert not chair.archived


def test_the_product_page_shows_its_price_in_every_list(login, rita, chair, retail, django_assert_max_num_queries):
    yen = PriceList.objects.create(name="Tokyo", currency=currency("JPY", 0))
    PriceList.objects.create(name="Wholesale", currency=currency("EUR", 2))
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("12.5"))
    Price.objects.create(price_list=yen, product=chair, unit_price=Decimal("1800"))
    browser = login(rita)
    browser.get(reverse("sales:product_detail", args=[chair.pk]))
    with django_assert_max_num_queries(12):
        page = browser.get(reverse("sales:product_detail", args=[chair.pk]))
    assert "12.50 EUR" in page.text and "1800 JPY" in page.text and "Wholesale" in page.text
    assert reverse("sales:product_edit", args=[chair.pk]) not in page.text


def test_an_unknown_product_is_404(login, alice):
    assert login(alice).get(reverse("sales:product_detail", args=[999])).status_code == 404


# ---------------------------------------------------------------------------------------------
# The picker
# ---------------------------------------------------------------------------------------------


def test_the_picker_answers_options_with_the_line_values(login, alice, chair, retail):
    vat = tax("20")
    lamp = ProductFactory(name="Chair lamp", sku="", unit="", tax=vat)
    ProductFactory(name="Chair old", archived=True)
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("12.5"))
    page = login(alice).get(reverse("sales:product_picker"), {"q": "chair", "price_list": retail.pk}, **HTMX)
    assert page.status_code == 200
    assert (
        f'data-product="{chair.pk}" data-description="Chair" data-sku="CH-1" data-unit="pc" data-tax="" '
        'data-price="12.50"'
    ) in page.text
    lamp_option = f'data-product="{lamp.pk}" data-description="Chair lamp" data-sku="" data-unit="" data-tax="{vat.pk}"'
    assert lamp_option + ' data-price=""' in page.text
    assert "Chair old" not in page.text


def test_the_picker_without_a_list_has_no_prices_and_says_when_nothing_matches(login, alice, chair):
    browser = login(alice)
    assert 'data-price=""' in browser.get(reverse("sales:product_picker"), {"q": "CH-1"}).text
    empty = browser.get(reverse("sales:product_picker"), {"q": "zzz"})
    assert "data-product" not in empty.text and "disabled" in empty.text


def test_the_picker_refuses_an_unknown_price_list(login, alice):
    assert login(alice).get(reverse("sales:product_picker"), {"price_list": "999"}, **HTMX).status_code == 400


def test_the_picker_runs_a_bounded_number_of_queries(login, alice, retail, django_assert_max_num_queries):
    products = ProductFactory.create_batch(20, name="Thing")
    Price.objects.bulk_create(Price(price_list=retail, product=p, unit_price=Decimal("1")) for p in products)
    browser = login(alice)
    with django_assert_max_num_queries(6):
        page = browser.get(reverse("sales:product_picker"), {"q": "thing", "price_list": retail.pk}, **HTMX)
    assert page.text.count("data-product=") == 20


# ---------------------------------------------------------------------------------------------
# Price lists
# ---------------------------------------------------------------------------------------------


def test_the_price_lists_page_lists_them_with_their_counts(login, rita, retail, chair):
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("1"))
    page = login(rita).get(reverse("sales:price_list_list"))
    assert page.status_code == 200 and "Retail" in page.text and "Default" in page.text
    assert reverse("sales:price_list_create") not in page.text


def test_a_manager_creates_a_price_list_and_dates_out_of_order_are_refused(login, mia, retail):
    currency("KWD", 3)
    browser = login(mia)
    bad = browser.post(
        reverse("sales:price_list_create"),
        {"name": "Gulf", "currency": "KWD", "valid_from": "2025-06-01", "valid_until": "2025-05-01"},
    )
    assert bad.status_code == 400 and "cannot come before its start" in bad.text
    good = browser.post(
        reverse("sales:price_list_create"), {"name": "Gulf", "currency": "KWD", "valid_from": "2025-06-01"}
    )
    gulf = PriceList.objects.get(name="Gulf")
    assert good.status_code == 302 and gulf.currency_id == "KWD"


def test_the_currency_is_locked_once_the_list_has_prices(login, mia, retail, chair):
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("1"))
    currency("USD")
    browser = login(mia)
    page = browser.get(reverse("sales:price_list_edit", args=[retail.pk]))
    assert "cannot change once the list has prices" in page.text and "disabled" in page.text
    browser.post(reverse("sales:price_list_edit", args=[retail.pk]), {"name": "Retail", "currency": "USD"})
    retail.refresh_from_db()
    assert retail.currency_id == "EUR"  # a disabled field keeps its value whatever is sent


def test_archiving_the_default_list_comes_back_with_the_reason(login, mia, retail):
    response = login(mia).post(reverse("sales:price_list_archive", args=[retail.pk]), follow=True)
    assert "default price list cannot be archived" in response.text
    retail.refresh_from_db()
    assert not retail.archived


def test_archive_and_unarchive_a_list(login, mia):
    other = PriceList.objects.create(name="Wholesale", currency=currency("EUR"))
    browser = login(mia)
    browser.post(reverse("sales:price_list_archive", args=[other.pk]))
    other.refresh_from_db()
    assert other.archived
    browser.post(reverse("sales:price_list_unarchive", args=[other.pk]))
    other.refresh_from_db()
    assert not other.archived


def test_the_price_list_page_runs_the_same_queries_for_3_or_60_products(
    login, mia, retail, django_assert_max_num_queries
):
    browser = login(mia)
    for product in ProductFactory.create_batch(3):
        Price.objects.create(price_list=retail, product=product, unit_price=Decimal("2"))
    browser.get(reverse("sales:price_list_detail", args=[retail.pk]))
    with django_assert_max_num_queries(12) as few:
        browser.get(reverse("sales:price_list_detail", args=[retail.pk]))
    for product in ProductFactory.create_batch(57):
        Price.objects.create(price_list=retail, product=product, unit_price=Decimal("2"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = browser.get(reverse("sales:price_list_detail", args=[retail.pk]), {"show": "priced"})
    assert page.text.count('name="unit_price"') == 50


def test_a_price_is_set_inline_and_the_row_comes_back(login, mia, retail, chair):
    url = reverse("sales:price_set", args=[retail.pk, chair.pk])
    row = login(mia).post(url, {"unit_price": "1 250,5"}, **HTMX)
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="price-{chair.pk}"')
    assert 'value="1250.50"' in row.text and "Remove" in row.text
    assert Price.objects.get().unit_price == Decimal("1250.5")


def test_a_bad_price_comes_back_in_the_row_with_the_reason_and_nothing_saved(login, mia, chair):
    yen = PriceList.objects.create(name="Tokyo", currency=currency("JPY", 0))
    url = reverse("sales:price_set", args=[yen.pk, chair.pk])
    browser = login(mia)
    row = browser.post(url, {"unit_price": "12.5"}, **HTMX)
    assert row.status_code == 422 and "whole number" in row.text and 'value="12.5"' in row.text
    negative = browser.post(url, {"unit_price": "-3"}, **HTMX)
    assert negative.status_code == 422 and "at least 0" in negative.text
    assert not Price.objects.exists()


def test_without_htmx_a_price_posts_and_returns_to_the_page_as_it_was(login, mia, retail, chair):
    url = reverse("sales:price_set", args=[retail.pk, chair.pk])
    response = login(mia).post(url, {"unit_price": "3", "back": "q=cha&page=2&evil=1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:price_list_detail", args=[retail.pk]) + "?q=cha&page=2"
    bad = login(mia).post(url, {"unit_price": "x"}, follow=True)
    assert "Chair: Enter a number." in bad.text


def test_a_price_is_removed_inline(login, mia, retail, chair):
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("3"))
    row = login(mia).post(reverse("sales:price_remove", args=[retail.pk, chair.pk]), **HTMX)
    assert row.status_code == 200 and 'placeholder="No price"' in row.text and "Remove" not in row.text
    assert not Price.objects.exists()


def test_a_seller_sees_prices_but_no_price_form(login, alice, retail, chair):
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("3"))
    browser = login(alice)
    page = browser.get(reverse("sales:price_list_detail", args=[retail.pk]))
    assert "3.00" in page.text and 'name="unit_price"' not in page.text
    assert browser.post(reverse("sales:price_set", args=[retail.pk, chair.pk]), {"unit_price": "1"}).status_code == 403
    assert Price.objects.get().unit_price == Decimal("3")


# ---------------------------------------------------------------------------------------------
# The client card's "Prices" tab
# ---------------------------------------------------------------------------------------------


def test_the_card_tab_shows_the_list_the_client_buys_from(login, alice, alices_client, retail):
    page = login(alice).get(reverse("clients:tab", args=[alices_client.pk, "prices"]), **HTMX)
    assert page.status_code == 200
    assert "Retail" in page.text and "the default list" in page.text and 'name="price_list"' in page.text


def test_the_seller_sets_the_clients_price_list_from_the_tab(login, alice, alices_client, retail):
    wholesale = PriceList.objects.create(name="Wholesale", currency=currency("EUR"))
    url = reverse("sales:client_price_list", args=[alices_client.pk])
    panel = login(alice).post(url, {"price_list": wholesale.pk}, **HTMX)
    assert panel.status_code == 200 and "its own list" in panel.text and "Wholesale" in panel.text
    assert ClientPriceList.objects.get(client=alices_client).price_list == wholesale
    back = login(alice).post(url, {"price_list": ""})
    assert back.status_code == 302 and back["Location"].endswith("?tab=prices")
    assert not ClientPriceList.objects.exists()


def test_a_reader_sees_the_tab_without_the_form_and_cannot_post(login, rita, alices_client, retail):
    page = login(rita).get(reverse("clients:tab", args=[alices_client.pk, "prices"]), **HTMX)
    assert "Retail" in page.text and 'name="price_list"' not in page.text
    url = reverse("sales:client_price_list", args=[alices_client.pk])
    assert login(rita).post(url, {"price_list": retail.pk}).status_code == 403
    assert not ClientPriceList.objects.exists()


def test_a_client_hidden_from_the_seller_is_404(login, charlie, alices_client, retail):
    url = reverse("sales:client_price_list", args=[alices_client.pk])
    assert login(charlie).post(url, {"price_list": retail.pk}).status_code == 404


def test_an_unknown_list_is_refused(login, alice, alices_client):
    url = reverse("sales:client_price_list", args=[alices_client.pk])
    response = login(alice).post(url, {"price_list": "999"}, **HTMX)
    assert response.status_code == 400
    assert not ClientPriceList.objects.exists()


def test_removing_the_last_price_of_an_archived_product_still_answers_its_row(login, mia, retail):
    old = ProductFactory(name="Old lamp", archived=True)
    Price.objects.create(price_list=retail, product=old, unit_price=Decimal("3"))
    row = login(mia).post(reverse("sales:price_remove", args=[retail.pk, old.pk]), **HTMX)
    assert row.status_code == 200 and "Old lamp" in row.text
    assert not Price.objects.exists()
