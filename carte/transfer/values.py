"""The texts of an imported file read as numbers, dates, yes/no and lists, the way the file's locale writes them.

Each function takes the cell's text and the import's choices (`decimal` mark, date `order`)
and answers a Python value, or raises ValueError whose message, shown in the preview and the
report, names the text it could not read: "“31/13/2024” is not a date." The caller leaves
empty cells out before calling them.

Ambiguity is settled by the user's choices, never guessed row by row: with decimal ",",
"1.234" is one thousand two hundred and thirty-four; a date 01/02/2024 follows `order`.
Only texts that cannot be read otherwise fall back (an ISO date whatever the order,
"12.5" with decimal "," because "12.5" cannot be a thousands grouping).
"""

import functools
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

# Currency signs and codes written before or after an amount: "€ 12", "1 234,56 руб.", "12 EUR".
CURRENCY_CODES = "EUR|USD|RUB|RUR|GBP|CHF|UAH|KZT|BYN|CAD|AUD|JPY|CNY|PLN|CZK|SEK|NOK|DKK|TRY|INR"
CURRENCY = re.compile(
    rf"^(?:(?:{CURRENCY_CODES})\b|[€$£¥₽₴₸₹]|руб\.?|р\.)\s*|\s*(?:\b(?:{CURRENCY_CODES})|[€$£¥₽₴₸₹]|руб\.?|р\.)$",
    re.IGNORECASE,
)
# Marks people put between thousands: spaces of every width, apostrophes (Swiss 1'234.50).
GROUP_MARKS = re.compile(r"[ \u00a0\u202f\u2009'’]")
SIGNS = {"-": "-", "−": "-", "+": ""}
EXPONENT = r"(?:[eE][+-]?\d+)?"
FLAGS = {
    **dict.fromkeys(("yes", "y", "true", "t", "1", "x", "on", "oui", "o", "vrai", "да", "д", "истина", "✓", "✔"), True),
    **dict.fromkeys(("no", "n", "false", "f", "0", "off", "non", "faux", "нет", "н", "ложь"), False),
}
ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
# Three numbers separated by "/", ".", "-" or spaces, then maybe a time: 31.12.2024 14:30, 12/31/24 2:30 PM.
LOCAL_DATE = re.compile(
    r"(\d{1,4})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,4})\.?"
    r"(?:,?\s+(\d{1,2})[:h.](\d{2})(?:[:.](\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?"
)
# Two-digit years: up to ten years ahead of today are this century, the rest the last ("24" → 2024, "85" → 1985).
CENTURY_PIVOT_YEARS_AHEAD = 10
MANY_SEPARATORS = re.compile(r"\n| ::: |;")  # " ::: " is how Google Contacts puts several values in one cell


def parse_number(text: str, decimal: str = ".") -> Decimal:
    """The number written in `text` with `decimal` as the decimal mark ("." or ",").

    Thousands may be grouped by spaces (any width), apostrophes or the other mark, in groups
    of three: "1 234,56", "1.234,56" (decimal ","), "1,234.56", "1'234.56". Currency signs or
    codes around the number and a percent sign are dropped ("12 %" is 12, not 0.12). When the
    text holds a single other mark that cannot be a thousands grouping ("12.5" with decimal
    ","), that mark is the decimal one. Exponents (1.5E+3, as Excel writes long numbers) read.
    """
    written = text.strip()
    if not written:
        raise ValueError(_("Enter a number."))
    number, sign = _unsigned(CURRENCY.sub("", written.rstrip("%").strip()).strip())
    number = GROUP_MARKS.sub(" ", CURRENCY.sub("", number).strip())
    grouped, plain, other_decimal = _number_patterns(decimal)
    other = "," if decimal == "." else "."
    if grouped.fullmatch(number):
        number = number.replace(" ", "").replace(other, "").replace(decimal, ".")
    elif plain.fullmatch(number):
        number = number.replace(decimal, ".")
    elif other_decimal.fullmatch(number):
        number = number.replace(other, ".")
    else:
        raise ValueError(_("“%(text)s” is not a number.") % {"text": shown(written)})
    try:
        return Decimal(sign + number)
    except InvalidOperation:
        raise ValueError(_("“%(text)s” is not a number.") % {"text": shown(written)}) from None


def _unsigned(text: str) -> tuple[str, str]:
    """The text without its leading sign, and the sign ("-" or "")."""
    if text[:1] in SIGNS:
        return text[1:].lstrip(), SIGNS[text[0]]
    return text, ""


@functools.cache
def _number_patterns(decimal: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Numbers grouped in thousands; plain; and with the other mark standing for the decimal one."""
    mark = re.escape(decimal)
    other = re.escape("," if decimal == "." else ".")
    return (
        re.compile(rf"\d{{1,3}}(?:[ {other}]\d{{3}})+(?:{mark}\d+)?{EXPONENT}"),
        re.compile(rf"\d*(?:{mark}\d+|\d){EXPONENT}|\d+{mark}"),
        re.compile(rf"\d*{other}\d+{EXPONENT}"),
    )


def parse_date(text: str, order: str = "dmy") -> date:
    """The date written in `text`, reading day, month and year in `order` ("dmy", "mdy" or "ymd").

    Separators "/", "." , "-" or a space: "31/12/2024", "31.12.2024", "12/31/2024" (mdy). ISO
    dates (2024-12-31) and a year written first with four digits read whatever the order;
    a time after the date ("2024-12-31 10:00", Excel's "2024-12-31 00:00:00") is accepted
    and dropped. Two-digit years: see CENTURY_PIVOT_YEARS_AHEAD.
    """
    return parse_datetime(text, order).date()


def parse_datetime(text: str, order: str = "dmy") -> datetime:
    """The date and time written in `text` (naive, as written): "31.12.2024 14:30", "12/31/2024 2:30 PM".

    The date reads as parse_date; the time is hours and minutes, maybe seconds, maybe AM/PM;
    without a time, midnight.
    """
    written = text.strip()
    if not written:
        raise ValueError(_("Enter a date."))
    try:
        return _date_time(written, order)
    except ValueError:
        raise ValueError(_("“%(text)s” is not a date.") % {"text": shown(written)}) from None


def _date_time(text: str, order: str) -> datetime:
    iso = ISO_DATE.fullmatch(text)
    if iso:
        year, month, day, hour, minute, second = (int(part or 0) for part in iso.groups())
        return datetime.combine(date(year, month, day), time(hour, minute, second))
    local = LOCAL_DATE.fullmatch(text)
    if not local:
        raise ValueError(text)
    first, second_part, third, hour, minute, second, half = local.groups()
    if len(first) == 4:
        year, month, day = first, second_part, third
    elif order == "ymd":
        year, month, day = first, second_part, third
    elif order == "mdy":
        month, day, year = first, second_part, third
    else:
        day, month, year = first, second_part, third
    if len(day) > 2 or len(year) not in (2, 4):
        raise ValueError(text)
    moment = time(_hour(int(hour or 0), half), int(minute or 0), int(second or 0))
    return datetime.combine(date(_full_year(year), int(month), int(day)), moment)


def _hour(hour: int, half: str | None) -> int:
    if not half:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError(hour)
    return hour % 12 + (12 if half[0] in "Pp" else 0)


def _full_year(year: str) -> int:
    if len(year) == 4:
        return int(year)
    this_year = timezone.now().year
    candidate = this_year // 100 * 100 + int(year)
    return candidate if candidate <= this_year + CENTURY_PIVOT_YEARS_AHEAD else candidate - 100


def parse_flag(text: str) -> bool:
    """Yes or no, in English, French or Russian, or as 1/0, true/false, and "x" (a ticked box) for yes."""
    flag = FLAGS.get(text.strip().casefold())
    if flag is None:
        raise ValueError(_("“%(text)s” is not yes or no.") % {"text": shown(text.strip())})
    return flag


def split_values(text: str) -> list[str]:
    """The values of a cell that holds several: one per line, or separated by ";" (or " ::: ", as Google
    Contacts writes them), or, only when the text has none of those, by ","; stripped, empties dropped."""
    parts = MANY_SEPARATORS.split(text) if MANY_SEPARATORS.search(text) else text.split(",")
    return [part.strip() for part in parts if part.strip()]


def shown(text: str, limit: int = 40) -> str:
    """The text as quoted in a message: a long cell is cut, so a message stays one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
