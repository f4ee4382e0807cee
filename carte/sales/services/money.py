"""Money settings: the currencies in use, the base currency, exchange rates (by hand or from a CSV), taxes.

Everyone reads these settings; changing them takes the rights of the "sales_settings" module
(only the Administrator by default). Every change is audited. A currency that deals,
documents, price lists or legal entities use stays in use; rates are kept against the base
currency of the day they were entered (see docs/decisions/0003-money.md).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.core import audit, policy
from carte.core.errors import Conflict, Invalid
from carte.core.money import ZERO, parse_decimal
from carte.core.uploads import MEGABYTE, kind_of, too_large
from carte.sales.currencies import CURRENCIES
from carte.sales.models import Currency, Deal, LegalEntity, PriceList, Rate, SalesDocument, Tax
from carte.sales.queries.company import MODULE, base_currency

Action, Verb = policy.Action, audit.Verb

RATE_DIGITS = 10
RATE_LIMIT = Decimal(10) ** 14  # the column holds 24 digits, 10 of them decimals
CSV_MAX_SIZE = 2 * MEGABYTE
REPORT_LIMIT = 200  # problems listed on the page and in the API answer; the count says how many more
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
POSITIONAL = {"date": 0, "currency": 1, "rate": 2, "base": 3}  # the columns of a file without a header
ORDER_STEP = 10
SEEDED_TAXES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("0"))
CURRENCY_FIELDS = ["active", "is_base"]
RATE_FIELDS = ["currency", "base", "date", "rate"]
TAX_FIELDS = ["name", "rate", "included", "archived", "order"]
# The names a header row may give its columns (any case), in English, French and Russian.
COLUMN_NAMES = {
    "date": "date",
    "day": "date",
    "jour": "date",
    "дата": "date",
    "currency": "currency",
    "code": "currency",
    "devise": "currency",
    "валюта": "currency",
    "rate": "rate",
    "value": "rate",
    "taux": "rate",
    "cours": "rate",
    "курс": "rate",
    "base": "base",
    "база": "base",
}


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


def seed_money_settings(using: str = "default") -> None:
    """What a new installation starts with; tables that already hold rows are left as admins made them.

    Currencies: the ISO table, EUR and USD in use, EUR the base (RUB when the installation
    speaks Russian). Taxes: VAT 20 %, 10 %, 5.5 % and 0 %, named in the installation's language.
    """
    if not Currency.objects.using(using).exists():
        base = "RUB" if settings.LANGUAGE_CODE == "ru" else "EUR"
        with translation.override("en"):
            Currency.objects.using(using).bulk_create(
                Currency(
                    code=known.code,
                    name=str(known.name),
                    symbol=known.symbol,
                    digits=known.digits,
                    active=known.code in {"EUR", "USD", base},
                    is_base=known.code == base,
                )
                for known in CURRENCIES
            )
    if not Tax.objects.using(using).exists():
        with translation.override(settings.LANGUAGE_CODE):
            Tax.objects.using(using).bulk_create(
                Tax(
                    name=_("VAT %(rate)s %%") % {"rate": formats.number_format(rate)},
                    rate=rate,
                    order=order * ORDER_STEP,
                )
                for order, rate in enumerate(SEEDED_TAXES, start=1)
            )


# ---------------------------------------------------------------------------------------------
# Currencies
# ---------------------------------------------------------------------------------------------


def currency_uses(currency: Currency) -> list[str]:
    """What still uses a currency (deals, documents, price lists, legal entities), as words for a message."""
    uses = [
        (Deal.objects.filter(currency=currency), _("deals")),
        (SalesDocument.objects.filter(currency=currency), _("sales documents")),
        (PriceList.objects.filter(currency=currency), _("price lists")),
        (LegalEntity.objects.filter(default_currency=currency), _("legal entities")),
    ]
    return [label for records, label in uses if records.exists()]


def _save_currency(actor, currency: Currency, before: dict) -> Currency:
    currency.save(update_fields=CURRENCY_FIELDS)
    changes = audit.diff(before, audit.snapshot(currency, CURRENCY_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, currency, changes=changes)
    return currency


@transaction.atomic
def set_currency_in_use(*, actor, currency: Currency, active: bool) -> Currency:
    """Switch a currency on (offered for deals, prices and documents) or off.

    The base currency, and a currency that deals, documents, price lists or legal entities
    use, stay on (Conflict says what uses it).
    """
    _require(actor, Action.EDIT)
    currency = Currency.objects.select_for_update().get(pk=currency.pk)
    before = audit.snapshot(currency, CURRENCY_FIELDS)
    if not active and currency.active:
        if currency.is_base:
            raise Conflict(
                _("%(code)s is the base currency: choose another base currency before switching it off.")
                % {"code": currency.code}
            )
        uses = currency_uses(currency)
        if uses:
            raise Conflict(
                _("%(code)s cannot be switched off: %(uses)s use it.")
                % {"code": currency.code, "uses": ", ".join(uses)}
            )
    currency.active = bool(active)
    return _save_currency(actor, currency, before)


def set_base_currency(*, actor, currency: Currency) -> Currency:
    """Make `currency` the one reports add up in (switching it on); there is always exactly one.

    Rates are kept against the base currency: after a change, rates against the new base are
    needed for conversions (the old ones are kept, unused).
    """
    _require(actor, Action.EDIT)
    try:
        with transaction.atomic():
            currency = Currency.objects.select_for_update().get(pk=currency.pk)
            if currency.is_base:
                return currency
            previous = Currency.objects.select_for_update().filter(is_base=True).first()
            Currency.objects.filter(is_base=True).update(is_base=False)
            before = audit.snapshot(currency, CURRENCY_FIELDS)
            currency.is_base, currency.active = True, True
            currency.save(update_fields=CURRENCY_FIELDS)
            audit.record(
                actor,
                Verb.UPDATE,
                currency,
                changes=audit.diff(before, audit.snapshot(currency, CURRENCY_FIELDS))
                | {"base_currency": [previous.code if previous else None, currency.code]},
            )
            return currency
    except IntegrityError:
        # Two admins chose a base at the same moment: the other one won.
        raise Conflict(_("Someone else changed the base currency at the same time; look again and retry.")) from None


@transaction.atomic
def review_money_settings(*, actor, currency: Currency) -> Currency:
    """Make `currency` the base currency (see set_base_currency), and note that a person reviewed it.

    When it already was the base, nothing changes but an audit entry saying so: the checklist's
    money step then counts the review, as it would a change.
    """
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)
    if currency.is_base:
        audit.record(actor, audit.Verb.UPDATE, currency, changes={"is_base": [True, True]})
        return currency
    return set_base_currency(actor=actor, currency=currency)


def update_currency(*, actor, currency: Currency, active: bool | None = None, is_base: bool | None = None) -> Currency:
    """Switch a currency on or off and/or make it the base (None: unchanged), for the API."""
    _require(actor, Action.EDIT)
    if is_base is False and currency.is_base:
        raise Invalid(
            errors={"is_base": [_("There is always a base currency: make another currency the base instead.")]}
        )
    with transaction.atomic():
        if is_base:
            currency = set_base_currency(actor=actor, currency=currency)
        if active is not None:
            currency = set_currency_in_use(actor=actor, currency=currency, active=active)
    return currency


# ---------------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------------


def parse_day(value, field_name: str = "date") -> date:
    """A date given as a date, or as text: 2024-01-31, 31.01.2024 or 31/01/2024."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if not text:
        raise Invalid(errors={field_name: [_("Enter a date.")]})
    raise Invalid(
        errors={
            field_name: [
                _("“%(value)s” is not a date: write it as 2024-01-31, 31.01.2024 or 31/01/2024.") % {"value": text[:30]}
            ]
        }
    )


def parse_rate(value, field_name: str = "rate") -> Decimal:
    """An exchange rate: a number above zero with at most 10 decimals ("0,9215" reads too)."""
    rate = parse_decimal(value, field_name, digits=RATE_DIGITS)
    if rate <= ZERO:
        raise Invalid(errors={field_name: [_("The rate must be more than zero.")]})
    if rate >= RATE_LIMIT:
        raise Invalid(errors={field_name: [_("This number is too large.")]})
    return rate


def _gather(errors: dict, parse):
    """The value `parse()` gives, or None with its errors added to `errors` (to report every field at once)."""
    try:
        return parse()
    except Invalid as refused:
        errors |= refused.errors
        return None


def _check_not_base(currency: Currency, base: Currency, field_name: str = "currency") -> None:
    if currency.pk == base.pk:
        raise Invalid(
            errors={field_name: [_("%(code)s is the base currency: its rate is always 1.") % {"code": currency.code}]}
        )


def _taken(currency: Currency, base: Currency, day: date, *, but: Rate | None = None) -> None:
    others = Rate.objects.filter(currency=currency, base=base, date=day)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise Invalid(
            errors={
                "date": [
                    _("%(code)s already has a rate on %(date)s: change that one instead.")
                    % {"code": currency.code, "date": formats.date_format(day, "SHORT_DATE_FORMAT")}
                ]
            }
        )


@transaction.atomic
def add_rate(*, actor, currency: Currency, date, rate) -> Rate:
    """Record what one unit of `currency` was worth in the base currency on `date`.

    One rate per currency and day: another one for the same day is refused (change it instead).
    """
    _require(actor, Action.CREATE)
    base = base_currency()
    errors: dict = {}
    day = _gather(errors, lambda: parse_day(date))
    rate_value = _gather(errors, lambda: parse_rate(rate))
    if errors or day is None or rate_value is None:
        raise Invalid(errors=errors)
    _check_not_base(currency, base)
    _taken(currency, base, day)
    record = Rate.objects.create(currency=currency, base=base, date=day, rate=rate_value)
    audit.record(actor, Verb.CREATE, record, changes=audit.diff({}, audit.snapshot(record, RATE_FIELDS)))
    return record


@transaction.atomic
def change_rate(*, actor, rate: Rate, date=None, value=None) -> Rate:
    """Correct a rate's day and/or value (None: unchanged)."""
    _require(actor, Action.EDIT)
    rate = Rate.objects.select_for_update().select_related("currency", "base").get(pk=rate.pk)
    before = audit.snapshot(rate, RATE_FIELDS)
    errors: dict = {}
    day = _gather(errors, lambda: parse_day(date)) if date is not None else rate.date
    amount = _gather(errors, lambda: parse_rate(value)) if value is not None else rate.rate
    if errors:
        raise Invalid(errors=errors)
    rate.date, rate.rate = day, amount
    _taken(rate.currency, rate.base, rate.date, but=rate)
    rate.save(update_fields=["date", "rate"])
    changes = audit.diff(before, audit.snapshot(rate, RATE_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, rate, changes=changes)
    return rate


@transaction.atomic
def delete_rate(*, actor, rate: Rate) -> None:
    """Forget a rate; conversions on its day then use the latest one before it."""
    _require(actor, Action.DELETE)
    before = audit.snapshot(rate, RATE_FIELDS)
    audit.record(actor, Verb.DELETE, rate, changes=audit.diff(before, dict.fromkeys(before)))
    rate.delete()


@dataclass
class RowProblem:
    """What is wrong with one row of an imported file (`row` counts from 1, the header included)."""

    row: int
    messages: list[str]


@dataclass
class ImportReport:
    """What an import of rates read and did: nothing is written unless every row is good."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def shown_problems(self) -> list[RowProblem]:
        return self.problems[:REPORT_LIMIT]

    @property
    def more_problems(self) -> int:
        return max(0, len(self.problems) - REPORT_LIMIT)


class RatesRefused(Invalid):
    """An import with bad rows: `report` says which and why; nothing was saved."""

    def __init__(self, report: ImportReport):
        count = len(report.problems)
        message = ngettext(
            "%(count)d row is not valid: nothing was imported.",
            "%(count)d rows are not valid: nothing was imported.",
            count,
        ) % {"count": count}
        super().__init__(message, errors={"file": [message]})
        self.report = report


@dataclass(frozen=True)
class _ParsedRate:
    row: int
    currency: Currency
    day: date
    rate: Decimal


def _read_text(file) -> str:
    """The file's text, or Invalid naming "file": too large, empty, binary or not UTF-8."""
    if file is None:
        raise Invalid(errors={"file": [_("Choose a CSV file.")]})
    size = getattr(file, "size", None)
    if size is not None and size > CSV_MAX_SIZE:
        raise Invalid(errors={"file": [too_large(CSV_MAX_SIZE)]})
    content = file.read(CSV_MAX_SIZE + 1)
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > CSV_MAX_SIZE:
        raise Invalid(errors={"file": [too_large(CSV_MAX_SIZE)]})
    if not content.strip():
        raise Invalid(errors={"file": [_("The file is empty.")]})
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Invalid(errors={"file": [not_utf8()]})
    if b"\x00" in content or kind_of(content) not in ("html", ""):
        raise Invalid(errors={"file": [_("This is not a CSV file: it holds binary data.")]})
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(errors={"file": [not_utf8()]}) from None


def not_utf8() -> str:
    return _("The file is not UTF-8 text. Save it as “CSV UTF-8” in your spreadsheet and try again.")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first else ("\t" if "\t" in first and "," not in first else ",")


def _header(cells: list[str]) -> dict[str, int]:
    """The columns a header row names ({"date": 0, "currency": 1, …}); names it does not know are left out."""
    names = [COLUMN_NAMES.get(cell.strip().casefold()) for cell in cells]
    return {name: index for index, name in enumerate(names) if name}


def _is_header(cells: list[str]) -> bool:
    """Is this first row a header? It names a column we know, or holds no digit at all (data rows have dates)."""
    if any(cell.strip().casefold() in COLUMN_NAMES for cell in cells):
        return True
    return not any(char.isdigit() for cell in cells for char in cell)


def _parse_row(
    number: int, cells: list[str], columns: dict[str, int], currencies: dict[str, Currency], base: Currency
) -> _ParsedRate:
    """One data row, or Invalid whose errors hold every problem of the row."""
    problems: list[str] = []
    if columns == POSITIONAL and len(cells) not in (3, 4):
        raise Invalid(
            errors={
                "row": [
                    _("Expected 3 or 4 columns (date, currency, rate and optionally base); found %(count)d.")
                    % {"count": len(cells)}
                ]
            }
        )

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    day = rate = currency = None
    try:
        day = parse_day(cell("date"))
    except Invalid as refused:
        problems += [str(message) for message in refused.errors["date"]]
    code = cell("currency").upper()
    currency = currencies.get(code)
    if currency is None:
        problems.append(_("Unknown currency: %(code)s.") % {"code": code[:10] or "—"})
    elif currency.pk == base.pk:
        problems.append(_("%(code)s is the base currency: its rate is always 1.") % {"code": code})
    try:
        rate = parse_rate(cell("rate"))
    except Invalid as refused:
        problems += [str(message) for message in refused.errors["rate"]]
    given_base = cell("base").upper()
    if given_base and given_base != base.code:
        problems.append(
            _("Rates are kept against the base currency, %(base)s; this row's base is %(given)s.")
            % {"base": base.code, "given": given_base[:10]}
        )
    if problems:
        raise Invalid(errors={"row": problems})
    assert day is not None and rate is not None and currency is not None
    return _ParsedRate(number, currency, day, rate)


def read_rates(file, *, base: Currency) -> tuple[list[_ParsedRate], ImportReport]:
    """Parse a CSV of rates: every good row, and a report listing the bad ones (by row number)."""
    text = _read_text(file)
    currencies = {currency.code: currency for currency in Currency.objects.all()}
    report = ImportReport()
    parsed: list[_ParsedRate] = []
    seen: dict[tuple[str, date], int] = {}
    columns: dict[str, int] | None = None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error:
        raise Invalid(errors={"file": [_("This file cannot be read as CSV.")]}) from None
    for number, cells in enumerate(rows, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = POSITIONAL
            if _is_header(cells):
                columns = _header(cells)
                if not {"date", "currency", "rate"} <= set(columns):
                    message = _("The header must name the columns date, currency and rate (and optionally base).")
                    report.problems.append(RowProblem(number, [message]))
                    break
                continue
        report.rows += 1
        try:
            row = _parse_row(number, cells, columns, currencies, base)
        except Invalid as refused:
            report.problems.append(RowProblem(number, [str(message) for message in refused.errors["row"]]))
            continue
        key = (row.currency.code, row.day)
        if key in seen:
            report.problems.append(
                RowProblem(
                    number, [_("Row %(row)d already gives this currency's rate for this date.") % {"row": seen[key]}]
                )
            )
            continue
        seen[key] = number
        parsed.append(row)
    if not report.problems and not parsed:
        raise Invalid(errors={"file": [_("The file holds no rates.")]})
    return parsed, report


@transaction.atomic
def import_rates(*, actor, file) -> ImportReport:
    """Import rates from a CSV file: all of it, or nothing when any row is bad (RatesRefused lists them).

    Columns: date, currency, rate and optionally base (which must be the base currency), in
    that order or named by a header row. Separated by commas or semicolons; dates as
    2024-01-31, 31.01.2024 or 31/01/2024; a decimal comma reads. A rate already known for a
    currency and day is replaced. At most 2 MB.
    """
    _require(actor, Action.CREATE)
    base = base_currency()
    parsed, report = read_rates(file, base=base)
    if report.problems:
        raise RatesRefused(report)
    days = [row.day for row in parsed]
    known = {
        (rate.currency_id, rate.date): rate
        for rate in Rate.objects.select_for_update().filter(
            base=base,
            currency_id__in={row.currency.code for row in parsed},
            date__range=(min(days), max(days)),
        )
    }
    new, changed = [], []
    for row in parsed:
        existing = known.get((row.currency.code, row.day))
        if existing is None:
            new.append(Rate(currency=row.currency, base=base, date=row.day, rate=row.rate))
        elif existing.rate != row.rate:
            existing.rate = row.rate
            changed.append(existing)
        else:
            report.unchanged += 1
    Rate.objects.bulk_create(new, batch_size=500)
    Rate.objects.bulk_update(changed, ["rate"], batch_size=500)
    report.created, report.updated = len(new), len(changed)
    audit.record(
        actor,
        Verb.CREATE,
        label=_("Exchange rates imported"),
        changes={"created": [None, report.created], "updated": [None, report.updated], "rows": [None, report.rows]},
    )
    return report


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


def _clean_tax_name(name, *, tax: Tax | None = None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise Invalid(errors={"name": [_("Give the tax a name.")]})
    limit = Tax._meta.get_field("name").max_length or 100
    if len(name) > limit:
        raise Invalid(errors={"name": [_("At most %(limit)d characters.") % {"limit": limit}]})
    others = Tax.objects.all() if tax is None else Tax.objects.exclude(pk=tax.pk)
    if any(other.casefold() == name.casefold() for other in others.values_list("name", flat=True)):
        raise Invalid(errors={"name": [_("There is already a tax named “%(name)s”.") % {"name": name}]})
    return name


def _clean_tax_rate(value) -> Decimal:
    rate = parse_decimal(value, "rate", digits=2, minimum=ZERO)
    if rate > 100:
        raise Invalid(errors={"rate": [_("A tax rate is at most 100 %.")]})
    return rate


def _tax_values(name, rate, *, tax: Tax | None = None) -> dict:
    """The cleaned name and rate (those given, not None), with every error at once."""
    errors: dict = {}
    values = {}
    if name is not None:
        values["name"] = _gather(errors, lambda: _clean_tax_name(name, tax=tax))
    if rate is not None:
        values["rate"] = _gather(errors, lambda: _clean_tax_rate(rate))
    if errors:
        raise Invalid(errors=errors)
    return values


@transaction.atomic
def create_tax(*, actor, name, rate, included: bool = False) -> Tax:
    """Add a tax at the end of the list. `included`: prices carrying it already hold it."""
    _require(actor, Action.CREATE)
    values = _tax_values("" if name is None else name, "" if rate is None else rate)
    last = Tax.objects.aggregate(last=Max("order"))["last"] or 0
    tax = Tax.objects.create(**values, included=bool(included), order=last + ORDER_STEP)
    audit.record(actor, Verb.CREATE, tax, changes=audit.diff({}, audit.snapshot(tax, TAX_FIELDS)))
    return tax


def _save_tax(actor, tax: Tax, before: dict) -> Tax:
    tax.save(update_fields=TAX_FIELDS)
    changes = audit.diff(before, audit.snapshot(tax, TAX_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, tax, changes=changes)
    return tax


@transaction.atomic
def update_tax(
    *,
    actor,
    tax: Tax,
    name=None,
    rate=None,
    included: bool | None = None,
    archived: bool | None = None,
    order: int | None = None,
) -> Tax:
    """Change a tax (None: unchanged). Lines already priced keep the rate they were priced with."""
    _require(actor, Action.EDIT)
    tax = Tax.objects.select_for_update().get(pk=tax.pk)
    before = audit.snapshot(tax, TAX_FIELDS)
    for key, value in _tax_values(name, rate, tax=tax).items():
        setattr(tax, key, value)
    if included is not None:
        tax.included = bool(included)
    if order is not None:
        if order < 0:
            raise Invalid(errors={"order": [_("Enter a number of at least %(minimum)s.") % {"minimum": 0}]})
        tax.order = order
    if archived is True and not tax.archived:
        _check_not_a_default(tax)
    if archived is not None:
        tax.archived = archived
    return _save_tax(actor, tax, before)


def _check_not_a_default(tax: Tax) -> None:
    entity = LegalEntity.objects.filter(default_tax=tax, archived=False).first()
    if entity is not None:
        raise Conflict(
            _("“%(tax)s” is the default tax of %(entity)s: choose another default tax there first.")
            % {"tax": tax, "entity": entity}
        )


def archive_tax(*, actor, tax: Tax) -> Tax:
    """Stop offering a tax on new lines and products; what was priced with it keeps it."""
    return update_tax(actor=actor, tax=tax, archived=True)


def restore_tax(*, actor, tax: Tax) -> Tax:
    """Offer an archived tax again."""
    return update_tax(actor=actor, tax=tax, archived=False)


@transaction.atomic
def move_tax(*, actor, tax: Tax, step: int) -> list[Tax]:
    """Move a tax up (step -1) or down (step 1) the list; the taxes are numbered again in steps of 10."""
    _require(actor, Action.EDIT)
    taxes = list(Tax.objects.select_for_update().order_by("order", "id"))
    before = [item.pk for item in taxes]
    position = before.index(tax.pk)
    taxes.insert(min(max(position + step, 0), len(taxes) - 1), taxes.pop(position))
    for number, item in enumerate(taxes, start=1):
        item.order = number * ORDER_STEP
    Tax.objects.bulk_update(taxes, ["order"])
    after = [item.pk for item in taxes]
    if after != before:
        audit.record(actor, Verb.UPDATE, tax, changes={"order": [_ids(before), _ids(after)]})
    return taxes


def _ids(ids: list[int]) -> str:
    return ", ".join(str(pk) for pk in ids)
