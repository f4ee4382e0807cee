"""Values of the custom fields on a client: read from what a form or the API sends, checked, written.

A value arrives as text, a number, a date, a list (several choices), a yes/no or an employee id;
it is stored in the FieldValue column of its field's kind, one row per value, so each filter of
the list reads an index. Field errors are keyed `custom_<key>`, the name of the form field.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from carte.clients.models import Client, CustomField, FieldValue
from carte.clients.services.cleaning import at_most, max_length
from carte.core.errors import Invalid

Kind = CustomField.Kind
TRUE, FALSE = {"true", "yes", "on", "1", "oui", "да"}, {"false", "no", "off", "0", "non", "нет"}
NUMBER_LIMIT = Decimal("1e16")
SPACES = re.compile(r"\s+")  # thousands separators: spaces, no-break and narrow no-break spaces
MAX_ID_DIGITS = 18  # beyond, an id overflows the database's integer


def error_key(field: CustomField) -> str:
    return f"custom_{field.key}"


def active_fields() -> list[CustomField]:
    """The custom fields a card shows and accepts now, in display order."""
    return list(CustomField.objects.filter(archived=False).order_by("order", "id"))


def _number(value, places: int | None = None) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    try:
        number = Decimal(SPACES.sub("", str(value)).replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Not a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Not a number."))
    if abs(number) >= NUMBER_LIMIT:
        raise ValueError(_("The number is too large."))
    return number.quantize(Decimal(1).scaleb(-places)) if places is not None else number.quantize(Decimal("0.0001"))


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_("Not a date (YYYY-MM-DD).")) from None


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE | FALSE:
        return text in TRUE
    raise ValueError(_("Answer yes or no."))


def _choices(field: CustomField, value, kept: frozenset = frozenset()) -> list[str]:
    """The chosen options as the field spells them; a removed option only where the card still has it."""
    chosen = value if isinstance(value, list | tuple) else [value]
    chosen = [str(item).strip() for item in chosen if str(item).strip()]
    # The choice as the field spells it, whatever the case it was typed in (imports, the API).
    spelled = {option.casefold(): option for option in [*kept, *field.options] if isinstance(option, str)}
    unknown = [item for item in chosen if item.casefold() not in spelled]
    if unknown:
        raise ValueError(_("Not one of the choices: %(values)s.") % {"values": ", ".join(unknown)[:200]})
    chosen = list(dict.fromkeys(spelled[item.casefold()] for item in chosen))
    if field.kind == Kind.CHOICE and len(chosen) > 1:
        raise ValueError(_("Choose one value."))
    return chosen


def _employee(value, kept: frozenset = frozenset()):
    """An active employee by id; one who has left is accepted only where the card already names them."""
    if hasattr(value, "pk"):
        value = value.pk
    employee, text = None, str(value).strip()
    # isdecimal, not isdigit: int() refuses "²"; and an id too long for the database is no id.
    if text.isdecimal() and len(text) <= MAX_ID_DIGITS:
        employee = get_user_model().objects.filter(pk=int(text)).first()
        employee = employee if employee and (employee.is_active or employee.pk in kept) else None
    if employee is None:
        raise ValueError(_("Choose an active employee."))
    return employee


def _text(value) -> str:
    text = str(value).strip()
    limit = max_length(FieldValue, "text")
    if len(text) > limit:
        raise ValueError(at_most(limit))
    return text


def rows_for(field: CustomField, value, kept: frozenset = frozenset()) -> list[dict]:
    """The FieldValue columns for one field's value; [] when the value is empty. ValueError when wrong."""
    if (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple) and not value)
    ):
        return []
    if field.kind == Kind.TEXT:
        return [{"text": _text(value)}]
    if field.kind == Kind.NUMBER:
        return [{"number": _number(value)}]
    if field.kind == Kind.MONEY:
        return [{"number": _number(value, places=2)}]
    if field.kind == Kind.DATE:
        return [{"date": _date(value)}]
    if field.kind == Kind.BOOLEAN:
        return [{"flag": _flag(value)}]
    if field.kind == Kind.EMPLOYEE:
        return [{"employee": _employee(value, kept)}]
    return [{"text": choice} for choice in _choices(field, value, kept)]


def clean_custom(values: dict | None, *, creating: bool, client: Client | None = None) -> dict[CustomField, list[dict]]:
    """Check the given custom values against the active fields; every wrong one is reported at once.

    When creating, required fields must be given; when updating (`client`), only the fields
    given change, and an employee field may keep naming someone who has since left.
    """
    kept: dict[int, set] = {}  # field id → the card's present values (employee ids, chosen options)
    if client is not None and client.pk:
        for field_id, employee_id, text in client.field_values.values_list("field_id", "employee_id", "text"):
            kept.setdefault(field_id, set()).add(employee_id or text)
    values = values or {}
    fields = {field.key: field for field in active_fields()}
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in fields:
            errors[f"custom_{key}"[:80]] = [_("There is no custom field “%(key)s”.") % {"key": str(key)[:60]}]
    cleaned = {}
    for key, field in fields.items():
        if key not in values and not creating:
            continue
        try:
            cleaned[field] = rows_for(field, values.get(key), frozenset(kept.get(field.pk, ())))
        except ValueError as exc:
            errors[error_key(field)] = [str(exc)]
            continue
        if field.required and not cleaned[field]:
            errors[error_key(field)] = [_("This field is required.")]
    if errors:
        raise Invalid(errors=errors)
    return cleaned


def write_custom(client: Client, cleaned: dict[CustomField, list[dict]]) -> None:
    """Replace the values of the given fields on the client."""
    if not cleaned:
        return
    FieldValue.objects.filter(client=client, field__in=list(cleaned)).delete()
    FieldValue.objects.bulk_create(
        FieldValue(client=client, field=field, **row) for field, rows in cleaned.items() for row in rows
    )


def shown_value(field: CustomField, rows: list) -> str:
    """One field's value as text, for the audit log and conflicts ("" when empty)."""
    parts = []
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda name, row=row: getattr(row, name)
        if field.kind in (Kind.NUMBER, Kind.MONEY):
            parts.append(f"{field.shown_number(get('number'))} {field.currency}".strip())
        elif field.kind == Kind.DATE:
            parts.append(str(get("date")))
        elif field.kind == Kind.BOOLEAN:
            parts.append(str(_("yes") if get("flag") else _("no")))
        elif field.kind == Kind.EMPLOYEE:
            parts.append(str(get("employee")))
        else:
            parts.append(str(get("text")))
    return "; ".join(parts)


def custom_snapshot(client: Client) -> dict[str, str]:
    """{"custom_<key>": value as text} for every active field ("" when empty) and every field with a value."""
    shown = {error_key(field): "" for field in active_fields()}
    if not client.pk:
        return shown
    rows: dict[CustomField, list[FieldValue]] = {}
    for value in client.field_values.select_related("field", "employee"):
        rows.setdefault(value.field, []).append(value)
    return shown | {error_key(field): shown_value(field, values) for field, values in rows.items()}


def cleaned_snapshot(cleaned: dict[CustomField, list[dict]]) -> dict[str, str]:
    return {error_key(field): shown_value(field, rows) for field, rows in cleaned.items()}
