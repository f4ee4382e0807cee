"""Payments: the panel of an invoice (record, delete), the payments list, and the client card's "owes" fact."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.clients.views.lists import page_numbers
from carte.core.htmx import is_fragment, save_posted
from carte.core.listing import address_of
from carte.sales.forms.payments import PaymentFilterForm, PaymentForm
from carte.sales.models import SalesDocument
from carte.sales.queries import payments as queries
from carte.sales.services import payments as services

PAGE_SIZE = 50


def owes_text(request, client) -> str | None:
    """The client card's "owes" fact (registered in SalesConfig._register_payments)."""
    return queries.owes_text(request.user, client)


def _document_url(invoice: SalesDocument) -> str:
    try:
        return reverse("sales:document_detail", args=[invoice.pk])
    except NoReverseMatch:  # the documents screens are not installed
        return reverse("sales:payment_list")


def _panel(request, invoice: SalesDocument, form: PaymentForm | None = None, status: int = 200):
    """The panel of the invoice as it now is: for htmx, the fragment; otherwise a page around it."""
    fresh = queries.invoice_for(request.user, invoice.pk)
    fragment = is_fragment(request)
    context = {"invoice": fresh, "oob_messages": fragment} | queries.panel_for(request.user, fresh, form)
    template = "sales/payments/panel.html" if fragment else "sales/payments/record.html"
    return render(request, template, context, status=status)


def _changed(response):
    """Tell the page the invoice changed: parts beside the panel (its status) may listen for
    `hx-trigger="payments-changed from:body"` and reload themselves."""
    response["HX-Trigger"] = "payments-changed"
    return response


@require_POST
def payment_create(request, pk):
    invoice = queries.invoice_for(request.user, pk)
    form = PaymentForm(request.POST)
    if save_posted(
        request, form, lambda: services.record_payment(actor=request.user, invoice=invoice, **form.cleaned_data)
    ):
        messages.success(request, _("Payment recorded."))
        if not is_fragment(request):
            return redirect(_document_url(invoice))
        return _changed(_panel(request, invoice))
    return _panel(request, invoice, form, status=422)


@require_POST
def payment_delete(request, pk):
    payment = queries.get_payment_for(request.user, pk)
    invoice = services.delete_payment(actor=request.user, payment=payment)
    messages.success(request, _("Payment deleted."))
    if not is_fragment(request):
        return redirect(_document_url(invoice))
    return _changed(_panel(request, invoice))


@require_GET
def payment_list(request):
    """Payments the user may see, filtered by period, method and client, newest first, 50 a page."""
    form = PaymentFilterForm(request.GET)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        criteria = queries.PaymentCriteria(
            date_from=data["date_from"],
            date_to=data["date_to"],
            method=data["method"] or "",
            client=data["client"],
            find=data["find"] or "",
        )
        page = queries.payment_page(request.user, criteria, request.GET.get("page"), PAGE_SIZE)
        _decorate(page.items)
    context = {"form": form, "page": page, "page_numbers": page_numbers(page) if page else []}
    template = "sales/payments/list.html#results" if is_fragment(request) else "sales/payments/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _decorate(payments: list) -> None:
    """What each row shows beyond the fields: the amount with its currency, links to the invoice and client."""
    document_url, card_url = address_of("sales:document_detail"), address_of("clients:card")
    for payment in payments:
        invoice = payment.invoice
        payment.amount_shown = queries.amount_text(payment.amount, invoice.currency_id, invoice.currency.digits)
        payment.invoice_url = document_url(invoice.pk) if document_url else ""
        payment.client_url = card_url(invoice.client_id) if card_url else ""
