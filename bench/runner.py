"""Measuring a scenario: warm-up, timed requests through the real stack, query counts, raw SQL.

Requests go through django.test.Client: the real middleware, URL resolver, views,
templates and API, in this process, without a network or a web server in between. The
time of a request is the wall time of `get()`, which is the server's time plus the test
client's own few tenths of a millisecond. Queries are counted in separate passes (the
capture slows each query down a little), never during the timed requests.
"""

import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass

from django.db import connection
from django.test import Client as Browser

from bench.sample import Sample
from bench.scenarios import Scenario

QUERY_PASSES = 20  # requests whose queries are counted, besides the small and large cases
# The same statement (with other parameters) run this many times in one request is a query per
# row, an "N+1": a page may read phones twice (its client's and its contacts'), not once per row.
REPEATED = 3


class PageFailed(Exception):
    """A benchmark request did not answer 200: the scenario measures nothing useful."""


@dataclass
class Result:
    scenario: str
    database: str
    target_ms: float | None
    requests: int
    warmup: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    queries_min: int
    queries_max: int
    queries_small: int  # on the small case (an empty card, a narrow search)
    queries_large: int  # on the large case (the longest history, a broad search)
    most_repeated: int  # the most times one statement ran in a request
    repeated_sql: str  # that statement, shortened
    raw_sql_median_ms: float
    raw_sql_p95_ms: float

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms <= self.target_ms

    @property
    def grows(self) -> bool:
        """The large case needed more queries than the small one: the page does not scale."""
        return self.queries_large > self.queries_small

    @property
    def repeats(self) -> bool:
        """One statement ran REPEATED times or more in a request: a query per row (N+1)."""
        return self.most_repeated >= REPEATED

    @property
    def ratio(self) -> float:
        """How many times the page's median is the median of the raw SQL it needs."""
        return self.median_ms / self.raw_sql_median_ms if self.raw_sql_median_ms else 0.0

    def as_json(self) -> dict:
        return asdict(self) | {
            "met": self.met,
            "grows": self.grows,
            "repeats": self.repeats,
            "ratio": round(self.ratio, 1),
        }


def browsers(sample: Sample) -> dict[str, Browser]:
    """Browsers logged in as the seller and as their manager (pages), and an API client with the seller's token."""
    seller, manager = Browser(), Browser()
    seller.force_login(sample.seller)
    manager.force_login(sample.manager)
    return {"seller": seller, "manager": manager, "api": Browser(headers={"Authorization": f"Bearer {sample.token}"})}


def _get(browser: Browser, url: str) -> None:
    response = browser.get(url)
    if response.status_code != 200:
        raise PageFailed(f"GET {url} answered {response.status_code}")


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


@dataclass(frozen=True)
class Queries:
    """The statements one request ran: how many, and the one run most often."""

    count: int
    most_repeated: int
    repeated_sql: str


def _queries(browser: Browser, url: str) -> Queries:
    statements: list[str] = []

    def note(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        _get(browser, url)
    sql, times = Counter(statements).most_common(1)[0] if statements else ("", 0)
    return Queries(len(statements), times, " ".join(sql.split())[:160])


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them lie (linear interpolation; the value itself for one)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def measure(
    scenario: Scenario, sample: Sample, browser: Browser, *, database: str, requests: int, warmup: int
) -> Result:
    """Warm up, time `requests` requests over different records, count queries, time the raw SQL."""
    for index in range(warmup):
        _get(browser, scenario.url(sample, index))
    times = [_timed(lambda index=index: _get(browser, scenario.url(sample, index))) for index in range(requests)]
    counted = [_queries(browser, scenario.url(sample, index)) for index in range(min(requests, QUERY_PASSES))]
    small, large = (_queries(browser, url) for url in scenario.extremes(sample))
    repeated = max([*counted, small, large], key=lambda queries: queries.most_repeated)
    raw = _raw_sql_times(scenario, sample, requests, warmup)
    return Result(
        scenario=scenario.name,
        database=database,
        target_ms=scenario.target_ms,
        requests=requests,
        warmup=warmup,
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        min_ms=round(min(times), 2),
        max_ms=round(max(times), 2),
        queries_min=min(queries.count for queries in counted),
        queries_max=max(queries.count for queries in counted),
        queries_small=small.count,
        queries_large=large.count,
        most_repeated=repeated.most_repeated,
        repeated_sql=repeated.repeated_sql,
        raw_sql_median_ms=round(statistics.median(raw), 3),
        raw_sql_p95_ms=round(percentile(raw, 0.95), 3),
    )


def _raw_sql_times(scenario: Scenario, sample: Sample, requests: int, warmup: int) -> list[float]:
    with connection.cursor() as cursor:
        for index in range(warmup):
            scenario.raw_sql(cursor, sample, index)
        return [_timed(lambda index=index: scenario.raw_sql(cursor, sample, index)) for index in range(requests)]
