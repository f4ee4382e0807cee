"""Rows of the rights matrix for the catalogue: products, price lists, prices, a client's price list.

Everyone reads the catalogue; changing it takes the "catalogue" module's rights, which Ada
(administrator) and Mia (manager) hold by default. A client's own price list follows the
right to edit the client: Ada, Mia and Alice for Alice's client; Bob and Rita see it but may
not change it; Charlie does not see it at all (404).
"""

from decimal import Decimal

from carte.sales.models import Price, PriceList
from carte.sales.testing import ProductFactory, currency
from tests.rights import EDIT_ALICES, MANAGERS, NOT_CHARLIE, SEE_ALICES, row

CHAIR = ("@catalogue_chair",)
RETAIL = ("@catalogue_retail",)
PRICE = ("@catalogue_retail", "@catalogue_chair")
PRODUCT_FORM = {"kind": "product", "name": "Matrix chair", "sku": "MX-1", "unit": "pc", "tax": "", "description": ""}
LIST_FORM = {"name": "Matrix", "currency": "EUR", "valid_from": "2025-01-01", "valid_until": ""}

ROWS = [
    row("sales:product_list"),
    row("sales:product_list", query="?q=chair&kind=product&archived=all&ordering=-updated"),
    row("sales:product_create", allowed=MANAGERS),
    row("sales:product_create", "POST", allowed=MANAGERS, data=PRODUCT_FORM),
    row("sales:product_detail", args=CHAIR),
    row("sales:product_edit", allowed=MANAGERS, args=CHAIR),
    row("sales:product_edit", "POST", allowed=MANAGERS, args=CHAIR, data=PRODUCT_FORM),
    row("sales:product_archive", "POST", allowed=MANAGERS, args=CHAIR),
    row("sales:product_unarchive", "POST", allowed=MANAGERS, args=("@catalogue_old_product",)),
    row("sales:product_picker", query="?q=Chair"),
    row("sales:price_list_list"),
    row("sales:price_list_list", query="?archived=all"),
    row("sales:price_list_create", allowed=MANAGERS),
    row("sales:price_list_create", "POST", allowed=MANAGERS, data=LIST_FORM),
    row("sales:price_list_detail", args=RETAIL),
    row("sales:price_list_detail", args=RETAIL, query="?q=chair&show=priced&ordering=-price"),
    row("sales:price_list_edit", allowed=MANAGERS, args=RETAIL),
    row("sales:price_list_edit", "POST", allowed=MANAGERS, args=RETAIL, data=LIST_FORM | {"is_default": "on"}),
    row("sales:price_list_archive", "POST", allowed=MANAGERS, args=("@catalogue_wholesale",)),
    row("sales:price_list_unarchive", "POST", allowed=MANAGERS, args=("@catalogue_old_list",)),
    row("sales:price_set", "POST", allowed=MANAGERS, args=PRICE, data={"unit_price": "9.99"}),
    row("sales:price_remove", "POST", allowed=MANAGERS, args=PRICE),
    row(
        "sales:client_price_list",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=("@alices_client",),
        data={"price_list": "@catalogue_wholesale"},
    ),
    row("clients:tab", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=("@alices_client", "prices")),
    row("GET /api/v1/products"),
    row("GET /api/v1/products", query="?q=chair&kind=product&archived=all&ordering=-name"),
    row("POST /api/v1/products", "POST", allowed=MANAGERS, data={"name": "Matrix chair", "sku": "MX-1"}),
    row("GET /api/v1/products/{product_id}", args=CHAIR),
    row("PATCH /api/v1/products/{product_id}", "PATCH", allowed=MANAGERS, args=CHAIR, data={"name": "Stool"}),
    row("GET /api/v1/products/{product_id}/price", args=CHAIR),
    row("GET /api/v1/price-lists"),
    row("POST /api/v1/price-lists", "POST", allowed=MANAGERS, data={"name": "Matrix", "currency": "EUR"}),
    row("GET /api/v1/price-lists/{price_list_id}", args=RETAIL),
    row("PATCH /api/v1/price-lists/{price_list_id}", "PATCH", allowed=MANAGERS, args=RETAIL, data={"name": "Shop"}),
    row("GET /api/v1/price-lists/{price_list_id}/prices", args=RETAIL),
    row(
        "PUT /api/v1/price-lists/{price_list_id}/prices/{product_id}",
        "PUT",
        allowed=MANAGERS,
        args=PRICE,
        data={"unit_price": "9.99"},
    ),
    row("DELETE /api/v1/price-lists/{price_list_id}/prices/{product_id}", "DELETE", allowed=MANAGERS, args=PRICE),
    row(
        "PUT /api/v1/clients/{client_id}/price-list",
        "PUT",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=("@alices_client",),
        data={"price_list": "@catalogue_wholesale"},
    ),
]


def records(world: dict) -> dict:
    eur = currency("EUR", 2)
    chair = ProductFactory(name="Chair", sku="CH-1", unit="pc")
    retail = PriceList.objects.create(name="Retail", currency=eur, is_default=True)
    Price.objects.create(price_list=retail, product=chair, unit_price=Decimal("10"))
    return {
        "catalogue_chair": chair,
        "catalogue_old_product": ProductFactory(name="Old chair", sku="CH-0", archived=True),
        "catalogue_retail": retail,
        "catalogue_wholesale": PriceList.objects.create(name="Wholesale", currency=eur),
        "catalogue_old_list": PriceList.objects.create(name="Old list", currency=eur, archived=True),
    }
