"""The scenarios: what a benchmark request asks, its target, and the raw SQL a minimal page needs.

Each scenario is one declaration. `url(sample, i)` is the address of the i-th request
(cycling through different cards and search terms); `raw_sql(cursor, sample, i)` runs the
SQL that the same page would need at the very least, hand-written, to compare with;
`extremes(sample)` gives a small and a large case (an empty card and the longest history,
a narrow and a broad search) whose query counts must be equal. Adding one:

    Scenario("deal card", target_ms=50, url=lambda s, i: reverse("sales:deal", args=[s.nth(s.deals, i)]),
             raw_sql=deal_card_sql, extremes=lambda s: (…, …))

The raw SQL covers the page's data only (not the session and the user, which every page
reads); its visibility condition is the seller's: their own or their department's clients.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse

from bench.sample import Sample
from carte.core import search as engine

PAGE = 50
GLOBAL_SEARCH_LIMIT = 50  # the search page shows at most this many clients (the API 20 by default)
API_SEARCH_LIMIT = 20
TIMELINE_PAGE = 30
LIST_ORDERINGS = ("name", "-updated", "created")
ORDER_SQL = {"name": "c.name, c.id", "-updated": "c.updated_at DESC, c.id DESC", "created": "c.created_at, c.id"}


@dataclass(frozen=True)
class Scenario:
    name: str
    target_ms: float | None  # p95; None: measured, no target
    url: Callable[[Sample, int], str]
    raw_sql: Callable[[object, Sample, int], None]
    extremes: Callable[[Sample], tuple[str, str]]
    api: bool = False  # sent with the seller's API token instead of the session
    persona: str = "seller"  # or "manager": the board is looked at by the head of the seller's department

    @property
    def browser(self) -> str:
        """Which of runner.browsers() sends the requests."""
        return "api" if self.api else self.persona


def _with(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}"


# --- addresses ------------------------------------------------------------------------------


def card_url(sample: Sample, index: int) -> str:
    return reverse("clients:card", args=[sample.nth(sample.cards, index)])


def list_params(sample: Sample, index: int) -> dict:
    """A status filter, a sort and one of the first three pages of 50."""
    return {
        "status": sample.nth(sample.statuses, index),
        "ordering": sample.nth(list(LIST_ORDERINGS), index // len(sample.statuses)),
        "page": 1 + (index // 15) % 3,
    }


def list_url(sample: Sample, index: int) -> str:
    return _with(reverse("clients:list"), **list_params(sample, index))


def search_url(terms: str) -> Callable[[Sample, int], str]:
    return lambda sample, index: _with(reverse("clients:list"), q=sample.nth(getattr(sample, terms), index))


def global_search_url(sample: Sample, index: int) -> str:
    return _with(reverse("workspace:search"), q=_any_term(sample, index))


def api_list_url(sample: Sample, index: int) -> str:
    return _with(reverse("api:list_clients"), **list_params(sample, index))


def api_card_url(sample: Sample, index: int) -> str:
    return reverse("api:read_client", kwargs={"client_id": sample.nth(sample.cards, index)})


def api_search_url(sample: Sample, index: int) -> str:
    return _with(reverse("api:search"), q=_any_term(sample, index))


def _any_term(sample: Sample, index: int) -> str:
    """Names, phones and emails in turn, as people type them into the search box."""
    terms = (sample.names, sample.phones, sample.emails)[index % 3]
    return sample.nth(terms, index // 3)


# --- the raw SQL a minimal page needs ---------------------------------------------------------

VISIBLE = "(c.owner_id = %s OR o.department_id = %s)"
CLIENT = (
    "SELECT c.kind, c.*, o.first_name, o.last_name, s.key, s.label, i.key, i.label, t.key, t.label, "
    "src.key, src.label FROM clients_client c JOIN accounts_employee o ON o.id = c.owner_id "
    "JOIN clients_referencevalue s ON s.id = c.status_id "
    "LEFT JOIN clients_referencevalue i ON i.id = c.industry_id "
    "LEFT JOIN clients_referencevalue t ON t.id = c.type_id "
    "LEFT JOIN clients_referencevalue src ON src.id = c.source_id "
    "WHERE c.id = %s AND (c.owner_id = %s OR o.department_id = %s)"
)
PARTS = {
    "phones": "SELECT client_id, id, kind, number FROM clients_phone WHERE client_id IN ({}) ORDER BY id",
    "emails": "SELECT client_id, id, kind, address FROM clients_email WHERE client_id IN ({}) ORDER BY id",
    "tax ids": "SELECT client_id, id, kind, value FROM clients_taxid WHERE client_id IN ({}) ORDER BY id",
    "messengers": "SELECT client_id, id, kind, handle FROM clients_messenger WHERE client_id IN ({}) ORDER BY id",
    "tags": "SELECT ct.client_id, v.id, v.key, v.label FROM clients_client_tags ct "
    "JOIN clients_referencevalue v ON v.id = ct.referencevalue_id WHERE ct.client_id IN ({})",
    "custom": "SELECT v.client_id, f.key, f.kind, v.text, v.number, v.date, v.flag, v.employee_id "
    "FROM clients_fieldvalue v JOIN clients_customfield f ON f.id = v.field_id WHERE v.client_id IN ({}) "
    'ORDER BY f."order", v.id',
}
TIMELINE = (
    "SELECT e.id, e.at, e.kind, e.summary, e.link, a.first_name, a.last_name FROM clients_timelineentry e "
    "LEFT JOIN accounts_employee a ON a.id = e.actor_id WHERE e.client_id = %s ORDER BY e.at DESC, e.id DESC LIMIT %s"
)
CONTACT_COUNT = {
    "company": "SELECT COUNT(*) FROM clients_contact WHERE company_id = %s",
    "person": "SELECT COUNT(*) FROM clients_contact WHERE person_id = %s",
}
ROWS_FROM = (
    "FROM clients_client c JOIN accounts_employee o ON o.id = c.owner_id "
    "JOIN clients_referencevalue s ON s.id = c.status_id "
)
ROW = "SELECT c.id, c.kind, c.name, c.position, c.created_at, c.updated_at, o.first_name, o.last_name, s.key, s.label "
CONTACTS_OF_PERSONS = (
    "SELECT l.person_id, co.id, co.name FROM clients_contact l JOIN clients_client co ON co.id = l.company_id "
    "WHERE l.person_id IN ({}) ORDER BY co.name, l.id"
)


def _fetch(cursor, statement: str, params) -> list:
    cursor.execute(statement, params)
    return cursor.fetchall()


def _parts(cursor, ids: list, names=("phones", "emails")) -> None:
    """The lists shown with each client, one statement per list for all the clients of the page."""
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    for name in names:
        _fetch(cursor, PARTS[name].format(marks), ids)


def _seller(sample: Sample) -> list:
    return [sample.seller.pk, sample.department_id]


def card_sql(cursor, sample: Sample, index: int) -> None:
    pk = sample.nth(sample.cards, index)
    client = _fetch(cursor, CLIENT, [pk, *_seller(sample)])
    _parts(cursor, [pk], PARTS)
    _fetch(cursor, TIMELINE, [pk, TIMELINE_PAGE + 1])
    _fetch(cursor, CONTACT_COUNT[client[0][0]], [pk])


def api_card_sql(cursor, sample: Sample, index: int) -> None:
    pk = sample.nth(sample.cards, index)
    _fetch(cursor, CLIENT, [pk, *_seller(sample)])
    _parts(cursor, [pk], PARTS)


def _page(cursor, where: str, params: list, order: str, offset: int, parts) -> None:
    """A page of a list: the count, the rows, then their phones and emails (and more for the API)."""
    # Every piece of SQL here is a constant of this module; values travel as parameters.
    _fetch(cursor, f"SELECT COUNT(*) {ROWS_FROM} WHERE {where}", params)
    rows = _fetch(
        cursor, f"{ROW}{ROWS_FROM} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s", [*params, PAGE, offset]
    )
    _parts(cursor, [row[0] for row in rows], parts)


def _list_page(cursor, sample: Sample, index: int, parts) -> None:
    params = list_params(sample, index)
    status = sample.status_ids[params["status"]]
    where = f"c.status_id = %s AND {VISIBLE}"
    _page(cursor, where, [status, *_seller(sample)], ORDER_SQL[params["ordering"]], (params["page"] - 1) * PAGE, parts)


def list_sql(cursor, sample: Sample, index: int) -> None:
    _list_page(cursor, sample, index, ("phones", "emails"))


def api_list_sql(cursor, sample: Sample, index: int) -> None:
    _list_page(cursor, sample, index, PARTS)


def search_condition(text: str) -> tuple[str, list]:
    """The search's condition on clients `c`, as carte.core.search reads a text: FTS5 or trigram LIKE."""
    query = engine.read(text)
    groups, params = [], []
    for group in query.alternatives:
        long = [needle for needle in group if len(needle) >= engine.TRIGRAM]
        short = [needle for needle in group if len(needle) < engine.TRIGRAM]
        conditions = []
        if connection.vendor == "sqlite" and long:
            conditions.append("c.id IN (SELECT rowid FROM clients_client_search WHERE clients_client_search MATCH %s)")
            params.append(" ".join('"' + needle.replace('"', '""') + '"' for needle in long))
            long = []
        for needle in long + short:
            conditions.append("c.search_document LIKE %s ESCAPE '\\'")
            params.append("%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        groups.append("(" + " AND ".join(conditions) + ")")
    return "(" + " OR ".join(groups) + ")", params


def search_sql(terms: str) -> Callable[[object, Sample, int], None]:
    def run(cursor, sample: Sample, index: int) -> None:
        condition, params = search_condition(sample.nth(getattr(sample, terms), index))
        _page(
            cursor,
            f"{condition} AND {VISIBLE}",
            [*params, *_seller(sample)],
            ORDER_SQL["name"],
            0,
            ("phones", "emails"),
        )

    return run


def _ranked(cursor, sample: Sample, text: str, limit: int) -> None:
    """The best `limit` matches (the rank of carte.core.search: whole name, name start, word start, inside)."""
    condition, params = search_condition(text)
    leading = engine.read(text).leading
    rank = (
        "CASE WHEN c.search_document LIKE %s OR c.search_document = %s THEN 0 "
        "WHEN c.search_document LIKE %s THEN 1 WHEN c.search_document LIKE %s THEN 2 ELSE 3 END"
    )
    rank_params = [f" {leading}{engine.SEPARATOR}%", f" {leading}", f" {leading}%", f"% {leading}%"]
    rows = _fetch(
        cursor,
        f"{ROW}, {rank} AS r {ROWS_FROM} WHERE {condition} AND {VISIBLE} ORDER BY r, c.name, c.id LIMIT %s",
        [*rank_params, *params, *_seller(sample), limit],
    )
    persons = [row[0] for row in rows if row[1] == "person"]
    if persons:
        _fetch(cursor, CONTACTS_OF_PERSONS.format(", ".join(["%s"] * len(persons))), persons)


def global_search_sql(cursor, sample: Sample, index: int) -> None:
    _ranked(cursor, sample, _any_term(sample, index), GLOBAL_SEARCH_LIMIT)


def api_search_sql(cursor, sample: Sample, index: int) -> None:
    _ranked(cursor, sample, _any_term(sample, index), API_SEARCH_LIMIT)


# --- small and large cases ---------------------------------------------------------------------


def _card_extremes(name: str, argument: str) -> Callable[[Sample], tuple[str, str]]:
    """The card without any history and the one with the longest."""
    return lambda sample: (
        reverse(name, kwargs={argument: sample.empty_history}),
        reverse(name, kwargs={argument: sample.longest_history}),
    )


def _list_extremes(name: str) -> Callable[[Sample], tuple[str, str]]:
    """The smallest status on its first page and the largest on its third."""
    return lambda sample: (
        _with(reverse(name), status="partner", ordering="name"),
        _with(reverse(name), status="customer", ordering="-updated", page=3),
    )


def _search_extremes(name: str, narrow: str, broad: str = "") -> Callable[[Sample], tuple[str, str]]:
    """A search finding one client and one finding thousands."""
    return lambda sample: (
        _with(reverse(name), q=getattr(sample, narrow)),
        _with(reverse(name), q=broad or sample.broad_name),
    )


# --- deals ---------------------------------------------------------------------------------------

BOARD_PAGE = 25
BOARD_FILTERS = ("none", "client", "period")


def board_params(sample: Sample, index: int) -> dict:
    """The whole board, one client's deals on it, or the deals expected to close within a quarter."""
    params: dict = {"pipeline": sample.board_pipeline}
    chosen = BOARD_FILTERS[index % len(BOARD_FILTERS)]
    if chosen == "client":
        params["client"] = sample.nth(sample.board_clients, index)
    elif chosen == "period":
        params |= {"close_from": "2025-07-01", "close_to": "2025-09-30"}
    return params


def board_url(sample: Sample, index: int) -> str:
    return _with(reverse("sales:deal_board"), **board_params(sample, index))


def deal_url(sample: Sample, index: int) -> str:
    return reverse("sales:deal_detail", args=[sample.nth(sample.deals, index)])


MANAGED = "d.owner_id IN (SELECT id FROM accounts_employee WHERE department_id = %s)"
BOARD_CARDS = (
    "SELECT d.id, d.title, d.amount, d.currency_id, d.expected_close, d.probability, c.id, c.name, o.first_name, "
    "o.last_name FROM sales_deal d JOIN clients_client c ON c.id = d.client_id "
    "JOIN accounts_employee o ON o.id = d.owner_id WHERE d.stage_id = %s AND {where} "
    "ORDER BY d.expected_close IS NULL, d.expected_close, d.id LIMIT %s"
)
BOARD_TOTALS = (
    "SELECT d.stage_id, d.currency_id, COUNT(*), SUM(d.amount) FROM sales_deal d "
    "WHERE d.pipeline_id = %s AND {where} GROUP BY d.stage_id, d.currency_id"
)
DEAL = (
    "SELECT d.*, c.name, o.first_name, o.last_name, p.name, s.name, s.outcome FROM sales_deal d "
    "JOIN clients_client c ON c.id = d.client_id JOIN accounts_employee o ON o.id = d.owner_id "
    "JOIN sales_pipeline p ON p.id = d.pipeline_id JOIN sales_stage s ON s.id = d.stage_id "
    "WHERE d.id = %s AND d.owner_id = %s"
)
DEAL_PARTS = (
    "SELECT * FROM sales_dealline WHERE deal_id = %s ORDER BY position, id",
    "SELECT * FROM sales_stagechange WHERE deal_id = %s ORDER BY at, id",
    "SELECT id, kind, number, status, total, paid FROM sales_salesdocument WHERE deal_id = %s ORDER BY date DESC",
    "SELECT id, name, outcome FROM sales_stage WHERE pipeline_id = (SELECT pipeline_id FROM sales_deal WHERE id = %s)",
)


def board_sql(cursor, sample: Sample, index: int) -> None:
    """Each open column's first page of cards, then every column's count and totals in one statement."""
    params = board_params(sample, index)
    where, values = MANAGED, [sample.manager.department_id]
    if "client" in params:
        where, values = f"{where} AND d.client_id = %s", [*values, params["client"]]
    if "close_from" in params:
        where, values = f"{where} AND d.expected_close BETWEEN %s AND %s", [*values, "2025-07-01", "2025-09-30"]
    stages = _fetch(
        cursor, "SELECT id FROM sales_stage WHERE pipeline_id = %s AND outcome = 'open'", [params["pipeline"]]
    )
    for (stage,) in stages:
        _fetch(cursor, BOARD_CARDS.format(where=where), [stage, *values, BOARD_PAGE])
    _fetch(cursor, BOARD_TOTALS.format(where=f"{where} AND d.closed_at IS NULL"), [params["pipeline"], *values])


def deal_sql(cursor, sample: Sample, index: int) -> None:
    pk = sample.nth(sample.deals, index)
    _fetch(cursor, DEAL, [pk, sample.seller.pk])
    for statement in DEAL_PARTS:
        _fetch(cursor, statement, [pk])


def _board_extremes(sample: Sample) -> tuple[str, str]:
    """One client's deals on the board, and the whole board of the department."""
    narrow = board_params(sample, 1)
    return _with(reverse("sales:deal_board"), **narrow), _with(reverse("sales:deal_board"), pipeline=narrow["pipeline"])


def _deal_extremes(sample: Sample) -> tuple[str, str]:
    """The seller's deal with the fewest lines and the one with the most."""
    first, last = sample.deal_extremes
    return reverse("sales:deal_detail", args=[first]), reverse("sales:deal_detail", args=[last])


# --- the planner ------------------------------------------------------------------------------

QUIET_WEEK = "2026-03-02"  # after every single task of the data set: only the series' occurrences
WEEK_TASK = (
    "SELECT t.id, t.kind, t.title, t.status, t.priority, t.due_at, t.all_day, t.duration, t.rrule, "
    "t.series_start, t.skipped, e.first_name, e.last_name, e.username, e.time_zone, c.name FROM planner_task t "
    "JOIN accounts_employee e ON e.id = t.assignee_id LEFT JOIN clients_client c ON c.id = t.client_id "
    "WHERE (t.assignee_id IN ({people}) OR t.id IN "
    "(SELECT s.task_id FROM planner_task_co_assignees s WHERE s.employee_id IN ({people}))) AND {when}"
)
WEEK_SINGLE = (
    "t.status IN ('open', 'done') AND t.due_at >= %s AND t.due_at < %s AND NOT (t.status = 'open' AND t.rrule <> '')"
)
WEEK_SERIES = "t.status = 'open' AND t.due_at < %s AND t.rrule <> ''"


def week_params(sample: Sample, day: str) -> dict:
    return {"view": "week", "department": sample.calendar_department, "date": day}


def week_url(sample: Sample, index: int) -> str:
    return _with(reverse("planner:calendar"), **week_params(sample, sample.nth(sample.calendar_weeks, index)))


def week_sql(cursor, sample: Sample, index: int) -> None:
    """The department's tasks in the week (a day wider each side, as the page reads it) and its open series."""
    from datetime import date, datetime, time, timedelta

    day = date.fromisoformat(sample.nth(sample.calendar_weeks, index))
    monday = day - timedelta(days=day.weekday())
    zone = sample.manager_zone
    low = datetime.combine(monday - timedelta(days=1), time(0), tzinfo=zone)
    high = datetime.combine(monday + timedelta(days=8), time(0), tzinfo=zone)
    people = sample.calendar_sql["people"]
    marks = ", ".join(["%s"] * len(people))
    adapt = connection.ops.adapt_datetimefield_value
    single = WEEK_TASK.format(people=marks, when=WEEK_SINGLE)
    _fetch(cursor, single, [*people, *people, adapt(low), adapt(high)])
    _fetch(cursor, WEEK_TASK.format(people=marks, when=WEEK_SERIES), [*people, *people, adapt(high)])


def _week_extremes(sample: Sample) -> tuple[str, str]:
    """A quiet week (the open series only: a week without any task needs one query less, none to
    say which tasks may be moved), and the department's busy week."""
    calendar = reverse("planner:calendar")
    return _with(calendar, **week_params(sample, QUIET_WEEK)), _with(
        calendar, **week_params(sample, sample.calendar_weeks[0])
    )


# --- the adoption view -----------------------------------------------------------------------------
# Run by the "adoption" check (bench/adoption.py) once it has computed the figures of the data
# set's last 90 days and its completeness snapshot: the page reads only those tables. The data
# set ends on bench.generate.NOW, so the periods asked for end there (custom periods).

ADOPTION_PERIODS = (30, 7, 90)
ADOPTION_CARD_PAGE = 25


def adoption_params(index: int) -> dict:
    """The last 30, 7 or 90 days of the data set, and one of the first three pages of the cards to fix."""
    from bench.generate import NOW

    days = ADOPTION_PERIODS[index % len(ADOPTION_PERIODS)]
    until = NOW.date()
    since = until - timedelta(days=days - 1)
    return {"period": "custom", "since": since.isoformat(), "until": until.isoformat(), "page": 1 + (index // 3) % 3}


def adoption_url(sample: Sample, index: int) -> str:
    return _with(reverse("reports:adoption"), **adoption_params(index))


ADOPTION_PEOPLE = (
    "SELECT e.id, e.first_name, e.last_name, e.username, e.is_active, e.department_id, d.name "
    "FROM accounts_employee e LEFT JOIN accounts_department d ON d.id = e.department_id {where} "
    "ORDER BY e.last_name, e.first_name, e.username"
)
ADOPTION_SUMS = (
    "SELECT employee_id, COUNT(*), SUM(logins), SUM(created), SUM(updated), SUM(tasks_on_time), SUM(tasks_late), "
    "SUM(calls), SUM(deals_moved) FROM reports_dailyactivity WHERE day >= %s AND day <= %s {people} "
    "GROUP BY employee_id"
)
ADOPTION_RUNS = "SELECT kind, MAX(computed_at), MIN(day), MAX(day) FROM reports_aggregationrun GROUP BY kind"
ADOPTION_TOTALS = (
    "SELECT owner_id, cards, with_owner, with_contact, with_next_task, active, complete "
    "FROM reports_completenessdaily WHERE day = %s {people}"
)
ADOPTION_GAPS_FROM = (
    "FROM reports_cardgap g JOIN clients_client c ON c.id = g.client_id "
    "JOIN accounts_employee o ON o.id = g.owner_id WHERE 1 = 1 {where}"
)
ADOPTION_GAPS_COUNT = "SELECT COUNT(*) FROM (SELECT 1 {gaps_from} LIMIT 1000) counted"
ADOPTION_GAPS = (
    "SELECT g.client_id, g.no_owner, g.no_contact, g.no_next_task, g.inactive, g.score, g.last_activity_at, "
    "c.name, o.first_name, o.last_name {gaps_from} ORDER BY g.score DESC, g.client_id LIMIT %s OFFSET %s"
)
MANAGED_CLIENT = "AND (c.owner_id = %s OR c.owner_id IN (SELECT id FROM accounts_employee WHERE department_id = %s))"


def _adoption_sql(cursor, index: int, managed_by=None) -> None:
    """The page's data: the people, their sums, the freshness, the owners' totals, a page of cards to fix.
    `managed_by`: the manager whose department the page covers; None: the administrator (everyone)."""
    params = adoption_params(index)
    adapt = connection.ops.adapt_datefield_value
    since, until = (adapt(date.fromisoformat(params[key])) for key in ("since", "until"))
    manager = [] if managed_by is None else [managed_by.pk, managed_by.department_id]
    where = "" if managed_by is None else "WHERE e.id = %s OR e.department_id = %s"
    ids = [row[0] for row in _fetch(cursor, ADOPTION_PEOPLE.format(where=where), manager)]
    marks = ", ".join(["%s"] * len(ids))

    def among(column: str) -> tuple[str, list]:
        """The employees' condition on a column; none for the administrator."""
        return ("", []) if managed_by is None else (f"AND {column} IN ({marks})", ids)

    condition, values = among("employee_id")
    _fetch(cursor, ADOPTION_SUMS.format(people=condition), [since, until, *values])
    _fetch(cursor, ADOPTION_RUNS, [])
    condition, values = among("owner_id")
    _fetch(cursor, ADOPTION_TOTALS.format(people=condition), [until, *values])
    condition, values = among("g.owner_id")
    if managed_by is not None:
        condition, values = f"{condition} {MANAGED_CLIENT}", [*values, *manager]
    gaps_from = ADOPTION_GAPS_FROM.format(where=condition)
    _fetch(cursor, ADOPTION_GAPS_COUNT.format(gaps_from=gaps_from), values)
    offset = (params["page"] - 1) * ADOPTION_CARD_PAGE
    _fetch(cursor, ADOPTION_GAPS.format(gaps_from=gaps_from), [*values, ADOPTION_CARD_PAGE, offset])


def adoption_manager_sql(cursor, sample: Sample, index: int) -> None:
    _adoption_sql(cursor, index, managed_by=sample.manager)


def adoption_admin_sql(cursor, sample: Sample, index: int) -> None:
    _adoption_sql(cursor, index)


def _adoption_extremes(sample: Sample) -> tuple[str, str]:
    """The last week and the first page, and the last 90 days and the third page."""
    return adoption_url(sample, 1), adoption_url(sample, 8)


ADOPTION = [
    Scenario("adoption", None, adoption_url, adoption_manager_sql, _adoption_extremes, persona="manager"),
    Scenario("adoption admin", None, adoption_url, adoption_admin_sql, _adoption_extremes, persona="admin"),
]


# --- home --------------------------------------------------------------------------------------

HOME_ROWS = 10
HOME_CLIENTS = f"{ROW}{ROWS_FROM} WHERE {VISIBLE} ORDER BY c.updated_at DESC, c.id DESC LIMIT %s"
ENTRY = "SELECT t.id, t.at, t.kind, t.summary, c.name "
ENTRIES_FROM = (
    "FROM clients_timelineentry t JOIN clients_client c ON c.id = t.client_id "
    "JOIN accounts_employee o ON o.id = c.owner_id "
)
HOME_TIMELINE = f"{ENTRY}{ENTRIES_FROM} WHERE {VISIBLE} ORDER BY t.at DESC, t.id DESC LIMIT %s"


def home_url(sample: Sample, index: int) -> str:
    return reverse("workspace:home")


def home_sql(cursor, sample: Sample, index: int) -> None:
    """The latest clients and timeline entries the seller may see (the entries of their kinds' records aside)."""
    _fetch(cursor, HOME_CLIENTS, [*_seller(sample), HOME_ROWS])
    _fetch(cursor, HOME_TIMELINE, [*_seller(sample), HOME_ROWS])


def _home_extremes(sample: Sample) -> tuple[str, str]:
    return home_url(sample, 0), home_url(sample, 1)


SCENARIOS = [
    # Everyone's first page; no target in the issues: measured.
    Scenario("home", None, home_url, home_sql, _home_extremes),
    Scenario("card", 50, card_url, card_sql, _card_extremes("clients:card", "pk")),
    Scenario("list", 80, list_url, list_sql, _list_extremes("clients:list")),
    Scenario(
        "search name", 100, search_url("names"), search_sql("names"), _search_extremes("clients:list", "narrow_name")
    ),
    Scenario(
        "search phone",
        100,
        search_url("phones"),
        search_sql("phones"),
        _search_extremes("clients:list", "narrow_phone", "123"),
    ),
    Scenario(
        "search email",
        100,
        search_url("emails"),
        search_sql("emails"),
        _search_extremes("clients:list", "narrow_email", "example"),
    ),
    Scenario(
        "global search", 100, global_search_url, global_search_sql, _search_extremes("workspace:search", "narrow_name")
    ),
    # The issue sets no target for the API list and search: they get the page's (list 80 ms, search 100 ms).
    Scenario("api list", 80, api_list_url, api_list_sql, _list_extremes("api:list_clients"), api=True),
    Scenario("api card", 30, api_card_url, api_card_sql, _card_extremes("api:read_client", "client_id"), api=True),
    Scenario(
        "api search", 100, api_search_url, api_search_sql, _search_extremes("api:search", "narrow_name"), api=True
    ),
    Scenario("board", 150, board_url, board_sql, _board_extremes, persona="manager"),
    Scenario("deal card", 50, deal_url, deal_sql, _deal_extremes),
    Scenario("week calendar", 100, week_url, week_sql, _week_extremes, persona="manager"),
]


def selected(names: list[str] | None) -> list[Scenario]:
    """The scenarios named (all when None); an unknown name is an error that lists the known ones."""
    if not names:
        return list(SCENARIOS)
    known = {scenario.name.replace(" ", "-"): scenario for scenario in SCENARIOS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown scenario {', '.join(unknown)}; choose among {', '.join(known)}")
    return [known[name] for name in names]
