"""Amounts in words, in the document's language."""

from decimal import Decimal

import pytest

from carte.sales.services.words import in_words


@pytest.mark.parametrize(
    ("amount", "code", "language", "expected"),
    [
        ("1234.56", "EUR", "fr", "mille deux cent trente-quatre euros et cinquante-six centimes"),
        ("1234.56", "EUR", "en", "one thousand, two hundred and thirty-four euro, fifty-six cents"),
        ("1234.56", "USD", "en", "one thousand, two hundred and thirty-four dollars, fifty-six cents"),
        ("1234.56", "RUB", "ru", "одна тысяча двести тридцать четыре рубля, пятьдесят шесть копеек"),
        ("21.00", "RUB", "ru", "двадцать один рубль, ноль копеек"),
        ("2.5", "USD", "fr", "deux dollars et cinquante cents"),
        ("1", "EUR", "ru", "один евро, ноль центов"),
    ],
)
def test_known_currencies_are_spelled_by_num2words(amount, code, language, expected):
    assert in_words(Decimal(amount), code, language) == expected


@pytest.mark.parametrize(
    ("amount", "code", "language", "digits", "expected"),
    [
        ("1234.56", "CHF", "en", 2, "one thousand, two hundred and thirty-four CHF 56"),
        ("1234.56", "RUB", "fr", 2, "mille deux cent trente-quatre RUB 56"),
        ("1234.05", "GBP", "ru", 2, "одна тысяча двести тридцать четыре GBP 05"),
        ("1234", "JPY", "en", 0, "one thousand, two hundred and thirty-four JPY"),
        ("7.125", "KWD", "fr", 3, "sept KWD 125"),
    ],
)
def test_other_currencies_spell_the_number_and_give_minor_units_in_figures(amount, code, language, digits, expected):
    assert in_words(Decimal(amount), code, language, digits) == expected


def test_amount_is_rounded_to_the_currency_first():
    assert in_words(Decimal("10.999"), "EUR", "en") == "eleven euro, zero cents"


def test_unknown_language_falls_back_to_english():
    assert in_words(Decimal("3"), "EUR", "de") == "three euro, zero cents"
