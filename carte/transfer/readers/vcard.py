"""vCard files (3.0 and 4.0, and the 2.1 that old phones write), presented as a table of fixed columns.

Each card is a row, numbered by its position in the file; its values go to the columns
of COLUMNS ("Work phones", "Personal emails"…), several values of a column one per line,
so the mapping screen maps a vCard file like any other. A card is a company ("Kind" column)
when it says so (KIND:org, or Apple's X-ABShowAs:COMPANY) or when it only names its
organization (FN is the ORG, no given or family name); a company's ORG is then the card
itself, not an employer, and its "Organization" cell stays empty. Folded lines are unfolded,
quoted-printable values decoded (in their CHARSET), escapes read; photos, logos, sounds
and keys are skipped without keeping their data.
"""

import quopri
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from carte.transfer.readers.layout import MAX_LINE, Layout, refuse, refuse_row
from carte.transfer.readers.text import (
    BROKEN,
    LineTooLong,
    bounded_lines,
    decode_head,
    open_marking_broken,
    open_text,
    settled,
    sniff_encoding,
    undecodable,
)

COLUMNS = (
    ("full_name", gettext_lazy("Full name")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("middle_name", gettext_lazy("Middle name")),
    ("kind", gettext_lazy("Kind")),
    ("organization", gettext_lazy("Organization")),
    ("department", gettext_lazy("Department")),
    ("title", gettext_lazy("Job title")),
    ("work_phones", gettext_lazy("Work phones")),
    ("mobile_phones", gettext_lazy("Mobile phones")),
    ("home_phones", gettext_lazy("Home phones")),
    ("fax", gettext_lazy("Fax")),
    ("other_phones", gettext_lazy("Other phones")),
    ("work_emails", gettext_lazy("Work emails")),
    ("personal_emails", gettext_lazy("Personal emails")),
    ("other_emails", gettext_lazy("Other emails")),
    ("address", pgettext_lazy("postal", "Address")),
    ("birthday", gettext_lazy("Birthday")),
    ("website", gettext_lazy("Website")),
    ("note", gettext_lazy("Note")),
    ("tags", gettext_lazy("Tags")),
    ("uid", gettext_lazy("UID")),
)
KEYS = tuple(key for key, _label in COLUMNS)
BINARY_PROPERTIES = ("PHOTO", "LOGO", "SOUND", "KEY")
BINARY_ENCODINGS = ("B", "BASE64")
BARE_ENCODINGS = ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT")
ESCAPE = re.compile(r"\\(.)")
BIRTHDAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?")
COMPANY, PERSON = "company", "person"  # the kind's values, as the clients target reads them in any language


def column_labels() -> list[str]:
    """The columns of a vCard file, in the user's language."""
    return [str(label) for _key, label in COLUMNS]


def inspect(path: Path, head: bytes, complete: bool, *, encoding="") -> Layout:
    """The layout of a vCard file: its encoding (given or detected) and the fixed columns."""
    encoding = settled(encoding or sniff_encoding(head, complete), head)
    text, broken = decode_head(head, encoding, complete)
    if broken:
        refuse_row(max(1, text.upper().count("BEGIN:VCARD")), undecodable(encoding))
    if "BEGIN:VCARD" not in text.upper():
        refuse(_("This file holds no vCard."))
    return Layout(format="vcard", encoding=encoding, header_row=0, columns=column_labels())


def rows(path: Path, layout: Layout, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
    """One row per card with a value, numbered by the card's position; `skip` rows passed over."""
    for number, cells in cards(path, layout.encoding):
        if not any(cells):
            continue
        if skip:
            skip -= 1
            continue
        yield number, cells


def cards(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Every card of the file: its position and its cells in the order of COLUMNS."""
    number, card = 0, None
    with open_text(path, encoding) as stream:
        try:
            for line in _unfolded(bounded_lines(stream)):
                found = _property(line)
                if found is None:
                    continue
                name, params, value = found
                if name == "BEGIN" and value.strip().upper() == "VCARD":
                    number, card = number + 1, _Card()
                elif name == "END" and card is not None:
                    yield number, card.cells()
                    card = None
                elif card is not None:
                    card.add(name, params, value)
            if card is not None:  # a last card without its END
                yield number, card.cells()
        except LineTooLong:
            refuse_row(max(1, number), _("the line is too long (over %(size)d MB).") % {"size": MAX_LINE // 2**20})
        except UnicodeDecodeError:
            refuse_row(_broken_card(path, encoding), undecodable(encoding))


def _broken_card(path: Path, encoding: str) -> int:
    number = 0
    with open_marking_broken(path, encoding) as stream:
        for line in bounded_lines(stream):
            if line.upper().startswith("BEGIN:VCARD"):
                number += 1
            if BROKEN in line:
                break
    return max(1, number)


def _unfolded(lines: Iterator[str]) -> Iterator[str]:
    """Logical lines: a line starting with a space or tab continues the one before it; so does the line
    after a quoted-printable value ending with "=" (a soft line break, kept for quopri to read)."""
    pending: list[str] = []
    size, skipping = 0, False
    for line in lines:
        line = line.rstrip("\r\n")
        if pending and pending[-1].endswith("=") and _quoted_printable(pending[0]):
            pending.append("\n" + line.lstrip())
        elif line[:1] in (" ", "\t") and (pending or skipping):
            if skipping:
                continue  # a photo's data: dropped as it comes
            pending.append(line[1:])
        else:
            if pending:
                yield "".join(pending)
            skipping = _name(line) in BINARY_PROPERTIES
            pending, size = ([] if skipping else [line]), 0
        size += len(line)
        if size > MAX_LINE:
            raise LineTooLong
    if pending:
        yield "".join(pending)


def _name(line: str) -> str:
    return re.split(r"[;:]", line, maxsplit=1)[0].rsplit(".", 1)[-1].strip().upper()


def _quoted_printable(line: str) -> bool:
    return "QUOTED-PRINTABLE" in line.split(":", 1)[0].upper()


def _property(line: str) -> tuple[str, dict[str, list[str]], str] | None:
    """A line's property name (without its group), its parameters and its decoded value; None for a line
    that is no property (base64 data of vCard 2.1) or holds binary data."""
    colon = _unquoted(line, ":")
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    parts = [line[start:end] for start, end in _unquoted_spans(head, ";")]
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, equals, given = part.partition("=")
        if not equals:  # vCard 2.1 writes bare parameters: TEL;WORK;VOICE, NOTE;QUOTED-PRINTABLE
            key, given = ("ENCODING" if key.strip().upper() in BARE_ENCODINGS else "TYPE"), key
        params.setdefault(key.strip().upper(), []).extend(item.strip() for item in given.strip().strip('"').split(","))
    encoding = params.get("ENCODING", [""])[0].upper()
    if encoding in BINARY_ENCODINGS:
        return None
    if encoding == "QUOTED-PRINTABLE":
        value = _from_quoted_printable(value, params.get("CHARSET", ["utf-8"])[0])
    return parts[0].rsplit(".", 1)[-1].strip().upper(), params, value


def _from_quoted_printable(value: str, charset: str) -> str:
    data = quopri.decodestring(value.encode("utf-8"))
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _unquoted(text: str, mark: str) -> int:
    """The index of the first `mark` outside double quotes, -1 when none."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == mark and not quoted:
            return index
    return -1


def _unquoted_spans(text: str, mark: str) -> Iterator[tuple[int, int]]:
    start = 0
    while (end := _unquoted(text[start:], mark)) >= 0:
        yield start, start + end
        start += end + 1
    yield start, len(text)


def _text(value: str) -> str:
    """A value with its escapes read: "\\," is ",", "\\n" a new line."""
    return ESCAPE.sub(lambda match: "\n" if match.group(1) in "nN" else match.group(1), value).strip()


def _components(value: str, mark: str = ";") -> list[str]:
    """The parts of a structured value (N, ADR, ORG; CATEGORIES with ","), split on marks that are not
    escaped, escapes read."""
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == mark:
            parts.append(_text("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(_text("".join(current)))
    return parts


class _Card:
    """The values of one card, gathered by column."""

    def __init__(self):
        self.values: dict[str, list[str]] = {key: [] for key in KEYS}
        self.name_parts: list[str] = []
        self.said_company = False  # KIND:org, or X-ABShowAs:COMPANY

    def put(self, key: str, value: str) -> None:
        value = value.strip()
        if value and value not in self.values[key]:
            self.values[key].append(value)

    def add(self, name: str, params: dict[str, list[str]], value: str) -> None:
        types = {kind.lower() for kind in params.get("TYPE", [])}
        if name == "FN":
            self.put("full_name", _text(value))
        elif name == "N":
            family, given, additional = (_components(value) + ["", "", ""])[:3]
            self.put("last_name", family)
            self.put("first_name", given)
            self.put("middle_name", additional.replace(",", " "))
        elif name == "ORG":
            organization, department = (_components(value) + ["", ""])[:2]
            self.put("organization", organization)
            self.put("department", department)
        elif name in ("TITLE", "NOTE", "UID", "URL"):
            key = {"TITLE": "title", "NOTE": "note", "UID": "uid", "URL": "website"}[name]
            self.put(key, _text(value))
        elif name == "TEL":
            self.put(_phone_column(types), re.sub(r"^tel:", "", _text(value), flags=re.IGNORECASE))
        elif name == "EMAIL":
            self.put(_email_column(types), re.sub(r"^mailto:", "", _text(value), flags=re.IGNORECASE))
        elif name == "ADR":
            self.put("address", _address(_components(value)))
        elif name == "BDAY":
            self.put("birthday", _birthday(_text(value)))
        elif name == "CATEGORIES":
            for category in _components(value, ","):
                self.put("tags", category)
        elif name in ("KIND", "X-ABSHOWAS"):
            self.said_company = self.said_company or _text(value).lower() in ("org", "organization", "company")

    def is_company(self) -> bool:
        """Whether the card is a company's: it says so, or it names nobody but its organization (the card
        an address book saves for a company when it writes no KIND)."""
        if self.said_company:
            return True
        values = self.values
        if not values["organization"] or not values["full_name"] or values["first_name"] or values["last_name"]:
            return False
        return _same_name(values["full_name"][0], values["organization"][0])

    def cells(self) -> list[str]:
        if not any(self.values.values()):
            return [""] * len(KEYS)  # an empty card, left out of the rows
        if self.is_company():
            if not self.values["full_name"]:
                self.put("full_name", self.values["organization"][0] if self.values["organization"] else "")
            self.values["organization"] = []  # the company is the card itself, not an employer
            self.put("kind", COMPANY)
        else:
            self.put("kind", PERSON)
        if not self.values["full_name"]:
            names = (self.values["first_name"], self.values["middle_name"], self.values["last_name"])
            self.put("full_name", " ".join(values[0] for values in names if values))
        return ["\n".join(self.values[key]) for key in KEYS]


def _same_name(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def _phone_column(types: set[str]) -> str:
    if types & {"cell", "mobile", "iphone"}:
        return "mobile_phones"
    if "fax" in types:
        return "fax"
    if "work" in types:
        return "work_phones"
    if "home" in types:
        return "home_phones"
    return "other_phones"


def _email_column(types: set[str]) -> str:
    if "work" in types:
        return "work_emails"
    if types & {"home", "personal"}:
        return "personal_emails"
    return "other_emails"


def _address(parts: list[str]) -> str:
    """One line from ADR's parts (post box; extended; street; city; region; postal code; country)."""
    box, extended, street, city, region, code, country = (parts + [""] * 7)[:7]
    pieces = (street, extended, box, f"{code} {city}".strip(), region, country)
    return ", ".join(" ".join(piece.replace("\n", ", ").split()) for piece in pieces if piece.strip())


def _birthday(value: str) -> str:
    """The birthday as 1985-04-12; "" when it has no year (--0412) or is not a date."""
    match = BIRTHDAY.fullmatch(value)
    if not match:
        return ""
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return ""
