"""The line editor shared by deals and documents: reading the posted rows, and the rows the template shows.

The editor (template `sales/lines/editor.html`) posts one row per line as
"<prefix>-<n>-<field>": lines-0-product, lines-0-description, lines-0-quantity, lines-0-unit,
lines-0-unit_price, lines-0-discount, lines-0-tax, and lines-0-remove when the row is ticked
for removal. `read_lines` turns them back into the dicts that
`carte.sales.services.lines.clean_lines` reads, in row order, dropping empty and removed rows:
the index of a line in that list is the N of the "lines.N.field" errors the service raises,
so re-rendering the editor with those lines and errors puts each message beside its field.

Include the editor with:

    {% include "sales/lines/editor.html" with lines=lines errors=errors currency=currency
       taxes=taxes prefix="lines" price_list=price_list %}

`lines` are dicts (as `as_raw` gives them for saved lines, or as `read_lines` read them),
`errors` the Invalid's errors (or {}: keys "lines.N.field" as clean_lines names them with its
default field, and "lines" for the whole set), `currency` a Currency, `taxes` the taxes offered,
`price_list` the list the product chooser prices from (or None); `totals` (a LineAmounts)
is shown under the rows when given.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import QueryDict

LINE_FIELDS = ("product", "description", "quantity", "unit", "unit_price", "discount", "tax")
# A row with none of these is an empty row of the form: the unit, tax and discount may be pre-filled.
MEANINGFUL = ("product", "description", "quantity", "unit_price")
REMOVE = "remove"
MAX_INDEX_DIGITS = 4
BLANK_ROWS = 2
ERRORS_FIELD = "lines"


def _row_key(prefix: str) -> re.Pattern:
    names = "|".join((*LINE_FIELDS, REMOVE))
    return re.compile(rf"^{re.escape(prefix)}-(\d{{1,{MAX_INDEX_DIGITS}}})-({names})$")


def read_lines(data: QueryDict, prefix: str = "lines") -> list[dict]:
    """The posted rows as line dicts, in row order, without empty rows or rows ticked for removal.

    Only the fields a row posted are in its dict (so a line without a `tax` key takes its
    product's tax, as clean_lines does). Values are the stripped texts as posted.
    """
    pattern = _row_key(prefix)
    rows: dict[int, dict] = {}
    for key in data:
        match = pattern.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = str(data.get(key) or "").strip()
    lines = []
    for index in sorted(rows):
        row = rows[index]
        if row.pop(REMOVE, ""):
            continue
        if not any(row.get(name) for name in MEANINGFUL):
            continue
        lines.append(row)
    return lines


def _text(value, digits: int | None = None) -> str:
    """A value as the form shows it: decimals without trailing zeros, prices with the currency's digits."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        shown = value.normalize()
        if digits is not None and -shown.as_tuple().exponent < digits:  # type: ignore[operator]
            shown = shown.quantize(Decimal(1).scaleb(-digits))
        return format(shown, "f")
    return str(value)


@dataclass
class EditorRow:
    """One row of the editor: its index in the posted names, its values as texts and its errors by field."""

    index: int | str
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


@dataclass
class Editor:
    """What the editor template shows: the rows (the lines, then blank rows), errors about all lines."""

    rows: list[EditorRow]
    errors: list[str]
    blank: EditorRow
    next_index: int


def editor_rows(lines, errors: dict | None = None, currency=None, blank: int = BLANK_ROWS) -> Editor:
    """The rows of the editor for these lines with the service's "lines.N.field" errors beside them."""
    errors = errors or {}
    digits = getattr(currency, "digits", None)
    rows = []
    for index, line in enumerate(lines or []):
        values = {name: _text(line.get(name), digits if name == "unit_price" else None) for name in LINE_FIELDS}
        prefix = f"{ERRORS_FIELD}.{index}."
        row_errors = {
            key.removeprefix(prefix): [str(message) for message in messages]
            for key, messages in errors.items()
            if key.startswith(prefix)
        }
        rows.append(EditorRow(index, values, row_errors))
    count = len(rows)
    rows += [EditorRow(count + n, dict.fromkeys(LINE_FIELDS, "")) for n in range(blank)]
    general = [str(message) for message in errors.get(ERRORS_FIELD, [])]
    return Editor(rows, general, EditorRow("__index__", dict.fromkeys(LINE_FIELDS, "")), len(rows))
