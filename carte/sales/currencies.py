"""The ISO 4217 currencies a new installation knows: code, minor units, usual symbol and English name.

New installations copy this table into `Currency` (see `carte.sales.services.company`);
admins then switch on the ones they sell in. The names here are translated for each reader
(`name_of`); the copy in the database keeps the English name for exports and the API.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class IsoCurrency:
    """One row of the ISO 4217 table: `digits` is the number of minor units (2 for cents, 0 for JPY)."""

    code: str
    digits: int
    symbol: str
    name: Promise


CURRENCIES: tuple[IsoCurrency, ...] = (
    IsoCurrency("EUR", 2, "€", _("Euro")),
    IsoCurrency("USD", 2, "$", _("US dollar")),
    IsoCurrency("GBP", 2, "£", _("Pound sterling")),
    IsoCurrency("CHF", 2, "CHF", _("Swiss franc")),
    IsoCurrency("RUB", 2, "₽", _("Russian rouble")),
    IsoCurrency("UAH", 2, "₴", _("Ukrainian hryvnia")),
    IsoCurrency("KZT", 2, "₸", _("Kazakhstani tenge")),
    IsoCurrency("BYN", 2, "Br", _("Belarusian rouble")),
    IsoCurrency("PLN", 2, "zł", _("Polish złoty")),
    IsoCurrency("CZK", 2, "Kč", _("Czech koruna")),
    IsoCurrency("SEK", 2, "kr", _("Swedish krona")),
    IsoCurrency("NOK", 2, "kr", _("Norwegian krone")),
    IsoCurrency("DKK", 2, "kr", _("Danish krone")),
    IsoCurrency("ISK", 0, "kr", _("Icelandic króna")),
    IsoCurrency("HUF", 2, "Ft", _("Hungarian forint")),
    IsoCurrency("RON", 2, "lei", _("Romanian leu")),
    IsoCurrency("BGN", 2, "лв", _("Bulgarian lev")),
    IsoCurrency("RSD", 2, "din", _("Serbian dinar")),
    IsoCurrency("MDL", 2, "L", _("Moldovan leu")),
    IsoCurrency("TRY", 2, "₺", _("Turkish lira")),
    IsoCurrency("GEL", 2, "₾", _("Georgian lari")),
    IsoCurrency("AMD", 2, "֏", _("Armenian dram")),
    IsoCurrency("AZN", 2, "₼", _("Azerbaijani manat")),
    IsoCurrency("UZS", 2, "soʻm", _("Uzbekistani som")),
    IsoCurrency("KGS", 2, "сом", _("Kyrgyzstani som")),
    IsoCurrency("JPY", 0, "¥", _("Japanese yen")),
    IsoCurrency("CNY", 2, "¥", _("Chinese yuan")),
    IsoCurrency("KRW", 0, "₩", _("South Korean won")),
    IsoCurrency("INR", 2, "₹", _("Indian rupee")),
    IsoCurrency("SGD", 2, "S$", _("Singapore dollar")),
    IsoCurrency("HKD", 2, "HK$", _("Hong Kong dollar")),
    IsoCurrency("THB", 2, "฿", _("Thai baht")),
    IsoCurrency("AED", 2, "AED", _("UAE dirham")),
    IsoCurrency("SAR", 2, "SAR", _("Saudi riyal")),
    IsoCurrency("ILS", 2, "₪", _("Israeli new shekel")),
    IsoCurrency("KWD", 3, "KD", _("Kuwaiti dinar")),
    IsoCurrency("BHD", 3, "BD", _("Bahraini dinar")),
    IsoCurrency("OMR", 3, "OMR", _("Omani rial")),
    IsoCurrency("JOD", 3, "JD", _("Jordanian dinar")),
    IsoCurrency("TND", 3, "DT", _("Tunisian dinar")),
    IsoCurrency("MAD", 2, "DH", _("Moroccan dirham")),
    IsoCurrency("EGP", 2, "E£", _("Egyptian pound")),
    IsoCurrency("XOF", 0, "F CFA", _("West African CFA franc")),
    IsoCurrency("XAF", 0, "F CFA", _("Central African CFA franc")),
    IsoCurrency("ZAR", 2, "R", _("South African rand")),
    IsoCurrency("CAD", 2, "CA$", _("Canadian dollar")),
    IsoCurrency("MXN", 2, "MX$", _("Mexican peso")),
    IsoCurrency("BRL", 2, "R$", _("Brazilian real")),
    IsoCurrency("AUD", 2, "A$", _("Australian dollar")),
    IsoCurrency("NZD", 2, "NZ$", _("New Zealand dollar")),
)

BY_CODE: dict[str, IsoCurrency] = {currency.code: currency for currency in CURRENCIES}


def name_of(currency) -> str:
    """A currency's name in the reader's language: the table's translated name, else the stored one."""
    known = BY_CODE.get(currency.code)
    return str(known.name) if known is not None else currency.name
