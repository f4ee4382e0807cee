"""Payments in the REST API: list, an invoice's payments, record, delete, and what a client owes.

Amounts are strings ("1200.50") with the currency's minor units, never numbers: no float
ever touches money.
"""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.clients.queries import get_client_for
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of, period_error
from carte.core.money import rounded
from carte.sales.models import Payment
from carte.sales.queries import payments as queries
from carte.sales.services import payments as services

router = Router(tags=["payments"])


class InvoiceRef(Schema):
    id: int
    number: str
    client_id: int
    client_name: str
    currency: str
    status: str

    @staticmethod
    def resolve_client_name(invoice) -> str:
        return invoice.client.name

    @staticmethod
    def resolve_currency(invoice) -> str:
        return invoice.currency_id


class PaymentOut(Schema):
    id: int
    invoice: InvoiceRef
    date: date
    amount: str = Field(description="In the invoice's currency, with its minor units.")
    currency: str
    method: str = Field(description="transfer, card, cash, cheque or other.")
    reference: str
    note: str
    overpayment: bool = Field(description="True when the payment was more than what was owed.")
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_amount(payment) -> str:
        return str(rounded(payment.amount, payment.invoice.currency.digits))

    @staticmethod
    def resolve_currency(payment) -> str:
        return payment.invoice.currency_id

    @staticmethod
    def resolve_created_by(payment) -> str | None:
        return str(payment.created_by) if payment.created_by_id else None


class PaymentIn(Schema):
    date: str | None = Field(None, description="YYYY-MM-DD, not in the future; today when left out.")
    amount: str = Field(description='More than zero, at most the currency\'s minor units: "1200.50".')
    method: str = Field(Payment.Method.TRANSFER, description="transfer, card, cash, cheque or other.")
    reference: str = ""
    note: str = ""
    overpayment: bool = Field(False, description="Accept a payment larger than what is owed.")


class PaymentFilters(Schema):
    date_from: date | None = Field(None, description="YYYY-MM-DD, included.")
    date_to: date | None = Field(None, description="YYYY-MM-DD, included.")
    method: str | None = Field(None, description="transfer, card, cash, cheque or other.")
    client: int | None = Field(None, description="A client's id: payments of its invoices.")
    q: str | None = Field(None, description="A fragment of the client's name, the invoice number or the reference.")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class BalanceOut(Schema):
    currency: str
    invoiced: str
    paid: str
    owed: str
    overdue: str


def _criteria(filters: PaymentFilters) -> queries.PaymentCriteria:
    if filters.method and filters.method not in Payment.Method.values:
        raise Invalid(
            errors={"method": [_("Choose one of: %(methods)s.") % {"methods": ", ".join(Payment.Method.values)}]}
        )
    period = period_error(filters.date_from, filters.date_to)
    if period:
        raise Invalid(errors={"date_to": [period]})
    return queries.PaymentCriteria(
        date_from=filters.date_from,
        date_to=filters.date_to,
        method=filters.method or "",
        client=filters.client,
        find=filters.q or "",
    )


@router.get("/payments", response=PageOut[PaymentOut], summary="List payments")
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]):
    """Payments you may see (those of the invoices your rights reach), newest first."""
    page = page_of(queries.payments_for(request.user, _criteria(filters)), filters.page, filters.page_size)
    return paged(page, page.items)


@router.get("/documents/{int:document_id}/payments", response=list[PaymentOut], summary="An invoice's payments")
def invoice_payments(request: HttpRequest, document_id: int):
    invoice = queries.invoice_for(request.user, document_id)
    return queries.payments_of(request.user, invoice)


@router.post("/documents/{int:document_id}/payments", response={201: PaymentOut}, summary="Record a payment")
def record_payment(request: HttpRequest, document_id: int, payload: PaymentIn):
    """Only on an issued invoice (unpaid or partly paid). A payment larger than what is owed is
    refused (400) unless `overpayment` is true. The invoice becomes partly paid or paid."""
    invoice = queries.invoice_for(request.user, document_id)
    data = payload.dict()
    data["date"] = data["date"] or timezone.localdate()
    payment = services.record_payment(actor=request.user, invoice=invoice, **data)
    return Status(201, queries.get_payment_for(request.user, payment.pk))


@router.delete("/payments/{int:payment_id}", response={204: None}, summary="Delete a payment")
def delete_payment(request: HttpRequest, payment_id: int):
    """For a payment recorded by mistake: the invoice's paid amount and status are worked out again."""
    payment = queries.get_payment_for(request.user, payment_id)
    services.delete_payment(actor=request.user, payment=payment)
    return Status(204, None)


@router.get("/clients/{int:client_id}/balance", response=list[BalanceOut], summary="What a client owes")
def client_balance(request: HttpRequest, client_id: int):
    """Per currency, on the client's issued invoices you may see: invoiced, paid, still owed and
    the overdue part of it (due date passed). An empty list when there is none."""
    client = get_client_for(request.user, client_id)
    return [
        {
            "currency": balance.currency,
            "invoiced": str(balance.invoiced),
            "paid": str(balance.paid),
            "owed": str(balance.owed),
            "overdue": str(balance.overdue),
        }
        for balance in queries.balance_of(request.user, client)
    ]
