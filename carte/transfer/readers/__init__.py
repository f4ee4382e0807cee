"""Reading the files people import: CSV, XLSX and vCard, each seen as a table of text cells.

`inspect` finds how a file is to be read (its `Layout`: format, encoding, delimiter, sheet,
header row, columns) from its content, keeping what the user chose instead; `rows` then
streams its data rows, each cell a text aligned on the layout's columns, numbered as the
user sees them in the file; `count_rows` counts them. A file that cannot be read is refused
with carte.core.errors.Invalid, errors={"file": [message]}, the message naming the row when
one row is at fault. Turning texts into numbers or dates is carte.transfer.values' work.
"""

from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from carte.transfer.readers import delimited, vcard, workbook
from carte.transfer.readers.detect import sniff_format
from carte.transfer.readers.layout import (
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    MAX_COLUMNS,
    MAX_LINE,
    Layout,
    canonical_encoding,
    refuse,
)
from carte.transfer.readers.text import read_head

__all__ = ["DELIMITERS", "ENCODINGS", "FORMATS", "MAX_COLUMNS", "MAX_LINE", "Layout", "count_rows", "inspect", "rows"]

READERS = {"csv": delimited, "xlsx": workbook, "vcard": vcard}


def inspect(path: Path, file_name: str, **given) -> Layout:
    """Read the start of the file and say how it is to be read.

    Its format comes from its content (the name only breaks ties), then its encoding,
    delimiter, sheet and header row, each detected unless `given` (the user's override:
    format, encoding, delimiter, sheet, header_row; "" or None count as not given).
    Raises Invalid for an empty or binary file, a damaged workbook or a zip bomb, a line
    over MAX_LINE, over MAX_COLUMNS columns, or text the encoding cannot read.
    """
    given = {key: value for key, value in given.items() if value not in ("", None)}
    unknown = set(given) - {"format", "encoding", "delimiter", "sheet", "header_row"}
    if unknown:
        raise TypeError(f"inspect() got unknown settings: {', '.join(sorted(unknown))}")
    head, complete = read_head(path)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        refuse(_("The file is empty."))
    if given.get("format", "csv") not in FORMATS:
        refuse(_("Choose a format among CSV, XLSX and vCard."), "format")
    detected = sniff_format(path, head, file_name)  # refuses binary files, whatever the user says they are
    file_format = given.get("format") or detected
    if (file_format == "xlsx") != (detected == "xlsx"):
        refuse(
            _("This file is not an Excel workbook.") if detected != "xlsx" else _("This file is an Excel workbook."),
            "format",
        )
    header_row = _header_row(given.get("header_row"))
    if file_format == "xlsx":
        return workbook.inspect(path, sheet=given.get("sheet", ""), header_row=header_row)
    encoding = canonical_encoding(given["encoding"]) if "encoding" in given else ""
    if file_format == "vcard":
        return vcard.inspect(path, head, complete, encoding=encoding)
    return delimited.inspect(
        path, head, complete, encoding=encoding, delimiter=given.get("delimiter", ""), header_row=header_row
    )


def _header_row(value) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        refuse(_("The header row is a row number, or 0 when the file has no header."), "header_row")
    return number


def rows(path: Path, layout: Layout, *, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The data rows after the header row, each as (number, cells).

    `number` is the row's number as the user sees it: a spreadsheet's row number; for a CSV
    the record's position counting the header as 1; for vCards the card's position. `cells`
    are texts aligned on `layout.columns` (missing cells "", extra cells dropped, stripped).
    Wholly empty rows are left out; the first `skip` rows (of those given) are passed over,
    to resume an import. Streams in constant memory. Raises Invalid (the row named) for a
    line over MAX_LINE or bytes the encoding cannot read met later in the file.
    """
    return READERS[layout.format].rows(path, layout, skip)


def count_rows(path: Path, layout: Layout) -> int:
    """The number of data rows `rows` gives, counted as a stream."""
    return sum(1 for _row in rows(path, layout))
