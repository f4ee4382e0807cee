"""Reading quotes, invoices, contracts and acts: a deal's, a client's, the list, one document.

Every read goes through the access policy ("sales_documents": a document follows its owner,
who is the deal's owner). Rows carry their amounts already formatted in the reader's language,
so templates never do arithmetic or rounding.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import Page, ordered, page_of
from carte.documents.models import DocumentTemplate
from carte.sales.models import Currency, Deal, DocumentLine, LegalEntity, SalesDocument
from carte.sales.queries.payments import balance_of

Kind = SalesDocument.Kind
Status = SalesDocument.Status

# What the list and the API may sort by (public key → field), all served by an index.
SORTS = {"date": "date", "due_date": "due_date", "number": "number", "total": "total"}
LIST_RELATIONS = ("currency", "client", "owner", "legal_entity")


def amount_text(amount: Decimal | int | None, currency: Currency | None) -> str:
    """An amount as people read it in the active language: "1 234,50 EUR" in French."""
    digits = currency.digits if currency is not None else 2
    figure = formats.number_format(Decimal(amount or 0), decimal_pos=digits, use_l10n=True, force_grouping=True)
    return f"{figure} {currency.code}" if currency is not None else figure


@dataclass(frozen=True)
class DocumentRow:
    """One document as lists show it: what it is, where it stands, what it comes to and what is owed."""

    document: SalesDocument
    total: str
    owed: str
    is_owed: bool
    overdue: bool
    detail_url: str
    file_url: str

    @property
    def pk(self) -> int:
        return self.document.pk

    @property
    def number(self) -> str:
        return self.document.number

    @property
    def kind(self) -> str:
        return self.document.kind

    @property
    def kind_label(self) -> str:
        return self.document.get_kind_display()

    @property
    def status(self) -> str:
        return self.document.status

    @property
    def status_label(self) -> str:
        return self.document.get_status_display()

    @property
    def date(self) -> date:
        return self.document.date

    @property
    def badge(self) -> str:
        return status_badge(self.document.status, self.overdue)


def status_badge(status: str, overdue: bool = False) -> str:
    """The badge class of a status (a word always goes with the colour)."""
    if overdue:
        return "badge-danger"
    if status in (Status.PAID, Status.ACCEPTED, Status.SIGNED):
        return "badge-success"
    if status in (Status.UNPAID, Status.PARTLY_PAID, Status.SENT):
        return "badge-warning"
    if status in (Status.DECLINED, Status.CANCELLED):
        return "badge-danger" if status == Status.DECLINED else ""
    return "badge-info"


def row_of(document: SalesDocument) -> DocumentRow:
    owed = Decimal(document.owed)
    return DocumentRow(
        document=document,
        total=amount_text(document.total, document.currency),
        owed=amount_text(owed, document.currency),
        is_owed=owed > 0,
        overdue=document.is_overdue,
        detail_url=reverse("sales:document_detail", args=[document.pk]),
        file_url=reverse("sales:document_file", args=[document.pk]) if document.file else "",
    )


def visible_documents(actor, action: str = policy.Action.VIEW, documents: QuerySet | None = None) -> QuerySet:
    """Sales documents this user may see (or do `action` to)."""
    return policy.visible(actor, SalesDocument.objects.all() if documents is None else documents, action)


def may_create_for(actor, owner) -> bool:
    """May this user create documents owned by `owner` (the deal's owner)?"""
    return policy.can(actor, policy.Action.CREATE, SalesDocument(owner=owner))


def documents_for_deal(user, deal: Deal) -> dict:
    """The context of `sales/documents/deal_documents.html`: a deal's documents and the "create" menu.

    Lists the deal's documents the user may see (two queries: the documents with their
    currency, and the legal entities for the menu when the user may create). The caller
    has checked that the user may view the deal.
    """
    documents = visible_documents(user, documents=SalesDocument.objects.filter(deal=deal)).select_related("currency")
    rows = [row_of(document) for document in documents.order_by("-date", "-id")]
    can_create = may_create_for(user, deal.owner)
    entities = list(LegalEntity.objects.filter(archived=False)) if can_create else []
    return {
        "deal": deal,
        "documents": rows,
        "can_create": can_create and bool(entities),
        "kinds": Kind.choices,
        "legal_entities": entities,
        "default_entity": next((entity for entity in entities if entity.is_default), entities[0] if entities else None),
        "languages": settings.LANGUAGES,
        "create_url": reverse("sales:document_create", args=[deal.pk]),
    }


def documents_for_client(user, client: Client, limit: int = 50) -> dict:
    """The context of the client card's "Documents" tab: the client's documents the user may see.

    Newest first, at most `limit` (a link leads to the full list filtered on the client), and
    what is still owed on all the client's issued invoices the user may see, per currency
    (carte.sales.queries.payments). Three queries whatever the client holds.
    """
    documents = visible_documents(user, documents=SalesDocument.objects.filter(client=client))
    shown = list(documents.select_related("currency").order_by("-date", "-id")[: limit + 1])
    owed = [balance.text(balance.owed) for balance in balance_of(user, client) if balance.owed > 0]
    return {
        "documents": [row_of(document) for document in shown[:limit]],
        "more": len(shown) > limit,
        "owed": owed,
        "list_url": reverse("sales:document_list") + f"?client={client.pk}",
    }


@dataclass(frozen=True)
class Filters:
    """The document list's filters, read from a query string or the API's parameters."""

    kind: str = ""
    status: str = ""
    overdue: bool = False
    client: int | None = None
    deal: int | None = None
    start: date | None = None
    end: date | None = None
    sort: str = "-date"


def read_filters(params) -> Filters:
    """Filters from a QueryDict or dict; Invalid naming the parameter when a value is wrong."""
    errors: dict[str, list] = {}

    def text(name: str) -> str:
        return str(params.get(name) or "").strip()

    kind = text("kind")
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Unknown kind of document: %(value)s.") % {"value": kind}]
    status = text("status")
    if status and status not in Status.values:
        errors["status"] = [_("Unknown status: %(value)s.") % {"value": status}]

    def number(name: str) -> int | None:
        value = text(name)
        if not value:
            return None
        if not value.isdigit():
            errors[name] = [_("Enter a whole number.")]
            return None
        return int(value)

    def day(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
            return None

    overdue = text("overdue").lower() in ("1", "true", "yes", "on")
    filters = Filters(
        kind=kind,
        status=status,
        overdue=overdue,
        client=number("client"),
        deal=number("deal"),
        start=day("start"),
        end=day("end"),
        sort=text("sort") or "-date",
    )
    if filters.sort.removeprefix("-") not in SORTS:
        errors["sort"] = [_("Cannot sort by “%(key)s”.") % {"key": filters.sort}]
    if errors:
        raise Invalid(errors=errors)
    return filters


def filtered_documents(user, filters: Filters) -> QuerySet:
    """The documents this user may see that match the filters, in the asked order."""
    documents = visible_documents(user)
    if filters.kind:
        documents = documents.filter(kind=filters.kind)
    if filters.status:
        documents = documents.filter(status=filters.status)
    if filters.overdue:
        documents = documents.filter(status__in=(Status.UNPAID, Status.PARTLY_PAID), due_date__lt=timezone.localdate())
    if filters.client is not None:
        documents = documents.filter(client_id=filters.client)
    if filters.deal is not None:
        documents = documents.filter(deal_id=filters.deal)
    if filters.start is not None:
        documents = documents.filter(date__gte=filters.start)
    if filters.end is not None:
        documents = documents.filter(date__lte=filters.end)
    return ordered(documents.select_related(*LIST_RELATIONS), filters.sort, SORTS, "-date")


def document_page(user, filters: Filters, page=1, size=50) -> Page:
    """One page of the document list (three queries: the count, the rows with their relations)."""
    return page_of(filtered_documents(user, filters), page, size)


def get_document_for(actor, pk, action: str = policy.Action.VIEW) -> SalesDocument:
    """The document with this id if the user may see it (NotFound otherwise) and do `action` to it (NotAllowed)."""
    try:
        documents = visible_documents(actor).select_related(*LIST_RELATIONS, "deal", "contact", "template")
        document = documents.get(pk=int(pk))
    except (SalesDocument.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, document)
    return document


def lines_of(document: SalesDocument) -> list[DocumentLine]:
    """The document's lines in order, with their product and tax (one query)."""
    return list(document.lines.select_related("product", "tax").order_by("position", "id"))


def with_lines(documents: QuerySet) -> QuerySet:
    """Documents with their lines (for the API's detail): one more query for all of them."""
    lines = DocumentLine.objects.select_related("product", "tax").order_by("position", "id")
    return documents.prefetch_related(Prefetch("lines", queryset=lines))


def template_choices(kind: str, language: str = "") -> list[DocumentTemplate]:
    """Admins' templates for a kind of document (any language or this one), for the document's form."""
    templates = DocumentTemplate.objects.filter(purpose=kind, archived=False)
    if language:
        templates = templates.filter(Q(language="") | Q(language=language))
    return list(templates.order_by("name", "id"))


def deal_for_documents(actor, pk) -> Deal:
    """The deal a document is created from, if the user may see it (NotFound otherwise)."""
    deals = policy.visible(actor, Deal.objects.select_related("owner", "client", "contact", "currency"))
    try:
        return deals.get(pk=int(pk))
    except (Deal.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def get_template_for(actor, pk) -> DocumentTemplate:
    """An admin's template (archived too: documents may still print with it), for whoever may view sales settings."""
    policy.require_in_module(actor, "sales_settings", policy.Action.VIEW)
    try:
        return DocumentTemplate.objects.get(pk=int(pk))
    except (DocumentTemplate.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def may_edit_templates(actor) -> bool:
    return policy.can_in_module(actor, "sales_settings", policy.Action.EDIT)


def client_named(actor, pk) -> Client | None:
    """The client a list is filtered on, when the user may see it (for the filter's label)."""
    return policy.visible(actor, Client.objects.filter(pk=pk)).first()
