"""Changes to the catalogue: products and services, price lists, prices, a client's price list.

The HTML screens and the API call these functions. Each checks the actor's right in the
"catalogue" module first (managers and administrators by default), checks every value, then
writes inside one transaction and records an audit entry. Bad values raise Invalid naming the
field; nothing is written.

Products are archived, never deleted: lines of deals and documents keep pointing to them, but
new lines no longer offer them. Price lists are archived the same way. Prices are rounded to
the list's currency: a price with more decimals than the currency has is refused.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.clients.services.cleaning import at_most, max_length
from carte.core import audit, policy
from carte.core.errors import Conflict, Invalid, NotFound
from carte.core.money import ZERO, parse_decimal, rounded
from carte.sales.models import ClientPriceList, Currency, Price, PriceList, Product, Tax
from carte.sales.queries.catalogue import MODULE, has_prices

Action, Verb = policy.Action, audit.Verb
PRODUCT_FIELDS = ["kind", "sku", "name", "description", "unit", "tax", "archived"]
PRICE_LIST_FIELDS = ["name", "currency", "valid_from", "valid_until", "is_default", "archived"]
PRODUCT_CHANGES = {"kind", "sku", "name", "description", "unit", "tax", "archived"}
PRICE_LIST_CHANGES = {"name", "currency", "valid_from", "valid_until", "is_default", "archived"}


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


def _refuse_unknown(function: str, changes: dict, allowed: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{function}() got unexpected fields: {', '.join(sorted(unknown))}")


def _apply(actor, record, values: dict, fields, save) -> None:
    """Put cleaned values on a record; when any changed, `save()` and audit the change."""
    before = audit.snapshot(record, fields)
    for name, value in values.items():
        setattr(record, name, value)
    changed = audit.diff(before, audit.snapshot(record, fields))
    if changed:
        save()
        audit.record(actor, Verb.UPDATE, record, changes=changed)


def _text(value, model, field: str, *, required: str = "", one_line: bool = True) -> str:
    """A text as typed: spaces collapsed (one line) or trimmed, required when `required` says why, within the column."""
    text = " ".join(str(value or "").split()) if one_line else str(value or "").strip()
    if required and not text:
        raise Invalid(errors={field: [required]})
    limit = max_length(model, field)
    if limit and len(text) > limit:
        raise Invalid(errors={field: [at_most(limit)]})
    return text


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def _clean_product(values: dict, product: Product | None) -> dict:
    """Check a product's values (those given); Invalid with every field's message at once."""
    errors: dict[str, list] = {}
    clean: dict = {}

    def check(name, reader):
        if name in values:
            try:
                clean[name] = reader(values[name])
            except Invalid as refused:
                errors.update(refused.errors)

    check("name", lambda value: _text(value, Product, "name", required=_("Give the product a name.")))
    check("sku", lambda value: _text(value, Product, "sku"))
    check("unit", lambda value: _text(value, Product, "unit"))
    check("description", lambda value: _text(value, Product, "description", one_line=False))
    check("kind", _kind)
    check("tax", lambda value: _tax(value, product))
    if "archived" in values:
        clean["archived"] = bool(values["archived"])
    if clean.get("sku") and "sku" not in errors:
        _unique_sku(clean["sku"], product, errors)
    if errors:
        raise Invalid(errors=errors)
    return clean


def _kind(value) -> str:
    if value not in Product.Kind.values:
        choices = ", ".join(Product.Kind.values)
        raise Invalid(errors={"kind": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    return str(value)


def _tax(value, product: Product | None) -> Tax | None:
    """A tax in use, or the product's current tax even if archived since."""
    if value is None:
        return None
    if not isinstance(value, Tax):
        raise TypeError("tax must be a Tax or None (use queries.catalogue.tax_by_id for ids)")
    if value.archived and (product is None or product.tax_id != value.pk):
        raise Invalid(errors={"tax": [_("The tax “%(tax)s” is archived: choose one in use.") % {"tax": value}]})
    return value


def _sku_taken(sku: str) -> str:
    return _("Another product already has the SKU “%(sku)s”.") % {"sku": sku}


def _unique_sku(sku: str, product: Product | None, errors: dict) -> None:
    others = Product.objects.filter(sku__iexact=sku)
    if product is not None:
        others = others.exclude(pk=product.pk)
    if others.exists():
        errors["sku"] = [_sku_taken(sku)]


def _save_product(product: Product, **kwargs) -> None:
    """Save, turning the database's SKU constraint (a concurrent twin) into the same clear message."""
    try:
        with transaction.atomic():
            product.save(**kwargs)
    except IntegrityError:
        raise Invalid(errors={"sku": [_sku_taken(product.sku)]}) from None


@transaction.atomic
def create_product(
    *,
    actor,
    name: str,
    kind: str = Product.Kind.PRODUCT,
    sku: str = "",
    unit: str = "",
    tax: Tax | None = None,
    description: str = "",
) -> Product:
    """Add a product or a service to the catalogue.

    The name is required; the SKU, when given, is unique (case ignored); the unit is free text
    (pc, h, day…); the tax must be one in use.
    """
    _require(actor, Action.CREATE)
    values = _clean_product(
        {"name": name, "kind": kind, "sku": sku, "unit": unit, "tax": tax, "description": description}, None
    )
    product = Product(**values)
    _save_product(product)
    audit.record(actor, Verb.CREATE, product, changes=audit.diff({}, audit.snapshot(product, PRODUCT_FIELDS)))
    return product


@transaction.atomic
def update_product(*, actor, product: Product, **changes) -> Product:
    """Change the values given (name, kind, sku, unit, tax, description, archived); the others stay.

    `archived` True stops offering the product on new lines; lines that have it keep it.
    """
    _refuse_unknown("update_product", changes, PRODUCT_CHANGES)
    _require(actor, Action.EDIT)
    values = _clean_product(changes, product)
    _apply(actor, product, values, PRODUCT_FIELDS, lambda: _save_product(product))
    return product


def archive_product(*, actor, product: Product) -> Product:
    """Stop offering a product on new lines (the lines that have it keep it)."""
    return update_product(actor=actor, product=product, archived=True)


def unarchive_product(*, actor, product: Product) -> Product:
    """Offer an archived product on new lines again."""
    return update_product(actor=actor, product=product, archived=False)


# ---------------------------------------------------------------------------------------------
# Price lists
# ---------------------------------------------------------------------------------------------


def _clean_price_list(values: dict, price_list: PriceList | None) -> dict:
    errors: dict[str, list] = {}
    clean: dict = {}
    if "name" in values:
        try:
            clean["name"] = _text(values["name"], PriceList, "name", required=_("Give the price list a name."))
        except Invalid as refused:
            errors.update(refused.errors)
        else:
            twins = PriceList.objects.filter(name__iexact=clean["name"])
            if price_list is not None:
                twins = twins.exclude(pk=price_list.pk)
            if twins.exists():
                errors["name"] = [_("Another price list is already named “%(name)s”.") % {"name": clean["name"]}]
    if "currency" in values:
        currency = values["currency"]
        if not isinstance(currency, Currency):
            raise TypeError("currency must be a Currency (use queries.catalogue.currency_for for codes)")
        if price_list is not None and currency.pk != price_list.currency_id:
            if not currency.active:
                errors["currency"] = [_("The currency %(code)s is not in use.") % {"code": currency.code}]
            elif has_prices(price_list):
                errors["currency"] = [
                    _(
                        "The currency cannot change once the list has prices: they are amounts in %(code)s. "
                        "Remove the prices first, or make a new list in the other currency."
                    )
                    % {"code": price_list.currency_id}
                ]
        elif price_list is None and not currency.active:
            errors["currency"] = [_("The currency %(code)s is not in use.") % {"code": currency.code}]
        clean["currency"] = currency
    for name in ("valid_from", "valid_until"):
        if name in values:
            day = values[name]
            if day is not None and not isinstance(day, date):
                raise TypeError(f"{name} must be a date or None")
            clean[name] = day
    for name in ("is_default", "archived"):
        if name in values:
            clean[name] = bool(values[name])
    start = clean.get("valid_from", price_list.valid_from if price_list else None)
    end = clean.get("valid_until", price_list.valid_until if price_list else None)
    if start and end and end < start:
        errors["valid_until"] = [_("The end of validity cannot come before its start.")]
    archived = clean.get("archived", price_list.archived if price_list else False)
    if archived and clean.get("is_default", price_list.is_default if price_list else False):
        target = "archived" if "archived" in values else "is_default"
        errors[target] = [
            _("The default price list cannot be archived: make another list the default first, or untick “default”.")
        ]
    if errors:
        raise Invalid(errors=errors)
    return clean


def _save_price_list(actor, price_list: PriceList) -> None:
    """Save; a list made default takes the mark from the previous default list (audited too)."""
    if price_list.is_default:
        previous = PriceList.objects.select_for_update().filter(is_default=True).exclude(pk=price_list.pk)
        for other in previous:
            other.is_default = False
            other.save(update_fields=["is_default"])
            audit.record(actor, Verb.UPDATE, other, changes={"is_default": [True, False]})
    try:
        with transaction.atomic():
            price_list.save()
    except IntegrityError:
        raise Conflict(_("Another price list was made the default at the same time. Try again.")) from None


@transaction.atomic
def create_price_list(
    *,
    actor,
    name: str,
    currency: Currency,
    valid_from: date | None = None,
    valid_until: date | None = None,
    is_default: bool = False,
) -> PriceList:
    """Add a price list in a currency in use, valid between two dates (either may be open).

    Made the default, it takes the mark from the previous default list: clients without a
    list of their own then buy from it.
    """
    _require(actor, Action.CREATE)
    values = _clean_price_list(
        {
            "name": name,
            "currency": currency,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "is_default": is_default,
        },
        None,
    )
    price_list = PriceList(**values)
    _save_price_list(actor, price_list)
    audit.record(actor, Verb.CREATE, price_list, changes=audit.diff({}, audit.snapshot(price_list, PRICE_LIST_FIELDS)))
    return price_list


@transaction.atomic
def update_price_list(*, actor, price_list: PriceList, **changes) -> PriceList:
    """Change the values given (name, currency, valid_from, valid_until, is_default, archived).

    The currency cannot change once the list has prices; the default list cannot be archived.
    """
    _refuse_unknown("update_price_list", changes, PRICE_LIST_CHANGES)
    _require(actor, Action.EDIT)
    values = _clean_price_list(changes, price_list)
    _apply(actor, price_list, values, PRICE_LIST_FIELDS, lambda: _save_price_list(actor, price_list))
    return price_list


def archive_price_list(*, actor, price_list: PriceList) -> PriceList:
    """Stop using a list: clients that have it buy from the default list; documents keep their prices."""
    return update_price_list(actor=actor, price_list=price_list, archived=True)


def unarchive_price_list(*, actor, price_list: PriceList) -> PriceList:
    """Use an archived list again."""
    return update_price_list(actor=actor, price_list=price_list, archived=False)


# ---------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def set_price(*, actor, price_list: PriceList, product: Product, unit_price) -> Price:
    """Set (or change) a product's unit price in a list.

    The price is read as typed ("1 234,50" works), must be zero or more, and may have at most
    as many decimals as the list's currency (2 for EUR, 0 for JPY, 3 for KWD).
    """
    _require(actor, Action.EDIT)
    digits = price_list.currency.digits
    amount: Decimal = parse_decimal(unit_price, "unit_price", digits=digits, minimum=ZERO)
    price = Price.objects.select_for_update().filter(price_list=price_list, product=product).first()
    if price is None:
        try:
            with transaction.atomic():
                values = {"price_list": price_list, "product": product, "unit_price": amount}
                price = Price.objects.create(**values)  # an AmountField holds a Decimal (the stubs see an integer)
        except IntegrityError:
            raise Conflict(_("Someone set this price at the same time. Look again and retry.")) from None
        audit.record(actor, Verb.CREATE, price, changes={"unit_price": [None, str(amount)]})
        return price
    if price.unit_price != amount:
        before = rounded(price.unit_price, digits)
        price.unit_price = amount
        price.save(update_fields=["unit_price"])
        audit.record(actor, Verb.UPDATE, price, changes={"unit_price": [str(before), str(amount)]})
    return price


@transaction.atomic
def remove_price(*, actor, price_list: PriceList, product: Product) -> None:
    """Take a product's price out of a list (lines already priced keep their price)."""
    _require(actor, Action.EDIT)
    price = Price.objects.select_for_update().filter(price_list=price_list, product=product).first()
    if price is None:
        raise NotFound(
            _("The price list “%(list)s” has no price for “%(product)s”.") % {"list": price_list, "product": product}
        )
    before = rounded(price.unit_price, price_list.currency.digits)
    audit.record(actor, Verb.DELETE, price, changes={"unit_price": [str(before), None]})
    price.delete()


# ---------------------------------------------------------------------------------------------
# A client's price list
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def set_client_price_list(*, actor, client: Client, price_list: PriceList | None) -> ClientPriceList | None:
    """Give a client its own price list, or None to let it buy from the default list.

    Needs the right to edit the client (not the catalogue's rights: the seller who looks after
    the client decides). An archived list cannot be given.
    """
    policy.require(actor, Action.EDIT, client)
    current = ClientPriceList.objects.select_for_update().filter(client=client).select_related("price_list").first()
    old = current.price_list if current else None
    if price_list is not None and price_list.archived and price_list != old:
        raise Invalid(errors={"price_list": [_("The price list “%(list)s” is archived.") % {"list": price_list}]})
    if old == price_list:
        return current
    if price_list is None:
        assert current is not None
        current.delete()
        result = None
    elif current is None:
        result = ClientPriceList.objects.create(client=client, price_list=price_list)
    else:
        current.price_list = price_list
        current.save(update_fields=["price_list"])
        result = current
    changes = {"price_list": [str(old) if old else None, str(price_list) if price_list else None]}
    audit.record(actor, Verb.UPDATE, client, changes=changes)
    return result
