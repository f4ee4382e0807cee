"""Numbering patterns of sales documents: "INV-{year}-{number:04}" → "INV-2025-0042".

A pattern is plain text with a few placeholders in braces:

- ``{year}``: the four-digit year of the document's date;
- ``{yy}``: its last two digits;
- ``{number}``: the number in the year, as is;
- ``{number:0N}``: the number padded with zeros to N digits (1 ≤ N ≤ 9).

The pattern is parsed here, never handed to ``str.format``: a user's pattern could otherwise
reach attributes of the values (``{number.__class__}``) or pad to absurd widths.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from carte.core.errors import Invalid

MAX_LENGTH = 60
PADDED = re.compile(r"number:0([1-9])")


@dataclass(frozen=True)
class _Piece:
    """A literal text (`text`) or a placeholder (`name`, with `width` for a padded number)."""

    text: str = ""
    name: str = ""
    width: int = 0


def _parse(pattern: str, field: str) -> list[_Piece]:
    """The pattern cut into literal texts and placeholders; Invalid names `field` when it is not usable."""
    pieces: list[_Piece] = []
    literal: list[str] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "}":
            raise Invalid(errors={field: [_("A closing brace “}” has no opening brace.")]})
        if char != "{":
            literal.append(char)
            position += 1
            continue
        end = pattern.find("}", position + 1)
        if end < 0:
            raise Invalid(errors={field: [_("An opening brace “{” is never closed.")]})
        content = pattern[position + 1 : end]
        padded = PADDED.fullmatch(content)
        if content in ("year", "yy", "number"):
            piece = _Piece(name=content)
        elif padded:
            piece = _Piece(name="number", width=int(padded.group(1)))
        else:
            message = _(
                "Unknown placeholder “{%(name)s}”: use {year}, {yy}, {number} or {number:04} (4 digits, up to 9)."
            )
            raise Invalid(errors={field: [message % {"name": content}]})
        if literal:
            pieces.append(_Piece(text="".join(literal)))
            literal = []
        pieces.append(piece)
        position = end + 1
    if literal:
        pieces.append(_Piece(text="".join(literal)))
    return pieces


def _format(pieces: list[_Piece], *, year: int, number: int) -> str:
    out = []
    for piece in pieces:
        if piece.name == "year":
            out.append(f"{year:04d}")
        elif piece.name == "yy":
            out.append(f"{year % 100:02d}")
        elif piece.name == "number":
            out.append(str(number).zfill(piece.width))
        else:
            out.append(piece.text)
    return "".join(out)


def check_pattern(pattern: str, field: str) -> str:
    """The pattern, stripped, when documents can be numbered with it; else Invalid naming `field`.

    It must hold ``{number}`` (or a padded form) so that two documents never share a number, and
    the numbers it makes must fit the 60 characters a document number holds.
    """
    pattern = (pattern or "").strip()
    if not pattern:
        raise Invalid(errors={field: [_("Enter a numbering pattern, for example INV-{year}-{number:04}.")]})
    pieces = _parse(pattern, field)
    if not any(piece.name == "number" for piece in pieces):
        raise Invalid(errors={field: [_("The pattern must contain {number}.")]})
    # The longest number a pattern may produce: a four-digit year and a sequence of up to nine digits.
    if len(_format(pieces, year=9999, number=999_999_999)) > MAX_LENGTH:
        message = _("Numbers made with this pattern would exceed %(limit)d characters.") % {"limit": MAX_LENGTH}
        raise Invalid(errors={field: [message]})
    return pattern


def format_number(pattern: str, *, year: int, number: int) -> str:
    """The document number the pattern gives for `number` in `year` (the pattern is checked again)."""
    pieces = _parse(pattern, "pattern")
    result = _format(pieces, year=year, number=number)
    if len(result) > MAX_LENGTH:
        raise Invalid(errors={"pattern": [_("This number exceeds %(limit)d characters.") % {"limit": MAX_LENGTH}]})
    return result
