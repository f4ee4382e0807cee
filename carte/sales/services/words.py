"""Amounts in words, as invoices and contracts print them under the total ("mille deux cent trente-quatre euros…").

num2words spells the currencies it knows in each language (EUR, USD, RUB… differ per
language). For the others the amount is spelled as a number followed by the currency's code,
its minor units in figures: "one thousand, two hundred and thirty-four CHF 56".
"""

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from num2words import num2words

from carte.core.money import rounded

# num2words' language code for each of Carte's languages.
LANGUAGES = {"en": "en", "fr": "fr", "ru": "ru"}


def in_words(amount: Decimal, currency_code: str, language: str, digits: int = 2) -> str:
    """The amount spelled out in `language`, with its currency; `digits` are the currency's minor units."""
    lang = LANGUAGES.get(language, "en")
    amount = rounded(Decimal(amount), digits)
    if digits == 2:
        try:
            return str(num2words(amount, lang=lang, to="currency", currency=currency_code))
        except (NotImplementedError, KeyError):
            pass  # a currency num2words cannot name in this language: spelled below
    whole = int(amount.copy_abs())
    minor = int((amount.copy_abs() - whole).scaleb(digits))
    words = str(num2words(whole, lang=lang))
    if amount < 0:
        words = f"{str(num2words(-1, lang=lang)).split()[0]} {words}"
    with translation.override(language):
        if digits == 0:
            return _("%(words)s %(code)s") % {"words": words, "code": currency_code}
        return _("%(words)s %(code)s %(minor)s") % {
            "words": words,
            "code": currency_code,
            "minor": str(minor).zfill(digits),
        }
