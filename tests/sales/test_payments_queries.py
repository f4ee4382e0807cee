"""What is owed, overdue and paid, as each user may see it; the panel and deal money contexts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from carte.core.errors import NotAllowed
from carte.core.testing import ClientFactory
from carte.sales.models import SalesDocument
from carte.sales.queries import payments as queries
from carte.sales.services.payments import record_payment
from carte.sales.testing import DealFactory
from tests.sales.conftest import make_invoice

pytestmark = pytest.mark.django_db


def pay(actor, invoice, amount, **more):
    return record_payment(actor=actor, invoice=invoice, **({"date": timezone.localdate(), "amount": amount} | more))


# Overdue, derived


def test_an_invoice_due_yesterday_is_overdue_one_due_today_is_not(alice):
    yesterday = make_invoice(alice, due_in=-1)
    today = make_invoice(alice, due_in=0)
    no_due_date = make_invoice(alice, due_in=None)
    assert yesterday.is_overdue and not today.is_overdue and not no_due_date.is_overdue
    assert list(queries.overdue(SalesDocument.objects.all())) == [yesterday]


def test_paid_drafts_and_cancelled_invoices_are_never_overdue(alice):
    for status in ("paid", "draft", "cancelled"):
        make_invoice(alice, status=status, due_in=-10)
    partly = make_invoice(alice, status="partly_paid", due_in=-10, paid=Decimal("1"))
    assert list(queries.overdue()) == [partly]


def test_overdue_follows_the_date_it_is_asked_for(alice):
    invoice = make_invoice(alice, due_in=5)
    later = timezone.localdate() + timedelta(days=6)
    assert list(queries.overdue(today=later)) == [invoice]


# Balances


@pytest.fixture
def bakery(alice):
    return ClientFactory(name="Bakery", owner=alice)


def test_balance_per_currency(alice, bakery):
    late = make_invoice(alice, client=bakery, total="1000.00", due_in=-3)
    make_invoice(alice, client=bakery, total="250.00")
    paid = make_invoice(alice, client=bakery, total="90.00")
    make_invoice(alice, client=bakery, total="5000", code="JPY")
    make_invoice(alice, client=bakery, total="777.00", status="draft")
    make_invoice(alice, client=bakery, total="666.00", status="cancelled")
    pay(alice, late, "700")
    pay(alice, paid, "90")
    eur, jpy = queries.balance_of(alice, bakery)
    assert eur == queries.Balance("EUR", Decimal("1340.00"), Decimal("790.00"), Decimal("550.00"), Decimal("300.00"))
    assert (jpy.currency, jpy.owed, jpy.overdue, jpy.digits) == ("JPY", Decimal("5000"), Decimal("0"), 0)


def test_balance_counts_only_invoices_the_user_may_see(alice, bob, mia, charlie, rita, bakery):
    make_invoice(alice, client=bakery, total="100.00")
    make_invoice(bob, client=bakery, total="10.00")
    make_invoice(charlie, client=bakery, total="1.00")
    owed = {person.username: [b.owed for b in queries.balance_of(person, bakery)] for person in (alice, bob, mia, rita)}
    assert owed == {
        "alice": [Decimal("100.00")],
        "bob": [Decimal("10.00")],
        "mia": [Decimal("110.00")],
        "rita": [Decimal("111.00")],
    }


def test_owes_text_with_overdue_part(alice, bakery):
    assert queries.owes_text(alice, bakery) is None
    make_invoice(alice, client=bakery, total="1250.00", due_in=-1)
    make_invoice(alice, client=bakery, total="300.00")
    assert queries.owes_text(alice, bakery) == "Owes 1,550.00 EUR, 1,250.00 EUR overdue"


def test_owes_text_is_empty_once_everything_is_paid(alice, bakery):
    invoice = make_invoice(alice, client=bakery, total="10.00")
    assert queries.owes_text(alice, bakery) == "Owes 10.00 EUR"
    pay(alice, invoice, "10")
    assert queries.owes_text(alice, bakery) is None


def test_owes_text_costs_one_query(alice, bakery, django_assert_num_queries):
    make_invoice(alice, client=bakery, total="10.00")
    make_invoice(alice, client=bakery, total="10.00", code="USD")
    queries.balance_of(alice, bakery)  # Alice's rights are read once per request
    with django_assert_num_queries(1):
        assert queries.owes_text(alice, bakery) == "Owes 10.00 EUR; 10.00 USD"


# Deal money


def test_deal_money_per_currency(alice, bob):
    deal = DealFactory(owner=alice)
    first = make_invoice(alice, client=deal.client, deal=deal, total="600.00", due_in=-2)
    make_invoice(alice, client=deal.client, deal=deal, total="400.00")
    make_invoice(alice, client=deal.client, deal=deal, total="50.00", status="draft")
    make_invoice(alice, client=deal.client, total="99.00")  # another deal's (none)
    pay(alice, first, "100")
    context = queries.deal_money(alice, deal)
    [eur] = context["deal_money"]
    assert (eur.invoiced, eur.paid, eur.owed, eur.overdue) == (
        Decimal("1000.00"),
        Decimal("100.00"),
        Decimal("900.00"),
        Decimal("500.00"),
    )
    html = render_to_string("sales/payments/deal_money.html", context)
    assert "1,000.00" in html and "900.00" in html and "500.00" in html
    assert queries.deal_money(bob, deal) == {}  # Bob may not see Alice's invoices


def test_deal_money_is_empty_without_issued_invoices(alice):
    deal = DealFactory(owner=alice)
    make_invoice(alice, client=deal.client, deal=deal, status="draft")
    assert queries.deal_money(alice, deal) == {}
    assert render_to_string("sales/payments/deal_money.html", {}).strip() == ""


# The panel


def render_panel(user, document):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("sales/payments/panel.html", queries.panel_for(user, document), request=request)


def test_panel_of_an_unpaid_invoice_offers_the_form_to_its_owner(alice):
    invoice = make_invoice(alice, total="1200.00", due_in=-1)
    pay(alice, invoice, "200", reference="VIR-7")
    panel = queries.panel_for(alice, invoice)["payment_panel"]
    assert panel.can_record and not panel.can_delete and panel.owed == Decimal("1000.00")
    assert panel.form.initial["amount"] == Decimal("1000.00")
    html = render_panel(alice, invoice)
    assert "Record a payment" in html and "VIR-7" in html and "1,000.00 EUR" in html and "Overdue" in html
    assert "payments/new/" in html and "/delete/" not in html


def test_panel_for_the_manager_offers_delete(mia, alice):
    invoice = make_invoice(alice)
    pay(alice, invoice, "200")
    html = render_panel(mia, invoice)
    assert "/delete/" in html and "Record a payment" in html


def test_panel_for_the_reader_only_lists(rita, alice):
    invoice = make_invoice(alice)
    pay(alice, invoice, "200")
    panel = queries.panel_for(rita, invoice)["payment_panel"]
    assert not panel.can_record and not panel.can_delete and panel.form is None
    assert "Record a payment" not in render_panel(rita, invoice)


def test_panel_of_a_paid_or_draft_invoice_has_no_form(alice):
    paid = make_invoice(alice, total="10.00")
    pay(alice, paid, "10")
    assert queries.panel_for(alice, paid)["payment_panel"].form is None
    draft = make_invoice(alice, status="draft")
    assert "once the invoice is issued" in render_panel(alice, draft)


def test_panel_of_other_documents_renders_nothing(alice):
    quote = make_invoice(alice, kind="quote", status="sent")
    assert queries.panel_for(alice, quote) == {}
    assert render_panel(alice, quote).strip() == ""


def test_panel_is_empty_for_those_without_payment_rights(alice, people):
    from carte.core.testing import EmployeeFactory, role

    marketer = EmployeeFactory(username="mark", role=role("marketing"))
    assert queries.panel_for(marketer, make_invoice(alice)) == {}
    with pytest.raises(NotAllowed):
        queries.payments_for(marketer)


def test_panel_reads_a_bounded_number_of_queries(alice, mia, django_assert_max_num_queries):
    invoice = SalesDocument.objects.select_related("currency").get(pk=make_invoice(alice).pk)
    for n in range(5):
        pay(alice, invoice, "10", reference=f"R{n}")
    invoice = SalesDocument.objects.select_related("currency", "owner__department").get(pk=invoice.pk)
    with django_assert_max_num_queries(2):  # Mia's rights (once per request) and the payments
        render_panel(mia, invoice)


# The payments list


def test_payments_list_filters(alice, mia, charlie):
    bakery = ClientFactory(name="Bakery", owner=alice)
    garage = ClientFactory(name="Garage", owner=charlie)
    mine = make_invoice(alice, client=bakery)
    theirs = make_invoice(charlie, client=garage)
    old = pay(alice, mine, "10", date="2024-01-10", method="cash")
    new = pay(alice, mine, "20", reference="VIR-9")
    south = pay(charlie, theirs, "30")

    def found(user, **criteria):
        return list(queries.payments_for(user, queries.PaymentCriteria(**criteria)))

    assert found(alice) == [new, old]
    assert found(charlie) == [south]
    assert set(found(mia)) == {new, old}
    assert found(alice, method="cash") == [old]
    assert found(alice, date_to=timezone.localdate() - timedelta(days=1)) == [old]
    assert found(alice, date_from=timezone.localdate()) == [new]
    assert found(alice, client=bakery.pk) == [new, old] and found(alice, client=garage.pk) == []
    assert found(alice, find="vir-9") == [new] and found(alice, find="bake") == [new, old]
