"""Priced lines, shared by deals and documents: read what people typed, price it, write it.

A line as the screens and the API send it is a dict: product (id, optional), description,
quantity, unit, unit_price, discount (percent), tax (id, optional). `clean_lines` checks every
line and prices it; errors name the line and the field ("lines.2.quantity") so a form can
show them where they belong, and nothing is written unless every line is good.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from carte.core.errors import Invalid
from carte.core.money import HUNDRED, SCALE, ZERO, LineAmounts, parse_decimal, price_line, totals
from carte.sales.models import Currency, PricedLine, Product, Tax

DESCRIPTION_LENGTH: int = PricedLine._meta.get_field("description").max_length or 500
UNIT_LENGTH: int = PricedLine._meta.get_field("unit").max_length or 20
MAX_LINES = 500


@dataclass
class Line:
    """One checked line, priced in its currency, ready to be saved on a deal or a document."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = ""
    discount: Decimal = ZERO
    product: Product | None = None
    tax: Tax | None = None
    amounts: LineAmounts = field(default_factory=lambda: LineAmounts(ZERO, ZERO, ZERO))

    def values(self) -> dict:
        """The model fields of the line (for DealLine or DocumentLine)."""
        return {
            "product": self.product,
            "description": self.description,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": self.unit_price,
            "discount": self.discount,
            "tax": self.tax,
            "tax_rate": self.tax.rate if self.tax else ZERO,
            "tax_included": bool(self.tax and self.tax.included),
            "net": self.amounts.net,
            "tax_amount": self.amounts.tax,
            "total": self.amounts.total,
        }


def currency_named(code, *, field: str = "currency") -> Currency:
    """A currency in use, by its ISO code; Invalid with a message naming `field` otherwise."""
    code = str(code or "").strip().upper()
    found = Currency.objects.filter(code=code, active=True).first() if code else None
    if found is None:
        raise Invalid(errors={field: [_("Unknown currency: %(code)s.") % {"code": code or "—"}]})
    return found


def clean_lines(raw_lines, *, currency: Currency, field: str = "lines", kept=()) -> list[Line]:
    """Check and price every line; Invalid with every line's errors when any is wrong.

    Archived products and taxes are refused on new lines, but those the record's saved lines
    (`kept`) already carry stay acceptable: editing a deal never forces its old lines to change.
    """
    raw_lines = list(raw_lines or [])
    if len(raw_lines) > MAX_LINES:
        raise Invalid(errors={field: [_("At most %(count)d lines.") % {"count": MAX_LINES}]})
    kept = list(kept)
    kept_products = {line.product_id for line in kept if line.product_id}
    kept_taxes = {line.tax_id for line in kept if line.tax_id}
    products = _by_id(Product.objects.filter(Q(archived=False) | Q(pk__in=kept_products)), raw_lines, "product")
    taxes = _by_id(Tax.objects.filter(Q(archived=False) | Q(pk__in=kept_taxes)), raw_lines, "tax")
    lines, errors = [], {}
    for index, raw in enumerate(raw_lines):
        try:
            lines.append(_clean_line(raw, currency, products, taxes))
        except Invalid as refused:
            for name, messages in refused.errors.items():
                errors[f"{field}.{index}.{name}"] = messages
    if errors:
        raise Invalid(errors=errors)
    return lines


def _by_id(queryset, raw_lines, key: str) -> dict[str, models.Model]:
    wanted = {str(raw.get(key)) for raw in raw_lines if raw.get(key) not in (None, "")}
    ids = [int(value) for value in wanted if value.isdigit()]
    return {str(record.pk): record for record in queryset.filter(pk__in=ids)}


def _clean_line(raw: dict, currency: Currency, products: dict, taxes: dict) -> Line:
    errors: dict[str, list] = {}

    def read(name, **rules):
        try:
            return parse_decimal(raw.get(name), name, **rules)
        except Invalid as refused:
            errors.update(refused.errors)
            return ZERO

    product = _pick(raw, "product", products, _("This product does not exist or is archived."), errors)
    tax = _pick(raw, "tax", taxes, _("This tax does not exist or is archived."), errors)
    if "tax" not in raw and product is not None:
        tax = product.tax
    quantity = read("quantity", digits=SCALE)
    if "quantity" not in errors and quantity <= 0:
        errors["quantity"] = [_("The quantity must be more than zero.")]
    unit_price = read("unit_price", digits=currency.digits, minimum=ZERO)
    discount = read("discount", digits=2, minimum=ZERO) if raw.get("discount") not in (None, "") else ZERO
    if discount > HUNDRED:
        errors["discount"] = [_("A discount is at most 100 %.")]
    description = " ".join(str(raw.get("description") or (product.name if product else "")).split())
    if not description:
        errors["description"] = [_("Describe what is sold, or pick a product.")]
    elif len(description) > DESCRIPTION_LENGTH:
        errors["description"] = [_("At most %(count)d characters.") % {"count": DESCRIPTION_LENGTH}]
    unit = str(raw.get("unit") or (product.unit if product else "")).strip()[:UNIT_LENGTH]
    if errors:
        raise Invalid(errors=errors)
    amounts = price_line(
        quantity,
        unit_price,
        discount=discount,
        tax_rate=tax.rate if tax else ZERO,
        tax_included=bool(tax and tax.included),
        digits=currency.digits,
    )
    return Line(description, quantity, unit_price, unit, discount, product, tax, amounts)


def _pick(raw: dict, key: str, known: dict, message: str, errors: dict):
    value = raw.get(key)
    if value in (None, ""):
        return None
    found = known.get(str(value))
    if found is None:
        errors[key] = [message]
    return found


def total_of(lines: list[Line]) -> LineAmounts:
    return totals(line.amounts for line in lines)


def replace_lines(model, owner_field: str, owner, lines: list[Line]) -> list:
    """Write `lines` as the whole set of lines of `owner` (a deal or a document), in order."""
    model.objects.filter(**{owner_field: owner}).delete()
    return model.objects.bulk_create(
        model(**{owner_field: owner}, position=position, **line.values())
        for position, line in enumerate(lines, start=1)
    )


def as_raw(line: PricedLine) -> dict:
    """A saved line as `clean_lines` reads it: to copy a deal's lines onto a document, or to edit them."""
    return {
        "product": line.product_id,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "tax": line.tax_id,
    }
