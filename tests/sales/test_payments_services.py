"""Recording and deleting payments: statuses, refusals that save nothing, rights, audit, timeline, events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.clients.models import TimelineEntry
from carte.core import events
from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.sales.models import Payment
from carte.sales.services.payments import delete_payment, record_payment
from tests.sales.conftest import make_invoice

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def pay(actor, invoice, amount, **more):
    values = {"date": TODAY(), "amount": amount, "method": "transfer"} | more
    return record_payment(actor=actor, invoice=invoice, **values)


def fresh(invoice):
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def invoice(alice):
    return make_invoice(alice, total="1200.00")


def test_full_payment_makes_the_invoice_paid(alice, invoice):
    with events.Recording() as seen:
        payment = pay(alice, invoice, "1200.00")
    invoice = fresh(invoice)
    assert (invoice.status, invoice.paid, invoice.owed) == ("paid", Decimal("1200.00"), 0)
    assert payment.amount == Decimal("1200.00") and payment.created_by == alice and not payment.overpayment
    assert [event.name for event in seen] == ["payment.recorded", "invoice.paid"]
    assert seen[1].data["invoice"].pk == invoice.pk


def test_partial_then_remaining_payment(alice, invoice):
    with events.Recording() as seen:
        pay(alice, invoice, "200")
    assert fresh(invoice).status == "partly_paid" and invoice.paid == Decimal("200") and invoice.owed == 1000
    assert [event.name for event in seen] == ["payment.recorded"]
    pay(alice, invoice, "999.99")
    assert fresh(invoice).status == "partly_paid" and invoice.owed == Decimal("0.01")
    pay(alice, invoice, "0.01")
    assert fresh(invoice).status == "paid" and invoice.paid == Decimal("1200.00")


def test_several_payments_sum_exactly(alice):
    invoice = make_invoice(alice, total="0.30")
    for _ in range(3):
        pay(alice, invoice, "0.10")
    assert fresh(invoice).status == "paid" and invoice.paid == Decimal("0.30")
    assert invoice.payments.count() == 3


def test_the_passed_invoice_follows_the_new_status(alice, invoice):
    pay(alice, invoice, "100")
    assert invoice.status == "partly_paid" and invoice.paid == Decimal("100")


def test_overpayment_is_refused_without_the_flag(alice, invoice):
    pay(alice, invoice, "1000")
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, "200.01")
    message = str(refused.value.errors["amount"][0])
    assert "larger than what is owed (200.00 EUR)" in message and "overpayment" in message
    assert fresh(invoice).paid == Decimal("1000") and invoice.payments.count() == 1


def test_overpayment_is_accepted_with_the_flag(alice, invoice):
    payment = pay(alice, invoice, "1500", overpayment=True)
    assert payment.overpayment is True
    assert fresh(invoice).status == "paid" and invoice.paid == Decimal("1500") and invoice.owed == 0


def test_the_flag_is_not_kept_when_the_payment_is_not_more_than_owed(alice, invoice):
    assert pay(alice, invoice, "100", overpayment=True).overpayment is False


@pytest.mark.parametrize(
    ("amount", "field"),
    [("0", "amount"), ("-5", "amount"), ("10.005", "amount"), ("ten", "amount"), ("", "amount")],
)
def test_bad_amounts_are_refused_with_nothing_saved(alice, invoice, amount, field):
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, amount)
    assert field in refused.value.errors
    assert Payment.objects.count() == 0 and fresh(invoice).status == "unpaid" and invoice.paid == 0
    assert AuditEntry.objects.count() == before


def test_the_currency_minor_units_decide_the_decimals(alice):
    yen = make_invoice(alice, total="5000", code="JPY")
    with pytest.raises(Invalid) as refused:
        pay(alice, yen, "100.5")
    assert "whole number" in str(refused.value.errors["amount"][0])
    pay(alice, yen, "5000")
    assert fresh(yen).status == "paid"


def test_a_future_date_is_refused(alice, invoice):
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, "100", date=TODAY() + timedelta(days=1))
    assert "future" in str(refused.value.errors["date"][0])
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("value", ["not a date", "2024-02-30", None])
def test_a_bad_date_is_refused(alice, invoice, value):
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, "100", date=value)
    assert "date" in refused.value.errors and Payment.objects.count() == 0


def test_a_date_as_text_and_in_the_past_is_read(alice, invoice):
    assert pay(alice, invoice, "100", date="2024-03-01").date.isoformat() == "2024-03-01"


def test_an_unknown_method_and_long_texts_are_refused(alice, invoice):
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, "100", method="bitcoin", reference="x" * 101, note="y" * 501)
    assert set(refused.value.errors) == {"method", "reference", "note"}
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "words"),
    [("draft", "draft"), ("cancelled", "cancelled"), ("paid", "already paid")],
)
def test_only_issued_unpaid_invoices_take_payments(alice, status, words):
    invoice = make_invoice(alice, status=status)
    with pytest.raises(Invalid) as refused:
        pay(alice, invoice, "100", overpayment=True)
    assert words in str(refused.value.message)
    assert Payment.objects.count() == 0 and fresh(invoice).status == status


def test_other_kinds_of_documents_take_no_payment(alice):
    quote = make_invoice(alice, kind="quote", status="sent")
    with pytest.raises(Invalid):
        pay(alice, quote, "100")


def test_a_stale_invoice_is_checked_again_under_the_lock(alice, invoice):
    stale = type(invoice).objects.get(pk=invoice.pk)
    pay(alice, invoice, "1200")
    with pytest.raises(Invalid) as refused:
        pay(alice, stale, "1200")
    assert "already paid" in str(refused.value.message)
    assert Payment.objects.count() == 1


def test_recording_is_audited_and_on_the_client_timeline(alice, invoice):
    payment = pay(alice, invoice, "200", reference="VIR-42")
    entry = AuditEntry.objects.get(model="sales.payment", object_id=str(payment.pk))
    change = AuditEntry.objects.get(model="sales.salesdocument", object_id=str(invoice.pk))
    assert change.verb == "update" and change.changes["paid"] == ["0.00", "200.00"]
    assert entry.verb == "create" and entry.changes["status"] == ["unpaid", "partly_paid"]
    line = TimelineEntry.objects.get(client=invoice.client, kind="payment")
    assert "200.00 EUR" in line.summary and invoice.number in line.summary and line.actor == alice


# Deleting


def test_deleting_a_payment_works_the_status_out_again(ada, alice, invoice):
    first = pay(alice, invoice, "1000")
    second = pay(alice, invoice, "200")
    assert fresh(invoice).status == "paid"
    assert delete_payment(actor=ada, payment=second).status == "partly_paid"
    assert fresh(invoice).paid == Decimal("1000")
    delete_payment(actor=ada, payment=first)
    assert fresh(invoice).status == "unpaid" and invoice.paid == 0
    assert AuditEntry.objects.filter(model="sales.payment", verb="delete").count() == 2
    assert TimelineEntry.objects.filter(client=invoice.client, kind="payment").count() == 4


def test_a_deleted_payment_cannot_be_deleted_twice(ada, alice, invoice):
    payment = pay(alice, invoice, "100")
    delete_payment(actor=ada, payment=payment)
    with pytest.raises(NotFound):
        delete_payment(actor=ada, payment=payment)


# Rights


def test_a_seller_records_payments_on_her_own_invoices_only(alice, bob, charlie, invoice):
    for outsider in (bob, charlie):
        with pytest.raises(NotFound):
            pay(outsider, invoice, "100")
    pay(alice, invoice, "100")
    assert Payment.objects.count() == 1


def test_the_manager_records_for_the_department_but_not_for_another(mia, invoice, charlie):
    pay(mia, invoice, "100")
    south = make_invoice(charlie)
    with pytest.raises(NotFound):
        pay(mia, south, "100")
    assert Payment.objects.count() == 1


def test_the_reader_sees_but_records_nothing(rita, invoice):
    with pytest.raises(NotAllowed):
        pay(rita, invoice, "100")
    assert Payment.objects.count() == 0


def test_sellers_cannot_delete_payments_managers_can(alice, mia, rita, bob, invoice):
    payment = pay(alice, invoice, "100")
    with pytest.raises(NotAllowed):
        delete_payment(actor=alice, payment=payment)
    with pytest.raises(NotAllowed):
        delete_payment(actor=rita, payment=payment)
    with pytest.raises(NotFound):
        delete_payment(actor=bob, payment=payment)
    assert Payment.objects.count() == 1
    delete_payment(actor=mia, payment=payment)
    assert Payment.objects.count() == 0
