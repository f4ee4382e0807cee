"""Quotes, invoices, contracts and acts in the REST API; document templates.

Amounts are strings with the currency's minor units ("1200.50"), never numbers. A document
is created from a deal, changed with PATCH (send the `version` you read), moved with
/status, printed with /generate and downloaded from /file.
"""

import base64
import binascii
import datetime as dt
import json
from decimal import Decimal

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid, NotFound
from carte.core.money import rounded
from carte.core.uploads import attachment
from carte.sales.queries import documents as queries
from carte.sales.services import documents as services
from carte.sales.services import templates as template_services
from carte.sales.services.documents import UNSET

router = Router(tags=["documents"])


def _amount(value, document) -> str:
    return str(rounded(Decimal(value or 0), document.currency.digits))


class LineIn(Schema):
    product: int | None = Field(None, description="A product's id (its name, unit and tax fill what is left out).")
    description: str = ""
    quantity: str = Field(description='More than zero, up to three decimals: "2", "1.5".')
    unit: str = ""
    unit_price: str = Field(description="At most the currency's minor units.")
    discount: str | None = Field(None, description="A percentage, 0 to 100.")
    tax: int | None = Field(None, description="A tax's id; the product's tax when left out.")


def _line_amount(value, line) -> str:
    """A line's amount with its document's minor units (set on the line by DocumentDetailOut)."""
    return str(rounded(Decimal(value), getattr(line, "currency_digits", 2)))


class LineOut(Schema):
    position: int
    product: int | None
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    tax: int | None
    tax_rate: str
    tax_included: bool
    net: str
    tax_amount: str
    total: str

    @staticmethod
    def resolve_product(line) -> int | None:
        return line.product_id

    @staticmethod
    def resolve_tax(line) -> int | None:
        return line.tax_id

    @staticmethod
    def resolve_quantity(line) -> str:
        return str(line.quantity.normalize())

    @staticmethod
    def resolve_unit_price(line) -> str:
        return _line_amount(line.unit_price, line)

    @staticmethod
    def resolve_discount(line) -> str:
        return str(line.discount)

    @staticmethod
    def resolve_tax_rate(line) -> str:
        return str(line.tax_rate)

    @staticmethod
    def resolve_net(line) -> str:
        return _line_amount(line.net, line)

    @staticmethod
    def resolve_tax_amount(line) -> str:
        return _line_amount(line.tax_amount, line)

    @staticmethod
    def resolve_total(line) -> str:
        return _line_amount(line.total, line)


class DocumentOut(Schema):
    id: int
    kind: str = Field(description="quote, invoice, contract or act.")
    number: str
    year: int
    sequence: int = Field(description="The number in its legal entity, kind and year: 1, 2, 3… without gaps.")
    status: str = Field(description="draft, sent, accepted, declined, signed, unpaid, partly_paid, paid or cancelled.")
    legal_entity: int
    client: int
    client_name: str
    contact: int | None
    deal: int | None
    owner: int
    date: dt.date
    due_date: dt.date | None
    currency: str
    language: str
    net: str
    tax_amount: str
    total: str
    paid: str
    owed: str
    overdue: bool
    notes: str
    template: int | None
    has_file: bool
    generated_at: dt.datetime | None
    version: int = Field(description="Send it back with PATCH: a change made meanwhile answers 409.")

    @staticmethod
    def resolve_legal_entity(document) -> int:
        return document.legal_entity_id

    @staticmethod
    def resolve_client(document) -> int:
        return document.client_id

    @staticmethod
    def resolve_client_name(document) -> str:
        return document.client.name

    @staticmethod
    def resolve_contact(document) -> int | None:
        return document.contact_id

    @staticmethod
    def resolve_deal(document) -> int | None:
        return document.deal_id

    @staticmethod
    def resolve_owner(document) -> int:
        return document.owner_id

    @staticmethod
    def resolve_currency(document) -> str:
        return document.currency_id

    @staticmethod
    def resolve_net(document) -> str:
        return _amount(document.net, document)

    @staticmethod
    def resolve_tax_amount(document) -> str:
        return _amount(document.tax_amount, document)

    @staticmethod
    def resolve_total(document) -> str:
        return _amount(document.total, document)

    @staticmethod
    def resolve_paid(document) -> str:
        return _amount(document.paid, document)

    @staticmethod
    def resolve_owed(document) -> str:
        return _amount(document.owed, document)

    @staticmethod
    def resolve_overdue(document) -> bool:
        return document.is_overdue

    @staticmethod
    def resolve_template(document) -> int | None:
        return document.template_id

    @staticmethod
    def resolve_has_file(document) -> bool:
        return bool(document.file)


class DocumentDetailOut(DocumentOut):
    lines: list[LineOut]
    next_statuses: list[str] = Field(description="The statuses POST /status accepts from the present one.")

    @staticmethod
    def resolve_lines(document) -> list:
        lines = list(document.lines.all())
        for line in lines:
            line.currency_digits = document.currency.digits
        return lines

    @staticmethod
    def resolve_next_statuses(document) -> list[str]:
        return [str(status) for status in services.allowed_statuses(document)]


class DocumentFilters(Schema):
    kind: str | None = Field(None, description="quote, invoice, contract or act.")
    status: str | None = Field(None, description="One status (see the document's `status`).")
    overdue: bool = Field(False, description="Only issued invoices past their due date.")
    client: int | None = Field(None, description="A client's id.")
    deal: int | None = Field(None, description="A deal's id.")
    start: dt.date | None = Field(None, description="Dated on or after (YYYY-MM-DD).")
    end: dt.date | None = Field(None, description="Dated on or before (YYYY-MM-DD).")
    ordering: str | None = Field(None, description="date, due_date, number or total; `-` first for descending.")
    page: int = 1
    page_size: int = 50


class DocumentIn(Schema):
    kind: str = Field(description="quote, invoice, contract or act.")
    legal_entity: int | None = Field(None, description="The issuing legal entity; the default one when left out.")
    language: str | None = Field(None, description="en, fr or ru; the legal entity's language when left out.")
    template: int | None = Field(None, description="A template for this kind; the default one when left out.")


class DocumentPatch(Schema):
    version: int
    date: dt.date | None = Field(None, description="Drafts only; stays in the year of the number.")
    due_date: dt.date | None = Field(None, description="Drafts only; null removes it.")
    notes: str | None = None
    language: str | None = None
    template: int | None = Field(None, description="A template's id; null for the default one.")
    lines: list[LineIn] | None = Field(None, description="Drafts only: the whole new set of lines.")


class StatusIn(Schema):
    status: str = Field(description="sent, accepted, declined, signed, unpaid (issue an invoice) or cancelled.")


class TemplateOut(Schema):
    id: int
    name: str
    purpose: str = Field(description="The kind of document: quote, invoice, contract or act.")
    format: str = Field(description="docx or html.")
    language: str = Field(description="en, fr, ru, or empty for any language.")
    is_default: bool
    created_at: dt.datetime


def _detail(request: HttpRequest, document_id: int):
    documents = queries.with_lines(queries.visible_documents(request.user).select_related(*queries.LIST_RELATIONS))
    document = documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    return document


@router.get("/documents", response=PageOut[DocumentOut], summary="List sales documents")
def list_documents(request: HttpRequest, filters: Query[DocumentFilters]):
    """Quotes, invoices, contracts and acts you may see, newest first unless `ordering` says otherwise."""
    values = filters.dict(exclude={"page", "page_size", "ordering"})
    values["sort"] = filters.ordering
    criteria = queries.read_filters({key: value for key, value in values.items() if value not in (None, False)})
    page = queries.document_page(request.user, criteria, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post(
    "/deals/{int:deal_id}/documents", response={201: DocumentDetailOut}, summary="Create a document from a deal"
)
def create_document(request: HttpRequest, deal_id: int, payload: DocumentIn):
    """A draft with the deal's client, contact, owner, currency and lines, numbered at once."""
    deal = queries.deal_for_documents(request.user, deal_id)
    entity = services.legal_entity_named(payload.legal_entity) if payload.legal_entity is not None else None
    template = template_services.template_named(payload.template, payload.kind)
    document = services.create_from_deal(
        actor=request.user,
        deal=deal,
        kind=payload.kind,
        legal_entity=entity,
        language=payload.language,
        template=template,
    )
    return Status(201, _detail(request, document.pk))


@router.get("/documents/{int:document_id}", response=DocumentDetailOut, summary="Read a sales document")
def read_document(request: HttpRequest, document_id: int):
    return _detail(request, document_id)


@router.patch("/documents/{int:document_id}", response=DocumentDetailOut, summary="Change a sales document")
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch):
    """Only the fields sent change. Date, due date and lines only while the document is a draft (409 otherwise)."""
    document = queries.get_document_for(request.user, document_id, "edit")
    sent = payload.dict(exclude_unset=True)
    changes: dict = {}
    for name in ("date", "due_date", "notes", "language"):
        if name in sent:
            changes[name] = sent[name]
    if "template" in sent:
        changes["template"] = template_services.template_named(
            sent["template"], document.kind, current=document.template
        )
    if "lines" in sent:
        changes["lines"] = [line.dict(exclude_unset=True) for line in payload.lines or []]
    if sent.get("notes", UNSET) is None:
        changes["notes"] = ""
    services.update_document(actor=request.user, document=document, version=payload.version, **changes)
    return _detail(request, document_id)


@router.post("/documents/{int:document_id}/status", response=DocumentDetailOut, summary="Change a document's status")
def change_status(request: HttpRequest, document_id: int, payload: StatusIn):
    """Quote: sent, then accepted or declined; contract and act: sent, then signed; invoice: unpaid (issue it).
    Any document but a paid one can be cancelled (an invoice only without payments)."""
    document = queries.get_document_for(request.user, document_id, "edit")
    services.change_status(actor=request.user, document=document, status=payload.status)
    return _detail(request, document_id)


@router.post("/documents/{int:document_id}/generate", response=DocumentDetailOut, summary="Print a document")
def generate_document(request: HttpRequest, document_id: int):
    """Print with the document's template and keep the file (GET /file downloads it). A template
    that cannot be filled answers 400 naming the problem, and nothing changes."""
    document = queries.get_document_for(request.user, document_id, "edit")
    services.generate(actor=request.user, document=document)
    return _detail(request, document_id)


@router.get(
    "/documents/{int:document_id}/file",
    response={200: None},
    summary="Download a document's file",
    openapi_extra={"responses": {200: {"description": "The PDF or DOCX file."}}},
)
def document_file(request: HttpRequest, document_id: int):
    document = queries.get_document_for(request.user, document_id)
    if not document.file:
        raise NotFound(_("This document has not been generated yet."))
    extension = document.file.name.rsplit(".", 1)[-1].lower()
    kind = extension if extension in ("pdf", "docx") else "pdf"
    return attachment(document.file.open("rb"), f"{services.file_stem(document)}.{kind}", kind)


@router.get("/document-templates", response=list[TemplateOut], summary="List document templates")
def list_templates(request: HttpRequest):
    """The admins' own templates (the built-in ones are used when none applies)."""
    return list(template_services.visible_templates(request.user))


TEMPLATE_FIELDS = {
    "name": {"type": "string"},
    "purpose": {"type": "string", "description": "quote, invoice, contract or act."},
    "format": {"type": "string", "description": "docx or html."},
    "language": {"type": "string", "description": "en, fr, ru, or empty for any language."},
    "is_default": {"type": "boolean", "description": "Use it for its kind and language when a document names none."},
}
TEMPLATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": TEMPLATE_FIELDS | {"file": {"type": "string", "format": "binary"}},
                    "required": ["name", "purpose", "format", "file"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": TEMPLATE_FIELDS
                    | {"content_base64": {"type": "string", "description": "The file's bytes in base64."}},
                    "required": ["name", "purpose", "format", "content_base64"],
                }
            },
        },
    }
}


def _template_upload(request: HttpRequest) -> dict:
    """The upload's fields and file, from a multipart form or a JSON body with `content_base64`."""
    if request.content_type == "multipart/form-data":
        values: dict = {name: request.POST.get(name, "") for name in TEMPLATE_FIELDS}
        values["is_default"] = str(values["is_default"]).lower() in ("1", "true", "on", "yes")
        values["file"] = request.FILES.get("file")
        return values
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise Invalid(_("The body is neither a multipart form nor JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    values = {name: data.get(name) or "" for name in TEMPLATE_FIELDS}
    values["is_default"] = data.get("is_default") is True
    encoded = data.get("content_base64")
    try:
        content = base64.b64decode(str(encoded), validate=True) if encoded else None
    except (binascii.Error, ValueError):
        raise Invalid(errors={"file": [_("content_base64 is not valid base64.")]}) from None
    values["file"] = ContentFile(content, name="template") if content is not None else None
    return values


@router.post(
    "/document-templates",
    response={201: TemplateOut},
    summary="Upload a document template",
    openapi_extra=TEMPLATE_BODY,
)
def upload_template(request: HttpRequest):
    """A multipart form with the `file`, or JSON with `content_base64`. The template is filled once
    with sample values: an unknown placeholder, a syntax error, a file that is not a DOCX or a
    template that prints nothing answers 400 naming it, and nothing is saved."""
    policy.require_in_module(request.user, "sales_settings", policy.Action.EDIT)
    template = template_services.upload_template(actor=request.user, **_template_upload(request))
    return Status(201, template)


@router.delete("/document-templates/{int:template_id}", response={204: None}, summary="Delete a document template")
def delete_template(request: HttpRequest, template_id: int):
    """Deleted, or archived when documents name it (they keep printing with it)."""
    template = queries.get_template_for(request.user, template_id)
    if template.archived:
        raise NotFound()
    template_services.delete_template(actor=request.user, template=template)
    return Status(204, None)
