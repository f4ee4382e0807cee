"""Reading payments and what clients owe, scoped to the user.

What is owed is derived from the issued invoices (status unpaid, partly paid or paid) the user
may see: invoiced is the sum of their totals, paid the sum of what was received, owed what is
still to be paid on the unpaid and partly paid ones, and overdue the part of it whose due date
has passed. Overdue is never stored: it follows from the due date and today's date.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import NotFound
from carte.core.listing import Page, page_of
from carte.core.money import ZERO, AmountField, rounded
from carte.sales.forms.payments import PaymentForm
from carte.sales.models import Deal, Payment, SalesDocument

Status = SalesDocument.Status
OPEN = (Status.UNPAID, Status.PARTLY_PAID)  # issued and still owed
ISSUED = (Status.UNPAID, Status.PARTLY_PAID, Status.PAID)
PAYMENT_RELATIONS = ("invoice", "invoice__client", "invoice__currency", "created_by")


@dataclass(frozen=True)
class Balance:
    """What a client (or a deal) comes to in one currency; amounts rounded to its minor units."""

    currency: str
    invoiced: Decimal
    paid: Decimal
    owed: Decimal
    overdue: Decimal
    digits: int = 2

    def text(self, amount: Decimal) -> str:
        return amount_text(amount, self.currency, self.digits)

    # The amounts as a table shows them beside a currency column: "1,250.00".
    @property
    def invoiced_shown(self) -> str:
        return number_text(self.invoiced, self.digits)

    @property
    def paid_shown(self) -> str:
        return number_text(self.paid, self.digits)

    @property
    def owed_shown(self) -> str:
        return number_text(self.owed, self.digits)

    @property
    def overdue_shown(self) -> str:
        return number_text(self.overdue, self.digits)


def number_text(amount: Decimal, digits: int = 2) -> str:
    """An amount without its currency, in the active language's format, rounded to `digits`."""
    return formats.number_format(
        rounded(Decimal(amount), digits), decimal_pos=digits, use_l10n=True, force_grouping=True
    )


def amount_text(amount: Decimal, currency: str, digits: int = 2) -> str:
    """An amount as people read it, in the active language: "1,250.00 EUR"."""
    return f"{number_text(amount, digits)} {currency}"


# Invoices


def issued_invoices(qs: QuerySet | None = None) -> QuerySet:
    """Invoices that were issued (not drafts nor cancelled)."""
    qs = SalesDocument.objects.all() if qs is None else qs
    return qs.filter(kind=SalesDocument.Kind.INVOICE, status__in=ISSUED)


def overdue(qs: QuerySet | None = None, today: date | None = None) -> QuerySet:
    """Issued invoices not fully paid whose due date has passed (due today is not overdue yet)."""
    qs = SalesDocument.objects.all() if qs is None else qs
    return qs.filter(kind=SalesDocument.Kind.INVOICE, status__in=OPEN, due_date__lt=today or timezone.localdate())


def invoice_for(actor, pk, action: str = policy.Action.VIEW) -> SalesDocument:
    """The invoice with this id if the user may see it; NotFound otherwise (or when it is another kind)."""
    try:
        invoice = (
            policy.visible(actor, SalesDocument.objects.filter(kind=SalesDocument.Kind.INVOICE))
            .select_related("currency", "client", "owner__department")
            .get(pk=int(pk))
        )
    except (SalesDocument.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, invoice)
    return invoice


def _balances(invoices: QuerySet, today: date | None = None) -> list[Balance]:
    """One query: per currency, the sums of the given invoices (already scoped and issued)."""
    today = today or timezone.localdate()
    owed = Q(status__in=OPEN)
    rows = (
        invoices.order_by()
        .values("currency", "currency__digits")
        .annotate(
            invoiced_sum=Sum("total"),
            paid_sum=Sum("paid"),
            owed_sum=Sum(F("total") - F("paid"), filter=owed, output_field=AmountField()),
            overdue_sum=Sum(F("total") - F("paid"), filter=owed & Q(due_date__lt=today), output_field=AmountField()),
        )
        .order_by("currency")
    )
    balances = []
    for row in rows:
        digits = row["currency__digits"]

        def money(value, digits=digits) -> Decimal:
            return rounded(max(value or ZERO, ZERO), digits)

        balances.append(
            Balance(
                currency=row["currency"],
                invoiced=money(row["invoiced_sum"]),
                paid=money(row["paid_sum"]),
                owed=money(row["owed_sum"]),
                overdue=money(row["overdue_sum"]),
                digits=digits,
            )
        )
    return balances


def balance_of(user, client: Client) -> list[Balance]:
    """Per currency, what the client was invoiced, paid and still owes on the invoices the user may see."""
    return _balances(policy.visible(user, issued_invoices(SalesDocument.objects.filter(client=client))))


def owes_text(user, client: Client) -> str | None:
    """ "Owes 1,250.00 EUR, 300.00 EUR overdue" (per currency); None when nothing is owed (one query)."""
    invoices = policy.visible(user, SalesDocument.objects.filter(client=client, kind=SalesDocument.Kind.INVOICE))
    parts = []
    for balance in _balances(invoices.filter(status__in=OPEN)):
        if balance.owed <= 0:
            continue
        if balance.overdue > 0:
            parts.append(
                _("%(owed)s, %(overdue)s overdue")
                % {"owed": balance.text(balance.owed), "overdue": balance.text(balance.overdue)}
            )
        else:
            parts.append(balance.text(balance.owed))
    if not parts:
        return None
    return _("Owes %(amounts)s") % {"amounts": "; ".join(parts)}


def deal_money(user, deal: Deal) -> dict:
    """Context of "sales/payments/deal_money.html": per currency, what the deal's issued invoices the
    user may see come to (invoiced, paid, owed, overdue). Empty when there are none (nothing renders)."""
    if policy.scope(user, "sales_documents", policy.Action.VIEW) == policy.Scope.NONE:
        return {}
    balances = _balances(policy.visible(user, issued_invoices(SalesDocument.objects.filter(deal=deal))))
    return {"deal_money": balances} if balances else {}


# Payments


def visible_payments(user, action: str = policy.Action.VIEW) -> QuerySet:
    return policy.visible(user, Payment.objects.all(), action)


@dataclass(frozen=True)
class PaymentCriteria:
    """The filters of the payments list (screen and API)."""

    date_from: date | None = None
    date_to: date | None = None
    method: str = ""
    client: int | None = None
    find: str = ""


def payments_for(user, criteria: PaymentCriteria | None = None) -> QuerySet:
    """Payments the user may see, newest first, with what a list row shows (a constant number of queries)."""
    policy.require(user, policy.Action.VIEW, Payment)
    criteria = criteria or PaymentCriteria()
    payments = visible_payments(user).select_related(*PAYMENT_RELATIONS)
    if criteria.date_from:
        payments = payments.filter(date__gte=criteria.date_from)
    if criteria.date_to:
        payments = payments.filter(date__lte=criteria.date_to)
    if criteria.method:
        payments = payments.filter(method=criteria.method)
    if criteria.client:
        payments = payments.filter(invoice__client_id=criteria.client)
    text = " ".join((criteria.find or "").split())
    if text:
        payments = payments.filter(
            Q(invoice__client__name__icontains=text) | Q(invoice__number__icontains=text) | Q(reference__icontains=text)
        )
    return payments.order_by("-date", "-id")


def payment_page(user, criteria: PaymentCriteria | None, number=1, size=None) -> Page:
    return page_of(payments_for(user, criteria), number, size)


def payments_of(user, invoice: SalesDocument) -> list[Payment]:
    """The payments of one invoice the user may see, newest first."""
    payments = visible_payments(user).filter(invoice=invoice).select_related("created_by").order_by("-date", "-id")
    rows = list(payments)
    for payment in rows:
        payment.invoice = invoice  # the same row: no query per payment
        payment.amount_shown = amount_text(payment.amount, invoice.currency_id, invoice.currency.digits)
    return rows


def get_payment_for(actor, pk, action: str = policy.Action.VIEW) -> Payment:
    """The payment with this id if the user may see it (NotFound otherwise) and do `action` to it."""
    try:
        payment = visible_payments(actor).select_related(*PAYMENT_RELATIONS).get(pk=int(pk))
    except (Payment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, payment)
    return payment


# The panel of an invoice's page


@dataclass
class Panel:
    """What the payments panel of an invoice shows to one user."""

    invoice: SalesDocument
    payments: list[Payment]
    owed: Decimal
    owed_text: str
    paid_text: str
    can_record: bool
    can_delete: bool
    form: PaymentForm | None = None
    is_open: bool = False
    refusals: list[str] = field(default_factory=list)


def can_record_on(user, invoice: SalesDocument) -> bool:
    """May the user record a payment for this invoice, as far as rights go (the status is apart)?"""
    return policy.can(user, policy.Action.VIEW, invoice) and policy.can(
        user, policy.Action.CREATE, Payment(invoice=invoice)
    )


def panel_for(user, document: SalesDocument, form: PaymentForm | None = None) -> dict:
    """Context of "sales/payments/panel.html" for a document page: an invoice's payments, what is
    owed, and the form to record one when the user may. Empty for other kinds (nothing renders),
    and for users who may not see payments."""
    if document.kind != SalesDocument.Kind.INVOICE:
        return {}
    if policy.scope(user, "payments", policy.Action.VIEW) == policy.Scope.NONE:
        return {}
    digits = document.currency.digits
    code = document.currency_id
    is_open = document.status in OPEN
    can_record = is_open and can_record_on(user, document)
    owed = rounded(Decimal(document.owed), digits)
    panel = Panel(
        invoice=document,
        payments=payments_of(user, document),
        owed=owed,
        owed_text=amount_text(owed, code, digits),
        paid_text=amount_text(document.paid, code, digits),
        can_record=can_record,
        can_delete=policy.can(user, policy.Action.DELETE, Payment(invoice=document)),
        form=(form or PaymentForm(owed=owed)) if can_record else None,
        is_open=is_open,
        # A refused form that is no longer offered (the invoice was paid meanwhile) still says why.
        refusals=[str(error) for error in form.non_field_errors()] if form is not None and not can_record else [],
    )
    return {"payment_panel": panel}
