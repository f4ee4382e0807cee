"""Pipelines, stages and deals in the REST API: the same queries and services as the screens.

Amounts are strings with the currency's decimals ("1250.00"); send them as strings (or
numbers). Lines are sent as {product, description, quantity, unit, unit_price, discount, tax};
a line without `tax` takes its product's.
"""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.clients import queries as client_queries
from carte.clients.models import Client
from carte.clients.schemas import ClientRef, EmployeeRef, ReferenceRef
from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of
from carte.core.money import rounded
from carte.sales.models import Deal
from carte.sales.queries import deals as queries
from carte.sales.queries import pipelines as pipeline_queries
from carte.sales.services import deals as services
from carte.sales.services import pipelines as pipeline_services

router = Router(tags=["deals"])

Number = str | int | float


# Pipelines and stages


class StageOut(Schema):
    id: int
    name: str
    order: int
    probability: int
    colour: str
    outcome: str


class PipelineOut(Schema):
    id: int
    name: str
    order: int
    is_default: bool
    archived: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(pipeline) -> list:
        return list(pipeline.stages.all())


class StageIn(Schema):
    name: str
    probability: int = 0
    colour: str = "#6b7280"
    outcome: str = Field("open", description="open, won or lost.")


class PipelineIn(Schema):
    name: str
    is_default: bool = False
    stages: list[StageIn] | None = Field(
        None,
        description="Its stages in order; New, Won and Lost when not given. One open, one won and one lost at least.",
    )


class PipelinePatch(Schema):
    name: str | None = None
    is_default: bool | None = Field(
        None, description="true makes it the default pipeline (the former stops being one)."
    )
    archived: bool | None = None


class StagePatch(Schema):
    name: str | None = None
    probability: int | None = None
    colour: str | None = None
    outcome: str | None = None


class StageOrderIn(Schema):
    stages: list[int] = Field(description="Every stage id of the pipeline, each once, in the new order.")


def _pipeline(pipeline_id: int):
    return pipeline_queries.get_pipeline(pipeline_id)


@router.get("/pipelines", response=list[PipelineOut], summary="List pipelines")
def list_pipelines(request: HttpRequest):
    """Every pipeline with its stages in order (the archived ones last)."""
    return pipeline_queries.pipelines_for_settings(request.user)


@router.post("/pipelines", response={201: PipelineOut}, summary="Create a pipeline")
def create_pipeline(request: HttpRequest, payload: PipelineIn):
    stages = [stage.dict() for stage in payload.stages] if payload.stages is not None else None
    pipeline = pipeline_services.create_pipeline(
        actor=request.user, name=payload.name, is_default=payload.is_default, stages=stages
    )
    return Status(201, _pipeline(pipeline.pk))


@router.get("/pipelines/{int:pipeline_id}", response=PipelineOut, summary="Read a pipeline")
def read_pipeline(request: HttpRequest, pipeline_id: int):
    policy.require_in_module(request.user, pipeline_queries.MODULE, policy.Action.VIEW, policy.Scope.OWN)
    return _pipeline(pipeline_id)


@router.patch("/pipelines/{int:pipeline_id}", response=PipelineOut, summary="Change a pipeline")
def update_pipeline(request: HttpRequest, pipeline_id: int, payload: PipelinePatch):
    """Rename it, make it the default, archive or restore it."""
    pipeline = _pipeline(pipeline_id)
    data = payload.dict(exclude_unset=True)
    archived = data.pop("archived", None)
    if archived is False:
        pipeline_services.archive_pipeline(actor=request.user, pipeline=pipeline, archived=False)
    if data:
        pipeline_services.update_pipeline(actor=request.user, pipeline=pipeline, **data)
    if archived:
        pipeline_services.archive_pipeline(actor=request.user, pipeline=pipeline, archived=True)
    return _pipeline(pipeline_id)


@router.delete("/pipelines/{int:pipeline_id}", response={204: None}, summary="Delete a pipeline")
def delete_pipeline(request: HttpRequest, pipeline_id: int):
    """Only a pipeline that never held a deal; archive the others."""
    pipeline_services.delete_pipeline(actor=request.user, pipeline=_pipeline(pipeline_id))
    return Status(204, None)


@router.post("/pipelines/{int:pipeline_id}/stages", response={201: StageOut}, summary="Add a stage")
def add_stage(request: HttpRequest, pipeline_id: int, payload: StageIn):
    """An open stage goes after the other open stages; a won or lost stage at the end."""
    stage = pipeline_services.add_stage(actor=request.user, pipeline=_pipeline(pipeline_id), **payload.dict())
    return Status(201, stage)


@router.put("/pipelines/{int:pipeline_id}/order", response=PipelineOut, summary="Order a pipeline's stages")
def order_stages(request: HttpRequest, pipeline_id: int, payload: StageOrderIn):
    pipeline_services.reorder_stages(actor=request.user, pipeline=_pipeline(pipeline_id), stage_ids=payload.stages)
    return _pipeline(pipeline_id)


@router.patch("/stages/{int:stage_id}", response=StageOut, summary="Change a stage")
def update_stage(request: HttpRequest, stage_id: int, payload: StagePatch):
    """The outcome of a stage holding deals cannot change."""
    stage = pipeline_queries.get_stage(stage_id)
    return pipeline_services.update_stage(actor=request.user, stage=stage, **payload.dict(exclude_unset=True))


@router.delete("/stages/{int:stage_id}", response={204: None}, summary="Delete a stage")
def delete_stage(request: HttpRequest, stage_id: int, move_to: int | None = None):
    """A stage holding deals (or in their history) needs `move_to`: a stage of the same pipeline
    and outcome that takes its deals and history over, all at once."""
    stage = pipeline_queries.get_stage(stage_id)
    target = pipeline_queries.stage_named(move_to, "move_to") if move_to is not None else None
    pipeline_services.delete_stage(actor=request.user, stage=stage, move_to=target)
    return Status(204, None)


# Deals


class PipelineRef(Schema):
    id: int
    name: str


class StageRef(Schema):
    id: int
    name: str
    outcome: str
    probability: int


def _amount(value, deal) -> str:
    return str(rounded(Decimal(value), deal.currency.digits))


class DealLineOut(Schema):
    position: int
    product: int | None = Field(None, alias="product_id")
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    tax: int | None = Field(None, alias="tax_id")
    tax_rate: str
    net: str
    tax_amount: str
    total: str

    @staticmethod
    def resolve_quantity(line) -> str:
        return format(line.quantity.normalize(), "f")

    @staticmethod
    def resolve_unit_price(line) -> str:
        return format(line.unit_price.normalize(), "f")

    @staticmethod
    def resolve_discount(line) -> str:
        return format(line.discount.normalize(), "f")

    @staticmethod
    def resolve_tax_rate(line) -> str:
        return format(line.tax_rate.normalize(), "f")

    @staticmethod
    def resolve_net(line) -> str:
        return format(line.net.normalize(), "f")

    @staticmethod
    def resolve_tax_amount(line) -> str:
        return format(line.tax_amount.normalize(), "f")

    @staticmethod
    def resolve_total(line) -> str:
        return format(line.total.normalize(), "f")


class DealRowOut(Schema):
    id: int
    title: str
    client: ClientRef
    owner: EmployeeRef
    pipeline: PipelineRef
    stage: StageRef
    amount: str
    currency: str = Field(alias="currency_id")
    expected_close: date | None
    probability: int
    closed_at: datetime | None
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_amount(deal) -> str:
        return _amount(deal.amount, deal)


class DealOut(DealRowOut):
    contact: ClientRef | None
    price_list: int | None = Field(None, alias="price_list_id")
    source: ReferenceRef | None
    lost_reason: ReferenceRef | None
    notes: str
    stage_entered_at: datetime
    created_at: datetime
    lines: list[DealLineOut]

    @staticmethod
    def resolve_lines(deal) -> list:
        return queries.lines_of(deal)


class DealLineIn(Schema):
    product: int | None = None
    description: str = ""
    quantity: Number
    unit: str = ""
    unit_price: Number
    discount: Number | None = None
    tax: int | None = Field(None, description="A tax id; leave it out to take the product's tax, null for none.")


class DealIn(Schema):
    client: int
    title: str
    owner: int | None = Field(None, description="An employee id; you by default.")
    pipeline: int | None = Field(None, description="The default pipeline when not given.")
    stage: int | None = Field(None, description="The pipeline's first open stage when not given.")
    contact: int | None = Field(None, description="A contact person of the client (a private person's id).")
    currency: str | None = Field(None, description="ISO code of a currency in use; the base currency by default.")
    amount: Number | None = Field(None, description="Ignored when `lines` are given: the amount is their total.")
    price_list: int | None = None
    expected_close: date | None = None
    probability: int | None = Field(None, description="0 to 100; the stage's by default.")
    source: str | None = Field(None, description="A key of the sources list.")
    lost_reason: str | None = Field(None, description="A key of the lost reasons list (for a deal created lost).")
    notes: str = ""
    lines: list[DealLineIn] | None = None


class DealPatch(Schema):
    version: int = Field(description="The version you read; 409 when the deal changed since.")
    title: str | None = None
    client: int | None = None
    contact: int | None = None
    owner: int | None = None
    currency: str | None = None
    amount: Number | None = Field(None, description="Only for a deal without lines.")
    price_list: int | None = None
    expected_close: date | None = None
    probability: int | None = None
    source: str | None = None
    lost_reason: str | None = Field(None, description="Only for a lost deal.")
    notes: str | None = None


class MoveIn(Schema):
    stage: int
    lost_reason: str | None = Field(None, description="A key of the lost reasons list: required for a lost stage.")
    pipeline: int | None = Field(None, description="To move the deal to another pipeline (the stage must be of it).")
    version: int | None = None


class LinesIn(Schema):
    lines: list[DealLineIn]
    version: int | None = None


class StageStayOut(Schema):
    stage: StageRef
    entered: datetime
    left: datetime | None
    seconds: int = Field(description="Time spent in the stage so far.")
    actor: EmployeeRef | None

    @staticmethod
    def resolve_seconds(stay) -> int:
        return int(stay.duration.total_seconds())


class DealFilters(Schema):
    pipeline: int | None = None
    stage: int | None = None
    owner: str | None = Field(None, description="An employee id, or `me`.")
    client: int | None = None
    state: str | None = Field(None, description="open, won or lost.")
    close_from: date | None = Field(None, description="Expected close from (YYYY-MM-DD, included).")
    close_to: date | None = Field(None, description="Expected close to (included).")
    q: str | None = Field(None, description="A fragment of the title.")
    ordering: str | None = Field(
        None, description="title, amount, expected_close, updated or created; `-` first for descending."
    )
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class TotalOut(Schema):
    currency: str = Field(alias="code")
    amount: str

    @staticmethod
    def resolve_amount(total) -> str:
        return str(rounded(total.amount, total.digits))


class ColumnOut(Schema):
    stage: StageOut
    count: int
    totals: list[TotalOut]
    cards: list[DealRowOut]
    has_more: bool


class BoardOut(Schema):
    pipeline: PipelineRef
    closed_since: date | None = Field(description="Won and lost columns show the deals closed since that day.")
    columns: list[ColumnOut]


class BoardFilters(Schema):
    pipeline: int | None = Field(None, description="The default pipeline when not given.")
    owner: str | None = Field(None, description="An employee id, or `me`.")
    client: int | None = None
    close_from: date | None = None
    close_to: date | None = None


def _read(request: HttpRequest, deal_id: int) -> Deal:
    return queries.get_deal_for(request.user, deal_id)


def _contact(pk) -> Client | None:
    if pk is None:
        return None
    contact = Client.objects.filter(pk=pk).first()
    if contact is None:
        raise Invalid(errors={"contact": [_("Choose one of the client's contact persons, or nobody.")]})
    return contact


def _lines(lines) -> list[dict] | None:
    return None if lines is None else [line.dict(exclude_unset=True) for line in lines]


@router.get("/deals", response=PageOut[DealRowOut], summary="List deals")
def list_deals(request: HttpRequest, filters: Query[DealFilters]):
    """Deals you may see, filtered and sorted as on the list screen (`-updated` by default)."""
    criteria = queries.read_criteria(request.GET, request.user)
    page = page_of(queries.deals_for(request.user, criteria), filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/deals", response={201: DealOut}, summary="Create a deal")
def create_deal(request: HttpRequest, payload: DealIn):
    data = payload.dict()
    user = request.user
    client = client_queries.get_client_for(user, data.pop("client"))
    owner = queries.employee_named(data.pop("owner")) if data.get("owner") is not None else user
    data.pop("owner", None)
    pipeline = pipeline_queries.pipeline_named(data.pop("pipeline")) if data.get("pipeline") is not None else None
    data.pop("pipeline", None)
    stage = pipeline_queries.stage_named(data.pop("stage")) if data.get("stage") is not None else None
    data.pop("stage", None)
    data["contact"] = _contact(data.get("contact"))
    data["lines"] = _lines(payload.lines)
    deal = services.create_deal(actor=user, client=client, owner=owner, pipeline=pipeline, stage=stage, **data)
    return Status(201, _read(request, deal.pk))


@router.get("/deals/board", response=BoardOut, summary="A pipeline's board")
def deal_board(request: HttpRequest, filters: Query[BoardFilters]):
    """Every column of the board (open stages, then won and lost ones) with its count, totals per
    currency and first cards (25; page through a column on the screen or with GET /deals?stage=…).
    The period filters the open deals' expected close; won and lost columns show the deals closed
    in it, or in the last 30 days when no period is given."""
    policy.require(request.user, policy.Action.VIEW, Deal)
    shown = queries.board_pipeline(filters.pipeline)
    criteria = queries.read_criteria(request.GET, request.user)
    return queries.board_for(request.user, shown, criteria)


@router.get("/deals/{int:deal_id}", response=DealOut, summary="Read a deal")
def read_deal(request: HttpRequest, deal_id: int):
    return _read(request, deal_id)


@router.patch("/deals/{int:deal_id}", response=DealOut, summary="Change a deal")
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch):
    """Send the `version` you read. The stage changes with POST /deals/{id}/move, lines with PUT /deals/{id}/lines."""
    user = request.user
    deal = queries.get_deal_for(user, deal_id, policy.Action.EDIT)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if data.get("client") is not None:
        data["client"] = client_queries.get_client_for(user, data["client"])
    elif "client" in data:
        raise Invalid(errors={"client": [_("A deal needs a client.")]})
    if "contact" in data:
        data["contact"] = _contact(data["contact"])
    if "owner" in data:
        data["owner"] = queries.employee_named(data["owner"])
    services.update_deal(actor=user, deal=deal, version=version, **data)
    return _read(request, deal_id)


@router.delete("/deals/{int:deal_id}", response={204: None}, summary="Delete a deal")
def delete_deal(request: HttpRequest, deal_id: int):
    """Refused (409) when quotes, invoices or other documents were made from it."""
    deal = queries.get_deal_for(request.user, deal_id, policy.Action.DELETE)
    services.delete_deal(actor=request.user, deal=deal)
    return Status(204, None)


@router.post("/deals/{int:deal_id}/move", response=DealOut, summary="Move a deal to a stage")
def move_deal(request: HttpRequest, deal_id: int, payload: MoveIn):
    """To a stage of its pipeline, or of `pipeline` to change pipelines. A lost stage needs `lost_reason`."""
    user = request.user
    deal = queries.get_deal_for(user, deal_id, policy.Action.EDIT)
    stage = pipeline_queries.stage_named(payload.stage)
    if payload.pipeline is not None:
        services.change_pipeline(
            actor=user,
            deal=deal,
            pipeline=pipeline_queries.pipeline_named(payload.pipeline),
            stage=stage,
            lost_reason=payload.lost_reason,
            version=payload.version,
        )
    else:
        services.move_deal(actor=user, deal=deal, stage=stage, lost_reason=payload.lost_reason, version=payload.version)
    return _read(request, deal_id)


@router.put("/deals/{int:deal_id}/lines", response=DealOut, summary="Replace a deal's lines")
def set_lines(request: HttpRequest, deal_id: int, payload: LinesIn):
    """The whole set of lines, in order; the deal's amount becomes their total. Errors name the
    line and field: `lines.2.quantity`."""
    deal = queries.get_deal_for(request.user, deal_id, policy.Action.EDIT)
    services.set_lines(actor=request.user, deal=deal, lines=_lines(payload.lines) or [], version=payload.version)
    return _read(request, deal_id)


@router.get("/deals/{int:deal_id}/history", response=list[StageStayOut], summary="A deal's stage history")
def deal_history(request: HttpRequest, deal_id: int):
    """The stages the deal went through, oldest first, with the time spent in each."""
    return queries.stage_history(_read(request, deal_id))
