"""Measurements that are not page requests: printing an invoice to PDF, and report totals against raw SQL.

`invoice_pdf` times `carte.sales.services.documents.render` (the built-in HTML template through
WeasyPrint) over different invoices of the data set; the issue's target is its median.
`report_totals` reads the board's column counts and totals as the manager sees them and
the sums of all won deals through the ORM, and compares each with a hand-written SQL sum
(amounts are stored as whole thousandths: the raw sum is divided by 1,000).
"""

import statistics
import time
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from bench.runner import percentile
from bench.sample import Sample
from carte.core.money import from_stored
from carte.sales.models import Deal, SalesDocument
from carte.sales.queries import deals as deal_queries
from carte.sales.services.documents import render

PDF_TARGET_MS = 500  # median
PDF_WARMUP = 3

BOARD_SQL = (
    "SELECT d.stage_id, COUNT(*), SUM(d.amount) FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id "
    "WHERE d.pipeline_id = %s AND s.outcome = 'open' "
    "AND d.owner_id IN (SELECT id FROM accounts_employee WHERE department_id = %s) GROUP BY d.stage_id"
)
WON_SQL = (
    "SELECT d.currency_id, SUM(d.amount) FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id "
    "WHERE s.outcome = 'won' GROUP BY d.currency_id"
)


def invoice_pdf(sample: Sample, requests: int) -> dict:
    """The median and p95 time to print one invoice to PDF, over `requests` different invoices (50 at most)."""
    invoices = list(
        SalesDocument.objects.filter(pk__in=sample.invoices).select_related("client", "legal_entity", "currency")
    )
    if not invoices:
        return {"name": "invoice pdf", "measured": 0}
    count = min(requests, 50)
    for index in range(PDF_WARMUP):
        render(invoices[index % len(invoices)])
    times = []
    for index in range(count):
        started = time.perf_counter()
        render(invoices[index % len(invoices)])
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    return {
        "name": "invoice pdf",
        "measured": count,
        "median_ms": round(median, 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "target_median_ms": PDF_TARGET_MS,
        "met": median <= PDF_TARGET_MS,
    }


def report_totals(sample: Sample) -> dict:
    """The board's open columns and the sum of won deals, through the application and through raw SQL."""
    pipeline = deal_queries.board_pipeline(sample.board_pipeline)
    criteria = deal_queries.read_criteria({"pipeline": str(pipeline.pk)}, sample.manager)
    board = deal_queries.board_for(sample.manager, pipeline, criteria)
    shown = {
        column.stage.pk: (column.count, sum((total.amount for total in column.totals), Decimal(0)))
        for column in board.columns
        if not column.stage.is_closed
    }
    with connection.cursor() as cursor:
        cursor.execute(BOARD_SQL, [pipeline.pk, sample.manager.department_id])
        raw = {stage: (count, from_stored(total or 0)) for stage, count, total in cursor.fetchall()}
        cursor.execute(WON_SQL)
        raw_won = {currency: from_stored(total or 0) for currency, total in cursor.fetchall()}
    won = dict(
        Deal.objects.filter(stage__outcome="won")
        .order_by()
        .values_list("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    board_total = sum((amount for _count, amount in shown.values()), Decimal(0))
    return {
        "name": "report totals",
        "board_deals": sum(count for count, _amount in shown.values()),
        "board_total": str(board_total),
        "won_total": {code: str(amount) for code, amount in won.items()},
        "met": shown == {stage: raw.get(stage, (0, Decimal(0))) for stage in shown} and won == raw_won,
    }
