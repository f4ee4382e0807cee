"""XLSX workbooks, read through openpyxl's read-only mode (streaming), cell values as Excel stores them.

An XLSX is a zip: before openpyxl opens it, its directory is checked against zip bombs
(too many entries, too much unpacked data, an entry that unpacks far more than it weighs)
and unsafe names. The sizes the directory declares can be trusted because Python's
zipfile stops reading an entry at its declared size (and fails its checksum beyond).
openpyxl parses the XML with defusedxml, so entities cannot expand either.

Read-only mode does not give merged cells: they are read from the sheet's XML
(<mergeCell ref="A1:C1"/>, after the rows; see _merged_ranges), and the value of a merged range's top-left
cell fills every cell of the range. Formulas are never evaluated: a formula cell reads as
the value Excel cached when it saved the file.
"""

import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from defusedxml import ElementTree
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from carte.transfer.readers.detect import is_word
from carte.transfer.readers.layout import SAMPLE_ROWS, Layout, aligned, column_names, refuse, width_of

MEGABYTE = 1024 * 1024
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNPACKED = 1024 * MEGABYTE
# Sheet XML packs 10 to 30 times; a zip bomb thousands of times. Small entries may pack as they like.
ZIP_MAX_RATIO = 200
ZIP_RATIO_FROM = MEGABYTE
MAX_MERGED_RANGES = 100_000
MAX_MERGE_BYTES = 8 * MEGABYTE
# Element names may carry a namespace prefix (<x:mergeCell>); a cell's text never holds a raw "<".
MERGE_START = re.compile(rb"<(?:[\w.-]+:)?mergeCells[\s>/]")
MERGE_END = re.compile(rb"</(?:[\w.-]+:)?mergeCells\s*>")
MERGE_REFERENCE = re.compile(
    rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)[\"']"
)
HEADER_SEARCH_ROWS = 50
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def check_archive(path: Path) -> None:
    """Refuse a zip that is not a safe, real workbook before anything unpacks it."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        refuse(_("This Excel file is damaged: it cannot be opened."))
    unpacked = sum(entry.file_size for entry in entries)
    too_packed = any(
        entry.file_size > ZIP_RATIO_FROM and entry.file_size > ZIP_MAX_RATIO * max(1, entry.compress_size)
        for entry in entries
    )
    if len(entries) > ZIP_MAX_ENTRIES or unpacked > ZIP_MAX_UNPACKED or too_packed:
        refuse(_("This file unpacks to far more data than a real workbook holds: it is refused."))
    if any(_unsafe(entry.filename) for entry in entries):
        refuse(_("This file holds entries with unsafe names: it is refused."))
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        refuse(_("This zip file is not an Excel workbook."))


def _unsafe(name: str) -> bool:
    return name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name


@contextmanager
def opened(path: Path):
    """The workbook, read-only, formulas as their cached values; a damaged one is refused."""
    check_archive(path)
    # Given an open file, not a name: openpyxl refuses a name that does not end in .xlsx, and an
    # uploaded file is kept as "<uuid>.upload" (carte.transfer.services.imports).
    with open(path, "rb") as stream:
        try:
            book = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
        except Exception:  # a hostile or broken file may fail anywhere inside openpyxl
            refuse(_("This Excel file is damaged: it cannot be read."))
        try:
            yield book
        finally:
            book.close()


def inspect(path: Path, *, sheet="", header_row=None) -> Layout:
    """The sheets of the workbook, the one read (given, else the first that holds data), its header row and columns."""
    with opened(path) as book:
        sheets = [name for name in book.sheetnames if hasattr(book[name], "iter_rows")]
        if sheet and sheet not in sheets:
            refuse(_("This workbook has no sheet named “%(name)s”.") % {"name": sheet[:50]}, "sheet")
        candidates = [sheet] if sheet else sheets
        for name in candidates:
            start = _first_rows(path, book, name, (header_row or HEADER_SEARCH_ROWS) + SAMPLE_ROWS)
            if any(any(cells) for _number, cells, _raw in start):
                break
        else:
            refuse(_("This workbook holds no data.") if not sheet else _("This sheet holds no data."))
    if header_row is None:
        header_row = next((number for number, _cells, raw in start[:HEADER_SEARCH_ROWS] if _names_columns(raw)), 0)
    if header_row > len(start):
        refuse(_("The sheet has no row %(number)d.") % {"number": header_row}, "header_row")
    header = next((cells for number, cells, _raw in start if number == header_row), [])
    width = width_of(header, [cells for number, cells, _raw in start if number > header_row], header_row)
    return Layout(format="xlsx", sheet=name, sheets=sheets, header_row=header_row, columns=column_names(header, width))


def _first_rows(path: Path, book, sheet: str, count: int) -> list[tuple[int, list[str], list[str]]]:
    return list(itertools.islice(_sheet_rows(path, book, sheet), count))


def _names_columns(raw: list[str]) -> bool:
    """A header row: at least two cells filled, all of them words (a title row has one cell, a record numbers)."""
    filled = [cell for cell in raw if cell]
    return len(filled) >= 2 and all(is_word(cell) for cell in filled)


def rows(path: Path, layout: Layout, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The rows below the header row, numbered as Excel shows them; blank rows left out; `skip` passed over."""
    width = len(layout.columns)
    with opened(path) as book:
        sheet = layout.sheet or book.sheetnames[0]
        if sheet not in book.sheetnames:
            refuse(_("This workbook has no sheet named “%(name)s”.") % {"name": sheet[:50]}, "sheet")
        for number, cells, _raw in _sheet_rows(path, book, sheet):
            if number <= layout.header_row:
                continue
            cells = aligned(cells, width)
            if not any(cells):
                continue
            if skip:
                skip -= 1
                continue
            yield number, cells


def _sheet_rows(path: Path, book, sheet: str) -> Iterator[tuple[int, list[str], list[str]]]:
    """Every row of the sheet from row 1: its number, its cells as text with merged ranges filled, and the
    cells as the file holds them (a merged range's value only in its top-left cell)."""
    worksheet = book[sheet]
    worksheet.reset_dimensions()  # trust the cells, not the size the file declares
    merged = _MergedRanges(_merged_ranges(path, sheet))
    for number, values in enumerate(worksheet.iter_rows(values_only=True), 1):
        raw = [cell_text(value) for value in values]
        yield number, merged.fill(number, raw), raw


def cell_text(value) -> str:
    """A cell's value as the text Excel stores: 12345.0 → "12345", 0.1 → "0.1", a date → "2024-12-31",
    a date and time → "2024-12-31 10:30", True → "true"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, timedelta):
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    return str(value)


class _MergedRanges:
    """Fills the cells of merged ranges row by row, with the value the range's top-left cell holds."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.waiting = sorted(ranges, key=lambda bounds: bounds[1], reverse=True)  # popped by first row
        self.active: list[tuple[int, int, int, str]] = []  # (first column, last column, last row, value)

    def fill(self, number: int, cells: list[str]) -> list[str]:
        if not self.waiting and not self.active:
            return cells
        while self.waiting and self.waiting[-1][1] <= number:
            first_column, first_row, last_column, last_row = self.waiting.pop()
            if first_row == number and first_column <= len(cells):
                self.active.append((first_column, last_column, last_row, cells[first_column - 1]))
        self.active = [bounds for bounds in self.active if bounds[2] >= number]
        if not self.active:
            return cells
        cells = list(cells)
        for first_column, last_column, _last_row, value in self.active:
            if len(cells) < last_column:
                cells.extend([""] * (last_column - len(cells)))
            cells[first_column - 1 : last_column] = [value] * (last_column - first_column + 1)
        return cells


def _merged_ranges(path: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of the sheet as (first column, first row, last column, last row).

    They are a flat list of empty <mergeCell ref="A1:C1"/> elements after the rows: the sheet's
    bytes are scanned for that list a megabyte at a time, rather than parsing every cell's XML
    a second time (openpyxl parses it once already), which would double the time a sheet takes.
    """
    with zipfile.ZipFile(path) as archive:
        sheet_path = _sheet_path(archive, sheet)
        if not sheet_path:
            return []
        with archive.open(sheet_path) as stream:
            section = _merge_section(stream)
    references = MERGE_REFERENCE.findall(section)
    if len(references) > MAX_MERGED_RANGES:
        refuse(_("This sheet has too many merged cells to be read."))
    return [bounds for reference in references if (bounds := _bounds(reference.decode("ascii")))]


def _merge_section(stream) -> bytes:
    """The bytes from <mergeCells> to </mergeCells>; b"" when the sheet has none."""
    tail = b""
    while chunk := stream.read(MEGABYTE):
        window = tail + chunk
        start = MERGE_START.search(window)
        if start:
            section = window[start.start() :]
            while not MERGE_END.search(section) and (chunk := stream.read(MEGABYTE)):
                section += chunk
                if len(section) > MAX_MERGE_BYTES:
                    refuse(_("This sheet has too many merged cells to be read."))
            end = MERGE_END.search(section)
            return section[: end.end()] if end else section
        tail = window[-64:]
    return b""


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    try:
        first_column, first_row, last_column, last_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    if None in (first_column, first_row, last_column, last_row):
        return None
    return first_column, first_row, last_column, last_row


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str:
    """The path inside the zip of the sheet named `sheet`, from the workbook and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next(
        (
            item.get(RELATIONSHIP_ID)
            for item in workbook.iter()
            if item.tag.endswith("}sheet") and item.get("name") == sheet
        ),
        None,
    )
    try:
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return ""
    target = next((item.get("Target", "") for item in relations if item.get("Id") == relation), "")
    if not target:
        return ""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
