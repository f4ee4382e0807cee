"""Text files (CSV, vCard): their encoding, found from the first bytes, and their lines, read within MAX_LINE.

Encoding detection, in order: a byte order mark (UTF-8, UTF-16); UTF-16 without a mark,
known by its NUL bytes every other byte; a strict UTF-8 decode of the sample; else one of
the two Windows code pages small companies' files come in, Cyrillic (1251) or Latin (1252),
told apart by the words each decode gives: Russian text read as 1251 gives whole Cyrillic
words, French or German text read as 1251 gives words mixing Latin and Cyrillic letters.
"""

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from django.utils.translation import gettext as _

from carte.transfer.readers.layout import MAX_LINE, refuse

SAMPLE_SIZE = 64 * 1024
WINDOWS_PAGES = ("cp1251", "cp1252")
# Bytes that never appear in text: controls other than tab, new lines, form feed and DOS's end-of-file mark.
CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 26})
NOT_CONTROL = bytes(set(range(256)) - set(CONTROL_BYTES))
WORD = re.compile(r"[^\W\d_]{2,}")
CYRILLIC_WORD = re.compile(r"[а-яёА-ЯЁ]+")


def _as_latin1(error: UnicodeDecodeError) -> tuple[str, int]:
    # The few bytes the Windows code pages leave undefined (0x81, 0x98…) read as Windows itself reads them.
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("carte.windows", _as_latin1)

# What undecodable bytes read as when we need to know where they are (a lone surrogate never comes out of a decode).
BROKEN = "\udfff"


def _as_broken(error: UnicodeDecodeError) -> tuple[str, int]:
    return BROKEN, error.end


codecs.register_error("carte.broken", _as_broken)


class LineTooLong(Exception):
    """A line of the file is longer than MAX_LINE."""


def errors_for(encoding: str) -> str:
    """How undecodable bytes are handled: the Windows code pages read every byte; the others refuse."""
    return "carte.windows" if encoding in WINDOWS_PAGES else "strict"


def open_text(path: Path, encoding: str):
    """The file as a text stream that keeps its line ends as they are (as the csv module wants)."""
    return open(path, encoding=encoding, errors=errors_for(encoding), newline="")


def bounded_lines(stream) -> Iterator[str]:
    """The stream's lines, never reading more than MAX_LINE characters at once; LineTooLong past it."""
    readline = stream.readline
    while line := readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise LineTooLong
        yield line


def read_head(path: Path) -> tuple[bytes, bool]:
    """The first SAMPLE_SIZE bytes of the file, and whether that is the whole file."""
    with open(path, "rb") as stream:
        head = stream.read(SAMPLE_SIZE + 1)
    return head[:SAMPLE_SIZE], len(head) <= SAMPLE_SIZE


def looks_binary(head: bytes) -> bool:
    """Control bytes that text never holds: NUL (outside UTF-16), or more than one byte in a hundred."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_mark(head):
        return False
    controls = len(head.translate(None, NOT_CONTROL))
    return b"\x00" in head or controls * 100 > len(head)


def utf16_without_mark(head: bytes) -> str:
    """The byte order of UTF-16 without a mark, "utf-16-le" or "utf-16-be", when NUL bytes fill one side of
    the byte pairs (as Latin letters, digits and delimiters do) and not the other; "" otherwise."""
    sample = head[:4096]
    half = len(sample) // 2
    if half < 2:
        return ""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd * 10 >= half and even * 100 <= half:
        return "utf-16-le"
    if even * 10 >= half and odd * 100 <= half:
        return "utf-16-be"
    return ""


def sniff_encoding(head: bytes, complete: bool) -> str:
    """The encoding the file's first bytes are most likely in (see the module's docstring)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if without_mark := utf16_without_mark(head):
        return without_mark
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError as error:
        if _mixed(head, error.start):
            return "utf-8"  # UTF-8 lines then other bytes: decode_head names the row that breaks
        return _cyrillic_or_latin(head)
    return "utf-8"


def _mixed(head: bytes, bad_at: int) -> bool:
    """Whole lines of real UTF-8 text (not only ASCII) come before the first byte UTF-8 cannot read."""
    before = head[: head.rfind(b"\n", 0, bad_at) + 1]
    return not before.isascii()


def _cyrillic_or_latin(head: bytes) -> str:
    words = [word for word in WORD.findall(head.decode("cp1251", "carte.windows")) if not word.isascii()]
    cyrillic = sum(1 for word in words if CYRILLIC_WORD.fullmatch(word))
    return "cp1251" if cyrillic > len(words) - cyrillic else "cp1252"


def settled(encoding: str, head: bytes) -> str:
    """The encoding to read the file with: "utf-16" names a byte order only its mark tells; without one,
    the NUL bytes do (little-endian, Windows' own, when they say nothing)."""
    if encoding == "utf-16" and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return utf16_without_mark(head) or "utf-16-le"
    return encoding


def decode_head(head: bytes, encoding: str, complete: bool) -> tuple[str, bool]:
    """The sample as text, cut after its last whole line unless it is the whole file; and whether some
    bytes of it could not be read in `encoding` (the text then stops before them)."""
    errors = "carte.broken" if errors_for(encoding) == "strict" else errors_for(encoding)
    text = codecs.getincrementaldecoder(encoding)(errors).decode(head, final=complete)
    if (broken_at := text.find(BROKEN)) >= 0:
        return text[:broken_at], True
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text, False


def open_marking_broken(path: Path, encoding: str):
    """The file as text where each undecodable byte sequence reads as BROKEN: to find the row it is in."""
    return open(path, encoding=encoding, errors="carte.broken", newline="")


def undecodable(encoding: str) -> str:
    """Why a row cannot be read: its bytes are not in the file's encoding (mixed encodings, or a wrong choice)."""
    return _(
        "some characters cannot be read as %(encoding)s. The file may mix encodings: "
        "save it again as UTF-8, or choose its encoding."
    ) % {"encoding": encoding_label(encoding)}


def encoding_label(encoding: str) -> str:
    """The encoding's name as people know it: "Windows-1251", "UTF-8"."""
    if encoding.startswith("cp"):
        return "Windows-" + encoding[2:]
    return encoding.upper().removesuffix("-SIG").removesuffix("-LE").removesuffix("-BE")


def binary_refusal(kind: str = "") -> NoReturn:
    """Refuse a file that is not text, saying what it looks like when we know."""
    messages = {
        "xls": _("This is an old Excel (.xls) or other Office file. Save it as .xlsx or .csv and upload it again."),
        "pdf": _("This is a PDF document, not a table. Export the data as .xlsx or .csv."),
        "image": _("This is an image, not a table. Upload a .csv, .xlsx or .vcf file."),
        "zip": _("This is a zip archive, not an Excel workbook. Upload a .csv, .xlsx or .vcf file."),
        "docx": _("This is a Word document, not a table. Save the table as .xlsx or .csv."),
        "ods": _("This is an OpenDocument spreadsheet. Save it as .xlsx or .csv and upload it again."),
        "archive": _("This is a compressed archive. Unpack it and upload the .csv, .xlsx or .vcf file inside."),
        "markup": _("This is a web page or an XML file, not a table file. Open it in Excel and save it as .xlsx."),
        "damaged": _("This file is damaged (cut short while uploading?): it cannot be opened."),
    }
    refuse(messages.get(kind) or _("This file is not text, nor an Excel workbook: it cannot be imported."))
