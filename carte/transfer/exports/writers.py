"""Writing exported rows as CSV, XLSX or vCard 4.0, as a stream of bytes or into a file, in constant memory.

Every text cell goes through carte.core.cells.neutralized (a cell starting like a formula gets
a leading quote), in every format. Values keep their type as long as the format can: XLSX cells
hold numbers, dates and times that a spreadsheet sorts and sums; CSV writes numbers with a dot,
days as YYYY-MM-DD and times as YYYY-MM-DD HH:MM in the current time zone.

CSV is written in the chosen encoding; a character the encoding cannot hold (a Chinese name in
Windows-1251) is written as "?" rather than stopping a download half sent: the export form says
so beside the choice, and UTF-8 (the default) holds everything.

vCard 4.0 (RFC 6350): one card per client, lines ending with CRLF and folded at 75 octets
(never inside a character), texts escaped.
"""

import codecs
import csv
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from carte.core.cells import neutralized

DELIMITERS = {
    ",": gettext_lazy("Comma (,)"),
    ";": gettext_lazy("Semicolon (;)"),
    "\t": gettext_lazy("Tab"),
    "|": gettext_lazy("Vertical bar (|)"),
}
ENCODINGS = {
    "utf-8-sig": gettext_lazy("UTF-8 for Excel (with a byte order mark)"),
    "utf-8": gettext_lazy("UTF-8 without a byte order mark"),
    "utf-16": gettext_lazy("UTF-16"),
    "cp1251": gettext_lazy("Windows-1251 (Cyrillic)"),
    "cp1252": gettext_lazy("Windows-1252 (Western Europe)"),
}
LINES_PER_CHUNK = 500  # rows joined into one piece of the stream: fewer, larger writes
TIME_FORMAT = "%Y-%m-%d %H:%M"


def csv_text(value) -> str:
    """A value as a CSV cell: texts made safe, numbers with a dot, days and local times in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralized(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime(TIME_FORMAT) if timezone.is_aware(value) else value.strftime(TIME_FORMAT)
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Line:
    """What csv.writer writes to: it hands each written row back."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(
    header: list[str], rows: Iterable[list], *, delimiter: str = ",", encoding: str = "utf-8-sig"
) -> Iterator[bytes]:
    """The CSV file, in pieces of LINES_PER_CHUNK rows, encoded as asked (unencodable characters as "?")."""
    writer = csv.writer(_Line(), delimiter=delimiter)
    encoder = codecs.getincrementalencoder(encoding)(errors="replace")
    yield encoder.encode(writer.writerow([neutralized(str(label)) for label in header]))
    lines: list[str] = []
    for row in rows:
        lines.append(writer.writerow([csv_text(value) for value in row]))
        if len(lines) >= LINES_PER_CHUNK:
            yield encoder.encode("".join(lines))
            lines = []
    yield encoder.encode("".join(lines), final=True)


def xlsx_value(value) -> Any:
    """A value as an XLSX cell: texts made safe and stripped of characters XML cannot hold, times local."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", neutralized(value))
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # spreadsheets know no time zones: the reader's local time
    return value


def write_xlsx(target: IO[bytes] | str, header: list[str], rows: Iterable[list], *, title: str = "") -> None:
    """Write the rows as an XLSX workbook of one sheet, row by row (openpyxl's write-only mode: constant memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heads = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=xlsx_value(str(label)))
        cell.font = bold
        heads.append(cell)
    sheet.append(heads)
    for row in rows:
        sheet.append([xlsx_value(value) for value in row])
    workbook.save(target)


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet1"


# --- vCard 4.0 ------------------------------------------------------------------------------------

PHONE_TYPES = {"work": "work,voice", "mobile": "cell", "home": "home,voice", "fax": "fax"}
EMAIL_TYPES = {"work": "work", "personal": "home"}
FOLD_AT = 75  # octets per line, the line break excluded (RFC 6350, 3.2)


def escaped(text: str) -> str:
    """A vCard text value: backslashes, commas, semicolons and line breaks escaped."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def folded(line: str) -> str:
    """One content line folded into lines of at most 75 octets, each continuation starting with a space.

    A line is cut between characters, never inside a UTF-8 sequence.
    """
    if len(line.encode()) <= FOLD_AT:
        return line + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size, room = 0, FOLD_AT
    for character in line:
        width = len(character.encode())
        if size + width > room:
            parts.append("".join(current))
            current, size, room = [], 0, FOLD_AT - 1  # a continuation line starts with a space
        current.append(character)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def uid_of(client) -> str:
    """A client's vCard UID: a UUID named after its card's address, so the same client keeps the same UID."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.BASE_URL}/clients/{client.pk}/')}"


def _line(name: str, text: str, **params: str) -> str:
    shown = "".join(f";{key.upper()}={param}" for key, param in params.items() if param)
    return folded(f"{name}{shown}:{text}")


def vcard_of(client) -> str:
    """One client as a vCard 4.0 (phones, emails, tags and shown companies prefetched: see ClientsList.for_vcard)."""
    lines = ["BEGIN:VCARD\r\n", "VERSION:4.0\r\n", _line("UID", uid_of(client))]
    is_person = client.kind == "person"
    lines.append(_line("KIND", "individual" if is_person else "org"))
    lines.append(_line("FN", escaped(client.name)))
    if is_person:
        names = (client.last_name, client.first_name, client.middle_name, "", "")
        lines.append(_line("N", ";".join(escaped(part) for part in names)))
        companies = getattr(client, "shown_companies", [])
        if companies:
            lines.append(_line("ORG", escaped(companies[0].company.name)))
    else:
        lines.append(_line("ORG", escaped(client.legal_name or client.name)))
    if client.position:
        lines.append(_line("TITLE", escaped(client.position)))
    for phone in client.phones.all():
        kind = PHONE_TYPES.get(phone.kind, "")
        if phone.e164:
            lines.append(_line("TEL", f"tel:{phone.e164}", value="uri", type=kind))
        else:
            lines.append(_line("TEL", escaped(phone.number), value="text", type=kind))
    for email in client.emails.all():
        lines.append(_line("EMAIL", escaped(email.address), type=EMAIL_TYPES.get(email.kind, "")))
    for address in dict.fromkeys(a for a in (client.address_actual, client.address_postal, client.address_legal) if a):
        lines.append(_line("ADR", ";".join(("", "", escaped(address), "", "", "", "")), type="work"))
    if client.birthday:
        lines.append(_line("BDAY", client.birthday.strftime("%Y%m%d")))
    if client.website:
        lines.append(_line("URL", client.website))
    tags = [str(tag) for tag in client.tags.all()]
    if tags:
        lines.append(_line("CATEGORIES", ",".join(escaped(tag) for tag in tags)))
    if client.notes:
        lines.append(_line("NOTE", escaped(client.notes)))
    lines.append("END:VCARD\r\n")
    return "".join(lines)


def vcard_chunks(clients: Iterable, card: Callable[[Any], str] = vcard_of) -> Iterator[bytes]:
    """The cards of the clients, UTF-8, in pieces of LINES_PER_CHUNK cards."""
    cards: list[str] = []
    for client in clients:
        cards.append(card(client))
        if len(cards) >= LINES_PER_CHUNK:
            yield "".join(cards).encode()
            cards = []
    yield "".join(cards).encode()
