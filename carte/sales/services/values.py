"""Small value parsers shared by the sales services: each refuses bad input with Invalid naming the field."""

from datetime import date

from django.utils.translation import gettext as _

from carte.core.errors import Invalid


def optional_date(value, field: str) -> date | None:
    """A date, or text as YYYY-MM-DD; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(errors={field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def parse_probability(value) -> int:
    """A whole percentage from 0 to 100 (the field is "probability")."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(errors={"probability": [_("Enter a whole number from 0 to 100.")]}) from None
    if not 0 <= number <= 100:
        raise Invalid(errors={"probability": [_("Enter a whole number from 0 to 100.")]})
    return number
