"""Document templates: what fills them (the context), which one a document uses, and the admins' uploads.

The context is plain values, already formatted in the document's language and currency, so
a template only places them: `{{ client.name }}`, `{% for line in lines %}`, `{{ totals.total }}`.
Every word a built-in template prints comes from `labels`, translated here under the
document's language. docs/admin/document-templates.md lists every placeholder.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from carte.clients.models import Client, TaxId
from carte.core import policy
from carte.core.audit import Verb, record
from carte.core.errors import Invalid
from carte.core.money import ZERO, decimals_of
from carte.core.uploads import MEGABYTE, check_upload, kind_of, stored_name
from carte.documents import builtin, rendering
from carte.documents.models import DocumentTemplate
from carte.sales.models import Currency, DocumentLine, LegalEntity, SalesDocument
from carte.sales.services.words import in_words

Kind = SalesDocument.Kind
MAX_TEMPLATE_SIZE = 5 * MEGABYTE
NAME_LENGTH: int = DocumentTemplate._meta.get_field("name").max_length or 100
IMAGES = ("logo", "signature", "stamp")


# Formatting, in the active language


def money(amount: Decimal | int | None, currency: Currency) -> str:
    """An amount with its currency's decimals and code, as the active language writes it: "1 234,50 EUR"."""
    figure = formats.number_format(
        Decimal(amount or 0), decimal_pos=currency.digits, use_l10n=True, force_grouping=True
    )
    return f"{figure} {currency.code}"


def number(value: Decimal | int | None) -> str:
    """A quantity or a rate without useless zeros: 2, 1.5, 5.5."""
    value = Decimal(value or 0)
    return formats.number_format(value, decimal_pos=decimals_of(value), use_l10n=True, force_grouping=True)


def percent(value: Decimal | int | None) -> str:
    return _("%(rate)s %%") % {"rate": number(value)}


def day(value: date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


# The context of one document


def _lines_text(*parts: str) -> str:
    """Text with its line breaks as "\n" (Word and the PDF's pre-line both show them)."""
    return "\n".join(" ".join(line.split()) for part in parts for line in (part or "").splitlines() if line.strip())


def _company(entity: LegalEntity) -> dict:
    fields = (
        "name legal_name tax_number vat_number registration_number phone email website bank_name bank_account "
        "bank_code signatory_name signatory_title accountant_name"
    ).split()
    values = {name: getattr(entity, name) or "" for name in fields}
    values["legal_name"] = values["legal_name"] or values["name"]
    values["address"] = _lines_text(entity.address)
    values["postal_address"] = _lines_text(entity.postal_address)
    values["bank_details"] = _lines_text(entity.bank_details)
    return values


def _client(client: Client, tax_ids: Iterable[TaxId], email: str = "", phone: str = "") -> dict:
    ids = [{"kind": tax_id.kind, "label": str(tax_id.get_kind_display()), "value": tax_id.value} for tax_id in tax_ids]
    return {
        "name": client.name,
        "legal_name": client.legal_name or client.name,
        "kind": client.kind,
        "address": _lines_text(client.address_legal or client.address_actual or client.address_postal),
        "postal_address": _lines_text(client.address_postal),
        "bank_details": _lines_text(client.bank_details),
        "tax_ids": ids,
        "tax_id": f"{ids[0]['label']} {ids[0]['value']}" if ids else "",
        "email": email,
        "phone": phone,
    }


def _contact(person: Client | None, email: str = "", phone: str = "") -> dict:
    if person is None:
        return {"_present": False, "name": "", "position": "", "email": "", "phone": ""}
    return {"name": person.name, "position": person.position or "", "email": email, "phone": phone}


def _line(line: DocumentLine, currency: Currency) -> dict:
    return {
        "position": line.position,
        "description": line.description,
        "quantity": number(line.quantity),
        "unit": line.unit,
        "unit_price": money(line.unit_price, currency),
        "discount": percent(line.discount) if line.discount else "",
        "tax_rate": percent(line.tax_rate),
        "net": money(line.net, currency),
        "tax": money(line.tax_amount, currency),
        "total": money(line.total, currency),
        "raw": {
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "tax_rate": line.tax_rate,
            "tax_included": line.tax_included,
            "net": line.net,
            "tax": line.tax_amount,
            "total": line.total,
        },
    }


def _totals(document: SalesDocument, lines: list[DocumentLine], currency: Currency) -> dict:
    """The document's totals and its tax per rate (sums of the rounded lines: what a reader adds up)."""
    rates: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        sums = rates.setdefault(Decimal(line.tax_rate), [ZERO, ZERO])
        sums[0] += line.net
        sums[1] += line.tax_amount
    taxes = [
        {
            "rate": percent(rate),
            "label": _("VAT %(rate)s") % {"rate": percent(rate)},
            "net": money(net, currency),
            "tax": money(tax, currency),
            "raw": {"rate": rate, "net": net, "tax": tax},
        }
        for rate, (net, tax) in sorted(rates.items())
        if rate or tax
    ]
    return {
        "net": money(document.net, currency),
        "tax": money(document.tax_amount, currency),
        "total": money(document.total, currency),
        "taxes": taxes,
        "has_discount": any(line.discount for line in lines),
        "raw": {"net": document.net, "tax": document.tax_amount, "total": document.total},
    }


def labels_for(document: SalesDocument, company: dict, client: dict, totals: dict, words: str) -> dict:
    """Every word the built-in templates print, in the active language (the document's)."""
    titles: dict[str, str] = {
        Kind.QUOTE: _("Quote"),
        Kind.INVOICE: _("Invoice"),
        Kind.CONTRACT: _("Contract"),
        Kind.ACT: _("Certificate of completion"),
    }
    parties = {"company": company["legal_name"], "client": client["legal_name"]}
    intros: dict[str, str] = {
        Kind.QUOTE: _("Thank you for your interest. We are pleased to offer you the following."),
        Kind.INVOICE: "",
        Kind.CONTRACT: _("%(company)s (“the Supplier”) and %(client)s (“the Client”) agree as follows.") % parties,
        Kind.ACT: _(
            "%(company)s (“the Supplier”) delivered, and %(client)s (“the Client”) accepted, the following goods "
            "and services."
        )
        % parties,
    }
    payment_days = document.legal_entity.payment_days
    return {
        "title": titles.get(document.kind, document.get_kind_display()),
        "number_sign": _("No."),
        "date": pgettext("printed document", "Date"),
        "due_date": pgettext("printed document", "Valid until")
        if document.kind == Kind.QUOTE
        else pgettext("printed document", "Due date"),
        "reference": pgettext("printed document", "Deal"),
        "seller": _("Supplier"),
        "buyer": pgettext("printed document", "Client"),
        "contact": pgettext("printed document", "Contact"),
        "phone": pgettext("printed document", "Phone"),
        "tax_number": _("Tax number"),
        "vat_number": _("VAT number"),
        "registration_number": _("Registration number"),
        "position": _("#"),
        "description": pgettext("printed document", "Description"),
        "quantity": _("Qty"),
        "unit": pgettext("printed document", "Unit"),
        "unit_price": pgettext("printed document", "Unit price"),
        "discount": _("Discount"),
        "tax_rate": _("VAT"),
        "net": _("Excl. tax"),
        "line_total": _("Incl. tax"),
        "total_net": _("Total excl. tax"),
        "total_tax": _("Total tax"),
        "total": _("Total due") if document.kind == Kind.INVOICE else _("Total incl. tax"),
        "in_words": _("Amount in words"),
        "notes": pgettext("printed document", "Notes"),
        "payment": _("Payment details"),
        "pay_by": _("Please pay by"),
        "bank": _("Bank"),
        "bank_account": _("Account (IBAN)"),
        "bank_code": _("BIC"),
        "payment_reference": _("Please quote number %(number)s with your payment.") % {"number": document.number},
        "conditions": _("Conditions"),
        "valid_until": _("This offer is valid until"),
        "acceptance": _("To accept this quote, sign and return it, or reply by email."),
        "intro": intros.get(document.kind, ""),
        "subject_title": _("1. Subject"),
        "subject": _(
            "The Supplier delivers to the Client the goods and services listed below, and the Client accepts and "
            "pays for them."
        ),
        "price_title": _("2. Price"),
        "price": _("The total price is %(total)s (%(words)s), taxes included as shown above.")
        % {"total": totals["total"], "words": words},
        "payment_title": _("3. Payment"),
        "payment_terms": ngettext(
            "The Client pays each invoice within %(days)d day of its date, by bank transfer to the Supplier's account.",
            "The Client pays each invoice within %(days)d days of its date, by bank transfer to the Supplier's "
            "account.",
            payment_days,
        )
        % {"days": payment_days},
        "term_title": _("4. Term"),
        "term": _(
            "This contract takes effect when both parties have signed it and lasts until both have fulfilled their "
            "obligations."
        ),
        "statement": _(
            "The goods and services above were delivered in full and on time. The Client has no claim regarding their "
            "quantity, quality or timing."
        ),
        "for_seller": _("For the supplier"),
        "for_buyer": _("For the client"),
        "delivered_by": _("Delivered by"),
        "accepted_by": _("Accepted by"),
        "accountant": _("Chief accountant"),
        "page": _("Page"),
    }


@dataclass(frozen=True)
class Parties:
    """What a document's context needs of the client and contact beyond the document's own row."""

    tax_ids: list[TaxId]
    client_email: str = ""
    client_phone: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def parties_of(document: SalesDocument) -> Parties:
    """The client's tax ids, first email and phone, and the contact's (a few small queries)."""
    client, contact = document.client, document.contact
    first_email = client.emails.values_list("address", flat=True).first() or ""
    first_phone = client.phones.values_list("number", flat=True).first() or ""
    contact_email = contact_phone = ""
    if contact is not None:
        contact_email = contact.emails.values_list("address", flat=True).first() or ""
        contact_phone = contact.phones.values_list("number", flat=True).first() or ""
    return Parties(list(client.tax_ids.all()), first_email, first_phone, contact_email, contact_phone)


def context_for(document: SalesDocument, lines: list[DocumentLine], parties: Parties) -> dict:
    """What a template of this document reads, formatted in the document's language and currency."""
    currency = document.currency
    with translation.override(document.language):
        company = _company(document.legal_entity)
        client = _client(document.client, parties.tax_ids, parties.client_email, parties.client_phone)
        totals = _totals(document, lines, currency)
        words = in_words(document.total, currency.code, document.language, currency.digits)
        return {
            "language": document.language,
            "company": company,
            "client": client,
            "contact": _contact(document.contact, parties.contact_email, parties.contact_phone),
            "document": {
                "number": document.number,
                "kind": document.kind,
                "title": str(document.get_kind_display()),
                "status": document.status,
                "date": day(document.date),
                "due_date": day(document.due_date),
                "notes": _lines_text(document.notes),
                "deal": document.deal.title if document.deal_id and document.deal else "",
                "raw": {"date": document.date, "due_date": document.due_date},
            },
            "lines": [_line(line, currency) for line in lines],
            "totals": totals,
            "total_in_words": words,
            "currency": {
                "code": currency.code,
                "name": currency.name,
                "symbol": currency.symbol,
                "digits": currency.digits,
            },
            "labels": labels_for(document, company, client, totals, words),
            "images": {name: "" for name in IMAGES},
        }


def sample_context(kind: str, language: str = "en") -> dict:
    """A context with made-up values: an uploaded template is filled once with it to check it."""
    euro = Currency(code="EUR", name="Euro", symbol="€", digits=2)
    entity = LegalEntity(
        name="Example",
        legal_name="Example SAS",
        tax_number="FR40303265045",
        vat_number="FR40303265045",
        address="1 rue de la Paix\n75002 Paris",
        bank_name="Banque Exemple",
        bank_account="FR7630006000011234567890189",
        bank_code="AGRIFRPP",
        signatory_name="Jeanne Martin",
        signatory_title="CEO",
        default_currency=euro,
    )
    client = Client(kind="company", name="Client Example", legal_name="Client Example Ltd", address_legal="2 High St")
    today = timezone.localdate()
    document = SalesDocument(
        kind=kind,
        number="S-0001",
        year=today.year,
        sequence=1,
        legal_entity=entity,
        client=client,
        date=today,
        due_date=today + timedelta(days=30),
        currency=euro,
        language=language,
        notes="Sample notes",
    )
    document.net, document.tax_amount, document.total = Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00")
    line = DocumentLine(position=1, description="Sample service", unit="h", tax_rate=Decimal(20))
    line.quantity, line.unit_price = Decimal(2), Decimal("500.00")
    line.net, line.tax_amount, line.total = Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00")
    tax_id = TaxId(kind="vat", value="GB123456789")
    return context_for(document, [line], Parties([tax_id], "client@example.com", "+33 1 23 45 67 89"))


def entity_files(entity: LegalEntity) -> tuple[dict[str, str], dict[str, bytes]]:
    """The legal entity's logo, signature and stamp: their names in the context, and their bytes.

    A file that went missing from storage is left out (the document prints without it).
    """
    names: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for image in IMAGES:
        stored = getattr(entity, image)
        if not stored:
            continue
        try:
            with stored.open("rb") as opened:
                content = opened.read()
        except OSError:
            continue
        name = f"{image}.{kind_of(content) or 'bin'}"
        names[image], files[name] = name, content
    return names, files


# Which template a document uses


def template_for(document: SalesDocument) -> DocumentTemplate | None:
    """The document's own template, else the default for its kind in its language, else any language's.

    None: the built-in template. An archived template that a document still names is used
    (it was chosen for this document); defaults are only ever taken among active ones.
    """
    if document.template_id is not None:
        return document.template
    defaults = DocumentTemplate.objects.filter(purpose=document.kind, is_default=True, archived=False)
    found = list(defaults.filter(Q(language=document.language) | Q(language="")))
    found.sort(key=lambda template: template.language != document.language)
    return found[0] if found else None


def template_named(
    pk, kind: str, field: str = "template", current: DocumentTemplate | None = None
) -> DocumentTemplate | None:
    """An active template for this kind of document, by id (None for "the default").

    `current` is the template a document already names: kept even when archived since.
    """
    if pk in (None, ""):
        return None
    if current is not None and str(pk) == str(current.pk):
        return current
    found = DocumentTemplate.objects.filter(pk=pk if str(pk).isdigit() else 0, archived=False).first()
    if found is None:
        raise Invalid(errors={field: [_("This template does not exist or was deleted.")]})
    if found.purpose != kind:
        raise Invalid(errors={field: [_("This template is for another kind of document.")]})
    return found


# Managing templates (Settings → Document templates)


def visible_templates(actor):
    """Every active template, for the settings screen (whoever may view the sales settings)."""
    policy.require_in_module(actor, "sales_settings", policy.Action.VIEW)
    templates = DocumentTemplate.objects.filter(archived=False).select_related("created_by")
    return templates.order_by("purpose", "name", "id")


@transaction.atomic
def upload_template(
    *,
    actor,
    name: str,
    purpose: str,
    format: str,
    file,
    language: str = "",
    is_default: bool = False,
) -> DocumentTemplate:
    """Add an admin's template after filling it once with sample values; nothing is saved when it fails.

    The file is checked by its content (a DOCX must really be one, and no zip bomb), then
    filled: an unknown placeholder, a syntax error or a template that prints nothing is
    refused with a message naming the problem.
    """
    policy.require_in_module(actor, "sales_settings", policy.Action.EDIT)
    errors: dict[str, list] = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = [_("Name the template.")]
    elif len(name) > NAME_LENGTH:
        errors["name"] = [_("At most %(count)d characters.") % {"count": NAME_LENGTH}]
    if purpose not in Kind.values:
        errors["purpose"] = [_("Choose what the template is used for.")]
    if format not in DocumentTemplate.Format.values:
        errors["format"] = [_("Choose DOCX or HTML.")]
    language = language or ""
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Unknown language: %(code)s.") % {"code": language}]
    if file is None:
        errors["file"] = [_("Choose the template's file.")]
    if errors:
        raise Invalid(errors=errors)
    upload = check_upload(file, field="file", kinds=(format,), max_size=MAX_TEMPLATE_SIZE)
    rendering.check_template(format, upload.content, sample_context(purpose, language or "en"))
    if is_default:
        _clear_default(purpose, language)
    template = DocumentTemplate(
        name=name, purpose=purpose, format=format, language=language, is_default=bool(is_default), created_by=actor
    )
    file_name = stored_name("templates", upload.extension).removeprefix("templates/")  # upload_to adds the folder
    template.file.save(file_name, ContentFile(upload.content), save=False)
    template.save()
    changes = {"name": [None, name], "purpose": [None, purpose], "format": [None, format]}
    record(actor, Verb.CREATE, template, changes=changes)
    return template


def _clear_default(purpose: str, language: str) -> None:
    DocumentTemplate.objects.filter(purpose=purpose, language=language, is_default=True).update(is_default=False)


@transaction.atomic
def make_default(*, actor, template: DocumentTemplate) -> DocumentTemplate:
    """Use this template for its kind and language when a document names none."""
    policy.require_in_module(actor, "sales_settings", policy.Action.EDIT)
    _clear_default(template.purpose, template.language)
    DocumentTemplate.objects.filter(pk=template.pk).update(is_default=True)
    template.is_default = True
    record(actor, Verb.UPDATE, template, changes={"is_default": [False, True]})
    return template


@transaction.atomic
def delete_template(*, actor, template: DocumentTemplate) -> bool:
    """Remove a template: archived while documents name it (they keep printing with it), else deleted.

    Returns True when the row and its file were deleted, False when it was archived.
    """
    policy.require_in_module(actor, "sales_settings", policy.Action.DELETE)
    used = SalesDocument.objects.filter(template=template).exists()
    if used:
        DocumentTemplate.objects.filter(pk=template.pk).update(archived=True, is_default=False)
        record(actor, Verb.UPDATE, template, changes={"archived": [False, True]})
        return False
    file = template.file
    record(actor, Verb.DELETE, template, changes={"name": [template.name, None]})
    template.delete()
    if file:
        transaction.on_commit(lambda: file.storage.delete(file.name))
    return True


@dataclass(frozen=True)
class TemplateFile:
    """A template's bytes, the name to download it under, and its kind ("html" or "docx")."""

    content: bytes
    filename: str
    kind: str


def builtin_file(kind: str, format: str) -> TemplateFile:
    """A built-in template to download as a starting point (HTML: one self-contained file)."""
    if kind not in Kind.values:
        raise Invalid(errors={"kind": [_("Unknown kind of document: %(value)s.") % {"value": kind}]})
    if format == "html":
        return TemplateFile(builtin.html_source(kind).encode(), f"{kind}.html", "html")
    if format == "docx":
        return TemplateFile(builtin.docx_source(kind), f"{kind}.docx", "docx")
    raise Invalid(errors={"format": [_("Choose DOCX or HTML.")]})


def uploaded_file(actor, template: DocumentTemplate) -> TemplateFile:
    """An uploaded template's own file (for whoever may view the sales settings)."""
    policy.require_in_module(actor, "sales_settings", policy.Action.VIEW)
    with template.file.open("rb") as opened:
        content = opened.read()
    return TemplateFile(content, f"{template.name}.{template.format}", template.format)
