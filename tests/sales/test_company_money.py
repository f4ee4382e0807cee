"""Currencies in use, the one base currency, exchange rates by hand and from CSV, taxes."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.sales.models import Currency, PriceList, Rate, Tax
from carte.sales.queries import company as queries
from carte.sales.services import money
from carte.sales.testing import DealFactory, currency, legal_entity
from tests.sales.conftest import make_invoice


def rates():
    return list(Rate.objects.order_by("currency", "date").values_list("currency", "date", "rate"))


def csv_file(text: str, name: str = "rates.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def code(code_: str) -> Currency:
    return Currency.objects.get(code=code_)


# ---------------------------------------------------------------------------------------------
# Currencies
# ---------------------------------------------------------------------------------------------


def test_an_admin_switches_a_currency_on_and_off(ada):
    money.set_currency_in_use(actor=ada, currency=code("CHF"), active=True)
    assert code("CHF").active
    money.set_currency_in_use(actor=ada, currency=code("CHF"), active=False)
    assert not code("CHF").active
    assert AuditEntry.objects.filter(model="sales.currency", object_id="CHF").count() == 2


@pytest.mark.parametrize("user", ["deal", "document", "price list", "legal entity"])
def test_a_currency_in_use_by_something_stays_on(ada, alice, user):
    gbp = currency("GBP")
    if user == "deal":
        DealFactory(owner=alice, currency=gbp)
    elif user == "document":
        make_invoice(alice, code="GBP")
    elif user == "price list":
        PriceList.objects.create(name="UK", currency=gbp)
    else:
        legal_entity(name="Carte UK", legal_name="Carte UK Ltd", default_currency=gbp)
    with pytest.raises(Conflict) as refused:
        money.set_currency_in_use(actor=ada, currency=gbp, active=False)
    assert "cannot be switched off" in str(refused.value.message)
    assert code("GBP").active


def test_the_base_currency_stays_on(ada):
    with pytest.raises(Conflict):
        money.set_currency_in_use(actor=ada, currency=code("EUR"), active=False)
    assert code("EUR").active


def test_there_is_always_exactly_one_base_currency(ada):
    money.set_base_currency(actor=ada, currency=code("GBP"))
    assert list(Currency.objects.filter(is_base=True).values_list("code", flat=True)) == ["GBP"]
    assert code("GBP").active  # the base is always in use
    assert queries.base_currency().code == "GBP"
    entry = AuditEntry.objects.get(model="sales.currency", object_id="GBP")
    assert entry.changes["base_currency"] == ["EUR", "GBP"]
    money.set_base_currency(actor=ada, currency=code("GBP"))  # already the base: nothing changes
    assert AuditEntry.objects.filter(model="sales.currency").count() == 1
    with pytest.raises(Invalid):
        money.update_currency(actor=ada, currency=code("GBP"), is_base=False)
    assert Currency.objects.filter(is_base=True).count() == 1


@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
def test_only_the_administrator_changes_money_settings(people, persona):
    actor = people[persona]
    rate = Rate.objects.create(currency_id="USD", base_id="EUR", date=date(2024, 1, 31), rate=Decimal("0.9"))
    vat = Tax.objects.get(name="VAT 20 %")
    before = (list(Currency.objects.values()), rates(), list(Tax.objects.values()))
    attempts = [
        lambda: money.set_currency_in_use(actor=actor, currency=code("CHF"), active=True),
        lambda: money.set_base_currency(actor=actor, currency=code("USD")),
        lambda: money.add_rate(actor=actor, currency=code("USD"), date="2024-02-01", rate="0.9"),
        lambda: money.change_rate(actor=actor, rate=rate, value="1"),
        lambda: money.delete_rate(actor=actor, rate=rate),
        lambda: money.import_rates(actor=actor, file=csv_file("2024-02-01,USD,0.9")),
        lambda: money.create_tax(actor=actor, name="VAT 7 %", rate="7"),
        lambda: money.update_tax(actor=actor, tax=vat, rate="21"),
        lambda: money.archive_tax(actor=actor, tax=vat),
        lambda: money.move_tax(actor=actor, tax=vat, step=1),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert (list(Currency.objects.values()), rates(), list(Tax.objects.values())) == before


# ---------------------------------------------------------------------------------------------
# Rates by hand
# ---------------------------------------------------------------------------------------------


def test_an_admin_adds_changes_and_deletes_a_rate(ada):
    rate = money.add_rate(actor=ada, currency=code("USD"), date="31.01.2024", rate="0,9215")
    assert (rate.base_id, rate.date, rate.rate) == ("EUR", date(2024, 1, 31), Decimal("0.9215"))
    rate = money.change_rate(actor=ada, rate=rate, date="2024-02-01", value="0.93")
    assert queries.rate_on("USD", date(2024, 2, 1)) == Decimal("0.93")
    money.delete_rate(actor=ada, rate=rate)
    assert queries.rate_on("USD", date(2024, 2, 1)) is None
    assert list(AuditEntry.objects.filter(model="sales.rate").values_list("verb", flat=True).order_by("id")) == [
        "create",
        "update",
        "delete",
    ]


@pytest.mark.parametrize(
    ("day", "value", "field", "fragment"),
    [
        ("2024-01-31", "0", "rate", "more than zero"),
        ("2024-01-31", "-1.2", "rate", "more than zero"),
        ("2024-01-31", "0.12345678901", "rate", "10 decimals"),
        ("2024-01-31", "abc", "rate", "Enter a number"),
        ("2024-01-31", "1e20", "rate", "too large"),
        ("31.02.2024", "1", "date", "not a date"),
        ("", "1", "date", "Enter a date"),
        ("01-31-2024", "1", "date", "not a date"),
    ],
)
def test_a_bad_rate_is_refused(ada, day, value, field, fragment):
    with pytest.raises(Invalid) as refused:
        money.add_rate(actor=ada, currency=code("USD"), date=day, rate=value)
    assert fragment in str(refused.value.errors[field][0])
    assert rates() == []


def test_a_rate_has_ten_decimals_at_most_and_keeps_them(ada):
    rate = money.add_rate(actor=ada, currency=code("JPY"), date="2024-01-31", rate="0.0061234567")
    assert Rate.objects.get(pk=rate.pk).rate == Decimal("0.0061234567")


def test_one_rate_per_currency_and_day(ada):
    money.add_rate(actor=ada, currency=code("USD"), date="2024-01-31", rate="0.92")
    other = money.add_rate(actor=ada, currency=code("USD"), date="2024-02-01", rate="0.93")
    with pytest.raises(Invalid) as refused:
        money.add_rate(actor=ada, currency=code("USD"), date="31/01/2024", rate="0.95")
    assert "already has a rate" in str(refused.value.errors["date"][0])
    with pytest.raises(Invalid):
        money.change_rate(actor=ada, rate=other, date="2024-01-31")
    assert rates() == [("USD", date(2024, 1, 31), Decimal("0.92")), ("USD", date(2024, 2, 1), Decimal("0.93"))]


def test_the_base_currency_has_no_rate(ada):
    with pytest.raises(Invalid) as refused:
        money.add_rate(actor=ada, currency=code("EUR"), date="2024-01-31", rate="1")
    assert "always 1" in str(refused.value.errors["currency"][0])


# ---------------------------------------------------------------------------------------------
# Rates from a CSV file
# ---------------------------------------------------------------------------------------------


def test_a_good_file_is_imported_whole(ada):
    text = "date;currency;rate\n2024-01-31;USD;0,9215\n31.01.2024;GBP;1,1702\n01/02/2024;usd;0.9230\n\n"
    report = money.import_rates(actor=ada, file=csv_file(text))
    assert (report.rows, report.created, report.updated, report.problems) == (3, 3, 0, [])
    assert rates() == [
        ("GBP", date(2024, 1, 31), Decimal("1.1702")),
        ("USD", date(2024, 1, 31), Decimal("0.9215")),
        ("USD", date(2024, 2, 1), Decimal("0.923")),
    ]
    entry = AuditEntry.objects.get(verb="create", model="")
    assert entry.changes["created"] == [None, 3]


def test_a_file_without_header_in_commas_with_a_base_column(ada):
    report = money.import_rates(actor=ada, file=csv_file('2024-01-31,USD,"0,9215",EUR\r\n2024-01-31,JPY,0.0061,eur'))
    assert report.created == 2


def test_a_header_may_name_the_columns_in_any_order(ada):
    report = money.import_rates(actor=ada, file=csv_file("Rate,Currency,Date\n0.9215,USD,2024-01-31\n"))
    assert report.created == 1 and queries.rate_on("USD", date(2024, 1, 31)) == Decimal("0.9215")


def test_an_import_replaces_the_rates_it_gives_again(ada):
    money.add_rate(actor=ada, currency=code("USD"), date="2024-01-31", rate="0.90")
    money.add_rate(actor=ada, currency=code("USD"), date="2024-02-01", rate="0.91")
    report = money.import_rates(actor=ada, file=csv_file("2024-01-31;USD;0,92\n2024-02-01;USD;0,91\n2024-02-02;USD;1"))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert queries.rate_on("USD", date(2024, 1, 31)) == Decimal("0.92")


def test_one_bad_row_saves_nothing_and_every_bad_row_is_reported(ada):
    money.add_rate(actor=ada, currency=code("USD"), date="2024-01-31", rate="0.90")
    before = rates()
    text = "\n".join(
        [
            "date;currency;rate;base",
            "2024-01-31;USD;0,92",  # good, but nothing is saved
            "2024-13-01;USD;0,92",  # row 3: no such month
            "2024-02-01;XYZ;1",  # row 4: unknown currency
            "2024-02-01;USD;-2",  # row 5: negative
            "2024-02-01;EUR;1",  # row 6: the base itself
            "2024-02-01;GBP;1,2;USD",  # row 7: another base
            "2024-02-02;GBP",  # row 8: too few columns
            "2024-01-31;USD;0,95",  # row 9: same as row 2
            "2024-02-03;GBP;1,123456789012",  # row 10: too many decimals
        ]
    )
    with pytest.raises(money.RatesRefused) as refused:
        money.import_rates(actor=ada, file=csv_file(text))
    report = refused.value.report
    assert [problem.row for problem in report.problems] == [3, 4, 5, 6, 7, 8, 9, 10]
    messages = {problem.row: " ".join(problem.messages) for problem in report.problems}
    assert "not a date" in messages[3]
    assert "Unknown currency: XYZ" in messages[4]
    assert "more than zero" in messages[5]
    assert "always 1" in messages[6]
    assert "base currency, EUR" in messages[7]
    assert "Row 2" in messages[9]
    assert "10 decimals" in messages[10]
    assert "8 rows are not valid" in str(refused.value.message)
    assert rates() == before
    assert not AuditEntry.objects.filter(verb="create", model="").exists()


def test_a_row_with_several_problems_lists_them_all(ada):
    with pytest.raises(money.RatesRefused) as refused:
        money.import_rates(actor=ada, file=csv_file("2024-02-30;QQQ;zero\n"))
    assert len(refused.value.report.problems[0].messages) == 3


def test_the_report_lists_200_rows_and_counts_the_others(ada):
    text = "\n".join(f"2024-01-{day % 28 + 1:02d};XXX;1" for day in range(250))
    with pytest.raises(money.RatesRefused) as refused:
        money.import_rates(actor=ada, file=csv_file(text))
    assert (len(refused.value.report.shown_problems), refused.value.report.more_problems) == (200, 50)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("date;currency;rate\n2024-01-31;USD;0,92 €\n".encode("cp1252"), "not UTF-8"),
        ("date,currency,rate\n".encode("utf-16"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"2024-01-31,USD,0.9\x00\x01\x02", "binary"),
        (b"x" * (2 * 1024 * 1024 + 1), "too large"),
        (b"   \n\n", "empty"),
        (b"date;currency;rate\n", "no rates"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(ada, content, fragment):
    with pytest.raises(Invalid) as refused:
        money.import_rates(actor=ada, file=SimpleUploadedFile("rates.csv", content))
    assert fragment in str(refused.value.errors["file"][0])
    assert rates() == []


def test_no_file_at_all_is_asked_for(ada):
    with pytest.raises(Invalid) as refused:
        money.import_rates(actor=ada, file=None)
    assert "Choose a CSV file" in str(refused.value.errors["file"][0])


def test_a_header_must_name_the_columns_it_has(ada):
    with pytest.raises(money.RatesRefused) as refused:
        money.import_rates(actor=ada, file=csv_file("Datum;Waehrung;Kurs\n2024-01-31;USD;1"))
    assert refused.value.report.problems[0].row == 1
    assert "header must name" in refused.value.report.problems[0].messages[0]


def test_a_file_from_bytes_in_memory_reads_too(ada):
    assert money.import_rates(actor=ada, file=BytesIO(b"\xef\xbb\xbf2024-01-31,USD,0.92")).created == 1


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


def test_an_admin_adds_a_tax_at_the_end(ada):
    tax = money.create_tax(actor=ada, name=" VAT  7 % ", rate="7,5", included=True)
    assert (tax.name, tax.rate, tax.included) == ("VAT 7 %", Decimal("7.5"), True)
    assert list(Tax.objects.order_by("order"))[-1] == tax
    assert AuditEntry.objects.get(model="sales.tax", verb="create").changes["rate"] == [None, "7.50"]


@pytest.mark.parametrize(
    ("name", "rate", "field"),
    [
        ("", "7", "name"),
        ("x" * 101, "7", "name"),
        ("vat 20 %", "7", "name"),
        ("VAT 7", "-1", "rate"),
        ("VAT 7", "100.01", "rate"),
        ("VAT 7", "7.125", "rate"),
        ("VAT 7", "seven", "rate"),
        ("VAT 7", None, "rate"),
    ],
)
def test_a_bad_tax_is_refused(ada, name, rate, field):
    before = list(Tax.objects.values())
    with pytest.raises(Invalid) as refused:
        money.create_tax(actor=ada, name=name, rate=rate)
    assert field in refused.value.errors
    assert list(Tax.objects.values()) == before


def test_a_tax_is_changed_and_the_rate_of_100_is_the_most(ada):
    tax = Tax.objects.get(name="VAT 10 %")
    tax = money.update_tax(actor=ada, tax=tax, name="Reduced VAT", rate="100", included=True)
    assert (tax.name, tax.rate, tax.included) == ("Reduced VAT", Decimal("100"), True)
    money.update_tax(actor=ada, tax=tax, name="reduced vat")  # its own name, in another case


def test_the_default_tax_of_an_entity_cannot_be_archived(ada):
    vat = Tax.objects.get(name="VAT 20 %")
    legal_entity(default_tax=vat, name="Carte", legal_name="Carte SAS")
    with pytest.raises(Conflict) as refused:
        money.archive_tax(actor=ada, tax=vat)
    assert "default tax of Carte" in str(refused.value.message)
    assert not Tax.objects.get(pk=vat.pk).archived


def test_an_archived_tax_is_no_longer_offered_and_can_come_back(ada):
    vat = Tax.objects.get(name="VAT 10 %")
    money.archive_tax(actor=ada, tax=vat)
    assert vat not in queries.taxes_in_use()
    money.restore_tax(actor=ada, tax=vat)
    assert vat in queries.taxes_in_use()


def test_taxes_move_up_and_down(ada):
    names = lambda: [tax.name for tax in queries.taxes_in_use()]  # noqa: E731
    money.move_tax(actor=ada, tax=Tax.objects.get(name="VAT 0 %"), step=-1)
    assert names() == ["VAT 20 %", "VAT 10 %", "VAT 0 %", "VAT 5.5 %"]
    money.move_tax(actor=ada, tax=Tax.objects.get(name="VAT 20 %"), step=-1)  # already first
    assert names() == ["VAT 20 %", "VAT 10 %", "VAT 0 %", "VAT 5.5 %"]
    money.update_tax(actor=ada, tax=Tax.objects.get(name="VAT 5.5 %"), order=0)
    assert names()[0] == "VAT 5.5 %"
