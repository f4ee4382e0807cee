"""Quotes, invoices, contracts and acts: made from a deal, edited while draft, moved through their statuses, printed.

A document is numbered when it is created, in the same transaction as its counter
(services.numbering), so numbers never skip; it is never deleted, only cancelled. Its lines
are copied from the deal and may be changed while it is a draft. PAID and PARTLY_PAID are
set by the payment services (services.payments) as money comes in, never here.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients.services.timeline import record_timeline
from carte.core import events, policy
from carte.core.audit import Verb, record
from carte.core.errors import Conflict, Invalid
from carte.core.money import LineAmounts
from carte.core.uploads import stored_name
from carte.documents import builtin, rendering
from carte.documents.models import DocumentTemplate
from carte.sales.models import Deal, DocumentLine, LegalEntity, Payment, SalesDocument
from carte.sales.services import templates
from carte.sales.services.lines import as_raw, clean_lines, replace_lines, total_of
from carte.sales.services.numbering import next_number
from carte.sales.services.values import optional_date

Kind = SalesDocument.Kind
Status = SalesDocument.Status
NOTES_LENGTH: int = SalesDocument._meta.get_field("notes").max_length or 5000

# Where each kind may go from each status (cancelling is handled apart: any status but paid).
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    Kind.QUOTE: {Status.DRAFT: {Status.SENT}, Status.SENT: {Status.ACCEPTED, Status.DECLINED}},
    Kind.CONTRACT: {Status.DRAFT: {Status.SENT}, Status.SENT: {Status.SIGNED}},
    Kind.ACT: {Status.DRAFT: {Status.SENT}, Status.SENT: {Status.SIGNED}},
    Kind.INVOICE: {Status.DRAFT: {Status.UNPAID}},
}
SET_BY_PAYMENTS = {Status.PAID, Status.PARTLY_PAID}
UNSET = object()


def _timeline(document: SalesDocument, summary: str, actor) -> None:
    record_timeline(
        client=document.client,
        kind="document",
        summary=summary,
        link=reverse("sales:document_detail", args=[document.pk]),
        actor=actor,
        record=document,
    )


def _language(language, entity: LegalEntity) -> str:
    if language in (None, ""):
        return entity.language
    if language not in dict(settings.LANGUAGES):
        raise Invalid(errors={"language": [_("Unknown language: %(code)s.") % {"code": language}]})
    return str(language)


def legal_entity_named(pk, field: str = "legal_entity") -> LegalEntity:
    """An active legal entity by id, or the default one when `pk` is empty; Invalid naming `field` otherwise."""
    entities = LegalEntity.objects.filter(archived=False).select_related("default_currency")
    if pk in (None, ""):
        found = entities.order_by("-is_default", "name", "id").first()
        if found is None:
            raise Invalid(errors={field: [_("Enter your company's details first (Settings → Company details).")]})
        return found
    found = entities.filter(pk=pk if str(pk).isdigit() else 0).first()
    if found is None:
        raise Invalid(errors={field: [_("This legal entity does not exist or is archived.")]})
    return found


def _deal_lines(deal: Deal) -> list[dict]:
    """The deal's lines as `clean_lines` reads them; an archived product is dropped, its name kept."""
    raw = []
    for line in deal.lines.select_related("product").order_by("position", "id"):
        values = as_raw(line)
        if line.product is not None and line.product.archived:
            values["product"] = None
        raw.append(values)
    if not raw and deal.amount:
        raw.append({"description": deal.title, "quantity": "1", "unit_price": deal.amount})
    return raw


def create_from_deal(
    *,
    actor,
    deal: Deal,
    kind: str,
    legal_entity: LegalEntity | None = None,
    language: str | None = None,
    template: DocumentTemplate | None = None,
) -> SalesDocument:
    """A draft quote, invoice, contract or act from a deal: its client, contact, owner, currency and lines.

    The actor must see the deal and may create documents for its owner. The document takes
    the next number of its legal entity (the default one unless given), kind and year; an
    invoice is due `payment_days` after its date. Nothing is written when anything is wrong.
    """
    policy.require(actor, policy.Action.VIEW, deal)
    policy.require(actor, policy.Action.CREATE, SalesDocument(owner=deal.owner))
    if kind not in Kind.values:
        raise Invalid(errors={"kind": [_("Choose a quote, an invoice, a contract or an act.")]})
    entity = legal_entity if legal_entity is not None else legal_entity_named(None)
    if entity.archived:
        raise Invalid(errors={"legal_entity": [_("This legal entity does not exist or is archived.")]})
    language = _language(language, entity)
    if template is not None and (template.archived or template.purpose != kind):
        raise Invalid(errors={"template": [_("This template is for another kind of document.")]})
    lines = clean_lines(_deal_lines(deal), currency=deal.currency)
    today = timezone.localdate()
    with transaction.atomic():
        year, sequence, number = next_number(entity, kind, today)
        amounts = total_of(lines)
        document = SalesDocument.objects.create(
            kind=kind,
            number=number,
            year=year,
            sequence=sequence,
            legal_entity=entity,
            client=deal.client,
            contact=deal.contact,
            deal=deal,
            owner=deal.owner,
            date=today,
            due_date=today + timedelta(days=entity.payment_days) if kind == Kind.INVOICE else None,
            currency=deal.currency,
            language=language,
            template=template,
            created_by=actor,
            **_amounts(amounts),
        )
        replace_lines(DocumentLine, "document", document, lines)
        record(
            actor,
            Verb.CREATE,
            document,
            changes={"number": [None, number], "deal": [None, str(deal)], "total": [None, str(document.total)]},
        )
        summary = _("%(document)s created from the deal “%(deal)s”.") % {"document": document, "deal": deal}
        _timeline(document, summary, actor)
        events.emit("document.created", actor=actor, document=document)
    return document


def _amounts(amounts: LineAmounts) -> dict[str, Any]:
    """A document's amount fields (Decimals in an AmountField, which the type stubs take for an integer)."""
    return {"net": amounts.net, "tax_amount": amounts.tax, "total": amounts.total}


def _locked(document: SalesDocument) -> SalesDocument:
    return (
        SalesDocument.objects.select_for_update(of=("self",))
        .select_related("currency", "client", "legal_entity", "owner")
        .get(pk=document.pk)
    )


def _stale() -> None:
    raise Conflict(
        _("Someone else changed this document while you were editing it. Reload it and make your changes again."),
        errors={"version": [_("The document changed since you opened it.")]},
    )


def update_document(
    *,
    actor,
    document: SalesDocument,
    version: int,
    date=UNSET,
    due_date=UNSET,
    notes=UNSET,
    language=UNSET,
    template=UNSET,
    lines=UNSET,
) -> SalesDocument:
    """Change a document: date, due date and lines while a draft; notes, language and template until cancelled.

    `version` is the version the user edited (Conflict when the document changed since).
    `template` is a DocumentTemplate or None (the default); `lines` are raw lines as
    `clean_lines` reads them. Changing nothing writes nothing.
    """
    with transaction.atomic():
        current = _locked(document)
        policy.require(actor, policy.Action.EDIT, current)
        if int(version) != current.version:
            _stale()
        errors: dict[str, list] = {}
        changes: dict[str, list] = {}
        if current.status != Status.DRAFT:
            _refuse_draft_only_changes(current, date=date, due_date=due_date, lines=lines)
        if current.status == Status.CANCELLED:
            raise Conflict(_("A cancelled document cannot be changed."))
        if date is not UNSET:
            new_date = optional_date(date, "date")
            if new_date is None:
                errors["date"] = [_("Enter the document's date.")]
            elif new_date.year != current.year:
                errors["date"] = [
                    _("The date must stay in %(year)d, the year of the number %(number)s.")
                    % {"year": current.year, "number": current.number}
                ]
            elif new_date != current.date:
                changes["date"] = [str(current.date), str(new_date)]
                current.date = new_date
        if due_date is not UNSET:
            new_due = optional_date(due_date, "due_date")
            if new_due != current.due_date:
                changes["due_date"] = [str(current.due_date or ""), str(new_due or "")]
                current.due_date = new_due
        if current.due_date is not None and current.due_date < current.date and "date" not in errors:
            errors["due_date"] = [_("The due date cannot be before the document's date.")]
        if notes is not UNSET:
            text = str(notes or "").strip()
            if len(text) > NOTES_LENGTH:
                errors["notes"] = [_("At most %(count)d characters.") % {"count": NOTES_LENGTH}]
            elif text != current.notes:
                changes["notes"] = [current.notes, text]
                current.notes = text
        if language is not UNSET:
            try:
                new_language = _language(language, current.legal_entity)
            except Invalid as refused:
                errors.update(refused.errors)
            else:
                if new_language != current.language:
                    changes["language"] = [current.language, new_language]
                    current.language = new_language
        if template is not UNSET and (template.pk if template else None) != current.template_id:
            if template is not None and (template.archived or template.purpose != current.kind):
                errors["template"] = [_("This template is for another kind of document, or was deleted.")]
            else:
                changes["template"] = [str(current.template or ""), str(template or "")]
                current.template = template
        cleaned = None
        if lines is not UNSET and current.status == Status.DRAFT:
            try:
                cleaned = clean_lines(lines, currency=current.currency, kept=current.lines.all())
            except Invalid as refused:
                errors.update(refused.errors)
        if errors:
            raise Invalid(errors=errors)
        if cleaned is not None:
            amounts = total_of(cleaned)
            replace_lines(DocumentLine, "document", current, cleaned)
            if amounts.total != current.total or len(cleaned) != current.lines.count():
                changes["total"] = [str(current.total), str(amounts.total)]
            changes.setdefault("lines", [None, str(len(cleaned))])
            current.net, current.tax_amount, current.total = amounts.net, amounts.tax, amounts.total
        if not changes:
            return current
        current.version += 1
        current.save()
        record(actor, Verb.UPDATE, current, changes=changes)
    return current


def _refuse_draft_only_changes(current: SalesDocument, *, date, due_date, lines) -> None:
    """Conflict when a document that left draft would get other lines, another date or due date.

    Sending the present date or due date again (a form sends every field) is not a change.
    """
    wanted = []
    if lines is not UNSET:
        wanted.append("lines")
    if date is not UNSET and optional_date(date, "date") != current.date:
        wanted.append("date")
    if due_date is not UNSET and optional_date(due_date, "due_date") != current.due_date:
        wanted.append("due_date")
    if wanted:
        raise Conflict(
            _("Only a draft's date, due date and lines can be changed. Cancel this document and create a new one."),
            errors={name: [_("Only a draft can be changed.")] for name in wanted},
        )


def allowed_statuses(document: SalesDocument) -> list[str]:
    """The statuses a person may move this document to from where it is (for the buttons)."""
    targets = sorted(TRANSITIONS.get(document.kind, {}).get(document.status, set()))
    if document.status not in (Status.PAID, Status.CANCELLED):
        targets.append(Status.CANCELLED)
    return targets


def change_status(*, actor, document: SalesDocument, status: str) -> SalesDocument:
    """Move a document on: quote sent → accepted or declined, contract and act sent → signed, invoice issued.

    Any document but a paid one may be cancelled; an invoice with payments may not (delete
    the payments first). Paid and partly paid follow the payments and cannot be set here.
    """
    if status in SET_BY_PAYMENTS:
        raise Invalid(errors={"status": [_("Paid and partly paid follow the payments recorded on the invoice.")]})
    if status not in Status.values:
        raise Invalid(errors={"status": [_("Unknown status: %(value)s.") % {"value": status}]})
    with transaction.atomic():
        current = _locked(document)
        policy.require(actor, policy.Action.EDIT, current)
        old = current.status
        if status == old:
            return current
        if status not in allowed_statuses(current):
            raise Conflict(
                _("A %(kind)s that is %(old)s cannot become %(new)s.")
                % {
                    "kind": str(current.get_kind_display()).lower(),
                    "old": str(current.get_status_display()).lower(),
                    "new": str(Status(status).label).lower(),
                },
                errors={"status": [_("Not possible from the present status.")]},
            )
        if status == Status.CANCELLED and Payment.objects.filter(invoice=current).exists():
            raise Conflict(
                _("This invoice has payments: delete them before cancelling it."),
                errors={"status": [_("The invoice has payments.")]},
            )
        if current.kind == Kind.INVOICE and status == Status.UNPAID and not current.lines.exists():
            raise Invalid(errors={"status": [_("Add at least one line before issuing the invoice.")]})
        current.status = status
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
        record(actor, Verb.UPDATE, current, changes={"status": [old, status]})
        if status == Status.UNPAID:
            total = templates.money(current.total, current.currency)
            summary = _("%(document)s issued (%(total)s).") % {"document": current, "total": total}
        else:
            summary = _("%(document)s: %(status)s.") % {"document": current, "status": current.get_status_display()}
        _timeline(current, summary, actor)
        events.emit("document.status_changed", actor=actor, document=current, old=old, new=status)
    return current


def issue(*, actor, document: SalesDocument) -> SalesDocument:
    """Issue an invoice: from draft to unpaid (the payments then move it on)."""
    return change_status(actor=actor, document=document, status=Status.UNPAID)


# Printing


@dataclass(frozen=True)
class Rendered:
    """A printed document: its bytes, the name to save or download it under, and "pdf" or "docx"."""

    content: bytes
    filename: str
    kind: str


def render(document: SalesDocument) -> Rendered:
    """Print a document with its template (its own, the default for its kind and language, or the built-in).

    Reads the document's lines and parties (a few queries); raises rendering.TemplateProblem
    (an Invalid) when an admin's template cannot be filled.
    """
    lines = list(document.lines.select_related("tax").order_by("position", "id"))
    context = templates.context_for(document, lines, templates.parties_of(document))
    names, files = templates.entity_files(document.legal_entity)
    context["images"] |= names
    template = templates.template_for(document)
    filename = file_stem(document)
    if template is None:
        content = rendering.render_pdf(builtin.html_name(document.kind), context, files, env=builtin.html_environment())
        return Rendered(content, f"{filename}.pdf", "pdf")
    try:
        with template.file.open("rb") as opened:
            source = opened.read()
    except OSError:
        message = _("The template “%(name)s” has lost its file: upload it again.") % {"name": template.name}
        raise rendering.TemplateProblem(message) from None
    if template.format == DocumentTemplate.Format.DOCX:
        return Rendered(rendering.render_docx(source, context, files), f"{filename}.docx", "docx")
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise rendering.TemplateProblem(_("An HTML template must be UTF-8 text.")) from None
    return Rendered(rendering.render_pdf(text, context, files), f"{filename}.pdf", "pdf")


def file_stem(document: SalesDocument) -> str:
    """The name of a printed document without extension: its number, safe for any file system."""
    safe = "".join(char if char.isalnum() or char in "-_." else "-" for char in document.number).strip("-.")
    return safe or f"document-{document.pk}"


def generate(*, actor, document: SalesDocument) -> SalesDocument:
    """Print the document and keep the file on it (replacing the previous one); nothing changes when printing fails.

    Whoever may edit the document may generate it, whatever its status: the file shows the
    document as it is now.
    """
    policy.require(actor, policy.Action.EDIT, document)
    if document.status == Status.CANCELLED:
        raise Conflict(_("A cancelled document is not printed again."))
    rendered = render(document)  # outside the transaction: printing takes a while and writes nothing
    storage = SalesDocument._meta.get_field("file").storage
    saved = ""
    try:
        with transaction.atomic():
            current = _locked(document)
            policy.require(actor, policy.Action.EDIT, current)
            old_file = current.file.name if current.file else ""
            current.file.save(_stored_file(current, rendered.kind), ContentFile(rendered.content), save=False)
            saved = current.file.name
            current.generated_at = timezone.now()
            current.save(update_fields=["file", "generated_at", "updated_at"])
            record(actor, Verb.UPDATE, current, changes={"file": [old_file or None, saved]})
            if old_file and old_file != saved:
                transaction.on_commit(lambda: storage.delete(old_file))
    except BaseException:
        if saved:  # the row was rolled back: the new file is nobody's
            storage.delete(saved)
        raise
    return current


def _stored_file(document: SalesDocument, extension: str) -> str:
    """A fresh name for a printed file (the field's upload_to adds the folder of the year)."""
    return stored_name("documents", extension).rsplit("/", 1)[-1]
