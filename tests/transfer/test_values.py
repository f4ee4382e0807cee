"""Texts of imported cells read per locale: numbers, dates, yes/no, several values in one cell."""

import random
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.transfer.values import parse_date, parse_datetime, parse_flag, parse_number, split_values


@pytest.mark.parametrize(
    ("text", "decimal", "number"),
    [
        ("1 234,56", ",", "1234.56"),
        ("1\u00a0234,56", ",", "1234.56"),
        ("1\u202f234\u202f567,5", ",", "1234567.5"),
        ("1.234,56", ",", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1'234.50", ".", "1234.50"),
        ("-12", ".", "-12"),
        ("−3,5", ",", "-3.5"),
        ("+7", ".", "7"),
        ("0,5", ",", "0.5"),
        (",5", ",", "0.5"),
        ("12", ",", "12"),
        ("1.234", ",", "1234"),
        ("1,234", ".", "1234"),
        ("12.5", ",", "12.5"),
        ("12,5", ".", "12.5"),
        ("€ 12.50", ".", "12.50"),
        ("12,50 €", ",", "12.50"),
        ("$1,200", ".", "1200"),
        ("1 234,56 руб.", ",", "1234.56"),
        ("1 234,56 ₽", ",", "1234.56"),
        ("99 EUR", ".", "99"),
        ("USD 99.90", ".", "99.90"),
        ("-€12", ".", "-12"),
        ("20 %", ",", "20"),
        ("5,5%", ",", "5.5"),
        ("1.5E+3", ".", "1500"),
        ("  42  ", ".", "42"),
    ],
)
def test_a_number_reads_as_the_locale_writes_it(text, decimal, number):
    assert parse_number(text, decimal) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "decimal"),
    [("abc", "."), ("(12)", "."), ("1 23", ","), ("1,2,3", "."), ("12..5", "."), ("1.234.5", ","), ("12 apples", ".")],
)
def test_a_text_that_is_not_a_number_is_refused_with_its_text(text, decimal):
    with pytest.raises(ValueError, match=re.escape(f"“{text}” is not a number.")):
        parse_number(text, decimal)


def test_an_empty_cell_is_not_a_number():
    with pytest.raises(ValueError, match="Enter a number."):
        parse_number("  ", ".")


def test_a_long_text_is_cut_in_the_message():
    with pytest.raises(ValueError) as refused:
        parse_number("x" * 500, ".")
    assert len(str(refused.value)) < 60


def test_numbers_written_with_grouping_read_back_exactly():
    chance = random.Random(6)
    for _ in range(300):
        number = Decimal(chance.randint(-(10**9), 10**9)) / 100
        grouped = f"{number:,.2f}"
        assert parse_number(grouped, ".") == number
        assert parse_number(grouped.replace(",", "\u00a0").replace(".", ","), ",") == number
        assert parse_number(grouped.replace(",", "X").replace(".", ",").replace("X", "."), ",") == number


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("31/12/2024", "dmy", date(2024, 12, 31)),
        ("31.12.2024", "dmy", date(2024, 12, 31)),
        ("31-12-2024", "dmy", date(2024, 12, 31)),
        ("31 12 2024", "dmy", date(2024, 12, 31)),
        ("1/2/2024", "dmy", date(2024, 2, 1)),
        ("1/2/2024", "mdy", date(2024, 1, 2)),
        ("12/31/2024", "mdy", date(2024, 12, 31)),
        ("2024/12/31", "dmy", date(2024, 12, 31)),
        ("2024.12.31", "mdy", date(2024, 12, 31)),
        ("24-12-31", "ymd", date(2024, 12, 31)),
        ("2024-12-31", "dmy", date(2024, 12, 31)),
        ("2024-12-31", "mdy", date(2024, 12, 31)),
        ("2024-12-31 10:00", "dmy", date(2024, 12, 31)),
        ("2024-12-31 00:00:00", "mdy", date(2024, 12, 31)),
        ("2024-12-31T10:30:00Z", "dmy", date(2024, 12, 31)),
        ("31.12.2024 14:30", "dmy", date(2024, 12, 31)),
        ("31.12.24", "dmy", date(2024, 12, 31)),
        ("12.04.85", "dmy", date(1985, 4, 12)),
        (" 4/12/1985 ", "mdy", date(1985, 4, 12)),
    ],
)
def test_a_date_reads_in_the_chosen_order(text, order, day):
    assert parse_date(text, order) == day


def test_two_digit_years_up_to_ten_years_ahead_are_this_century():
    this_year = timezone.now().year
    ahead, behind = (this_year + 10) % 100, (this_year + 11) % 100
    assert parse_date(f"01.01.{ahead:02d}", "dmy").year == this_year + 10
    assert parse_date(f"01.01.{behind:02d}", "dmy").year == this_year + 11 - 100


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("31/13/2024", "dmy"),
        ("12/31/2024", "dmy"),
        ("31/12/2024", "mdy"),
        ("2024-02-30", "dmy"),
        ("32.01.2024", "dmy"),
        ("yesterday", "dmy"),
        ("31/12", "dmy"),
        ("31/12/202", "dmy"),
        ("31.12.2024 25:00", "dmy"),
    ],
)
def test_a_text_that_is_not_a_date_is_refused_with_its_text(text, order):
    with pytest.raises(ValueError, match=re.escape(f"“{text}” is not a date.")):
        parse_date(text, order)


@pytest.mark.parametrize(
    ("text", "order", "moment"),
    [
        ("31.12.2024 14:30", "dmy", datetime(2024, 12, 31, 14, 30)),
        ("31/12/2024 14h30", "dmy", datetime(2024, 12, 31, 14, 30)),
        ("12/31/2024 2:30 PM", "mdy", datetime(2024, 12, 31, 14, 30)),
        ("12/31/2024 12:05 am", "mdy", datetime(2024, 12, 31, 0, 5)),
        ("2024-12-31 10:30:15", "dmy", datetime(2024, 12, 31, 10, 30, 15)),
        ("31.12.2024", "dmy", datetime(2024, 12, 31)),
    ],
)
def test_a_date_and_time_reads_naive_as_written(text, order, moment):
    assert parse_datetime(text, order) == moment


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("yes", True), ("Y", True), ("TRUE", True), ("1", True), ("x", True), ("X", True), ("oui", True),
        ("Да", True), ("no", False), ("false", False), ("0", False), ("non", False), ("нет", False), (" No ", False),
    ],
)  # fmt: skip
def test_yes_and_no_read_in_english_french_and_russian(text, flag):
    assert parse_flag(text) is flag


def test_a_text_that_is_not_yes_or_no_is_refused_with_its_text():
    with pytest.raises(ValueError, match="“maybe” is not yes or no."):
        parse_flag("maybe")


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a@x.fr\nb@y.fr", ["a@x.fr", "b@y.fr"]),
        ("a@x.fr; b@y.fr;;", ["a@x.fr", "b@y.fr"]),
        ("+33 1 23\r\n+33 4 56", ["+33 1 23", "+33 4 56"]),
        ("vip, export", ["vip", "export"]),
        ("12 rue X, Paris; 3 rue Y, Lyon", ["12 rue X, Paris", "3 rue Y, Lyon"]),
        ("a@x.fr ::: b@y.fr", ["a@x.fr", "b@y.fr"]),
        ("  single  ", ["single"]),
        (" ; \n ", []),
    ],
)
def test_a_cell_of_several_values_splits_on_lines_then_semicolons_then_commas(text, values):
    assert split_values(text) == values
