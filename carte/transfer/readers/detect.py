"""What an uploaded file is, by its content: its format, a CSV's delimiter, and whether a row holds headers.

The file's name is never trusted; it only breaks a tie, when a text file holds vCards
after something else than BEGIN:VCARD (a .vcf name makes it a vCard file, not a CSV).
"""

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections import Counter
from pathlib import Path

from carte.transfer.readers.layout import DELIMITERS, SAMPLE_ROWS
from carte.transfer.readers.text import binary_refusal, looks_binary

SIGNATURES = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "xls",
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "image",
    b"\xff\xd8\xff": "image",
    b"GIF8": "image",
    b"\x1f\x8b": "archive",
    b"Rar!": "archive",
    b"7z\xbc\xaf\x27\x1c": "archive",
}
VCARD_NAMES = (".vcf", ".vcard")
# Web pages and Excel 2003 XML that programs save under an .xls name.
MARKUP = ("<!DOCTYPE HTML", "<HTML", "<TABLE", "<?XML", "<?MSO")


def sniff_format(path: Path, head: bytes, file_name: str) -> str:
    """ "xlsx", "vcard" or "csv" from the file's content; refuses binary files, saying what they look like."""
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(path)
        if kind == "xlsx":
            return kind
        binary_refusal(kind)
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            binary_refusal(kind)
    if looks_binary(head):
        binary_refusal()
    start = _text_start(head)
    if start.startswith(MARKUP):
        binary_refusal("markup")
    if start.startswith("BEGIN:VCARD"):
        return "vcard"
    if file_name.lower().endswith(VCARD_NAMES) and "BEGIN:VCARD" in start:
        return "vcard"
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return "damaged"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if b"opendocument" in mimetype:
        return "ods"
    return "zip"


def _text_start(head: bytes) -> str:
    """The start of a text file in upper case, whatever its encoding, without BOM nor leading blank lines."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) : 8192].decode(encoding, "ignore").lstrip().upper()
    if head[1:2] == b"\x00" or head[0:1] == b"\x00":
        return head[:8192].decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", "ignore").lstrip().upper()
    return head[:8192].decode("latin-1").lstrip().upper()


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that cuts the first lines into the same number (above one) of fields
    on the most lines, quotes respected. On a tie, one that mostly stands between two digits loses (it is
    a decimal comma: "1 234,56"), then the one giving more fields wins. "," when none cuts anything."""
    best, best_score = ",", (0, False, 0)
    for delimiter in DELIMITERS:
        counts = Counter(len(record) for record in _first_records(text, delimiter) if record)
        fields, lines = max(counts.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        score = (lines, not _between_digits(text, delimiter), fields)
        if fields > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def _between_digits(text: str, delimiter: str) -> bool:
    between = len(re.findall(rf"\d{re.escape(delimiter)}\d", text))
    return between * 2 > text.count(delimiter)


def _first_records(text: str, delimiter: str) -> list[list[str]]:
    records: list[list[str]] = []
    try:
        records.extend(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), SAMPLE_ROWS))
    except csv.Error:
        pass  # a quote left open at the end of the sample: judge on the records before it
    return records


def looks_like_header(first: list[str], below: list[list[str]]) -> bool:
    """Whether the first row names the columns rather than holding a record.

    It does when its cells (up to its last filled one) are all filled, all words rather than
    numbers, dates, emails or web addresses, all different, and none of them comes back in
    its column below (a value repeated down a column is data: a city, a company). A file of
    names only ("Alice;Martin") therefore reads as having a header: the user can say it has
    none on the mapping screen, where the first rows are shown.
    """
    cells = [cell.strip() for cell in first]
    while cells and not cells[-1]:
        cells.pop()
    if not cells or not all(cells) or not all(is_word(cell) for cell in cells):
        return False
    if len({cell.casefold() for cell in cells}) < len(cells):
        return False
    return not any(
        index < len(record) and record[index].strip().casefold() == cell.casefold()
        for record in below
        for index, cell in enumerate(cells)
    )


def is_word(cell: str) -> bool:
    """Text made mostly of letters: "E-mail 1 - Value" is, "2024-12-31", "+33 6 12", "a@b.fr", "https://…" are not."""
    if "@" in cell or "://" in cell or cell.lower().startswith("www."):
        return False
    letters = sum(1 for char in cell if char.isalpha())
    digits = sum(1 for char in cell if char.isdigit())
    return letters > digits
