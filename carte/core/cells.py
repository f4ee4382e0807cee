"""Cells of exported spreadsheets: text a spreadsheet shows as text, never runs as a formula.

A spreadsheet takes a cell starting with "=", "+", "-" or "@" for a formula (and one starting
with a tab or a carriage return too, once it trims it): a client named "=HYPERLINK(…)" would
run when the file is opened. Every text cell of every export goes through `neutralized`,
which puts a quote in front: spreadsheets show the quote and the text, and run nothing.
"""

# What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralized(text: str) -> str:
    """The text as a spreadsheet cell: one starting like a formula gets a leading quote."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
