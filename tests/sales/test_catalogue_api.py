"""The catalogue's API: paths, answers, 400 / 403 / 404 as problem+json, and the price look-up."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as Browser

from carte.sales.models import ClientPriceList, Price, PriceList, Product
from carte.sales.testing import ProductFactory, currency, tax

API = "/api/v1"


@pytest.fixture
def api():
    """A browser logged in as a persona, sending and reading JSON."""

    class Api:
        def __init__(self, employee):
            self.browser = Browser()
            self.browser.force_login(employee)

        def __getattr__(self, method):
            def send(path, body=None, **params):
                call = getattr(self.browser, method)
                if method == "get":
                    return call(f"{API}{path}", params)
                return call(f"{API}{path}", body, content_type="application/json")

            return send

    return Api


@pytest.fixture
def retail(db):
    return PriceList.objects.create(name="Retail", currency=currency("EUR", 2), is_default=True)


@pytest.fixture
def chair(db):
    return ProductFactory(name="Chair", sku="CH-1", unit="pc")


def problem(response) -> dict:
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def test_products_are_listed_paged_and_filtered(api, rita, chair):
    ProductFactory(name="Old", archived=True)
    ProductFactory(name="Audit", kind="service", sku="")
    answer = api(rita).get("/products", ordering="-name").json()
    assert (answer["count"], [item["name"] for item in answer["results"]]) == (2, ["Chair", "Audit"])
    every = api(rita).get("/products", archived="all", kind="product").json()
    assert [item["name"] for item in every["results"]] == ["Chair", "Old"]
    assert api(rita).get("/products", q="ch-1").json()["results"][0]["sku"] == "CH-1"


def test_a_bad_filter_is_400_with_the_field(api, rita):
    response = api(rita).get("/products", kind="gadget")
    assert response.status_code == 400 and "kind" in problem(response)["errors"]
    assert api(rita).get("/products", ordering="price").status_code == 400


def test_a_manager_creates_reads_and_changes_a_product(api, mia):
    vat = tax("20")
    created = api(mia).post("/products", {"name": "Audit", "kind": "service", "unit": "day", "tax": vat.pk})
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["kind"], body["tax"]["id"], body["archived"]) == ("Audit", "service", vat.pk, False)
    product_id = body["id"]
    assert api(mia).get(f"/products/{product_id}").json()["unit"] == "day"
    changed = api(mia).patch(f"/products/{product_id}", {"tax": None, "archived": True, "name": None})
    assert changed.status_code == 200
    assert (changed.json()["tax"], changed.json()["archived"], changed.json()["name"]) == (None, True, "Audit")


def test_a_duplicate_sku_is_400_naming_the_field_and_nothing_is_saved(api, mia, chair):
    response = api(mia).post("/products", {"name": "Other", "sku": "CH-1"})
    assert response.status_code == 400
    assert problem(response)["errors"]["sku"] == ["Another product already has the SKU “CH-1”."]
    assert Product.objects.count() == 1


def test_an_unknown_tax_is_400(api, mia):
    response = api(mia).post("/products", {"name": "Thing", "tax": 999})
    assert response.status_code == 400 and "tax" in problem(response)["errors"]


def test_a_seller_may_read_but_not_write_products(api, alice, chair):
    assert api(alice).get(f"/products/{chair.pk}").status_code == 200
    assert api(alice).post("/products", {"name": "Mine"}).status_code == 403
    assert api(alice).patch(f"/products/{chair.pk}", {"name": "Mine"}).status_code == 403
    assert Product.objects.get().name == "Chair"


def test_an_unknown_product_is_404(api, rita):
    assert api(rita).get("/products/999").status_code == 404


# ---------------------------------------------------------------------------------------------
# The price look-up
# ---------------------------------------------------------------------------------------------


def test_the_price_in_a_given_list(api, alice, chair, retail):
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("12.5"))
    answer = api(alice).get(f"/products/{chair.pk}/price", price_list=retail.pk).json()
    assert answer == {"price_list": {"id": retail.pk, "name": "Retail"}, "currency": "EUR", "unit_price": "12.50"}


def test_the_price_a_client_pays_is_from_its_own_list_then_the_default(api, alice, alices_client, chair, retail):
    yen = PriceList.objects.create(name="Tokyo", currency=currency("JPY", 0), valid_until=date(2025, 12, 31))
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("12"))
    Price.objects.create(price_list=yen, product=chair, unit_price=Decimal("1800"))
    ClientPriceList.objects.create(client=alices_client, price_list=yen)
    path = f"/products/{chair.pk}/price"
    in_2025 = api(alice).get(path, client=alices_client.pk, on="2025-06-01").json()
    assert (in_2025["currency"], in_2025["unit_price"]) == ("JPY", "1800")
    in_2026 = api(alice).get(path, client=alices_client.pk, on="2026-01-01").json()
    assert (in_2026["price_list"]["name"], in_2026["unit_price"]) == ("Retail", "12.00")
    assert api(alice).get(path).json()["price_list"]["name"] == "Retail"


def test_no_price_is_404_with_the_reason(api, alice, chair, retail):
    response = api(alice).get(f"/products/{chair.pk}/price", price_list=retail.pk)
    assert response.status_code == 404
    assert problem(response)["detail"] == "The price list “Retail” has no price for “Chair”."
    retail.valid_until = date(2020, 1, 1)
    retail.save()
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("1"))
    outside = api(alice).get(f"/products/{chair.pk}/price", price_list=retail.pk, on="2025-01-01")
    assert outside.status_code == 404 and "not valid on that day" in problem(outside)["detail"]
    none = api(alice).get(f"/products/{chair.pk}/price", on="2025-01-01")
    assert none.status_code == 404 and problem(none)["detail"] == "No price list applies on that day."


def test_the_price_for_a_client_hidden_from_the_seller_is_404(api, charlie, alices_client, chair, retail):
    assert api(charlie).get(f"/products/{chair.pk}/price", client=alices_client.pk).status_code == 404


def test_a_bad_day_is_refused(api, alice, chair):
    assert api(alice).get(f"/products/{chair.pk}/price", on="2025-02-30").status_code == 422


# ---------------------------------------------------------------------------------------------
# Price lists and prices
# ---------------------------------------------------------------------------------------------


def test_a_manager_creates_and_changes_a_price_list(api, mia, retail):
    currency("KWD", 3)
    created = api(mia).post("/price-lists", {"name": "Gulf", "currency": "kwd", "valid_from": "2025-01-01"})
    assert created.status_code == 201
    body = created.json()
    assert (body["currency"], body["valid_from"], body["is_default"]) == ("KWD", "2025-01-01", False)
    changed = api(mia).patch(f"/price-lists/{body['id']}", {"is_default": True, "valid_from": None})
    assert (changed.json()["is_default"], changed.json()["valid_from"]) == (True, None)
    retail.refresh_from_db()
    assert not retail.is_default
    listed = api(mia).get("/price-lists").json()
    assert [item["name"] for item in listed["results"]] == ["Gulf", "Retail"]


def test_bad_price_lists_are_400_naming_the_field(api, mia, retail, chair):
    unknown = api(mia).post("/price-lists", {"name": "X", "currency": "XXX"})
    assert unknown.status_code == 400 and "currency" in problem(unknown)["errors"]
    reversed_dates = api(mia).post(
        "/price-lists", {"name": "X", "currency": "EUR", "valid_from": "2025-02-01", "valid_until": "2025-01-01"}
    )
    assert "valid_until" in problem(reversed_dates)["errors"]
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("1"))
    currency("USD")
    locked = api(mia).patch(f"/price-lists/{retail.pk}", {"currency": "USD"})
    assert locked.status_code == 400 and "once the list has prices" in problem(locked)["errors"]["currency"][0]
    assert api(mia).patch(f"/price-lists/{retail.pk}", {"currency": "EUR", "name": "Shop"}).status_code == 200
    archived = api(mia).patch(f"/price-lists/{retail.pk}", {"archived": True})
    assert archived.status_code == 400 and "archived" in problem(archived)["errors"]
    assert PriceList.objects.count() == 1


def test_prices_are_set_listed_and_removed(api, mia, retail, chair):
    path = f"/price-lists/{retail.pk}/prices/{chair.pk}"
    put = api(mia).put(path, {"unit_price": "1 250,5"})
    assert put.status_code == 200 and put.json()["unit_price"] == "1250.50"
    assert api(mia).put(path, {"unit_price": 99.9}).json()["unit_price"] == "99.90"
    listed = api(mia).get(f"/price-lists/{retail.pk}/prices").json()
    assert listed["count"] == 1 and listed["results"][0] == {
        "product": {"id": chair.pk, "name": "Chair", "sku": "CH-1", "unit": "pc", "archived": False},
        "unit_price": "99.90",
    }
    assert api(mia).delete(path).status_code == 204
    assert api(mia).delete(path).status_code == 404


@pytest.mark.parametrize(("code", "digits", "bad"), [("JPY", 0, "10.5"), ("EUR", 2, "10.005"), ("KWD", 3, "1.0005")])
def test_a_price_with_too_many_decimals_is_400(api, mia, chair, code, digits, bad):
    price_list = PriceList.objects.create(name=code, currency=currency(code, digits))
    response = api(mia).put(f"/price-lists/{price_list.pk}/prices/{chair.pk}", {"unit_price": bad})
    assert response.status_code == 400 and "unit_price" in problem(response)["errors"]
    assert not Price.objects.exists()


def test_a_negative_price_is_400(api, mia, retail, chair):
    response = api(mia).put(f"/price-lists/{retail.pk}/prices/{chair.pk}", {"unit_price": -1})
    assert response.status_code == 400
    assert not Price.objects.exists()


def test_a_seller_reads_prices_but_cannot_set_them(api, alice, retail, chair):
    assert api(alice).get(f"/price-lists/{retail.pk}/prices").status_code == 200
    assert api(alice).put(f"/price-lists/{retail.pk}/prices/{chair.pk}", {"unit_price": "1"}).status_code == 403
    assert api(alice).get("/price-lists/999").status_code == 404


# ---------------------------------------------------------------------------------------------
# A client's price list
# ---------------------------------------------------------------------------------------------


def test_a_seller_sets_her_clients_price_list(api, alice, alices_client, retail):
    wholesale = PriceList.objects.create(name="Wholesale", currency=currency("EUR"))
    path = f"/clients/{alices_client.pk}/price-list"
    answer = api(alice).put(path, {"price_list": wholesale.pk}).json()
    assert answer == {
        "client": alices_client.pk,
        "price_list": {"id": wholesale.pk, "name": "Wholesale"},
        "current": {"id": wholesale.pk, "name": "Wholesale"},
    }
    cleared = api(alice).put(path, {"price_list": None}).json()
    assert (cleared["price_list"], cleared["current"]["name"]) == (None, "Retail")


def test_a_client_price_list_is_refused_to_those_who_may_not_edit_the_client(api, rita, charlie, alices_client, retail):
    path = f"/clients/{alices_client.pk}/price-list"
    assert api(rita).put(path, {"price_list": retail.pk}).status_code == 403
    assert api(charlie).put(path, {"price_list": retail.pk}).status_code == 404
    unknown = api(rita).put(f"/clients/{alices_client.pk}/price-list", {"price_list": 999})
    assert unknown.status_code == 403
    assert not ClientPriceList.objects.exists()


def test_an_unknown_price_list_for_a_client_is_400(api, alice, alices_client):
    response = api(alice).put(f"/clients/{alices_client.pk}/price-list", {"price_list": 999})
    assert response.status_code == 400 and "price_list" in problem(response)["errors"]
