"""Company settings in the API: legal entities and their images, currencies and rates, taxes.

Everyone reads them (forms and scripts need them); changes take the rights of the sales
settings (the Administrator by default). Uploads (an entity's image, a CSV of rates) come as
multipart/form-data with a `file` part, or as JSON for scripts that cannot send multipart.
"""

import json
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of
from carte.sales.currencies import name_of
from carte.sales.queries import company as queries
from carte.sales.queries.company import MODULE
from carte.sales.services import company as services
from carte.sales.services import money

router = Router(tags=["company"])
Action = policy.Action


# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------


class LegalEntityOut(Schema):
    id: int
    name: str = Field(description="How Carte names it in lists.")
    legal_name: str = Field(description="The full legal name printed on documents.")
    tax_number: str
    vat_number: str
    registration_number: str
    address: str
    postal_address: str
    phone: str
    email: str
    website: str
    bank_name: str
    bank_account: str
    bank_code: str
    bank_details: str
    signatory_name: str
    signatory_title: str
    accountant_name: str
    default_currency: str = Field(description="ISO 4217 code of a currency in use.")
    default_tax: int | None = Field(description="Id of a tax (see /taxes), or null.")
    language: str = Field(description="The language of its documents: en, fr or ru.")
    payment_days: int = Field(description="Days to pay an invoice: its due date is its date plus these days.")
    quote_pattern: str = Field(description="Numbering: {year}, {yy}, {number} or {number:04} in any text.")
    invoice_pattern: str
    contract_pattern: str
    act_pattern: str
    is_default: bool = Field(description="Issues documents unless another entity is chosen; exactly one is.")
    archived: bool = Field(description="No longer offered for new documents; its documents keep it.")
    logo: str | None = Field(description="Address of the image (for a signed-in browser), or null.")
    signature: str | None
    stamp: str | None

    @staticmethod
    def resolve_default_currency(entity) -> str:
        return entity.default_currency_id

    @staticmethod
    def resolve_default_tax(entity) -> int | None:
        return entity.default_tax_id

    @staticmethod
    def resolve_logo(entity) -> str | None:
        return _image_url(entity, "logo")

    @staticmethod
    def resolve_signature(entity) -> str | None:
        return _image_url(entity, "signature")

    @staticmethod
    def resolve_stamp(entity) -> str | None:
        return _image_url(entity, "stamp")


def _image_url(entity, which: str) -> str | None:
    return reverse("sales:entity_image", args=[entity.pk, which]) if getattr(entity, which) else None


class LegalEntityIn(Schema):
    """A new legal entity: fields left out take their defaults (the base currency, usual patterns…)."""

    name: str = Field(max_length=200)
    legal_name: str = Field(max_length=300)
    tax_number: str = Field("", max_length=50)
    vat_number: str = Field("", max_length=50)
    registration_number: str = Field("", max_length=50)
    address: str = Field("", max_length=500)
    postal_address: str = Field("", max_length=500)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)
    bank_name: str = Field("", max_length=200)
    bank_account: str = Field("", max_length=60)
    bank_code: str = Field("", max_length=30)
    bank_details: str = Field("", max_length=500)
    signatory_name: str = Field("", max_length=200)
    signatory_title: str = Field("", max_length=200)
    accountant_name: str = Field("", max_length=200)
    default_currency: str | None = Field(None, description="A currency in use; the base currency when left out.")
    default_tax: int | None = None
    language: str | None = Field(None, description="en, fr or ru; the installation's language when left out.")
    payment_days: int | None = Field(None, description="0 to 365; 30 when left out.")
    quote_pattern: str | None = None
    invoice_pattern: str | None = None
    contract_pattern: str | None = None
    act_pattern: str | None = None
    is_default: bool = Field(False, description="Make it the default entity (the first one always is).")


class LegalEntityPatch(Schema):
    """Only what is sent changes. `archived` archives or restores; `is_default: true` makes it the default."""

    name: str | None = Field(None, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    tax_number: str | None = Field(None, max_length=50)
    vat_number: str | None = Field(None, max_length=50)
    registration_number: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=500)
    postal_address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    bank_name: str | None = Field(None, max_length=200)
    bank_account: str | None = Field(None, max_length=60)
    bank_code: str | None = Field(None, max_length=30)
    bank_details: str | None = Field(None, max_length=500)
    signatory_name: str | None = Field(None, max_length=200)
    signatory_title: str | None = Field(None, max_length=200)
    accountant_name: str | None = Field(None, max_length=200)
    default_currency: str | None = None
    default_tax: int | None = Field(None, description="A tax id, or null for none.")
    language: str | None = None
    payment_days: int | None = None
    quote_pattern: str | None = None
    invoice_pattern: str | None = None
    contract_pattern: str | None = None
    act_pattern: str | None = None
    is_default: bool | None = None
    archived: bool | None = None


class EntityFilters(Schema):
    archived: bool = Field(False, description="Include archived entities.")


class CurrencyOut(Schema):
    code: str = Field(description="ISO 4217 code.")
    name: str = Field(description="In your language.")
    symbol: str
    digits: int = Field(description="Minor units: amounts in this currency have at most this many decimals.")
    active: bool = Field(description="In use: offered for deals, price lists, documents.")
    is_base: bool = Field(description="The currency reports add up in; exactly one is.")
    latest_rate: Decimal | None = Field(
        None, description="Units of the base currency for one unit of this one, on `latest_rate_date`."
    )
    latest_rate_date: date | None = None

    @staticmethod
    def resolve_name(currency) -> str:
        return name_of(currency)

    @staticmethod
    def resolve_latest_rate(currency) -> Decimal | None:
        return Decimal(1) if currency.is_base else getattr(currency, "latest_rate", None)


class CurrencyFilters(Schema):
    active: bool | None = Field(None, description="true: only those in use; false: only those not in use.")


class CurrencyPatch(Schema):
    """Only what is sent changes. A currency something uses cannot be switched off (409)."""

    active: bool | None = None
    is_base: bool | None = Field(None, description="true makes it the base currency (and switches it on).")


class RateOut(Schema):
    id: int
    currency: str
    base: str = Field(description="The base currency the rate is against.")
    date: date
    rate: Decimal = Field(description="Units of `base` for one unit of `currency`.")

    @staticmethod
    def resolve_currency(rate) -> str:
        return rate.currency_id

    @staticmethod
    def resolve_base(rate) -> str:
        return rate.base_id


class RateIn(Schema):
    date: str = Field(description="2024-01-31 (or 31.01.2024, 31/01/2024).")
    rate: Decimal | str = Field(description="More than zero, at most 10 decimals; a string keeps it exact.")


class RatePatch(Schema):
    date: str | None = None
    rate: Decimal | str | None = None


class RatePages(Schema):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class RowProblemOut(Schema):
    row: int = Field(description="Row number in the file, the header row counting as 1.")
    messages: list[str]


class ImportReportOut(Schema):
    rows: int = Field(description="Rows of rates read.")
    created: int
    updated: int
    unchanged: int
    problems: list[RowProblemOut] = Field(description="The bad rows (at most 200); when any, nothing was saved.")
    more_problems: int = Field(description="How many more bad rows the list leaves out.")
    detail: str = ""


class TaxOut(Schema):
    id: int
    name: str
    rate: Decimal = Field(description="Percent, 0 to 100.")
    included: bool = Field(description="Prices carrying this tax already hold it.")
    archived: bool
    order: int


class TaxIn(Schema):
    name: str = Field(max_length=100)
    rate: Decimal | str = Field(description="0 to 100, at most 2 decimals.")
    included: bool = False


class TaxPatch(Schema):
    name: str | None = Field(None, max_length=100)
    rate: Decimal | str | None = None
    included: bool | None = None
    archived: bool | None = Field(None, description="An entity's default tax cannot be archived (409).")
    order: int | None = Field(None, ge=0)


class TaxFilters(Schema):
    archived: bool = Field(False, description="Include archived taxes.")


# ---------------------------------------------------------------------------------------------
# Uploads: multipart/form-data, or JSON
# ---------------------------------------------------------------------------------------------


def _upload_body(json_name: str, json_description: str) -> dict:
    """The request body of an upload in the OpenAPI schema: a multipart `file`, or JSON."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {json_name: {"type": "string", "description": json_description}},
                        "required": [json_name],
                    }
                },
            },
        }
    }


def _uploaded(request: HttpRequest, json_name: str) -> tuple[object | None, str | None]:
    """(the multipart `file`, or None; the JSON body's `json_name`, or None)."""
    if request.content_type == "multipart/form-data":
        if request.method == "POST":
            files = request.FILES
        else:  # Django parses multipart bodies of POST requests only
            _post, files = request.parse_file_upload(request.META, BytesIO(request.body))
        return files.get("file"), None
    if request.content_type == "application/json" and request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise Invalid(errors={"file": [_("The body is not valid JSON.")]}) from None
        value = data.get(json_name) if isinstance(data, dict) else None
        return None, value if isinstance(value, str) else None
    return None, None


# ---------------------------------------------------------------------------------------------
# Legal entities
# ---------------------------------------------------------------------------------------------


@router.get("/legal-entities", response=list[LegalEntityOut], summary="List legal entities")
def list_legal_entities(request: HttpRequest, filters: Query[EntityFilters]):
    """Our companies that issue documents, the default first."""
    return queries.legal_entities_for(request.user, archived=filters.archived)


@router.post("/legal-entities", response={201: LegalEntityOut}, summary="Add a legal entity")
def create_legal_entity(request: HttpRequest, payload: LegalEntityIn):
    values = {name: value for name, value in payload.dict().items() if value is not None}
    return Status(201, services.create_legal_entity(actor=request.user, **values))


@router.get("/legal-entities/{int:entity_id}", response=LegalEntityOut, summary="Read a legal entity")
def read_legal_entity(request: HttpRequest, entity_id: int):
    return queries.get_legal_entity_for(request.user, entity_id)


@router.patch("/legal-entities/{int:entity_id}", response=LegalEntityOut, summary="Change a legal entity")
def update_legal_entity(request: HttpRequest, entity_id: int, payload: LegalEntityPatch):
    """Archiving the default entity is refused (409): make another one the default first."""
    entity = queries.get_legal_entity_for(request.user, entity_id)
    services.update_legal_entity(actor=request.user, entity=entity, **payload.dict(exclude_unset=True))
    return queries.get_legal_entity_for(request.user, entity_id)


@router.put(
    "/legal-entities/{int:entity_id}/{image}",
    response=LegalEntityOut,
    summary="Upload a logo, signature or stamp",
    openapi_extra=_upload_body("content_base64", "The image's bytes in base64."),
)
def upload_entity_image(request: HttpRequest, entity_id: int, image: str):
    """`image`: logo, signature or stamp. PNG, JPEG, GIF or WebP, at most 2 MB, checked by its content.

    Send multipart/form-data with a `file` part, or JSON `{"content_base64": "…"}`.
    """
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    entity = queries.get_legal_entity_for(request.user, entity_id)
    file, content_base64 = _uploaded(request, "content_base64")
    services.set_entity_image(actor=request.user, entity=entity, which=image, file=file, content_base64=content_base64)
    return queries.get_legal_entity_for(request.user, entity_id)


@router.delete(
    "/legal-entities/{int:entity_id}/{image}", response=LegalEntityOut, summary="Remove a logo, signature or stamp"
)
def remove_entity_image(request: HttpRequest, entity_id: int, image: str):
    entity = queries.get_legal_entity_for(request.user, entity_id)
    services.remove_entity_image(actor=request.user, entity=entity, which=image)
    return queries.get_legal_entity_for(request.user, entity_id)


# ---------------------------------------------------------------------------------------------
# Currencies and rates
# ---------------------------------------------------------------------------------------------


@router.get("/currencies", response=list[CurrencyOut], summary="List currencies")
def list_currencies(request: HttpRequest, filters: Query[CurrencyFilters]):
    """Every ISO currency Carte knows, the base and those in use first, with the latest rate of each."""
    return queries.currencies_for(request.user, active=filters.active)


@router.patch("/currencies/{code}", response=CurrencyOut, summary="Switch a currency on or off, or make it the base")
def update_currency(request: HttpRequest, code: str, payload: CurrencyPatch):
    currency = queries.get_currency_for(request.user, code)
    money.update_currency(actor=request.user, currency=currency, **payload.dict(exclude_unset=True))
    return queries.currencies_for(request.user).get(pk=currency.pk)


@router.get("/currencies/{code}/rates", response=PageOut[RateOut], summary="List a currency's rates")
def list_rates(request: HttpRequest, code: str, pages: Query[RatePages]):
    """Rates against the current base currency, newest first."""
    currency = queries.get_currency_for(request.user, code)
    page = page_of(queries.rates_of(request.user, currency), pages.page, pages.page_size)
    return paged(page, page.items)


@router.post("/currencies/{code}/rates", response={201: RateOut}, summary="Add a rate")
def add_rate(request: HttpRequest, code: str, payload: RateIn):
    """One rate per currency and day: a second one for the same day is refused (400); change it instead."""
    currency = queries.get_currency_for(request.user, code)
    return Status(201, money.add_rate(actor=request.user, currency=currency, date=payload.date, rate=payload.rate))


@router.post(
    "/rates/import",
    response={200: ImportReportOut, 400: ImportReportOut},
    summary="Import rates from a CSV file",
    openapi_extra=_upload_body("csv", "The CSV text."),
)
def import_rates(request: HttpRequest):
    """All or nothing: when any row is bad, nothing is saved and the answer (400) lists the rows to correct.

    Columns date, currency, rate and optionally base, in that order or named by a header row;
    commas or semicolons; dates 2024-01-31, 31.01.2024 or 31/01/2024; a decimal comma reads.
    UTF-8, at most 2 MB. A file that cannot be read at all answers 400 as problem+json.
    """
    policy.require_in_module(request.user, MODULE, Action.CREATE)
    file, text = _uploaded(request, "csv")
    if file is None and text is not None:
        file = BytesIO(text.encode("utf-8"))
    try:
        report = money.import_rates(actor=request.user, file=file)
    except money.RatesRefused as refused:
        return Status(400, _report(refused.report, str(refused.message)))
    return _report(report, "")


def _report(report: money.ImportReport, detail: str) -> dict:
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "problems": [{"row": problem.row, "messages": problem.messages} for problem in report.shown_problems],
        "more_problems": report.more_problems,
        "detail": detail,
    }


@router.patch("/rates/{int:rate_id}", response=RateOut, summary="Correct a rate")
def change_rate(request: HttpRequest, rate_id: int, payload: RatePatch):
    rate = queries.get_rate_for(request.user, rate_id)
    values = payload.dict(exclude_unset=True)
    return money.change_rate(actor=request.user, rate=rate, date=values.get("date"), value=values.get("rate"))


@router.delete("/rates/{int:rate_id}", response={204: None}, summary="Delete a rate")
def delete_rate(request: HttpRequest, rate_id: int):
    money.delete_rate(actor=request.user, rate=queries.get_rate_for(request.user, rate_id))
    return Status(204, None)


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


@router.get("/taxes", response=list[TaxOut], summary="List taxes")
def list_taxes(request: HttpRequest, filters: Query[TaxFilters]):
    """The taxes offered on products and lines, in the order admins chose."""
    return queries.taxes_for(request.user, archived=filters.archived)


@router.post("/taxes", response={201: TaxOut}, summary="Add a tax")
def create_tax(request: HttpRequest, payload: TaxIn):
    return Status(201, money.create_tax(actor=request.user, **payload.dict()))


@router.patch("/taxes/{int:tax_id}", response=TaxOut, summary="Change, archive or restore a tax")
def update_tax(request: HttpRequest, tax_id: int, payload: TaxPatch):
    """Lines already priced keep the rate they were priced with."""
    tax = queries.get_tax_for(request.user, tax_id)
    return money.update_tax(actor=request.user, tax=tax, **payload.dict(exclude_unset=True))
