"""Money: exact amounts, their rounding, and the arithmetic of a priced line.

Amounts are Decimal, never float. In the database they are whole numbers of thousandths
(`AmountField`), so sums are exact on SQLite as on PostgreSQL and a raw SQL sum divided by
1,000 gives what the application shows. Three decimals hold every currency's minor units
(0 for JPY, 2 for EUR, 3 for KWD); services round to the currency's own units.

A line is priced as accountants expect: quantity × unit price, less the discount, rounded to
the currency's minor units once per line (half up); the tax of the line is then rounded once
too. A document's totals are the exact sums of its rounded lines, so the total always equals
what a reader adds up from the printed lines.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.core.errors import Invalid

SCALE = 3  # decimals kept in the database for amounts, unit prices and quantities
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Largest magnitude stored: a signed 64-bit integer of thousandths, less a margin for sums.
LIMIT = Decimal(10) ** 15


def units(digits: int) -> Decimal:
    """The smallest step of a currency with `digits` minor units: 2 → 0.01, 0 → 1."""
    return Decimal(1).scaleb(-digits)


def rounded(amount: Decimal, digits: int) -> Decimal:
    """Round half up to `digits` decimals, as invoices and tax returns do."""
    return amount.quantize(units(digits), rounding=ROUND_HALF_UP)


def shown(amount: Decimal, digits: int = 2, code: str = "") -> str:
    """An amount as the reader writes it, with its currency: "1,250.00 EUR" (or "1 250,00 EUR")."""
    text = formats.number_format(Decimal(amount), decimal_pos=digits, use_l10n=True, force_grouping=True)
    return f"{text}\u00a0{code}" if code else text


def decimals_of(amount: Decimal) -> int:
    """How many decimals an amount is written with ("10.50" → 2, "10" → 0)."""
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_decimal(value, field: str, *, digits: int = SCALE, minimum: Decimal | None = None) -> Decimal:
    """Read a number the user typed or the API sent; Invalid names `field` when it is not one.

    Refuses more than `digits` decimals (a price of 10.005 EUR), anything below `minimum`
    and anything beyond what the database stores. "1 234,56" and "1234.56" both read.
    """
    if isinstance(value, float):
        value = repr(value)
    text = str(value if value is not None else "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Invalid(errors={field: [_("Enter a number.")]}) from None
    if not amount.is_finite():
        raise Invalid(errors={field: [_("Enter a number.")]})
    if decimals_of(amount) > digits:
        raise Invalid(errors={field: [too_many_decimals(digits)]})
    if minimum is not None and amount < minimum:
        raise Invalid(errors={field: [_("Enter a number of at least %(minimum)s.") % {"minimum": minimum}]})
    if abs(amount) >= LIMIT:
        raise Invalid(errors={field: [_("This number is too large.")]})
    return amount.quantize(units(digits)) if digits < SCALE else amount


def too_many_decimals(digits: int) -> str:
    if digits == 0:
        return _("Enter a whole number: this currency has no minor units.")
    return _("Enter at most %(digits)d decimals.") % {"digits": digits}


@dataclass(frozen=True)
class LineAmounts:
    """What one priced line comes to: before tax, the tax, and with tax."""

    net: Decimal
    tax: Decimal
    total: Decimal


def price_line(
    quantity: Decimal,
    unit_price: Decimal,
    *,
    discount: Decimal = ZERO,
    tax_rate: Decimal = ZERO,
    tax_included: bool = False,
    digits: int = 2,
) -> LineAmounts:
    """The amounts of one line, each rounded once to the currency's minor units.

    `discount` and `tax_rate` are percentages (10 for 10 %). With `tax_included` the unit
    price already holds the tax: the line's total is the price, and the tax is taken out of it.
    """
    priced = rounded(quantity * unit_price * (HUNDRED - discount) / HUNDRED, digits)
    if tax_included:
        net = rounded(priced * HUNDRED / (HUNDRED + tax_rate), digits)
        return LineAmounts(net=net, tax=priced - net, total=priced)
    tax = rounded(priced * tax_rate / HUNDRED, digits)
    return LineAmounts(net=priced, tax=tax, total=priced + tax)


def totals(lines: Iterable[LineAmounts]) -> LineAmounts:
    """The exact sum of rounded lines: what a document's totals show."""
    net = tax = total = ZERO
    for line in lines:
        net, tax, total = net + line.net, tax + line.tax, total + line.total
    return LineAmounts(net=net, tax=tax, total=total)


def convert(amount: Decimal, rate: Decimal, digits: int) -> Decimal:
    """An amount in another currency at `rate` (units of the target per unit of the source)."""
    return rounded(amount * rate, digits)


class AmountField(models.BigIntegerField):
    """A Decimal stored as a whole number of thousandths: exact sums on every database.

    Used for money, unit prices and quantities. Values with more than three decimals are
    refused rather than silently rounded (services round to the currency's units first).
    """

    description = gettext_lazy("Amount (exact, three decimals)")

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(value).scaleb(-SCALE)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Enter a number."), code="invalid") from None

    def get_prep_value(self, value):
        if value is None:
            return None
        amount = self.to_python(value)
        if decimals_of(amount) > SCALE:
            raise ValueError(f"{amount} has more than {SCALE} decimals")
        return int(amount.scaleb(SCALE))

    def formfield(self, **kwargs):  # type: ignore[override]  # a decimal field, not an integer one
        from django import forms

        return forms.DecimalField(decimal_places=SCALE, **kwargs)


def to_stored(amount: Decimal) -> int:
    """The whole number of thousandths the database holds for an amount (raw SQL, bulk loads)."""
    return int(amount.scaleb(SCALE))


def from_stored(value: int) -> Decimal:
    return Decimal(value).scaleb(-SCALE)
