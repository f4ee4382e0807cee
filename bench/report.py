"""The results: a table on stdout and var/bench/results.json (with the machine, versions and data set).

results.json keeps the latest run of each database, so `make bench DB=sqlite` updates the
SQLite figures and leaves PostgreSQL's as they were (each run carries its own date).
"""

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import ROOT

COLUMNS = (
    ("scenario", "<14"), ("db", "<8"), ("median", ">8"), ("p95", ">8"), ("target", ">7"), ("result", "<7"),
    ("queries", ">8"), ("small/large", ">11"), ("raw SQL", ">8"), ("ratio", ">7"),
)  # fmt: skip


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "python": sys.version.split()[0],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def commit() -> str:
    """The code measured: the commit, with "+changes" when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def save(path: Path, runs: dict[str, dict]) -> dict:
    """Merge this invocation's runs into the results file (other databases keep their last run)."""
    previous = json.loads(path.read_text()) if path.exists() else {}
    results = {
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": {**previous.get("runs", {}), **runs},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def _cells(row: dict, database: str) -> list[str]:
    target = row["target_ms"]
    result = "—" if row["met"] is None else ("ok" if row["met"] else "MISSED")
    queries = (
        str(row["queries_min"])
        if row["queries_min"] == row["queries_max"]
        else f"{row['queries_min']}–{row['queries_max']}"
    )
    extremes = f"{row['queries_small']}/{row['queries_large']}" + (" GROWS" if row["grows"] else "")
    return [
        row["scenario"], database, f"{row['median_ms']:.1f}", f"{row['p95_ms']:.1f}",
        "—" if target is None else f"{target:g}", result, queries, extremes,
        f"{row['raw_sql_median_ms']:.2f}", f"{row['ratio']:.0f}×",
    ]  # fmt: skip


def table(runs: dict[str, dict]) -> str:
    """The results as a text table, times in milliseconds; MISSED and GROWS stand out."""
    lines = ["  ".join(format(name, spec) for name, spec in COLUMNS)]
    lines.append("  ".join("-" * len(format(name, spec)) for name, spec in COLUMNS))
    for database, run in runs.items():
        for row in run["scenarios"]:
            lines.append(
                "  ".join(
                    format(cell, spec) for cell, (_name, spec) in zip(_cells(row, database), COLUMNS, strict=True)
                )
            )
    missed = [(database, row) for database, run in runs.items() for row in run["scenarios"] if row["met"] is False]
    grows = [(database, row) for database, run in runs.items() for row in run["scenarios"] if row["grows"]]
    lines.append("")
    for database, run in runs.items():
        lines.extend(_check_lines(database, run.get("checks", [])))
    lines.append("times in ms (median and p95 of the timed requests); raw SQL: median of the SQL a minimal page needs")
    for database, run in runs.items():
        busiest = max(run.get("load_average", [0]))
        if busiest > (os.cpu_count() or 1):
            lines.append(f"BUSY: the machine's load average reached {busiest:.1f} during the {database} run")
    for database, row in missed:
        over = row["p95_ms"] - row["target_ms"]
        lines.append(
            f"MISSED: {row['scenario']} on {database}: p95 {row['p95_ms']:.1f} ms, "
            f"{over:.1f} ms over the {row['target_ms']:g} ms target"
        )
    repeats = [(database, row) for database, run in runs.items() for row in run["scenarios"] if row.get("repeats")]
    for database, row in repeats:
        lines.append(
            f"N+1: {row['scenario']} on {database}: one statement ran {row['most_repeated']} times in a request: "
            f"{row['repeated_sql'][:100]}…"
        )
    for database, row in grows:
        lines.append(
            f"GROWS: {row['scenario']} on {database}: {row['queries_small']} queries on the small case, "
            f"{row['queries_large']} on the large one"
        )
    return "\n".join(lines)


def _check_lines(database: str, checks: list[dict]) -> list[str]:
    """The invoice PDF timing and the totals comparison of one database's run."""
    lines = []
    for check in checks:
        result = "ok" if check.get("met") else "MISSED"
        if check.get("skipped"):
            lines.append(f"{check['name']} on {database}: skipped: {check['skipped']}")
        elif "snapshot_seconds" in check:
            lines.append(f"adoption on {database}: {adoption_line(check)}: {'ok' if check['met'] else 'FULL SCANS'}")
        elif check["name"].startswith("drill ") or check["name"] in ("load", "spike", "soak"):
            lines.append(f"{_drill_or_load_line(check)} on {database}")
        elif "archive_seconds" in check:
            lines.append(_backup_line(check, database, result))
        elif "target_ratio" in check:
            lines.append(_backup_load_line(check, database, result))
        elif "events_per_second" in check:
            verified = check["verified"]
            lines.append(
                f"webhook ingestion on {database}: {check['events_per_second']:.0f} events/s in signed batches of "
                f"{check['batch']} from {check['threads']} connections ({check['events']:,} events, "
                f"{check['workers']} server process{'es' if check['workers'] > 1 else ''}), "
                f"{check['single_events_per_second']:.0f} events/s one per request; {verified['calls_stored']:,} "
                f"calls of {verified['calls_sent']:,}, {verified['wrong_status']} with a wrong status, "
                f"{verified['events_journaled']:,} events journaled of {verified['events_sent']:,} "
                f"({verified['duplicates']} duplicates) (target: ≥ {check['target_events_per_second']} events/s, "
                f"none lost or doubled): {result}"
            )
        elif "target_p95_ms" in check:
            lines.append(
                f"{check['name']} on {database}: median {check['median_ms']} ms, p95 {check['p95_ms']} ms, "
                f"max {check['max_ms']} ms from webhook to stream, {check['received']}/{check['events']} received "
                f"on {check['streams_opened']} streams (target: p95 ≤ {check['target_p95_ms']} ms, none lost): {result}"
            )
        elif "median_ms" in check:
            lines.append(
                f"invoice pdf on {database}: median {check['median_ms']:.1f} ms, p95 {check['p95_ms']:.1f} ms "
                f"over {check['measured']} invoices (target: median ≤ {check['target_median_ms']} ms): {result}"
            )
        elif "undo_seconds" in check:
            lines.append(
                f"import clients on {database}: {check['rows_per_second']:,} rows/s, {check['rows']:,} CSV rows in "
                f"{check['seconds']} s ({check['rows_created']:,} created, {check['rows_skipped']:,} duplicates "
                f"skipped, {check['rows_failed']} failed; counts {'right' if check['verified'] else 'WRONG'}), "
                f"undone in {check['undo_seconds']} s (target: ≥ {check['target_rows_per_second']:,} rows/s): {result}"
            )
        elif "peak_rss_mb" in check:
            lines.append(
                f"import memory on {database}: {check['rows']:,} rows read, checked and matched in "
                f"{check['seconds']} s by one worker, peak memory {check['peak_rss_mb']} MB "
                f"(target: ≤ {check['target_mb']} MB): {result}"
            )
        elif "rows_per_second" in check:
            lines.append(
                f"{check['name']} on {database}: {check['rows_per_second']:,} rows/s, {check['rows']:,} rows in "
                f"{check['seconds']} s (target: ≥ {check['target_rows_per_second']:,} rows/s): {result}"
            )
        elif "board_total" in check:
            lines.append(
                f"report totals on {database}: the board's {check['board_deals']:,} open deals "
                f"({check['board_total']}) and the won deals' sums equal the raw SQL sums: {result}"
            )
    return lines


def _drill_or_load_line(check: dict) -> str:
    from bench import drills, load  # they import Django's models: late, as the table is printed outside Django

    return drills.line(check) if check["name"].startswith("drill ") else load.line(check)


def _backup_line(check: dict, database: str, result: str) -> str:
    if check.get("error"):
        return f"backup on {database}: {check['error']}: {result}"
    return (
        f"backup on {database}: archive made in {check['archive_seconds']} s and verified in "
        f"{check['verify_seconds']} s (restored into a scratch database, every check passed), "
        f"{check['archive_mb']:,} MB: the database {check['database_mb']:,} MB ({check['rows']:,} rows in "
        f"{check['tables']} tables) and {check['files']} attachment files ({check['files_mb']:,} MB) "
        f"(target: both succeed; no time set): {result}"
    )


def _backup_load_line(check: dict, database: str, result: str) -> str:
    if check.get("error"):
        return f"backup under load on {database}: {check['error']}: {result}"
    steps = check["steps"]
    return (
        f"backup under load on {database}: list page p95 {check['p95_without_ms']} ms without a backup "
        f"({check['requests_without']} requests), {check['p95_during_ms']} ms during one "
        f"({check['requests_during']} requests; archiving {steps['archiving']['p95_ms']} ms, "
        f"verifying {steps['verifying']['p95_ms']} ms), ratio {check['ratio']}× "
        f"(target: ≤ {check['target_ratio']}×, at least {check['at_least']} requests during): {result}"
    )


def adoption_line(check: dict) -> str:
    """The adoption check in one line: the nightly work, the page's p50/p95 per persona, the full scans."""
    pages = ", ".join(
        f"{persona} p50 {page['median_ms']} ms p95 {page['p95_ms']} ms ({page['queries_max']} queries)"
        for persona, page in check["pages"].items()
    )
    scans = f"{len(check['full_scans'])} FULL SCANS" if check["full_scans"] else "no full scan"
    return (
        f"one day {check['day_seconds']} s (busy {check['busy_day_seconds']} s), {check['period_days']} days "
        f"{check['days_total_seconds']} s, snapshot of {check['cards']:,} cards {check['snapshot_seconds']} s; "
        f"page: {pages}; {scans}"
    )
