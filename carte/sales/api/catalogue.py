"""The catalogue in the API: products, price lists, prices, the price look-up, a client's price list.

Everyone reads; changes need the "catalogue" module's rights (managers and administrators by
default), except a client's price list, which follows the right to edit the client. Prices are
sent and answered as strings ("1250.00") to keep them exact; numbers are accepted too.
"""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.clients import queries as client_queries
from carte.core.api import PageOut, paged
from carte.core.errors import NotFound
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of
from carte.sales.models import PriceList, Product
from carte.sales.queries import catalogue as queries
from carte.sales.services import catalogue as services

router = Router(tags=["catalogue"])
Number = str | int | float


def _amount(amount: Decimal | None, digits: int) -> str | None:
    return None if amount is None else f"{amount:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------


class TaxRef(Schema):
    id: int
    name: str
    rate: Decimal
    included: bool


class ProductOut(Schema):
    id: int
    kind: str = Field(description="product or service.")
    sku: str
    name: str
    description: str
    unit: str
    tax: TaxRef | None = Field(description="The tax a new line with this product gets.")
    archived: bool = Field(description="Not offered on new lines; lines that have it keep it.")
    created_at: str
    updated_at: str

    @staticmethod
    def resolve_created_at(product) -> str:
        return product.created_at.isoformat()

    @staticmethod
    def resolve_updated_at(product) -> str:
        return product.updated_at.isoformat()


class ProductIn(Schema):
    name: str = Field(max_length=300)
    kind: str = Field("product", description="product or service.")
    sku: str = Field("", max_length=64, description="Unique when given (case ignored).")
    unit: str = Field("", max_length=20, description="Free text: pc, h, day, kg, m, service…")
    tax: int | None = Field(None, description="Id of a tax in use (GET /taxes), or null.")
    description: str = Field("", max_length=2000)


class ProductPatch(Schema):
    """Only what is sent changes."""

    name: str | None = Field(None, max_length=300)
    kind: str | None = None
    sku: str | None = Field(None, max_length=64)
    unit: str | None = Field(None, max_length=20)
    tax: int | None = Field(None, description="Id of a tax in use, or null for none.")
    description: str | None = Field(None, max_length=2000)
    archived: bool | None = Field(None, description="true stops offering it on new lines; false offers it again.")


class ProductFilters(Schema):
    q: str | None = Field(None, description="A fragment of the name or the SKU.")
    kind: str | None = Field(None, description="product or service.")
    archived: str | None = Field(None, description="no (default), yes or all.")
    ordering: str | None = Field(None, description="name, sku or updated; `-` first for descending.")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class PriceListRef(Schema):
    id: int
    name: str


class PriceListOut(Schema):
    id: int
    name: str
    currency: str = Field(description="ISO 4217 code; the prices are in it.")
    valid_from: date | None
    valid_until: date | None
    is_default: bool = Field(description="Clients without a list of their own (valid that day) buy from it.")
    archived: bool

    @staticmethod
    def resolve_currency(price_list) -> str:
        return price_list.currency_id


class PriceListIn(Schema):
    name: str = Field(max_length=100)
    currency: str = Field(description="ISO 4217 code of a currency in use.")
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="Not before valid_from.")
    is_default: bool = Field(False, description="Takes the default mark from the previous default list.")


class PriceListPatch(Schema):
    """Only what is sent changes. The currency cannot change once the list has prices."""

    name: str | None = Field(None, max_length=100)
    currency: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    is_default: bool | None = None
    archived: bool | None = Field(None, description="The default list cannot be archived.")


class PriceListFilters(Schema):
    archived: str | None = Field(None, description="no (default), yes or all.")
    ordering: str | None = Field(None, description="name, currency or valid_from; default first when omitted.")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class ProductRef(Schema):
    id: int
    name: str
    sku: str
    unit: str
    archived: bool


class PriceOut(Schema):
    product: ProductRef
    unit_price: str = Field(description='In the list\'s currency, with its decimals ("1250.00").')


class PriceIn(Schema):
    unit_price: Number = Field(
        description="Zero or more, with at most the currency's decimals (0 for JPY, 2 for EUR, 3 for KWD)."
    )


class PriceLookupOut(Schema):
    price_list: PriceListRef
    currency: str
    unit_price: str


class ClientPriceListIn(Schema):
    price_list: int | None = Field(description="Id of a price list not archived, or null for the default list.")


class ClientPriceListOut(Schema):
    client: int
    price_list: PriceListRef | None = Field(description="The client's own list; null: it buys from the default list.")
    current: PriceListRef | None = Field(description="The list it buys from today (its own or the default), if any.")


def _price(price) -> dict:
    return {
        "product": price.product,
        "unit_price": _amount(price.unit_price, price.price_list.currency.digits),
    }


def _product_values(data: dict) -> dict:
    if "tax" in data:
        data["tax"] = queries.tax_by_id(data["tax"])
    return data


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


@router.get("/products", response=PageOut[ProductOut], summary="List products")
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    """Active products by default; `archived=all` for every one."""
    products = queries.products_for(
        request.user,
        text=filters.q or "",
        kind=filters.kind or "",
        archived=filters.archived,
        ordering=filters.ordering,
    )
    page = page_of(products, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/products", response={201: ProductOut}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductIn):
    product = services.create_product(actor=request.user, **_product_values(payload.dict()))
    return Status(201, queries.get_product_for(request.user, product.pk))


@router.get("/products/{int:product_id}", response=ProductOut, summary="Read a product")
def read_product(request: HttpRequest, product_id: int):
    return queries.get_product_for(request.user, product_id)


@router.patch("/products/{int:product_id}", response=ProductOut, summary="Change a product")
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    product = queries.get_product_for(request.user, product_id, "edit")
    changes = _product_values(payload.dict(exclude_unset=True))
    for name in ("name", "kind", "sku", "unit", "description", "archived"):
        if name in changes and changes[name] is None:
            del changes[name]  # null leaves these as they are; only `tax` may be emptied
    services.update_product(actor=request.user, product=product, **changes)
    return queries.get_product_for(request.user, product_id)


@router.get("/products/{int:product_id}/price", response=PriceLookupOut, summary="A product's price")
def product_price(
    request: HttpRequest,
    product_id: int,
    client: int | None = None,
    price_list: int | None = None,
    on: date | None = None,
):
    """The price on a day (`on`, today by default) in `price_list` when given, else in the list
    the `client` buys from that day, else in the default list. 404 with the reason when none."""
    product = queries.get_product_for(request.user, product_id)
    chosen: PriceList | None
    if price_list is not None:
        chosen = queries.get_price_list_for(request.user, price_list)
    elif client is not None:
        chosen = queries.price_list_for(client_queries.get_client_for(request.user, client), on)
    else:
        chosen = queries.price_list_for(None, on)
    if chosen is None:
        raise NotFound(_("No price list applies on that day."))
    amount = queries.price_of(product, chosen, on)
    if amount is None:
        if not queries.is_valid_on(chosen, on):
            raise NotFound(_("The price list “%(list)s” is not valid on that day.") % {"list": chosen})
        raise NotFound(
            _("The price list “%(list)s” has no price for “%(product)s”.") % {"list": chosen, "product": product}
        )
    return {
        "price_list": chosen,
        "currency": chosen.currency_id,
        "unit_price": _amount(amount, chosen.currency.digits),
    }


# ---------------------------------------------------------------------------------------------
# Price lists and prices
# ---------------------------------------------------------------------------------------------


@router.get("/price-lists", response=PageOut[PriceListOut], summary="List price lists")
def list_price_lists(request: HttpRequest, filters: Query[PriceListFilters]):
    lists = queries.price_lists_for(request.user, archived=filters.archived, ordering=filters.ordering)
    page = page_of(lists, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/price-lists", response={201: PriceListOut}, summary="Create a price list")
def create_price_list(request: HttpRequest, payload: PriceListIn):
    data = payload.dict()
    data["currency"] = queries.currency_for(data["currency"])
    price_list = services.create_price_list(actor=request.user, **data)
    return Status(201, price_list)


@router.get("/price-lists/{int:price_list_id}", response=PriceListOut, summary="Read a price list")
def read_price_list(request: HttpRequest, price_list_id: int):
    return queries.get_price_list_for(request.user, price_list_id)


@router.patch("/price-lists/{int:price_list_id}", response=PriceListOut, summary="Change a price list")
def update_price_list(request: HttpRequest, price_list_id: int, payload: PriceListPatch):
    price_list: PriceList = queries.get_price_list_for(request.user, price_list_id, "edit")
    changes = payload.dict(exclude_unset=True)
    for name in ("name", "currency", "is_default", "archived"):
        if name in changes and changes[name] is None:
            del changes[name]  # null leaves these as they are; only the dates may be emptied
    if "currency" in changes:
        changes["currency"] = queries.currency_for(changes["currency"], keep=price_list.currency)
    return services.update_price_list(actor=request.user, price_list=price_list, **changes)


@router.get("/price-lists/{int:price_list_id}/prices", response=PageOut[PriceOut], summary="A price list's prices")
def list_prices(request: HttpRequest, price_list_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE):
    """The products the list prices, by product name."""
    price_list = queries.get_price_list_for(request.user, price_list_id)
    found = page_of(queries.prices_of(price_list), page, page_size)
    for price in found.items:
        price.price_list = price_list  # its currency, read once
    return paged(found, [_price(price) for price in found.items])


@router.put(
    "/price-lists/{int:price_list_id}/prices/{int:product_id}", response=PriceOut, summary="Set a product's price"
)
def set_price(request: HttpRequest, price_list_id: int, product_id: int, payload: PriceIn):
    price_list = queries.get_price_list_for(request.user, price_list_id, "edit")
    product: Product = queries.get_product_for(request.user, product_id)
    price = services.set_price(
        actor=request.user, price_list=price_list, product=product, unit_price=payload.unit_price
    )
    price.product, price.price_list = product, price_list
    return _price(price)


@router.delete(
    "/price-lists/{int:price_list_id}/prices/{int:product_id}", response={204: None}, summary="Remove a price"
)
def remove_price(request: HttpRequest, price_list_id: int, product_id: int):
    price_list = queries.get_price_list_for(request.user, price_list_id, "edit")
    product = queries.get_product_for(request.user, product_id)
    services.remove_price(actor=request.user, price_list=price_list, product=product)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------
# A client's price list
# ---------------------------------------------------------------------------------------------


@router.put("/clients/{int:client_id}/price-list", response=ClientPriceListOut, summary="Set a client's price list")
def set_client_price_list(request: HttpRequest, client_id: int, payload: ClientPriceListIn):
    """Needs the right to edit the client. null: the client buys from the default list."""
    client = client_queries.get_client_for(request.user, client_id, "edit")
    price_list = queries.price_list_by_id(request.user, payload.price_list)
    services.set_client_price_list(actor=request.user, client=client, price_list=price_list)
    return {
        "client": client.pk,
        "price_list": queries.client_price_list(client),
        "current": queries.price_list_for(client),
    }
