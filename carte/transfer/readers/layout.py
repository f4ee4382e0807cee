"""How a file is read (its `Layout`), the limits every reader holds to, and how a reader refuses a file."""

from dataclasses import asdict, dataclass, field, fields
from typing import NoReturn

from django.utils.translation import gettext as _

from carte.core.errors import Invalid

# A line (a CSV record's physical line, a vCard's unfolded line) longer than this is refused, never read whole.
MAX_LINE = 1024 * 1024
MAX_COLUMNS = 500
# Rows read at the start of a file to guess its header and its width.
SAMPLE_ROWS = 50
FORMATS = ("csv", "xlsx", "vcard")
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251", "cp1252")
# Other names people and browsers give the same encodings; Latin-1 files are read as Windows-1252, its superset.
ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8-bom": "utf-8-sig",
    "utf16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "windows-1251": "cp1251",
    "windows-1252": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
}


@dataclass
class Layout:
    """How a file is read; what the user may override on the mapping screen.

    `format` "csv", "xlsx" or "vcard". CSV: `encoding` (one of ENCODINGS) and `delimiter`.
    XLSX: `sheet` read (its name) among `sheets`. `header_row`: the 1-based row holding the
    headers, 0 when the file has none (always 0 for vCards, whose columns are fixed).
    `columns`: the headers, unique ("Email", "Email (2)"), "Column 3" where a header is missing.
    """

    format: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Layout":
        """The layout stored by as_dict; keys it does not know are ignored."""
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def refuse(message: str, field_name: str = "file") -> NoReturn:
    """Stop reading the file: the message is shown under the upload (or the overridden setting)."""
    raise Invalid(message, errors={field_name: [message]})


def refuse_row(number: int, message: str) -> NoReturn:
    """Stop reading at row `number` (as the user sees it), saying why."""
    refuse(_("Row %(number)d: %(message)s") % {"number": number, "message": message})


def canonical_encoding(name: str) -> str:
    """The encoding's name as ENCODINGS spells it ("Latin-1" → "cp1252"); Invalid for one we do not read."""
    encoding = name.strip().lower().replace("_", "-")
    encoding = ENCODING_ALIASES.get(encoding, encoding)
    if encoding not in ENCODINGS:
        refuse(_("“%(name)s” is not an encoding Carte reads.") % {"name": name[:30]}, "encoding")
    return encoding


def column_names(header: list[str], width: int) -> list[str]:
    """`width` unique column names from the header's cells: blanks become "Column 4", repeats "Email (2)"."""
    names: list[str] = []
    seen: set[str] = set()
    for index in range(width):
        name = " ".join(header[index].split()) if index < len(header) else ""
        name = name or _("Column %(number)d") % {"number": index + 1}
        unique, repeat = name, 2
        while unique.casefold() in seen:
            unique, repeat = f"{name} ({repeat})", repeat + 1
        seen.add(unique.casefold())
        names.append(unique)
    return names


def width_of(header: list[str], sample: list[list[str]], header_row: int) -> int:
    """How many columns the file has: up to the header's last filled cell (cells beyond, with no name, are
    dropped); without a header, up to the last cell filled in the sample rows.

    Refuses a blank header row, and a file wider than MAX_COLUMNS: a sheet of 1,000 columns is not a list
    of records.
    """
    if header_row and not filled_width(header):
        refuse(
            _("Row %(number)d is empty: choose the row that holds the headers.") % {"number": header_row}, "header_row"
        )
    width = filled_width(header) or max((filled_width(cells) for cells in sample), default=0)
    if width > MAX_COLUMNS:
        refuse(
            _("This file has %(count)d columns: at most %(limit)d can be imported.")
            % {"count": width, "limit": MAX_COLUMNS}
        )
    return width


def filled_width(cells: list[str]) -> int:
    """The number of cells up to the last one that is not blank (Excel often pads rows with ";;;")."""
    for index in range(len(cells) - 1, -1, -1):
        if cells[index] and cells[index].strip():
            return index + 1
    return 0


def aligned(cells: list[str], width: int) -> list[str]:
    """The cells, stripped, cut or padded to `width`."""
    row = [cell.strip() for cell in cells[:width]]
    if len(row) < width:
        row.extend([""] * (width - len(row)))
    return row
