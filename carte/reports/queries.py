"""Reading the adoption figures, scoped to the user by the "reports" view right.

"own" reaches the user's own figures and cards; "department" those of the employees of their
department; "all" everyone's. The client cards in the list of the worst ones must also be
visible to the user through the clients policy. The page and the API read the same functions;
each reads a fixed number of queries from the pre-aggregated tables (carte.reports.models),
never the source tables.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Invalid, NotAllowed
from carte.core.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, period_error
from carte.reports.models import AggregationRun, CardGap, CompletenessDaily, DailyActivity
from carte.reports.services import FIGURES, TOTALS, WORST_KEPT, inactive_days, local_day

MODULE = "reports"
PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
LONGEST_DAYS = 731  # a custom period covers two years at most
WORST_CARDS_SHOWN = WORST_KEPT  # the list of cards to fix goes this far (its pages are counted up to it)
WORST_PAGE_SIZE = 25

Kind = AggregationRun.Kind


# ---------------------------------------------------------------------------------------------
# Period and reach


@dataclass(frozen=True)
class Period:
    """Days from `since` to `until`, both included; `days` is the preset it came from (None: custom)."""

    since: date
    until: date
    days: int | None = None

    @property
    def length(self) -> int:
        return (self.until - self.since).days + 1


def read_period(
    days: int | None = None, since: date | None = None, until: date | None = None, today: date | None = None
) -> Period:
    """The period asked for: a custom one when `since` or `until` is given, else the last `days` days
    (7, 30 or 90; 30 when nothing is said), today included. Invalid with the reason otherwise."""
    today = today or local_day()
    if since is None and until is None:
        wanted = days or DEFAULT_DAYS
        if wanted not in PRESETS:
            choices = ", ".join(str(preset) for preset in PRESETS)
            raise Invalid(errors={"period": [_("Choose a period of %(choices)s days.") % {"choices": choices}]})
        return Period(since=today - timedelta(days=wanted - 1), until=today, days=wanted)
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    error = period_error(since, until)
    if error:
        raise Invalid(errors={"until": [error]})
    if (until - since).days + 1 > LONGEST_DAYS:
        raise Invalid(errors={"since": [_("A period covers %(days)s days at most.") % {"days": LONGEST_DAYS}]})
    return Period(since=since, until=until)


@dataclass
class Reach:
    """The employees whose figures and cards the user may see (as loaded, with their department),
    the departments among them, and the department chosen (None: all of them)."""

    scope: str
    people: list
    departments: list
    department: Any = None

    @property
    def everyone(self) -> bool:
        """Every employee, unfiltered: the queries then need no list of ids."""
        return self.scope == policy.Scope.ALL and self.department is None

    @property
    def ids(self) -> list[int]:
        return [person.pk for person in self.people]


def people_visible_to(user) -> QuerySet:
    """The employees whose adoption figures the user may see, by the "reports" view right."""
    granted = policy.scope(user, MODULE, policy.Action.VIEW)
    people = get_user_model().objects.select_related("department")
    if granted == policy.Scope.NONE:
        raise NotAllowed()
    if granted == policy.Scope.ALL:
        return people.all()
    if granted == policy.Scope.DEPARTMENT and user.department_id:
        return people.filter(Q(pk=user.pk) | Q(department_id=user.department_id))
    return people.filter(pk=user.pk)


def reach_of(user, department: int | None = None) -> Reach:
    """Who the figures cover for this user, narrowed to one of their departments when asked (one query)."""
    granted = policy.scope(user, MODULE, policy.Action.VIEW)
    people = list(people_visible_to(user).order_by("last_name", "first_name", "username"))
    departments = sorted(
        {person.department_id: person.department for person in people if person.department_id}.values(),
        key=lambda department: department.name.casefold(),
    )
    return narrowed(Reach(scope=granted, people=people, departments=departments), department)


def narrowed(reach: Reach, department: int | None) -> Reach:
    """The reach within one of its departments (no query); Invalid for a department it does not cover."""
    if department is None:
        return reach
    chosen = next((each for each in reach.departments if each.pk == department), None)
    if chosen is None:
        raise Invalid(errors={"department": [_("Choose one of the departments offered.")]})
    people = [person for person in reach.people if person.department_id == chosen.pk]
    return Reach(scope=reach.scope, people=people, departments=reach.departments, department=chosen)


# ---------------------------------------------------------------------------------------------
# Activity


@dataclass
class Figures:
    """What people did over the period: one employee's, or the sum of several (a department, everyone)."""

    logins: int = 0
    active_days: int = 0
    created: int = 0
    updated: int = 0
    tasks_on_time: int = 0
    tasks_late: int = 0
    calls: int = 0
    deals_moved: int = 0

    def add(self, other: "Figures") -> None:
        for name in ("active_days", *FIGURES):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def tasks_done(self) -> int:
        return self.tasks_on_time + self.tasks_late

    @property
    def on_time_share(self) -> int | None:
        """Percent of the tasks done on time (None when none was done)."""
        return round(100 * self.tasks_on_time / self.tasks_done) if self.tasks_done else None


@dataclass
class EmployeeFigures:
    employee: Any
    figures: Figures


@dataclass
class DepartmentFigures:
    """A department's employees (their department today) and their figures summed; department None: none."""

    department: Any
    people: int = 0
    figures: Figures = field(default_factory=Figures)

    @property
    def name(self) -> str:
        return self.department.name if self.department else _("No department")


@dataclass
class Freshness:
    """When the figures were last computed, and since which day there are any."""

    activity_at: datetime | None
    first_day: date | None
    completeness_at: datetime | None
    completeness_day: date | None


@dataclass
class Adoption:
    period: Period
    reach: Reach
    employees: list[EmployeeFigures]
    departments: list[DepartmentFigures]
    total: Figures
    freshness: Freshness

    @property
    def starts_late(self) -> bool:
        """The period begins before the first day computed: its first days show nothing."""
        first = self.freshness.first_day
        return first is None or self.period.since < first


def freshness() -> Freshness:
    """The latest computation of each kind of figure (one query)."""
    runs = {
        row["kind"]: row
        for row in AggregationRun.objects.order_by()
        .values("kind")
        .annotate(latest=Max("computed_at"), first=Min("day"), last=Max("day"))
    }
    activity, completeness = runs.get(Kind.ACTIVITY, {}), runs.get(Kind.COMPLETENESS, {})
    return Freshness(
        activity_at=activity.get("latest"),
        first_day=activity.get("first"),
        completeness_at=completeness.get("latest"),
        completeness_day=completeness.get("last"),
    )


def adoption_for(user, period: Period, reach: Reach | None = None) -> Adoption:
    """Each employee's figures over the period, their departments' sums and the total (three queries)."""
    reach = reach or reach_of(user)
    rows = DailyActivity.objects.filter(day__gte=period.since, day__lte=period.until)
    if not reach.everyone:
        rows = rows.filter(employee_id__in=reach.ids)
    sums = {
        row.pop("employee"): Figures(**{name: value or 0 for name, value in row.items()})
        for row in rows.order_by()
        .values("employee")
        .annotate(active_days=Count("id"), **{name: Sum(name) for name in FIGURES})
    }
    employees = [
        EmployeeFigures(person, sums.get(person.pk, Figures()))
        for person in reach.people
        if person.is_active or person.pk in sums
    ]
    departments: dict[int | None, DepartmentFigures] = {}
    total = Figures()
    for row in employees:
        group = departments.setdefault(row.employee.department_id, DepartmentFigures(row.employee.department))
        group.people += 1
        group.figures.add(row.figures)
        total.add(row.figures)
    ordered = sorted(departments.values(), key=lambda group: (group.department is None, group.name.casefold()))
    return Adoption(period, reach, employees, ordered, total, freshness())


# ---------------------------------------------------------------------------------------------
# Completeness of the client cards


@dataclass
class Totals:
    """How many cards, and how many of them have each thing a complete card has."""

    cards: int = 0
    with_owner: int = 0
    with_contact: int = 0
    with_next_task: int = 0
    active: int = 0
    complete: int = 0

    def add(self, other: "Totals") -> None:
        for name in ("cards", *TOTALS):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def share(self, name: str) -> int:
        """Percent of the cards that have it (0 without any card)."""
        return round(100 * getattr(self, name) / self.cards) if self.cards else 0

    @property
    def shares(self) -> dict[str, int]:
        return {name: self.share(name) for name in TOTALS}


@dataclass
class DepartmentTotals:
    department: Any
    totals: Totals = field(default_factory=Totals)

    @property
    def name(self) -> str:
        return self.department.name if self.department else _("No department")


@dataclass
class Completeness:
    """The latest snapshot of the cards the user's reach owns: totals, per department, and the worst cards."""

    day: date | None
    computed_at: datetime | None
    inactive_days: int
    totals: Totals
    departments: list[DepartmentTotals]
    worst: Page


def completeness_for(user, reach: Reach | None = None, page=1, size=WORST_PAGE_SIZE, known=None) -> Completeness:
    """The latest snapshot (two queries; `known` spares the first when the caller read the freshness)
    and a page of the worst cards to fix (two more)."""
    reach = reach or reach_of(user)
    known = known or freshness()
    rows = CompletenessDaily.objects.filter(day=known.completeness_day)
    if not reach.everyone:
        rows = rows.filter(owner_id__in=reach.ids)
    by_owner = {row.owner_id: row for row in rows} if known.completeness_day else {}
    totals, departments = Totals(), dict[int | None, DepartmentTotals]()
    for person in reach.people:
        row = by_owner.get(person.pk)
        if row is None:
            continue
        owned = Totals(cards=row.cards, **{name: getattr(row, name) for name in TOTALS})
        group = departments.setdefault(person.department_id, DepartmentTotals(person.department))
        group.totals.add(owned)
        totals.add(owned)
    ordered = sorted(departments.values(), key=lambda group: (group.department is None, group.name.casefold()))
    return Completeness(
        day=known.completeness_day,
        computed_at=known.completeness_at,
        inactive_days=inactive_days(),
        totals=totals,
        departments=ordered,
        worst=worst_cards(user, reach, page, size),
    )


def cards_to_fix(user, reach: Reach) -> QuerySet:
    """The incomplete cards owned within the reach that the user may also see as clients, worst first."""
    gaps = CardGap.objects.all()
    if not reach.everyone:
        gaps = gaps.filter(owner_id__in=reach.ids)
    gaps = policy.visible_through(user, gaps, "client", Client)
    return gaps.select_related("client").order_by("-score", "client_id")


def worst_cards(user, reach: Reach, number=1, size=WORST_PAGE_SIZE) -> Page:
    """A page of the worst cards (two queries); pages go as far as the WORST_CARDS_SHOWN worst ones,
    so that counting them never reads the whole table."""
    try:
        number = max(1, int(number or 1))
        size = min(MAX_PAGE_SIZE, max(1, int(size or DEFAULT_PAGE_SIZE)))
    except (TypeError, ValueError):
        raise Invalid(_("Page and page size must be whole numbers.")) from None
    cards = cards_to_fix(user, reach)
    count = cards.order_by()[:WORST_CARDS_SHOWN].count()
    pages = max(1, -(-count // size))
    number = min(number, pages)
    start = (number - 1) * size
    items = list(cards[start : min(start + size, WORST_CARDS_SHOWN)])
    owners = {person.pk: person for person in reach.people}  # loaded already: no join to the employees
    for gap in items:
        if gap.owner_id in owners:
            gap.owner = owners[gap.owner_id]
    return Page(items=items, number=number, size=size, count=count)
