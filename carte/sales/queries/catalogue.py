"""Reads of the catalogue: products, price lists, prices, and the price a client pays.

Every employee reads the catalogue (the "catalogue" module's view right is "all" for every
built-in role), so the lists still go through `policy.visible`: a role an admin made without
that right sees nothing.

The look-up others code against:

- `price_list_for(client, on)`: the client's own price list when it is valid that day, else the
  default list valid that day, else None (an archived list is never valid);
- `price_of(product, price_list, on)`: the product's price in that list, None when it has none
  or the list is not valid that day;
- `prices_for(product_ids, price_list)`: {product id: price} in one query, for a page of lines;
- `products_for_picker(user, text, limit)`: active products by a fragment of name or SKU.
"""

from datetime import date
from decimal import Decimal
from typing import cast

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import ordered
from carte.core.money import AmountField
from carte.sales.models import ClientPriceList, Currency, Price, PriceList, Product, Tax
from carte.sales.services.lines import currency_named

MODULE = "catalogue"
Action = policy.Action

PRODUCT_SORTS = {"name": "name", "sku": "sku", "updated": "updated_at"}
PRICE_LIST_SORTS = {"name": "name", "currency": "currency_id", "valid_from": "valid_from"}
PRICE_SORTS = {"name": "name", "sku": "sku", "price": "unit_price"}
ARCHIVED_CHOICES = ("no", "yes", "all")
PICKER_LIMIT = 50


def record_id(value) -> int | None:
    """An id read from a URL, a form or the API; None when it cannot be one (never an overflow in SQL)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def valid_on(on: date, prefix: str = "") -> Q:
    """The price lists usable on a day: not archived, and the day within their validity (open ends allowed)."""
    return (
        Q(**{f"{prefix}archived": False})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))
    )


def is_valid_on(price_list: PriceList, on: date | None = None) -> bool:
    """The same test as `valid_on`, for one list in memory."""
    day = _today(on)
    return (
        not price_list.archived
        and (price_list.valid_from is None or price_list.valid_from <= day)
        and (price_list.valid_until is None or price_list.valid_until >= day)
    )


# ---------------------------------------------------------------------------------------------
# The price look-up
# ---------------------------------------------------------------------------------------------


def price_list_for(client, on: date | None = None) -> PriceList | None:
    """The price list a client buys from on a day (today by default), in one query.

    The client's own list (ClientPriceList) when it is valid that day; otherwise the default
    list when it is valid that day; otherwise None. `client` is a Client or its id.
    """
    client_id = getattr(client, "pk", client)
    own = ClientPriceList.objects.filter(client_id=client_id, price_list=OuterRef("pk"))
    candidates = (
        PriceList.objects.filter(valid_on(_today(on)))
        .filter(Q(is_default=True) | Q(pk__in=ClientPriceList.objects.filter(client_id=client_id).values("price_list")))
        .annotate(own=Exists(own))
        .select_related("currency")
        .order_by("-own", "id")
    )
    return candidates.first()


def price_of(product, price_list: PriceList | None, on: date | None = None) -> Decimal | None:
    """The product's unit price in a list, in the list's currency; None when the list has no price
    for it, or when the list is archived or not valid on that day (today by default)."""
    if price_list is None or not is_valid_on(price_list, on):
        return None
    product_id = getattr(product, "pk", product)
    found = Price.objects.filter(price_list=price_list, product_id=product_id).values_list("unit_price", flat=True)
    return cast(Decimal | None, found.first())  # an AmountField reads as Decimal (the stubs see an integer)


def prices_for(product_ids, price_list: PriceList | None) -> dict[int, Decimal]:
    """{product id: unit price} for the products that have a price in the list, in one query.

    No date check: the caller chose the list (a deal's or a document's). None gives {}.
    """
    ids = [pk for pk in (record_id(value) for value in product_ids) if pk is not None]
    if price_list is None or not ids:
        return {}
    found = Price.objects.filter(price_list=price_list, product_id__in=ids).values_list("product_id", "unit_price")
    return {product_id: cast(Decimal, amount) for product_id, amount in found}


def products_for_picker(user, text: str, limit: int = 20) -> list[Product]:
    """Active products whose name or SKU holds `text` (case ignored), best matches first.

    An exact SKU comes first, then names starting with the text, then the rest by name. An
    empty text gives the first products by name. Archived products are never offered.
    """
    text = " ".join(str(text or "").split())[:100]
    limit = min(max(1, int(limit)), PICKER_LIMIT)
    products = policy.visible(user, Product.objects.filter(archived=False))
    if text:
        rank = Case(
            When(sku__iexact=text, then=Value(0)),
            When(name__istartswith=text, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        products = products.filter(Q(name__icontains=text) | Q(sku__icontains=text)).annotate(rank=rank)
        return list(products.order_by("rank", "name", "id")[:limit])
    return list(products.order_by("name", "id")[:limit])


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def _archived_filter(value) -> bool | None:
    """ "no" (default): active only; "yes": archived only; "all": both. Booleans are accepted too."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    value = str(value).strip().lower()
    if value not in ARCHIVED_CHOICES:
        raise Invalid(
            errors={"archived": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(ARCHIVED_CHOICES)}]}
        )
    return {"no": False, "yes": True, "all": None}[value]


def products_for(user, *, text: str = "", kind: str = "", archived=None, ordering: str | None = None) -> QuerySet:
    """The products a user may see, by a fragment of name or SKU, kind and archived state, sorted.

    `archived`: "no" (the default) for active products, "yes" for archived ones, "all" for both.
    `ordering`: name, sku or updated, "-" first for descending. Bad values raise Invalid.
    """
    products = policy.visible(user, Product.objects.select_related("tax"))
    text = " ".join(str(text or "").split())[:100]
    if text:
        products = products.filter(Q(name__icontains=text) | Q(sku__icontains=text))
    if kind:
        if kind not in Product.Kind.values:
            choices = ", ".join(Product.Kind.values)
            raise Invalid(errors={"kind": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
        products = products.filter(kind=kind)
    shown = _archived_filter(archived)
    if shown is not None:
        products = products.filter(archived=shown)
    return ordered(products, ordering, PRODUCT_SORTS, "name")


def get_product_for(user, pk, action: str = Action.VIEW) -> Product:
    """One product, if the user may see it and do `action` to it (NotFound / NotAllowed otherwise)."""
    product = policy.visible(user, Product.objects.select_related("tax")).filter(pk=record_id(pk)).first()
    if product is None:
        raise NotFound()
    if action != Action.VIEW:
        policy.require(user, action, product)
    return product


def product_prices(product: Product) -> list[PriceList]:
    """Every price list that is not archived, and archived ones that price the product, each with
    `unit_price` (None when the list has no price for it), in one query."""
    price = Price.objects.filter(price_list=OuterRef("pk"), product=product).values("unit_price")[:1]
    lists = (
        PriceList.objects.select_related("currency")
        .annotate(unit_price=Subquery(price, output_field=AmountField()))
        .filter(Q(archived=False) | Q(unit_price__isnull=False))
    )
    return list(lists.order_by("archived", "order", "name", "id"))


# ---------------------------------------------------------------------------------------------
# Price lists and their prices
# ---------------------------------------------------------------------------------------------


def price_lists_for(user, *, archived=None, ordering: str | None = None) -> QuerySet:
    """The price lists a user may see, with their currency and `price_count`, in one query.

    `archived` as for products ("no", "yes", "all"); `ordering`: name, currency or valid_from.
    The default list comes first unless another order is asked for.
    """
    lists = policy.visible(user, PriceList.objects.select_related("currency"))
    shown = _archived_filter(archived)
    if shown is not None:
        lists = lists.filter(archived=shown)
    count = Price.objects.filter(price_list=OuterRef("pk")).order_by().values("price_list")
    counted = Subquery(count.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    lists = lists.annotate(price_count=Coalesce(counted, Value(0)))
    if not ordering:
        return lists.order_by("-is_default", "order", "name", "id")
    return ordered(lists, ordering, PRICE_LIST_SORTS, "name")


def get_price_list_for(user, pk, action: str = Action.VIEW) -> PriceList:
    """One price list, if the user may see it and do `action` to it (NotFound / NotAllowed otherwise)."""
    price_list = policy.visible(user, PriceList.objects.select_related("currency")).filter(pk=record_id(pk)).first()
    if price_list is None:
        raise NotFound()
    if action != Action.VIEW:
        policy.require(user, action, price_list)
    return price_list


def _with_price(user, price_list: PriceList) -> QuerySet:
    """The products a user may see, each with `unit_price` in the list (None: no price) and `priced`."""
    prices = Price.objects.filter(price_list=price_list, product=OuterRef("pk"))
    return policy.visible(user, Product.objects.all()).annotate(
        unit_price=Subquery(prices.values("unit_price")[:1], output_field=AmountField()),
        priced=Exists(prices),
    )


def price_rows(
    user, price_list: PriceList, *, text: str = "", priced_only: bool = False, ordering: str | None = None
) -> QuerySet:
    """The products of a price list's page, each with `unit_price` in that list (None: no price).

    All active products, and archived ones that still have a price there; `priced_only` keeps
    those with a price. `ordering`: name, sku or price. One query per page (with the count).
    """
    rows = _with_price(user, price_list)
    rows = rows.filter(priced=True) if priced_only else rows.filter(Q(archived=False) | Q(priced=True))
    text = " ".join(str(text or "").split())[:100]
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(sku__icontains=text))
    return ordered(rows, ordering, PRICE_SORTS, "name")


def price_row(user, price_list: PriceList, product: Product) -> Product:
    """One product as a row of `price_rows` (after its price was set or removed), archived or not, in one query."""
    return _with_price(user, price_list).get(pk=product.pk)


def prices_of(price_list: PriceList) -> QuerySet:
    """The prices of a list with their products, by product name (for the API)."""
    return Price.objects.filter(price_list=price_list).select_related("product").order_by("product__name", "id")


def get_price(price_list: PriceList, product: Product) -> Price:
    """The price of a product in a list; NotFound when the list has none for it."""
    price = Price.objects.filter(price_list=price_list, product=product).select_related("product").first()
    if price is None:
        raise NotFound(
            _("The price list “%(list)s” has no price for “%(product)s”.") % {"list": price_list, "product": product}
        )
    return price


def has_prices(price_list: PriceList) -> bool:
    return Price.objects.filter(price_list=price_list).exists()


def client_price_list(client) -> PriceList | None:
    """The client's own price list (whatever its dates), or None when it buys from the default list."""
    client_id = getattr(client, "pk", client)
    own = ClientPriceList.objects.filter(client_id=client_id).select_related("price_list__currency").first()
    return own.price_list if own else None


def default_price_list() -> PriceList | None:
    """The list marked as default (whatever its dates), if any."""
    return PriceList.objects.filter(is_default=True).select_related("currency").first()


# ---------------------------------------------------------------------------------------------
# What the forms and the API offer, and ids read from them
# ---------------------------------------------------------------------------------------------


def taxes_in_use(keep: Tax | None = None) -> list[Tax]:
    """The taxes offered for a product: those not archived, and `keep` (its current tax) even if archived."""
    condition = Q(archived=False) | Q(pk=keep.pk) if keep is not None else Q(archived=False)
    return list(Tax.objects.filter(condition).order_by("order", "id"))


def currencies_in_use(keep: Currency | None = None) -> list[Currency]:
    """The currencies offered for a price list: those in use, and `keep` (its current one) even if not."""
    condition = Q(active=True) | Q(pk=keep.pk) if keep is not None else Q(active=True)
    return list(Currency.objects.filter(condition).order_by("code"))


def price_list_choices(user, keep: PriceList | None = None) -> list[PriceList]:
    """The lists a client may be given: those not archived (and `keep`, its current one)."""
    condition = Q(archived=False) | Q(pk=keep.pk) if keep is not None else Q(archived=False)
    lists = policy.visible(user, PriceList.objects.filter(condition).select_related("currency"))
    return list(lists.order_by("-is_default", "order", "name", "id"))


def tax_by_id(value, *, field: str = "tax") -> Tax | None:
    """The tax with this id (archived or not: the service decides); None for an empty value."""
    if value in (None, ""):
        return None
    pk = record_id(value)
    tax = Tax.objects.filter(pk=pk).first() if pk is not None else None
    if tax is None:
        raise Invalid(errors={field: [_("This tax does not exist.")]})
    return tax


def currency_for(code, *, keep: Currency | None = None, field: str = "currency") -> Currency:
    """A currency in use by its ISO code, or `keep` (a record's current currency) when the code names it."""
    if keep is not None and str(code or "").strip().upper() == keep.code:
        return keep
    return currency_named(code, field=field)


def price_list_by_id(user, value, *, field: str = "price_list") -> PriceList | None:
    """A price list the user may see, by id, for a choice; None for an empty value, Invalid when unknown."""
    if value in (None, ""):
        return None
    pk, found = record_id(value), None
    if pk is not None:
        found = policy.visible(user, PriceList.objects.select_related("currency")).filter(pk=pk).first()
    if found is None:
        raise Invalid(errors={field: [_("This price list does not exist.")]})
    return found
