"""Reading deals, always through the access policy: the card, the board, the list, the client's tab,
the workspace's strip, progress figure and search.

Every page reads a bounded number of queries whatever the number of deals:
- the board: the pipeline's stages, one aggregate (count and totals per currency of every
  column) and one query for the first cards of every column (one limited index range per
  stage, each in board order: expected close, nulls last, then id);
- the list: a count and a page; the card: the deal with its references, its lines, its history.
Filters are written on the indexed columns: (stage, expected_close, id) and (stage, owner,
expected_close) for the board, (owner, closed_at, expected_close) for the strip.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client, ReferenceValue
from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import ordered
from carte.core.money import AmountField
from carte.core.navigation import SearchHit
from carte.sales.models import Currency, Deal, DealLine, Pipeline, PriceList, Stage, StageChange, Tax
from carte.sales.queries.pipelines import board_order

Action = policy.Action
Outcome = Stage.Outcome
CARD_RELATED = ("client", "owner", "pipeline", "stage", "currency")
# Read apart, and only when set: with them joined too, PostgreSQL spends five times longer planning
# the card's query than running it (ten joins against five).
CARD_OPTIONAL = ("contact", "source", "lost_reason", "price_list")
ROW_RELATED = ("client", "owner", "pipeline", "stage", "currency")
COLUMN_SIZE = 25
CLOSED_DAYS = 30  # won and lost columns show the deals closed in the last days, unless a period is given
STRIP_SIZE = 10
TAB_SIZE = 50
SORTS = {
    "title": "title",
    "amount": "amount",
    "expected_close": "expected_close",
    "updated": "updated_at",
    "created": "created_at",
}
DEFAULT_SORT = "-updated"
STATES = ("open", "won", "lost")


def visible_deals(user, action: str = Action.VIEW) -> QuerySet:
    """The deals this user may `action` (view by default)."""
    return policy.visible(user, Deal.objects.all(), action)


def get_deal_for(user, pk, action: str = Action.VIEW) -> Deal:
    """The deal with this id with everything its card shows beside it, if the user may see it and do `action`.

    NotFound when it does not exist or is hidden (the two are indistinguishable on purpose);
    NotAllowed when it is visible but the action is not allowed.
    """
    try:
        deal = visible_deals(user).select_related(*CARD_RELATED).prefetch_related(*CARD_OPTIONAL).get(pk=int(pk))
    except (Deal.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != Action.VIEW:
        policy.require(user, action, deal)
    return deal


def lines_of(deal: Deal) -> list[DealLine]:
    """The deal's lines in order, with their products and taxes (one query)."""
    return list(deal.lines.select_related("product", "tax").order_by("position", "id"))


@dataclass(frozen=True)
class StageStay:
    """A time the deal spent in one stage: from when it entered to when it left (None: it is still there)."""

    stage: Stage
    entered: datetime
    left: datetime | None
    actor: object

    @property
    def duration(self) -> timedelta:
        return (self.left or timezone.now()) - self.entered


def stage_history(deal: Deal) -> list[StageStay]:
    """The stages the deal went through, oldest first, with the time spent in each (one query)."""
    changes = list(StageChange.objects.filter(deal=deal).select_related("to_stage", "actor").order_by("at", "id"))
    return [
        StageStay(
            stage=change.to_stage,
            entered=change.at,
            left=changes[index + 1].at if index + 1 < len(changes) else None,
            actor=change.actor,
        )
        for index, change in enumerate(changes)
    ]


# Filters shared by the board, the list and the API


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _read_date(value, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(errors={name: [_("Enter a date as YYYY-MM-DD.")]}) from None


def _read_id(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise Invalid(errors={name: [_("Not one of the choices.")]})
    return int(text)


@dataclass
class DealCriteria:
    """What the list, the board and the API filter deals by (parameters of a request, read and checked)."""

    pipeline: int | None = None
    stage: int | None = None
    owner: int | None = None
    client: int | None = None
    state: str = ""
    close_from: date | None = None
    close_to: date | None = None
    q: str = ""
    ordering: str = ""
    params: dict = field(default_factory=dict)


def read_criteria(params, user) -> DealCriteria:
    """The criteria of a request's parameters (a QueryDict or a dict); Invalid naming the bad ones.

    `owner` is an employee id or "me"; `state` one of open, won, lost; dates are YYYY-MM-DD.
    """
    get = params.get
    errors: dict = {}
    criteria = DealCriteria()

    def read(name, reader, *args):
        try:
            return reader(get(name), name, *args)
        except Invalid as refused:
            errors.update(refused.errors)
            return None

    criteria.pipeline = read("pipeline", _read_id)
    criteria.stage = read("stage", _read_id)
    criteria.owner = user.pk if get("owner") == "me" else read("owner", _read_id)
    criteria.client = read("client", _read_id)
    criteria.close_from = read("close_from", _read_date)
    criteria.close_to = read("close_to", _read_date)
    state = str(get("state") or "").strip()
    if state and state not in STATES:
        errors["state"] = [_("Choose open, won or lost.")]
    criteria.state = state if state in STATES else ""
    criteria.q = " ".join(str(get("q") or "").split())[:100]
    criteria.ordering = str(get("ordering") or "").strip()
    if criteria.ordering and criteria.ordering.removeprefix("-") not in SORTS:
        errors["ordering"] = [
            _("Cannot sort by “%(key)s”. Choose one of: %(keys)s.")
            % {"key": criteria.ordering[:60], "keys": ", ".join(SORTS)}
        ]
    if errors:
        raise Invalid(_("Please correct the filters."), errors=errors)
    criteria.params = {
        name: str(get(name))
        for name in ("pipeline", "stage", "owner", "client", "state", "close_from", "close_to", "q", "ordering")
        if get(name) not in (None, "")
    }
    return criteria


def _common(deals: QuerySet, criteria: DealCriteria) -> QuerySet:
    """The filters the board and the list share: owner and client."""
    if criteria.owner:
        deals = deals.filter(owner_id=criteria.owner)
    if criteria.client:
        deals = deals.filter(client_id=criteria.client)
    return deals


def _period(name: str, start: date | None, end: date | None) -> Q:
    """A period of days on a date or a timestamp, as bounds on the indexed column (never `__date`)."""
    condition = Q()
    timestamp = name == "closed_at"
    if start:
        condition &= Q(**{f"{name}__gte": _day_start(start) if timestamp else start})
    if end:
        condition &= Q(**{f"{name}__lt": _day_start(end + timedelta(days=1))} if timestamp else {f"{name}__lte": end})
    return condition


def deals_for(user, criteria: DealCriteria, action: str = Action.VIEW) -> QuerySet:
    """The deals this user may see that meet the criteria, sorted: the list screen and the API list."""
    deals = _common(visible_deals(user, action), criteria)
    if criteria.pipeline:
        deals = deals.filter(pipeline_id=criteria.pipeline)
    if criteria.stage:
        deals = deals.filter(stage_id=criteria.stage)
    if criteria.state:
        deals = deals.filter(stage__outcome=criteria.state)
    deals = deals.filter(_period("expected_close", criteria.close_from, criteria.close_to))
    if criteria.q:
        deals = deals.filter(title__icontains=criteria.q)
    return ordered(deals.select_related(*ROW_RELATED), criteria.ordering, SORTS, DEFAULT_SORT)


# The board


@dataclass
class Total:
    """The sum of a column's deals in one currency (`code` and `digits` as a Currency has them)."""

    code: str
    digits: int
    amount: Decimal


@dataclass
class Column:
    """One stage of the board: how many deals, their totals per currency, and a page of cards."""

    stage: Stage
    count: int = 0
    totals: list[Total] = field(default_factory=list)
    cards: list[Deal] = field(default_factory=list)
    page: int = 1
    has_more: bool = False


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]
    closed_since: date | None


def board_pipeline(pk=None) -> Pipeline:
    """The pipeline a board shows: the one asked for, else the default (or first) one in use."""
    if pk not in (None, ""):
        try:
            return Pipeline.objects.get(pk=int(pk))
        except (Pipeline.DoesNotExist, TypeError, ValueError):
            raise NotFound() from None
    found = Pipeline.objects.filter(archived=False).order_by("-is_default", "order", "id").first()
    if found is None:
        raise NotFound(_("There is no pipeline yet: create one in Settings → Pipelines."))
    return found


def _closed_since(criteria: DealCriteria) -> date | None:
    """Where won and lost columns start: the period's start, or CLOSED_DAYS ago when no period is given."""
    if criteria.close_from or criteria.close_to:
        return criteria.close_from
    return timezone.localdate() - timedelta(days=CLOSED_DAYS)


def _in_column(stage: Stage, criteria: DealCriteria) -> Q:
    """The deals a column shows: open ones by expected close in the period, closed ones by closing day."""
    if stage.is_closed:
        return Q(stage_id=stage.pk) & _period("closed_at", _closed_since(criteria), criteria.close_to)
    return Q(stage_id=stage.pk) & _period("expected_close", criteria.close_from, criteria.close_to)


def _board_deals(user, pipeline: Pipeline, criteria: DealCriteria) -> QuerySet:
    # Every column filters by its stage, which belongs to the pipeline: no filter on the pipeline itself.
    return _common(visible_deals(user), criteria)


BOARD_ORDER = (F("expected_close").asc(nulls_last=True), "id")


def _cards(deals: QuerySet, stage: Stage, criteria: DealCriteria, page: int, size: int) -> QuerySet:
    start = (page - 1) * size
    column = deals.filter(_in_column(stage, criteria)).select_related("client", "owner", "currency")
    return column.order_by(*BOARD_ORDER)[start : start + size + 1]


def board_for(user, pipeline: Pipeline, criteria: DealCriteria, size: int = COLUMN_SIZE) -> Board:
    """The board of a pipeline for this user: every column's count, totals per currency and first cards.

    Three queries whatever the number of deals: the stages, one aggregate for every column,
    and one for every column's first page (see `_first_cards`).
    """
    stages = board_order(Stage.objects.filter(pipeline=pipeline))
    columns = {stage.pk: Column(stage) for stage in stages}
    if not stages:
        return Board(pipeline, [], _closed_since(criteria))
    deals = _board_deals(user, pipeline, criteria)
    for row in _totals(deals, stages, criteria):
        column = columns[row["stage_id"]]
        column.count += row["count"]
        column.totals.append(Total(row["currency_id"], row["currency__digits"], row["total"] or Decimal(0)))
    for deal in _first_cards([_cards(deals, stage, criteria, 1, size) for stage in stages if columns[stage.pk].count]):
        deal.stage = columns[deal.stage_id].stage  # the column's stage: not read again per card
        columns[deal.stage_id].cards.append(deal)
    for column in columns.values():
        column.has_more = len(column.cards) > size
        column.cards = sorted(column.cards, key=_board_key)[:size]
    return Board(pipeline, list(columns.values()), _closed_since(criteria))


def _totals(deals: QuerySet, stages: list[Stage], criteria: DealCriteria):
    """Count and sum per stage and currency of every column, in one query.

    A UNION ALL of two aggregates: the open columns read the (stage, currency, amount) index,
    the won and lost ones the deals closed in the period through the closing-day index.
    """
    opened = [stage.pk for stage in stages if not stage.is_closed]
    closed = [stage.pk for stage in stages if stage.is_closed]
    parts = []
    if opened:
        period = _period("expected_close", criteria.close_from, criteria.close_to)
        parts.append(deals.filter(period, stage_id__in=opened))
    if closed:
        period = _period("closed_at", _closed_since(criteria), criteria.close_to)
        parts.append(deals.filter(period, stage_id__in=closed))
    sums = [
        part.order_by()
        .values("stage_id", "currency_id", "currency__digits")
        .annotate(count=Count("id"), total=Sum("amount", output_field=AmountField()))
        for part in parts
    ]
    if not sums:
        return []
    return list(sums[0].union(*sums[1:], all=True)) if len(sums) > 1 else list(sums[0])


def _first_cards(pages: list[QuerySet]) -> list[Deal]:
    """Every column's first page in one query, each page read from its own index range.

    PostgreSQL runs a UNION ALL of the limited, ordered column queries. SQLite refuses LIMIT
    in the parts of a compound query, so there each column's ids come from a limited
    subquery and the rows by primary key (SQLite unites the lookups of OR-ed IN terms).
    """
    if not pages:
        return []
    if connection.features.supports_slicing_ordering_in_compound:
        return list(pages[0].union(*pages[1:], all=True)) if len(pages) > 1 else list(pages[0])
    wanted = Q()
    for page in pages:
        wanted |= Q(pk__in=page.values("pk"))
    return list(Deal.objects.filter(wanted).select_related("client", "owner", "currency").order_by())


def _board_key(deal: Deal):
    return (deal.expected_close is None, deal.expected_close or date.min, deal.pk)


def column_page(
    user, pipeline: Pipeline, stage: Stage, criteria: DealCriteria, page, size: int = COLUMN_SIZE
) -> Column:
    """One more page of a column's cards (the board's "more")."""
    if stage.pipeline_id != pipeline.pk:
        raise NotFound()
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        raise Invalid(_("Page and page size must be whole numbers.")) from None
    cards = list(_cards(_board_deals(user, pipeline, criteria), stage, criteria, number, size))
    for deal in cards:
        deal.stage = stage
    return Column(stage, cards=cards[:size], page=number, has_more=len(cards) > size)


# The client card's tab, the workspace


def client_deals(user, client: Client, limit: int = TAB_SIZE) -> list[Deal]:
    """The client's deals the user may see: open ones first, then the latest closed (at most `limit`)."""
    deals = visible_deals(user).filter(client=client).select_related("stage", "owner", "currency", "pipeline")
    return list(deals.order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")[:limit])


def open_deal_count(user, client: Client) -> int:
    """How many open deals of the client the user may see (the tab's number)."""
    return visible_deals(user).filter(client=client, closed_at__isnull=True).count()


def _may_read(user) -> bool:
    return user is not None and user.is_authenticated and policy.scope(user, "deals", Action.VIEW) != policy.Scope.NONE


def my_open_deals(user) -> list[SearchHit]:
    """The user's own open deals, nearest expected close first (at most STRIP_SIZE): the workspace strip."""
    if not _may_read(user):
        return []
    deals = (
        Deal.objects.filter(owner=user, closed_at__isnull=True)
        .select_related("client", "stage", "currency")
        .order_by(*BOARD_ORDER)[:STRIP_SIZE]
    )
    address = reverse("sales:deal_detail", args=[0])
    cut = address.rindex("0")
    return [
        SearchHit(
            kind=str(_("Deal")),
            title=deal.title,
            detail=" · ".join(
                part
                for part in (
                    deal.client.name,
                    deal.stage.name,
                    deal.expected_close.isoformat() if deal.expected_close else "",
                )
                if part
            ),
            url=f"{address[:cut]}{deal.pk}{address[cut + 1 :]}",
        )
        for deal in deals
    ]


def search_hits(user, text: str, limit: int = 10) -> list[SearchHit]:
    """The global search's deals: titles containing the text, among the deals the user may see (one query)."""
    text = " ".join((text or "").split())
    if not text or not _may_read(user):
        return []
    deals = (
        visible_deals(user)
        .filter(title__icontains=text)
        .select_related("client", "stage")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        SearchHit(
            kind=str(_("Deal")),
            title=deal.title,
            detail=f"{deal.client.name} · {deal.stage.name}",
            url=reverse("sales:deal_detail", args=[deal.pk]),
        )
        for deal in deals
    ]


# What the deal forms offer


def _kept(values, current) -> list:
    """Values not archived, and `current` (what the record already has) even if it is."""
    return [value for value in values if not value.archived or (current is not None and value.pk == current.pk)]


def lost_reasons(current=None) -> list[ReferenceValue]:
    """The reasons a deal may be lost for (the "lost_reason" reference list), in their order."""
    values = ReferenceValue.objects.filter(list=ReferenceValue.List.LOST_REASON).order_by("order", "id")
    return _kept(values, current)


def sources(current=None) -> list[ReferenceValue]:
    """The sources a deal may come from (the "source" reference list), in their order."""
    values = ReferenceValue.objects.filter(list=ReferenceValue.List.SOURCE).order_by("order", "id")
    return _kept(values, current)


def currencies_offered(current: Currency | None = None) -> list[Currency]:
    """The currencies in use, and the deal's own even if it no longer is."""
    condition = Q(active=True) | Q(pk=current.pk) if current is not None else Q(active=True)
    return list(Currency.objects.filter(condition).order_by("code"))


def price_lists_offered(current: PriceList | None = None) -> list[PriceList]:
    """The price lists in use (the catalogue is read by everyone), and the deal's own even if archived."""
    return _kept(PriceList.objects.order_by("order", "name", "id"), current)


def taxes_offered(lines) -> list[Tax]:
    """The taxes the line editor offers: those in use, and those the lines already have."""
    used = [str(line.get("tax")) for line in lines if str(line.get("tax") or "").isdigit()]
    return list(Tax.objects.filter(Q(archived=False) | Q(pk__in=used)).order_by("order", "id"))


def stages_of(deal: Deal) -> list[Stage]:
    """The stages of the deal's pipeline in board order (the card's stage bar)."""
    return board_order(Stage.objects.filter(pipeline_id=deal.pipeline_id))


def employee_named(pk):
    """An active employee to make owner, by id; Invalid naming "owner" otherwise (the service checks the right)."""
    employee = get_user_model().objects.filter(pk=pk, is_active=True).first() if str(pk).isdigit() else None
    if employee is None:
        raise Invalid(errors={"owner": [_("Choose an active employee as owner.")]})
    return employee


def owner_choices(user) -> QuerySet:
    """Employees to filter the board and the list by: active ones the user may see."""
    employees = get_user_model().objects.filter(is_active=True)
    return policy.visible(user, employees).order_by("first_name", "last_name", "username")


def assignable_owners(user, action: str = Action.CREATE, current=None) -> list:
    """Active employees this user may make the owner of a deal (asks the policy about each)."""
    employees = get_user_model().objects.filter(is_active=True).select_related("department")
    allowed = [
        e for e in employees.order_by("first_name", "last_name", "username") if policy.can(user, action, Deal(owner=e))
    ]
    if current is not None and current not in allowed:
        allowed.insert(0, current)
    return allowed
