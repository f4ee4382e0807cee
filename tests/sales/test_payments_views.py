"""The payment screens: the panel's record and delete, the payments list, the client card's "owes" fact."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carte.core.testing import ClientFactory
from carte.sales.models import Payment
from carte.sales.services.payments import record_payment
from tests.sales.conftest import make_invoice
from tests.screens import assert_csp_safe, browser_for

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def form(amount="200.00", **more):
    return {"date": timezone.localdate().isoformat(), "amount": amount, "method": "transfer"} | more


def pay(actor, invoice, amount, **more):
    return record_payment(actor=actor, invoice=invoice, **({"date": timezone.localdate(), "amount": amount} | more))


@pytest.fixture
def invoice(alice):
    return make_invoice(alice, total="1200.00")


# Recording from the panel


def test_recording_by_htmx_answers_the_updated_panel(alice, invoice):
    response = browser_for(alice).post(reverse("sales:payment_create", args=[invoice.pk]), form(), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="payment-panel"' in html and "1,000.00 EUR" in html and "Record a payment" in html
    assert response["HX-Trigger"] == "payments-changed" and "Payment recorded." in html
    assert_csp_safe(html)
    invoice.refresh_from_db()
    assert invoice.status == "partly_paid" and invoice.paid == Decimal("200.00")


def test_recording_without_htmx_goes_back_to_the_document(alice, invoice):
    response = browser_for(alice).post(reverse("sales:payment_create", args=[invoice.pk]), form("1200"))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_an_overpayment_shows_the_message_beside_the_amount(alice, invoice):
    url = reverse("sales:payment_create", args=[invoice.pk])
    response = browser_for(alice).post(url, form("1500"), headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "larger than what is owed (1200.00 EUR)" in html and "field-invalid" in html
    assert Payment.objects.count() == 0
    response = browser_for(alice).post(url, form("1500", overpayment="on"), headers=HTMX)
    assert response.status_code == 200 and Payment.objects.get().overpayment


@pytest.mark.parametrize("values", [form("0"), form("1.234"), form(date="2999-01-01"), form(method="gold")])
def test_bad_input_on_the_panel_saves_nothing(alice, invoice, values):
    response = browser_for(alice).post(reverse("sales:payment_create", args=[invoice.pk]), values, headers=HTMX)
    assert response.status_code == 422 and "errors" in response.content.decode()
    assert Payment.objects.count() == 0


def test_a_draft_invoice_refuses_with_a_message_without_htmx(alice):
    draft = make_invoice(alice, status="draft")
    response = browser_for(alice).post(reverse("sales:payment_create", args=[draft.pk]), form())
    assert response.status_code == 422
    assert "still a draft" in response.content.decode()
    assert Payment.objects.count() == 0


def test_hidden_invoices_answer_404_and_readers_403(bob, rita, invoice):
    url = reverse("sales:payment_create", args=[invoice.pk])
    assert browser_for(bob).post(url, form()).status_code == 404
    assert browser_for(rita).post(url, form()).status_code == 403
    assert Payment.objects.count() == 0


def test_the_manager_deletes_a_payment_from_the_panel(mia, alice, invoice):
    payment = pay(alice, invoice, "1200")
    url = reverse("sales:payment_delete", args=[payment.pk])
    assert browser_for(alice).post(url, headers=HTMX).status_code == 403
    response = browser_for(mia).post(url, headers=HTMX)
    assert response.status_code == 200 and "Record a payment" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "unpaid" and not Payment.objects.exists()


def test_delete_needs_post(mia, alice, invoice):
    payment = pay(alice, invoice, "100")
    assert browser_for(mia).get(reverse("sales:payment_delete", args=[payment.pk])).status_code == 405


# The payments list


def test_payments_list_shows_what_the_user_may_see(alice, charlie, invoice):
    pay(alice, invoice, "100", reference="VIR-ALICE")
    pay(charlie, make_invoice(charlie), "100", reference="VIR-CHARLIE")
    html = browser_for(alice).get(reverse("sales:payment_list")).content.decode()
    assert "VIR-ALICE" in html and "VIR-CHARLIE" not in html and "100.00 EUR" in html
    assert_csp_safe(html)


def test_payments_list_filters_and_fragment(alice, invoice):
    pay(alice, invoice, "100", method="cash", reference="CASH-1")
    pay(alice, invoice, "100", method="card", reference="CARD-1")
    browser = browser_for(alice)
    response = browser.get(reverse("sales:payment_list") + "?method=cash", headers=HTMX)
    html = response.content.decode()
    assert "CASH-1" in html and "CARD-1" not in html and "<html" not in html
    html = browser.get(reverse("sales:payment_list") + f"?find={invoice.client.name}").content.decode()
    assert "CASH-1" in html and "CARD-1" in html


def test_payments_list_refuses_a_reversed_period(alice):
    response = browser_for(alice).get(reverse("sales:payment_list") + "?date_from=2024-02-01&date_to=2024-01-01")
    assert response.status_code == 200
    assert "before its start" in response.content.decode()


def test_payments_list_is_in_the_menu(alice):
    html = browser_for(alice).get(reverse("workspace:home")).content.decode()
    assert reverse("sales:payment_list") in html


@pytest.mark.parametrize("size", [1, 30])
def test_payments_list_runs_a_bounded_number_of_queries(mia, alice, size, django_assert_max_num_queries):
    for n in range(size):
        bill = make_invoice(alice, client=ClientFactory(owner=alice, name=f"Client {n}"))
        pay(alice, bill, "10")
    browser = browser_for(mia)
    with django_assert_max_num_queries(12):  # session, user, rights, count, page, the layout's panels
        assert browser.get(reverse("sales:payment_list")).status_code == 200


def test_payments_list_queries_do_not_grow(mia, alice):
    counts = []
    for size in (1, 25):
        for _ in range(size):
            pay(alice, make_invoice(alice), "10")
        browser = browser_for(mia)
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(reverse("sales:payment_list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# The client card


def test_the_card_says_what_the_client_owes(alice, invoice):
    make_invoice(alice, client=invoice.client, total="300.00", due_in=-1)
    html = browser_for(alice).get(reverse("clients:card", args=[invoice.client.pk])).content.decode()
    assert "Owes 1,500.00 EUR, 300.00 EUR overdue" in html


def test_the_card_says_nothing_once_paid(alice, invoice):
    pay(alice, invoice, "1200")
    html = browser_for(alice).get(reverse("clients:card", args=[invoice.client.pk])).content.decode()
    assert "Owes" not in html


def test_the_fact_is_hidden_from_who_may_not_see_the_invoices(alice, bob, invoice):
    html = browser_for(bob).get(reverse("clients:card", args=[invoice.client.pk])).content.decode()
    assert invoice.client.name in html and "Owes" not in html


def test_the_paid_invoice_shows_on_the_card_timeline(alice, invoice):
    pay(alice, invoice, "1200")
    html = browser_for(alice).get(reverse("clients:card", args=[invoice.client.pk])).content.decode()
    assert "Payment of 1200.00 EUR received" in html
