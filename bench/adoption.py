"""The adoption check: computing the adoption figures of the data set, then the adoption page.

(a) The nightly work: `aggregate_day` for the data set's last full day (its tasks done and its
    stage moves: the generated data set has no audit log and no calls), the same day again with a
    busy day's logins, audited writes and calls added (in a transaction rolled back afterwards, so
    the data set stays as built), each of the 90 days up to bench.generate.NOW (the figures the
    page shows, kept), and the completeness snapshot of every client card as of NOW.
(b) The page: the scenarios bench.scenarios.ADOPTION through bench.runner.measure, as the manager
    of the seller's department and as an administrator (the one bench.transfer acts as).
(c) What the page reads: every statement of one request per persona is explained; a full scan
    of a table of more than FULL_SCAN_ROWS rows is reported (SQLite: a plain "SCAN table";
    PostgreSQL: a "Seq Scan" that read that many rows, from EXPLAIN ANALYZE).

Only the reports tables keep what the check wrote: they are derived from the data set.
"""

import json
import re
import statistics
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client as Browser

from bench import runner, scenarios, transfer
from bench.generate import NOW
from bench.sample import Sample
from carte.calls.models import Call
from carte.clients.models import Client
from carte.core.models import AuditEntry
from carte.reports import services
from carte.reports.models import CardGap, DailyActivity

PERIOD_DAYS = 90
BUSY_DAY = {"login": 2, "create": 20, "update": 40}  # audit entries per employee on the busy day
BUSY_CALLS = 15  # calls per employee on the busy day
FULL_SCAN_ROWS = 10_000
SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def _seconds(action) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)


def _busy_day(day) -> tuple[float, int]:
    """aggregate_day on `day` with a busy day's activity added for every employee: its time and its rows."""
    from django.contrib.auth import get_user_model

    start, _end = services.day_bounds(day)
    people = list(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    with transaction.atomic():
        entries, calls = [], []
        for person in people:
            for verb, count in BUSY_DAY.items():
                entries += [
                    AuditEntry(actor_id=person, verb=verb, model="clients.client", at=start + timedelta(minutes=n * 7))
                    for n in range(count)
                ]
            calls += [
                Call(direction="out", employee_id=person, started_at=start + timedelta(minutes=n * 11))
                for n in range(BUSY_CALLS)
            ]
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        Call.objects.bulk_create(calls, batch_size=1000)
        seconds = _seconds(lambda: services.aggregate_day(day, now=NOW))
        rows = DailyActivity.objects.filter(day=day).count()
        transaction.set_rollback(True)
    return seconds, rows


def _statements(browser: Browser, url: str) -> list[tuple[str, list]]:
    """The SELECT statements (with their parameters) one request runs."""
    caught: list[tuple[str, list]] = []

    def note(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            caught.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        browser.get(url)
    return caught


def _rows_of(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table's own name
        return cursor.fetchone()[0]


def _sqlite_scans(sql: str, params: list) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        details = [row[-1] for row in cursor.fetchall()]
    known = set(connection.introspection.table_names())  # not the subqueries' own names ("subquery")
    tables = [match[1] for match in map(SQLITE_SCAN.match, details) if match and match[1] in known]
    return [(table, rows) for table in tables if (rows := _rows_of(table)) > FULL_SCAN_ROWS]


def _postgres_scans(sql: str, params: list) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = []

    def walk(node: dict) -> None:
        if node.get("Node Type") == "Seq Scan":
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
            if read > FULL_SCAN_ROWS:
                found.append((node["Relation Name"], int(read)))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def full_scans(browser: Browser, url: str) -> list[dict]:
    """The large tables one request of the page reads whole, with the statement that does."""
    explain = _sqlite_scans if connection.vendor == "sqlite" else _postgres_scans
    return [
        {"table": table, "rows": rows, "sql": " ".join(sql.split())[:200]}
        for sql, params in _statements(browser, url)
        for table, rows in explain(sql, params)
    ]


def adoption(sample: Sample, options) -> dict:
    """(a) the aggregation times, (b) the page as a manager and an administrator, (c) the full scans."""
    today = services.local_day(NOW)
    last_day = today - timedelta(days=1)
    result: dict = {"name": "adoption", "period_days": PERIOD_DAYS}
    result["day_seconds"] = _seconds(lambda: services.aggregate_day(last_day, now=NOW))
    result["busy_day_seconds"], result["busy_day_rows"] = _busy_day(last_day)
    per_day = [
        _seconds(lambda day=day: services.aggregate_day(day, now=NOW))
        for day in (today - timedelta(days=n) for n in range(PERIOD_DAYS))
    ]
    result["days_median_seconds"] = round(statistics.median(per_day), 3)
    result["days_max_seconds"] = max(per_day)
    result["days_total_seconds"] = round(sum(per_day), 1)
    result["snapshot_seconds"] = _seconds(lambda: services.snapshot_completeness(now=NOW))
    result["cards"], result["cards_to_fix"] = Client.objects.count(), CardGap.objects.count()
    result["activity_rows"] = DailyActivity.objects.count()
    database = "sqlite" if connection.vendor == "sqlite" else "postgres"
    manager, admin = Browser(), Browser()
    manager.force_login(sample.manager)
    admin.force_login(transfer._admin())
    pages, scans = {}, []
    for scenario, browser in zip(scenarios.ADOPTION, (manager, admin), strict=True):
        measured = runner.measure(
            scenario, sample, browser, database=database, requests=options.requests, warmup=options.warmup
        )
        pages[scenario.persona] = measured.as_json()
        for index in range(3):
            scans += full_scans(browser, scenario.url(sample, index))
    result["pages"] = pages
    result["full_scans"] = scans
    result["met"] = not scans
    return result
