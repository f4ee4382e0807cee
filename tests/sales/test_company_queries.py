"""What a new installation starts with, and the reads other parts of sales rely on (rates, base, defaults)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from carte.accounts.models import Right
from carte.core.errors import NotAllowed, NotFound
from carte.sales.currencies import BY_CODE, CURRENCIES, name_of
from carte.sales.models import Currency, LegalEntity, Rate, Tax
from carte.sales.queries import company as queries
from carte.sales.services import money
from carte.sales.testing import currency, legal_entity


def add_rate(code: str, day: str, value: str, base: str = "EUR") -> Rate:
    return Rate.objects.create(currency_id=code, base_id=base, date=date.fromisoformat(day), rate=Decimal(value))


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


def test_a_new_installation_knows_the_iso_currencies_with_eur_and_usd_in_use_and_eur_as_base(db):
    assert Currency.objects.count() == len(CURRENCIES) >= 40
    assert [c.code for c in Currency.objects.filter(active=True).order_by("code")] == ["EUR", "USD"]
    assert Currency.objects.get(is_base=True).code == "EUR"
    assert (Currency.objects.get(code="JPY").digits, Currency.objects.get(code="KWD").digits) == (0, 3)
    assert Currency.objects.get(code="USD").name == "US dollar"  # stored in English, shown translated


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "CHF", "RUB", "UAH", "KZT", "BYN", "XOF", "TND", "NZD"])
def test_the_table_holds_the_common_currencies(code):
    assert code in BY_CODE


def test_currency_names_are_shown_in_the_readers_language(db):
    usd = Currency.objects.get(code="USD")
    with translation.override("en"):
        assert name_of(usd) == "US dollar"
    unknown = Currency(code="XTS", name="Test currency")
    assert name_of(unknown) == "Test currency"


def test_a_new_installation_has_the_usual_vat_rates(db):
    taxes = list(Tax.objects.order_by("order"))
    assert [(tax.name, tax.rate, tax.included) for tax in taxes] == [
        ("VAT 20 %", Decimal("20.00"), False),
        ("VAT 10 %", Decimal("10.00"), False),
        ("VAT 5.5 %", Decimal("5.50"), False),
        ("VAT 0 %", Decimal("0.00"), False),
    ]


def test_seeding_never_overwrites_what_admins_chose(db):
    Currency.objects.filter(code="USD").update(active=False)
    Tax.objects.filter(rate=10).delete()
    money.seed_money_settings()
    assert not Currency.objects.get(code="USD").active
    assert Tax.objects.count() == 3


def test_a_russian_installation_starts_with_the_rouble_as_base_and_names_taxes_in_russian(db, settings):
    Currency.objects.all().delete()
    Tax.objects.all().delete()
    settings.LANGUAGE_CODE = "ru"
    money.seed_money_settings()
    assert Currency.objects.get(is_base=True).code == "RUB"
    assert set(Currency.objects.filter(active=True).values_list("code", flat=True)) == {"EUR", "USD", "RUB"}
    names = list(Tax.objects.order_by("order").values_list("name", flat=True))
    with translation.override("ru"):
        assert names[0] == translation.gettext("VAT %(rate)s %%") % {"rate": "20"}
    assert "5,5" in names[2]  # written the Russian way


# ---------------------------------------------------------------------------------------------
# Base currency and rates
# ---------------------------------------------------------------------------------------------


def test_base_currency_and_currencies_in_use(db):
    assert queries.base_currency().code == "EUR"
    currency("JPY", 0)
    assert [c.code for c in queries.currencies_in_use()] == ["EUR", "JPY", "USD"]


def test_the_rate_of_the_day_itself(db):
    add_rate("USD", "2024-01-30", "0.9100")
    add_rate("USD", "2024-01-31", "0.9215")
    assert queries.rate_on("USD", date(2024, 1, 31)) == Decimal("0.9215")


def test_a_day_without_a_rate_takes_the_latest_before_it(db):
    add_rate("USD", "2024-01-26", "0.9200")
    add_rate("USD", "2024-02-05", "0.9300")
    assert queries.rate_on("usd", date(2024, 1, 28)) == Decimal("0.92")


def test_no_rate_on_or_before_the_day_is_none(db):
    add_rate("USD", "2024-02-05", "0.9300")
    assert queries.rate_on("USD", date(2024, 2, 4)) is None
    assert queries.rate_on("GBP", date(2024, 2, 6)) is None
    assert queries.to_base(Decimal("10"), "GBP", date(2024, 2, 6)) is None


def test_the_base_currency_is_worth_one_of_itself(db):
    assert queries.rate_on("EUR", date(1999, 1, 1)) == 1
    assert queries.to_base(Decimal("12.34"), "EUR", date(1999, 1, 1)) == Decimal("12.34")


def test_rates_against_a_former_base_do_not_count(db):
    add_rate("USD", "2024-01-31", "0.9215")
    Currency.objects.filter(code="EUR").update(is_base=False)
    Currency.objects.filter(code="GBP").update(is_base=True, active=True)
    assert queries.rate_on("USD", date(2024, 2, 1)) is None


def test_to_base_rounds_half_up_to_the_base_currencys_minor_units(db):
    add_rate("USD", "2024-01-31", "0.9215")
    # 10.05 × 0.9215 = 9.261075 → 9.26; 0.05 × 0.9215 = 0.046075 → 0.05
    assert queries.to_base(Decimal("10.05"), "USD", date(2024, 2, 1)) == Decimal("9.26")
    assert queries.to_base(Decimal("0.05"), "USD", date(2024, 2, 1)) == Decimal("0.05")
    Currency.objects.filter(code="EUR").update(is_base=False)
    Currency.objects.filter(code="JPY").update(is_base=True, active=True)
    add_rate("USD", "2024-01-31", "150.5", base="JPY")
    assert queries.to_base(Decimal("1.01"), "USD", date(2024, 2, 1)) == Decimal("152")  # 152.005 → 152, no decimals


def test_rate_and_conversion_take_two_queries_at_most(db, django_assert_max_num_queries):
    add_rate("USD", "2024-01-31", "0.9215")
    with django_assert_max_num_queries(2):
        queries.rate_on("USD", date(2024, 2, 1))


# ---------------------------------------------------------------------------------------------
# Legal entities and taxes
# ---------------------------------------------------------------------------------------------


def test_default_entity_and_entities_in_use(db):
    assert queries.default_entity() is None
    first = legal_entity()
    other = legal_entity(name="Carte Lyon", legal_name="Carte Lyon SARL")
    legal_entity(name="Old", legal_name="Old SA", archived=True)
    assert queries.default_entity() == first
    assert queries.entities_in_use() == [first, other]


def test_taxes_in_use_leave_the_archived_out_in_order(db):
    Tax.objects.filter(rate=10).update(archived=True)
    assert [tax.name for tax in queries.taxes_in_use()] == ["VAT 20 %", "VAT 5.5 %", "VAT 0 %"]


def test_every_built_in_role_reads_the_settings_and_a_role_without_the_right_does_not(db, people):
    for persona in ("ada", "mia", "alice", "rita"):
        assert queries.taxes_for(people[persona]).count() == 4
    rita = people["rita"]
    Right.objects.filter(role=rita.role, module="sales_settings").delete()
    rita = type(rita).objects.get(pk=rita.pk)  # rights are read once per employee object
    with pytest.raises(NotAllowed):
        queries.taxes_for(rita)


def test_an_unknown_record_is_not_found(db, ada):
    for lookup in (
        lambda: queries.get_legal_entity_for(ada, 999),
        lambda: queries.get_legal_entity_for(ada, "x"),
        lambda: queries.get_legal_entity_for(ada, 10**30),
        lambda: queries.get_currency_for(ada, "XYZ"),
        lambda: queries.get_rate_for(ada, 999),
        lambda: queries.get_tax_for(ada, 999),
    ):
        with pytest.raises(NotFound):
            lookup()


def test_an_anonymous_visitor_reads_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        queries.currencies_for(AnonymousUser())
    assert LegalEntity.objects.count() == 0
