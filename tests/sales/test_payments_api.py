"""The payments API: list, an invoice's payments, record, delete, a client's balance."""

import pytest
from django.test import Client as Browser
from django.utils import timezone

from carte.sales.models import Payment
from carte.sales.services.payments import record_payment
from tests.sales.conftest import make_invoice

pytestmark = pytest.mark.django_db
API = "/api/v1"


def api_for(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def pay(actor, invoice, amount, **more):
    return record_payment(actor=actor, invoice=invoice, **({"date": timezone.localdate(), "amount": amount} | more))


@pytest.fixture
def invoice(alice):
    return make_invoice(alice, total="1200.00")


def test_record_a_payment(alice, invoice):
    body = {"date": "2024-05-02", "amount": "200.50", "method": "card", "reference": "TX-1"}
    response = api_for(alice).post(f"{API}/documents/{invoice.pk}/payments", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "200.50" and data["currency"] == "EUR" and data["method"] == "card"
    assert data["invoice"]["status"] == "partly_paid" and data["invoice"]["number"] == invoice.number
    assert data["date"] == "2024-05-02" and data["created_by"] == "Alice Seller"


def test_the_date_defaults_to_today(alice, invoice):
    response = api_for(alice).post(
        f"{API}/documents/{invoice.pk}/payments", {"amount": "1200"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["date"] == timezone.localdate().isoformat()
    assert response.json()["invoice"]["status"] == "paid"


def test_an_overpayment_needs_the_flag(alice, invoice):
    browser = api_for(alice)
    url = f"{API}/documents/{invoice.pk}/payments"
    refused = browser.post(url, {"amount": "1300"}, content_type="application/json")
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "larger than what is owed" in refused.json()["errors"]["amount"][0]
    accepted = browser.post(url, {"amount": "1300", "overpayment": True}, content_type="application/json")
    assert accepted.status_code == 201 and accepted.json()["overpayment"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "10", "date": "2999-12-31"}, "date"),
        ({"amount": "10", "date": "yesterday"}, "date"),
        ({"amount": "10", "method": "barter"}, "method"),
    ],
)
def test_bad_payments_are_refused_with_the_field_named(alice, invoice, body, field):
    response = api_for(alice).post(f"{API}/documents/{invoice.pk}/payments", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Payment.objects.count() == 0


def test_a_cancelled_invoice_refuses_payments(alice):
    cancelled = make_invoice(alice, status="cancelled")
    response = api_for(alice).post(
        f"{API}/documents/{cancelled.pk}/payments", {"amount": "10"}, content_type="application/json"
    )
    assert response.status_code == 400 and "cancelled" in response.json()["detail"]


def test_rights_on_recording(bob, rita, invoice):
    url = f"{API}/documents/{invoice.pk}/payments"
    assert api_for(bob).post(url, {"amount": "10"}, content_type="application/json").status_code == 404
    assert api_for(rita).post(url, {"amount": "10"}, content_type="application/json").status_code == 403
    assert Payment.objects.count() == 0


def test_an_invoices_payments(alice, rita, bob, invoice):
    pay(alice, invoice, "100")
    pay(alice, invoice, "50", reference="second")
    data = api_for(rita).get(f"{API}/documents/{invoice.pk}/payments").json()
    assert [row["amount"] for row in data] == ["50.00", "100.00"]
    assert api_for(bob).get(f"{API}/documents/{invoice.pk}/payments").status_code == 404


def test_list_payments_with_filters(alice, charlie, invoice):
    pay(alice, invoice, "100", method="cash", date="2024-01-05")
    pay(alice, invoice, "100", method="card")
    pay(charlie, make_invoice(charlie), "100")
    browser = api_for(alice)
    data = browser.get(f"{API}/payments").json()
    assert data["count"] == 2 and {row["method"] for row in data["results"]} == {"cash", "card"}
    assert browser.get(f"{API}/payments?method=cash").json()["count"] == 1
    assert browser.get(f"{API}/payments?date_to=2024-12-31").json()["count"] == 1
    assert browser.get(f"{API}/payments?client={invoice.client_id}").json()["count"] == 2
    assert browser.get(f"{API}/payments?method=gold").status_code == 400
    assert browser.get(f"{API}/payments?date_from=2024-02-01&date_to=2024-01-01").status_code == 400


def test_list_payments_reads_a_bounded_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(20):
        pay(alice, make_invoice(alice), "10")
    browser = api_for(alice)
    with django_assert_max_num_queries(6):
        assert browser.get(f"{API}/payments").json()["count"] == 20


def test_delete_a_payment(mia, alice, invoice):
    payment = pay(alice, invoice, "1200")
    assert api_for(alice).delete(f"{API}/payments/{payment.pk}").status_code == 403
    assert api_for(mia).delete(f"{API}/payments/{payment.pk}").status_code == 204
    invoice.refresh_from_db()
    assert invoice.status == "unpaid" and invoice.paid == 0
    assert api_for(mia).delete(f"{API}/payments/{payment.pk}").status_code == 404


def test_a_clients_balance(alice, bob, charlie, invoice):
    make_invoice(alice, client=invoice.client, total="300.00", due_in=-5)
    pay(alice, invoice, "200")
    data = api_for(alice).get(f"{API}/clients/{invoice.client_id}/balance").json()
    assert data == [
        {"currency": "EUR", "invoiced": "1500.00", "paid": "200.00", "owed": "1300.00", "overdue": "300.00"}
    ]
    # Bob sees Alice's client through his department, but not her invoices.
    assert api_for(bob).get(f"{API}/clients/{invoice.client_id}/balance").json() == []
    assert api_for(charlie).get(f"{API}/clients/{invoice.client_id}/balance").status_code == 404
