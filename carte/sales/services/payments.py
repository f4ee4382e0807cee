"""Payments received against invoices: recording one, deleting a mistaken one.

An invoice's `paid` is always the sum of its payments and its status follows it: unpaid,
partly paid, paid. Both use cases lock the invoice row while they sum its payments, so two
people recording the full amount at the same moment cannot both pass the "not more than
what is owed" check: the second waits for the first, then sees the invoice paid.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from carte.clients.services import record_timeline
from carte.core import events, policy
from carte.core.audit import Verb, record
from carte.core.errors import Invalid, NotFound
from carte.core.money import ZERO, parse_decimal, rounded
from carte.sales.models import Payment, SalesDocument

Status = SalesDocument.Status
OPEN = (Status.UNPAID, Status.PARTLY_PAID)
REFERENCE_LENGTH: int = Payment._meta.get_field("reference").max_length or 100
NOTE_LENGTH: int = Payment._meta.get_field("note").max_length or 500
TIMELINE_KIND = "payment"
T = TypeVar("T")


def _document_url(document: SalesDocument) -> str:
    """The document's page, for the timeline (empty while the documents screens are not installed)."""
    try:
        return reverse("sales:document_detail", args=[document.pk])
    except NoReverseMatch:
        return ""


def _amount(amount: Decimal, document: SalesDocument) -> str:
    return str(rounded(Decimal(amount), document.currency.digits))


def _money(amount: Decimal, document: SalesDocument) -> str:
    return f"{_amount(amount, document)} {document.currency_id}"


def _read_date(value) -> date:
    """A date object, or text as YYYY-MM-DD; never in the future."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    found: date | None = value if isinstance(value, date) else None
    if found is None:
        try:
            found = parse_date(str(value or "").strip())
        except ValueError:  # well formed but impossible: 2024-02-30
            found = None
    if found is None:
        raise Invalid(errors={"date": [_("Enter a date (YYYY-MM-DD).")]})
    if found > timezone.localdate():
        raise Invalid(errors={"date": [_("A payment cannot be dated in the future.")]})
    return found


def _text(value, field: str, limit: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise Invalid(errors={field: [_("At most %(count)d characters.") % {"count": limit}]})
    return text


def _read_amount(value, digits: int) -> Decimal:
    amount = parse_decimal(value, "amount", digits=digits)
    if amount <= 0:
        raise Invalid(errors={"amount": [_("The amount must be more than zero.")]})
    return amount


def _collect(errors: dict, read: Callable[[], T], fallback: T) -> T:
    """What `read()` gives, or `fallback` with its field errors added to `errors` (every field reported at once)."""
    try:
        return read()
    except Invalid as refused:
        errors.update(refused.errors)
        return fallback


def _refuse_unless_open(invoice: SalesDocument) -> None:
    if invoice.kind != SalesDocument.Kind.INVOICE:
        raise Invalid(_("Payments are recorded against invoices only."))
    if invoice.status == Status.DRAFT:
        raise Invalid(_("This invoice is still a draft: issue it before recording a payment."))
    if invoice.status == Status.CANCELLED:
        raise Invalid(_("This invoice is cancelled: no payment can be recorded against it."))
    if invoice.status == Status.PAID:
        raise Invalid(_("This invoice is already paid in full."))
    if invoice.status not in OPEN:
        raise Invalid(_("Payments can be recorded only against an issued invoice."))


def _require_view(actor, invoice: SalesDocument) -> None:
    """A hidden invoice is answered as missing, not as forbidden."""
    if not policy.can(actor, policy.Action.VIEW, invoice):
        raise NotFound()


def _locked(invoice: SalesDocument) -> SalesDocument:
    """The invoice row, locked until the transaction ends (SQLite has a single writer anyway)."""
    return SalesDocument.objects.select_for_update().select_related("currency", "client").get(pk=invoice.pk)


def _received(invoice: SalesDocument) -> Decimal:
    return Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or ZERO


def _settle(invoice: SalesDocument, paid: Decimal) -> None:
    """Write `paid` and the status that follows from it; a cancelled or draft invoice keeps its status."""
    invoice.paid = paid
    if invoice.status in (*OPEN, Status.PAID):
        if paid <= 0:
            invoice.status = Status.UNPAID
        elif paid >= invoice.total:
            invoice.status = Status.PAID
        else:
            invoice.status = Status.PARTLY_PAID
    invoice.version += 1
    invoice.save(update_fields=["paid", "status", "version", "updated_at"])


def _settle_audited(actor, invoice: SalesDocument, *, before: Decimal, paid: Decimal) -> str:
    """Settle the invoice at `paid` and audit its new status and paid amount; returns the status it had."""
    was = invoice.status
    _settle(invoice, paid)
    record(
        actor,
        Verb.UPDATE,
        invoice,
        changes={"status": [was, invoice.status], "paid": [_amount(before, invoice), _amount(invoice.paid, invoice)]},
    )
    return was


def record_payment(
    *,
    actor,
    invoice: SalesDocument,
    date,
    amount,
    method=Payment.Method.TRANSFER,
    reference: str = "",
    note: str = "",
    overpayment: bool = False,
) -> Payment:
    """Record money received for an issued invoice (unpaid or partly paid); its status follows.

    Needs "view" on the invoice and "create" in payments for it. The amount is more than zero
    with at most the currency's minor units; more than what is owed is refused unless
    `overpayment` says the client really paid more. The date may not be in the future.
    Emits "payment.recorded", and "invoice.paid" when the invoice becomes paid in full.
    """
    _require_view(actor, invoice)
    policy.require(actor, policy.Action.CREATE, Payment(invoice=invoice))
    _refuse_unless_open(invoice)
    errors: dict[str, list] = {}
    value = _collect(errors, lambda: _read_amount(amount, invoice.currency.digits), ZERO)
    paid_on = _collect(errors, lambda: _read_date(date), timezone.localdate())
    reference_text = _collect(errors, lambda: _text(reference, "reference", REFERENCE_LENGTH), "")
    note_text = _collect(errors, lambda: _text(note, "note", NOTE_LENGTH), "")
    if str(method or "") not in Payment.Method.values:
        errors["method"] = [_("Choose one of the payment methods.")]
    if errors:
        raise Invalid(errors=errors)

    with transaction.atomic():
        current = _locked(invoice)
        _refuse_unless_open(current)
        received = _received(current)
        owed = max(current.total - received, ZERO)
        beyond = value > owed
        if beyond and not overpayment:
            raise Invalid(
                errors={
                    "amount": [
                        _(
                            "This payment is larger than what is owed (%(owed)s). "
                            "Tick “overpayment” to record it anyway."
                        )
                        % {"owed": _money(owed, current)}
                    ]
                }
            )
        payment = Payment(
            invoice=current,
            date=paid_on,
            method=str(method),
            reference=reference_text,
            note=note_text,
            overpayment=beyond,
            created_by=actor if actor is not None and actor.pk else None,
        )
        payment.amount = value  # an AmountField holds a Decimal (the stubs see its integer column)
        payment.save()
        was = _settle_audited(actor, current, before=received, paid=received + value)
        record(
            actor,
            Verb.CREATE,
            payment,
            changes={
                "invoice": [None, str(current)],
                "amount": [None, str(value)],
                "date": [None, paid_on.isoformat()],
                "method": [None, payment.method],
                "overpayment": [None, beyond],
                "status": [was, current.status],
            },
        )
        record_timeline(
            client=current.client,
            kind=TIMELINE_KIND,
            summary=_("Payment of %(amount)s received for %(invoice)s")
            % {"amount": _money(value, current), "invoice": current},
            link=_document_url(current),
            actor=actor,
            record=current,
        )
        events.emit("payment.recorded", actor=actor, payment=payment, invoice=current)
        if current.status == Status.PAID and was != Status.PAID:
            events.emit("invoice.paid", actor=actor, invoice=current)
    invoice.paid, invoice.status, invoice.version = current.paid, current.status, current.version
    return payment


def delete_payment(*, actor, payment: Payment) -> SalesDocument:
    """Delete a payment recorded by mistake; the invoice's paid amount and status are worked out again.

    Needs "delete" in payments for the invoice. Returns the invoice as it now is.
    """
    if not policy.can(actor, policy.Action.VIEW, payment):
        raise NotFound()
    policy.require(actor, policy.Action.DELETE, payment)
    with transaction.atomic():
        current = _locked(payment.invoice)
        try:
            payment = Payment.objects.get(pk=payment.pk, invoice=current)
        except Payment.DoesNotExist:
            raise NotFound() from None
        payment_repr = _money(payment.amount, current)
        record(
            actor,
            Verb.DELETE,
            payment,
            changes={
                "invoice": [str(current), None],
                "amount": [str(payment.amount), None],
                "date": [payment.date.isoformat(), None],
            },
        )
        payment.delete()
        _settle_audited(actor, current, before=current.paid, paid=_received(current))
        record_timeline(
            client=current.client,
            kind=TIMELINE_KIND,
            summary=_("Payment of %(amount)s for %(invoice)s deleted") % {"amount": payment_repr, "invoice": current},
            link=_document_url(current),
            actor=actor,
            record=current,
        )
        events.emit("payment.deleted", actor=actor, invoice=current)
    return current
