"""Checking what people type for a client: lengths, phones, emails, tax ids, messengers, reference values.

Each cleaner returns clean values or raises Invalid with the messages for one field, so the
create and update services (and later the import) apply the same rules.
"""

import re
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple, cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import Email, Messenger, Phone, ReferenceValue, TaxId
from carte.core.errors import Invalid
from carte.core.phones import digits_of

MIN_PHONE_DIGITS = 3
ALPHANUMERICS = re.compile(r"[^0-9A-Z]+")
# Read once: an enum's `values` is rebuilt on every access, and an import checks thousands of items.
PHONE_KINDS = frozenset(Phone.Kind.values)
EMAIL_KINDS = frozenset(Email.Kind.values)
MESSENGER_KINDS = frozenset(Messenger.Kind.values)


class PhoneData(NamedTuple):
    """A phone as given by a form or the API."""

    number: str
    kind: str = Phone.Kind.WORK


class EmailData(NamedTuple):
    """An email address as given by a form or the API."""

    address: str
    kind: str = Email.Kind.WORK


class TaxIdData(NamedTuple):
    """A tax or registration id as given by a form or the API."""

    kind: str
    value: str


class MessengerData(NamedTuple):
    """A messenger account as given by a form or the API."""

    kind: str
    handle: str


def max_length(model: type[models.Model], name: str) -> int:
    """The length limit of a text field, as the database enforces it."""
    return cast(models.CharField, model._meta.get_field(name)).max_length or 0


def at_most(limit: int) -> str:
    return ngettext("At most %(limit)d character.", "At most %(limit)d characters.", limit) % {"limit": limit}


def as_data(kind: type, item):
    """Accept a PhoneData/EmailData/…, a plain tuple or a dict (as the API parses it)."""
    if isinstance(item, kind):
        return item
    return kind(**item) if isinstance(item, dict) else kind(*item)


def _raise_if(errors: list, field: str) -> None:
    if errors:
        raise Invalid(errors={field: errors})


def clean_phones(phones: Iterable) -> list[PhoneData]:
    cleaned, errors = [], []
    for phone in phones:
        phone = as_data(PhoneData, phone)
        number = phone.number.strip()
        if phone.kind not in PHONE_KINDS:
            errors.append(_("“%(kind)s” is not a kind of phone.") % {"kind": phone.kind})
        elif len(number) > max_length(Phone, "number"):
            errors.append(at_most(max_length(Phone, "number")))
        elif len(digits_of(number)) < MIN_PHONE_DIGITS or re.search(r"[^\d\s+().\-/]", number):
            errors.append(_("“%(number)s” is not a phone number.") % {"number": number})
        else:
            cleaned.append(PhoneData(number, phone.kind))
    _raise_if(errors, "phones")
    return cleaned


def clean_emails(emails: Iterable) -> list[EmailData]:
    cleaned, errors = [], []
    for email in emails:
        email = as_data(EmailData, email)
        address = email.address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("“%(address)s” is not an email address.") % {"address": address[:100]})
            continue
        if email.kind not in EMAIL_KINDS:
            errors.append(_("“%(kind)s” is not a kind of email.") % {"kind": email.kind})
        else:
            cleaned.append(EmailData(address, email.kind))
    _raise_if(errors, "emails")
    return cleaned


def normalized_tax_id(value: str) -> str:
    """Upper-case letters and digits only: "FR 40 303 265 045" → "FR40303265045"."""
    return ALPHANUMERICS.sub("", (value or "").upper())


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _inn(digits: str) -> bool:
    """The check digits of a Russian INN (10 digits for a company, 12 for a person)."""

    def check(weights: list[int], upto: int) -> bool:
        return sum(w * int(d) for w, d in zip(weights, digits[:upto], strict=False)) % 11 % 10 == int(digits[upto])

    if len(digits) == 10:
        return check([2, 4, 10, 3, 5, 9, 4, 6, 8], 9)
    return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10) and check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11)


# kind → (pattern of the normalized value, extra check or None)
TAX_ID_RULES = {
    TaxId.Kind.VAT: (re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}"), None),
    TaxId.Kind.SIRET: (re.compile(r"\d{14}"), _luhn),
    TaxId.Kind.SIREN: (re.compile(r"\d{9}"), _luhn),
    TaxId.Kind.INN: (re.compile(r"\d{10}|\d{12}"), _inn),
    TaxId.Kind.KPP: (re.compile(r"\d{4}[0-9A-Z]{2}\d{3}"), None),
    TaxId.Kind.OGRN: (re.compile(r"\d{13}|\d{15}"), None),
    TaxId.Kind.EIN: (re.compile(r"\d{9}"), None),
    TaxId.Kind.OTHER: (re.compile(r"[0-9A-Z]{1,50}"), None),
}


def clean_tax_ids(tax_ids: Iterable) -> list[TaxIdData]:
    cleaned, errors = [], []
    for tax_id in tax_ids:
        tax_id = as_data(TaxIdData, tax_id)
        value, normalized = tax_id.value.strip(), normalized_tax_id(tax_id.value)
        rule = TAX_ID_RULES.get(tax_id.kind)
        if rule is None:
            errors.append(_("“%(kind)s” is not a kind of tax id.") % {"kind": tax_id.kind[:50]})
        elif len(value) > max_length(TaxId, "value"):
            errors.append(at_most(max_length(TaxId, "value")))
        elif not rule[0].fullmatch(normalized) or (rule[1] and not rule[1](normalized)):
            label = TaxId.Kind(tax_id.kind).label
            errors.append(_("“%(value)s” is not a valid %(kind)s.") % {"value": value, "kind": label})
        else:
            cleaned.append(TaxIdData(tax_id.kind, value))
    _raise_if(errors, "tax_ids")
    return cleaned


def clean_messengers(messengers: Iterable) -> list[MessengerData]:
    cleaned, errors = [], []
    limit = max_length(Messenger, "handle")
    for messenger in messengers:
        messenger = as_data(MessengerData, messenger)
        handle = messenger.handle.strip()
        if messenger.kind not in MESSENGER_KINDS:
            errors.append(_("“%(kind)s” is not a messenger.") % {"kind": messenger.kind[:50]})
        elif not handle:
            errors.append(_("Give the account name."))
        elif len(handle) > limit:
            errors.append(at_most(limit))
        else:
            cleaned.append(MessengerData(messenger.kind, handle))
    _raise_if(errors, "messengers")
    return cleaned


def clean_website(value: str) -> str:
    """A web address; "example.com" is read as https://example.com."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise Invalid(errors={"website": [_("Not a web address.")]}) from None
    return value


def clean_birthday(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise Invalid(errors={"birthday": [_("Not a date.")]}) from None
    if value > date.today() or value.year < 1900:
        raise Invalid(errors={"birthday": [_("Not a plausible birthday.")]})
    return value


def _not_in_list(reference_list: str, value, field: str) -> Invalid:
    return Invalid(
        _("“%(value)s” is not in the list of %(list)s.")
        % {"value": str(value)[:100], "list": ReferenceValue.List(reference_list).label.lower()},
        errors={field: [_("Not one of the choices.")]},
    )


def _lookup(reference_list: str, value) -> ReferenceValue | None:
    if isinstance(value, ReferenceValue):
        return value if value.list == reference_list else None
    return ReferenceValue.objects.filter(list=reference_list, key=str(value)[:60]).first()


def reference_value(reference_list: str, value, *, field: str, current=None) -> ReferenceValue | None:
    """The value of a reference list named by its key (or given as is); None for an empty choice.

    Archived values are refused unless the card already has that value (`current`).
    """
    if value in (None, ""):
        return None
    found = _lookup(reference_list, value)
    if found is None or (found.archived and found != current):
        raise _not_in_list(reference_list, value, field)
    return found


def reference_values(reference_list: str, values: Iterable, *, field: str, current=()) -> list[ReferenceValue]:
    """Several values of one list (tags), without repeats, in the order given; archived ones only if kept."""
    kept = {value.pk for value in current}
    chosen: list[ReferenceValue] = []
    for value in values:
        found = _lookup(reference_list, value) if value not in (None, "") else None
        if found is None or (found.archived and found.pk not in kept):
            raise _not_in_list(reference_list, value, field)
        if found not in chosen:
            chosen.append(found)
    return chosen
