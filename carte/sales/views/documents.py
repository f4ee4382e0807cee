"""Quotes, invoices, contracts and acts: the list, a document's page (edit, statuses, print), its file.

Parse, call one query or service, render. Refusals raised by the services become the
error page (carte.core.middleware) or messages beside the form fields they name.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.htmx import show_refusal
from carte.core.uploads import attachment
from carte.sales.forms.documents import DocumentCreateForm, DocumentForm, StatusForm
from carte.sales.forms.lines import read_lines
from carte.sales.models import SalesDocument, Tax
from carte.sales.queries import documents as queries
from carte.sales.queries.payments import panel_for
from carte.sales.services import documents as services
from carte.sales.services import templates as template_services
from carte.sales.services.lines import as_raw

PAGE_SIZE = 50
Status = SalesDocument.Status


# The client card's Documents tab (registered in SalesConfig._register_documents, without a count:
# the card's query budget stays the same whatever tabs the modules add)


def client_tab(request, client) -> dict:
    return queries.documents_for_client(request.user, client)


# The list


@require_GET
def document_list(request):
    errors: dict = {}
    try:
        filters = queries.read_filters(request.GET)
    except Invalid as refused:
        errors, filters = refused.errors, queries.Filters()
    page = queries.document_page(request.user, filters, request.GET.get("page"), PAGE_SIZE)
    context = {
        "page": page,
        "rows": [queries.row_of(document) for document in page.items],
        "filters": filters,
        "errors": {field: [str(message) for message in messages_] for field, messages_ in errors.items()},
        "kinds": SalesDocument.Kind.choices,
        "statuses": Status.choices,
        "client": queries.client_named(request.user, filters.client) if filters.client else None,
    }
    return render(request, "sales/documents/list.html", context)


# A document's page


def _page(request, document: SalesDocument, *, form=None, lines=None, line_errors=None, status=200):
    """The document's page; after a refused edit, with what was typed and the messages."""
    user = request.user
    may_edit = policy.can(user, policy.Action.EDIT, document) and document.status != Status.CANCELLED
    saved_lines = queries.lines_of(document)
    choices = queries.template_choices(document.kind, document.language)
    if form is None and may_edit:
        form = DocumentForm(document=document, templates=choices)
    editing_lines = may_edit and document.status == Status.DRAFT
    context = {
        "document": document,
        "row": queries.row_of(document),
        "lines": saved_lines,
        "form": form if may_edit else None,
        "may_edit": may_edit,
        "editing_lines": editing_lines,
        "editor_lines": lines if lines is not None else [as_raw(line) for line in saved_lines],
        "line_errors": line_errors or {},
        "taxes": list(Tax.objects.filter(archived=False)) if editing_lines else [],
        "price_list": document.deal.price_list if editing_lines and document.deal_id else None,
        "statuses": [(value, Status(value).label) for value in services.allowed_statuses(document)] if may_edit else [],
        "may_generate": may_edit,
        "amounts": _amounts(document),
    }
    context |= panel_for(user, document)
    return render(request, "sales/documents/detail.html", context, status=status)


def _amounts(document: SalesDocument) -> dict:
    money = template_services.money
    return {
        "net": money(document.net, document.currency),
        "tax": money(document.tax_amount, document.currency),
        "total": money(document.total, document.currency),
        "paid": money(document.paid, document.currency),
    }


@require_GET
def document_detail(request, pk):
    return _page(request, queries.get_document_for(request.user, pk))


@require_http_methods(["GET", "POST"])
def document_edit(request, pk):
    """Save the document's form (and its lines while it is a draft); GET leads to the document's page."""
    document = queries.get_document_for(request.user, pk, policy.Action.EDIT)
    if request.method == "GET":
        return redirect("sales:document_detail", pk=document.pk)
    choices = queries.template_choices(document.kind, document.language)
    form = DocumentForm(request.POST, document=document, templates=choices)
    lines = read_lines(request.POST) if document.status == Status.DRAFT else None
    if form.is_valid():
        data = form.cleaned_data
        changes = {"notes": data["notes"], "language": data["language"]}
        changes["template"] = template_services.template_named(
            data["template"], document.kind, current=document.template
        )
        if "date" in data:
            changes |= {"date": data["date"], "due_date": data["due_date"]}
        if lines is not None:
            changes["lines"] = lines
        try:
            services.update_document(actor=request.user, document=document, version=data["version"], **changes)
        except Invalid as refused:
            line_errors = {key: value for key, value in refused.errors.items() if key.startswith("lines")}
            others = {key: value for key, value in refused.errors.items() if key not in line_errors}
            show_refusal(form, Invalid(refused.message, errors=others))
            return _page(request, document, form=form, lines=lines, line_errors=line_errors, status=422)
        messages.success(request, _("Document saved."))
        return redirect("sales:document_detail", pk=document.pk)
    return _page(request, document, form=form, lines=lines, status=422)


@require_POST
def document_status(request, pk):
    document = queries.get_document_for(request.user, pk, policy.Action.EDIT)
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors={"status": [_("Choose a status.")]})
    changed = services.change_status(actor=request.user, document=document, status=form.cleaned_data["status"])
    status = str(changed.get_status_display()).lower()
    messages.success(request, _("%(document)s is now %(status)s.") % {"document": changed, "status": status})
    return redirect("sales:document_detail", pk=document.pk)


@require_POST
def document_generate(request, pk):
    """Print the document and keep the file; a template that cannot be filled says why, and nothing changes."""
    document = queries.get_document_for(request.user, pk, policy.Action.EDIT)
    try:
        services.generate(actor=request.user, document=document)
    except Invalid as refused:
        problems = [str(message) for messages_ in refused.errors.values() for message in messages_]
        messages.error(request, problems[0] if problems else str(refused.message))
    else:
        messages.success(request, _("The document was generated: download it below."))
    return redirect("sales:document_detail", pk=document.pk)


@require_GET
def document_file(request, pk):
    """The document's generated file, to whoever may see the document."""
    document = queries.get_document_for(request.user, pk)
    if not document.file:
        raise NotFound(_("This document has not been generated yet."))
    extension = document.file.name.rsplit(".", 1)[-1].lower()
    kind = extension if extension in ("pdf", "docx") else "pdf"
    return attachment(document.file.open("rb"), f"{services.file_stem(document)}.{kind}", kind)


# Created from a deal


@require_POST
def document_create(request, deal_pk):
    deal = queries.deal_for_documents(request.user, deal_pk)
    form = DocumentCreateForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors={name: [str(error) for error in errors] for name, errors in form.errors.items()})
    data = form.cleaned_data
    try:
        entity = services.legal_entity_named(data["legal_entity"]) if data["legal_entity"] else None
        template = template_services.template_named(data["template"], data["kind"])
        document = services.create_from_deal(
            actor=request.user,
            deal=deal,
            kind=data["kind"],
            legal_entity=entity,
            language=data["language"] or None,
            template=template,
        )
    except Invalid as refused:
        problems = [str(message) for messages_ in refused.errors.values() for message in messages_]
        back = _deal_url(deal.pk)
        if back is None:
            raise
        messages.error(request, " ".join(problems) or str(refused.message))
        return redirect(back)
    messages.success(request, _("%(document)s created.") % {"document": document})
    return redirect("sales:document_detail", pk=document.pk)


def _deal_url(pk) -> str | None:
    try:
        return reverse("sales:deal_detail", args=[pk])
    except NoReverseMatch:  # the deal screens are not installed
        return None
