"""Phone numbers: kept as typed, as E.164 when they can be parsed, and as bare digits for fragment search."""

import re
from functools import lru_cache

import phonenumbers
from django.conf import settings

NON_DIGITS = re.compile(r"\D+")


def digits_of(text: str) -> str:
    """Only the digits: "+33 6 12-34" → "3361234"; used to match any typed fragment."""
    return NON_DIGITS.sub("", text or "")


def to_e164(text: str, region: str | None = None) -> str:
    """The E.164 form ("+33612345678"), or "" when the number cannot be read as valid."""
    return _e164(text, region or settings.PHONE_REGION)


@lru_cache(maxsize=4096)  # an import reads each number several times (duplicates, search, storage)
def _e164(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
