"""Numbering patterns: what they make, and the patterns refused with a message naming the field."""

import pytest

from carte.core.errors import Invalid
from carte.sales.services.patterns import check_pattern, format_number


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("INV-{year}-{number:04}", "INV-2025-0042"),
        ("{yy}/{number}", "25/42"),
        ("F{number:09}", "F000000042"),
        ("{number:01}", "42"),
        ("Facture n° {number} / {year}", "Facture n° 42 / 2025"),
    ],
)
def test_pattern_makes_the_number(pattern, expected):
    assert check_pattern(pattern, "invoice_pattern") == pattern
    assert format_number(pattern, year=2025, number=42) == expected


def test_year_before_2000_keeps_four_digits_and_two_for_yy():
    assert format_number("{year}-{yy}-{number}", year=2005, number=1) == "2005-05-1"


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("", "Enter a numbering pattern"),
        ("INV-{year}", "must contain {number}"),
        ("INV-{number.__class__}", "“{number.__class__}”"),
        ("INV-{number!r}", "“{number!r}”"),
        ("INV-{0}", "“{0}”"),
        ("INV-{number:010}", "“{number:010}”"),
        ("INV-{number:00}", "“{number:00}”"),
        ("INV-{number:4}", "“{number:4}”"),
        ("INV-{month}-{number}", "“{month}”"),
        ("INV-{}-{number}", "“{}”"),
        ("INV-{number", "never closed"),
        ("INV-}{number}", "no opening brace"),
        ("X" * 60 + "{number}", "60 characters"),
    ],
)
def test_unusable_pattern_is_refused_naming_the_field(pattern, fragment):
    with pytest.raises(Invalid) as refused:
        check_pattern(pattern, "quote_pattern")
    assert list(refused.value.errors) == ["quote_pattern"]
    assert fragment in str(refused.value.errors["quote_pattern"][0])


def test_pattern_is_stripped():
    assert check_pattern("  Q-{number}  ", "quote_pattern") == "Q-{number}"


def test_longest_pattern_that_fits_is_accepted():
    pattern = "X" * 47 + "{year}{number:09}"  # 47 + 4 + 9 = 60
    assert check_pattern(pattern, "f") == pattern
