"""CSV files (any of , ; tab |), read as a stream by the csv module so a file of a million rows takes little memory.

A record's number counts the records of the file from 1, the header included, so the first
row after the header is 2, as the spreadsheet the file came from showed it. A quoted field
may span lines; it still makes one record. Lines longer than MAX_LINE are refused as they
are met, without reading them whole.
"""

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from carte.transfer.readers.detect import looks_like_header, sniff_delimiter
from carte.transfer.readers.layout import (
    DELIMITERS,
    MAX_LINE,
    SAMPLE_ROWS,
    Layout,
    aligned,
    column_names,
    refuse,
    refuse_row,
    width_of,
)
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

# The csv module refuses a field above this size; a field may be as long as a line.
csv.field_size_limit(MAX_LINE)


def inspect(path: Path, head: bytes, complete: bool, *, encoding="", delimiter="", header_row=None) -> Layout:
    """The layout of a CSV file from its first bytes and records; given settings are kept as they are."""
    encoding = settled(encoding or sniff_encoding(head, complete), head)
    text, broken = decode_head(head, encoding, complete)
    if delimiter and delimiter not in DELIMITERS:
        refuse(_("Choose a delimiter among comma, semicolon, tab and vertical bar."), "delimiter")
    delimiter = delimiter or sniff_delimiter(text)
    if broken:
        refuse_row(_count_records(text, delimiter), undecodable(encoding))
    sample = list(itertools.islice(records(path, encoding, delimiter), (header_row or 1) + SAMPLE_ROWS))
    if not any(any(cell.strip() for cell in record) for _number, record in sample):
        refuse(_("The file is empty."))
    if header_row is None:
        header_row = 1 if looks_like_header(sample[0][1], [record for _n, record in sample[1:]]) else 0
    if header_row > len(sample):
        refuse(_("The file has no row %(number)d.") % {"number": header_row}, "header_row")
    header = sample[header_row - 1][1] if header_row else []
    width = width_of(header, [record for _number, record in sample[header_row:]], header_row)
    return Layout(
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        columns=column_names(header, width),
    )


def _count_records(text: str, delimiter: str) -> int:
    """The number of the record in which `text` (the readable start of the file) stops."""
    try:
        count = sum(1 for _record in csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
    except csv.Error:
        count = text.count("\n") + 1
    return count + 1 if text.endswith("\n") or not text else count


def records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Every record of the file with its number; refuses, naming the record, a line too long or bytes that
    cannot be read in `encoding` (met after the start, as in a file that mixes encodings)."""
    number = 0
    with open_text(path, encoding) as stream:
        try:
            for number, record in enumerate(csv.reader(bounded_lines(stream), delimiter=delimiter), 1):
                yield number, record
        except LineTooLong:
            refuse_row(number + 1, _("the line is too long (over %(size)d MB).") % {"size": MAX_LINE // 2**20})
        except csv.Error:
            refuse_row(number + 1, _("a field is too long, or a quote is not closed."))
        except UnicodeDecodeError:
            refuse_row(_broken_record(path, encoding, delimiter), undecodable(encoding))


def _broken_record(path: Path, encoding: str, delimiter: str) -> int:
    """The number of the first record holding bytes `encoding` cannot read (decoding goes by blocks, so
    the record being read when the error came up may be before it)."""
    number = 0
    with open_marking_broken(path, encoding) as stream:
        for number, record in enumerate(csv.reader(bounded_lines(stream), delimiter=delimiter), 1):
            if any(BROKEN in cell for cell in record):
                return number
    return number


def rows(path: Path, layout: Layout, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The data rows after the header, aligned on the layout's columns; blank rows left out; `skip` passed over."""
    width = len(layout.columns)
    for number, record in itertools.islice(records(path, layout.encoding, layout.delimiter), layout.header_row, None):
        cells = aligned(record, width)
        if not any(cells):
            continue
        if skip:
            skip -= 1
            continue
        yield number, cells
