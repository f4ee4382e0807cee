"""One database's run, inside its child process (Django is set up on the bench database).

Reuse the data set when its marker matches, else drop the database and build it again;
collect the static files (the pages are rendered with the production settings); draw the
sample; measure each scenario.
"""

import os
import sqlite3
import time

import django
import psycopg
from django.core.management import call_command
from django.db import connection, connections

from bench import adoption, backups, checks, drills, generate, load, phones, report, runner, sample, scenarios, transfer
from bench.databases import Database


def _say(line: str) -> None:
    print(line, flush=True)


def prepare_data_set(database: Database, size: generate.Size, seed: int) -> dict:
    """The data set's description for the results; built first when missing or out of date."""
    marker = generate.read_marker()
    if generate.same_data(marker, size, seed):
        if not generate.reusable(marker, size, seed):
            _say("  applying the new migrations to the data set…")
            started = time.perf_counter()
            generate.migrate_in_place(marker)
            _say(f"  migrated in {time.perf_counter() - started:.0f} s")
            marker = generate.read_marker()
        described = marker["generation"]
        seconds = sum(described["seconds"].values())
        _say(f"  data set {size.name} reused (built {marker['built_at']} in {seconds:.0f} s)")
        return described | {"reused": True, "built_at": marker["built_at"], "migrations": marker["migrations"]}
    if marker is not None or connection.introspection.table_names():
        connections.close_all()
        database.drop()
        database.create()
    _say(f"  building the {size.name} data set on {database.name}…")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = round(time.perf_counter() - started, 1)
    _say(f"  {'migrate':<16} {'':>10}       {migrate_seconds:>7.1f} s")
    generation = generate.build(size, seed, report=_say)
    generation.seconds = {"migrate": migrate_seconds, **generation.seconds}
    generate.finish(generation, report=_say)
    _say(f"  data set built in {generation.total_seconds:.0f} s")
    marker = generate.read_marker()
    return marker["generation"] | {"reused": False, "built_at": marker["built_at"], "migrations": marker["migrations"]}


def versions() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "carte": report.commit(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {server}",
        "python_sqlite3": sqlite3.sqlite_version,
        "psycopg": psycopg.__version__,
    }


def run(database: Database, options) -> dict:
    size = generate.SIZES[options.size]
    data_set = prepare_data_set(database, size, options.seed)
    call_command("collectstatic", interactive=False, verbosity=0)
    drawn = sample.draw(data_set["info"], options.seed, count=options.requests)
    clients = runner.browsers(drawn)
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1):
        _say(f"  note: the machine is busy (load average {load_before[0]:.1f}): the times will be too high")
    wanted_scenarios, wanted_checks = split_names(options.scenario)
    results = []
    for scenario in wanted_scenarios:
        result = runner.measure(
            scenario,
            drawn,
            clients[scenario.browser],
            database=database.name,
            requests=options.requests,
            warmup=options.warmup,
        )
        flag = "" if result.met is not False else "  MISSED"
        _say(f"  {scenario.name:<14} median {result.median_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms{flag}")
        results.append(result.as_json())
    checks_done = []
    for name in wanted_checks:
        started = os.getloadavg()[0]
        check = CHECKS[name](drawn, options)
        check["load_average"] = [round(started, 2), round(os.getloadavg()[0], 2)]
        checks_done.append(check)
        _say(f"  {check['name']:<14} {_check_line(check)}")
    return {
        "database": database.name,
        "versions": versions(),
        "data_set": data_set,
        "settings": {"requests": options.requests, "warmup": options.warmup, "seed": options.seed},
        # Other work on the machine inflates the times: the 1-minute load average before and after.
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "scenarios": results,
        "checks": checks_done,
    }


def _redis_latency(drawn, options) -> dict:
    """The live latency through Redis pub/sub; skipped with a note when Redis cannot be reached."""
    url = os.environ.get("CARTE_BENCH_REDIS_URL") or phones.DEFAULT_REDIS_URL
    problem = phones.redis_problem(url)
    if problem:
        return {"name": "live latency (redis)", "skipped": f"{url} cannot be reached ({problem})"}
    return phones.live_latency(workers=options.server_workers, redis_url=url, seed=options.seed)


# The measurements after the scenarios, by the name --scenario takes; all of them by default.
CHECKS = {
    "invoice-pdf": lambda drawn, options: checks.invoice_pdf(drawn, options.requests),
    "report-totals": lambda drawn, options: checks.report_totals(drawn),
    "webhook-ingestion": lambda drawn, options: phones.webhook_ingestion(
        workers=options.server_workers, seed=options.seed
    ),
    "live-latency": lambda drawn, options: phones.live_latency(workers=options.server_workers, seed=options.seed),
    "live-latency-redis": _redis_latency,
    "import-clients": lambda drawn, options: transfer.import_clients(options.seed),
    "import-memory": lambda drawn, options: transfer.import_memory(options.seed),
    "export-clients": lambda drawn, options: transfer.export_clients(),
    "backup": lambda drawn, options: backups.backup(),
    "backup-load": lambda drawn, options: backups.backup_load(drawn, options.requests, options.warmup),
    "adoption": adoption.adoption,
    # Fault drills (bench/drills.py) on a scratch database; load, spike and soak (bench/load.py) on a real server.
    "drill-server": lambda drawn, options: drills.check_server(options.seed),
    "drill-worker": lambda drawn, options: drills.check_worker(options.seed),
    "drill-backup": lambda drawn, options: drills.check_backup(options.seed),
    "drill-writers": lambda drawn, options: drills.check_writers(options.seed),
    "load": load.load,
    "spike": load.spike,
    "soak": load.soak,
}
# Run only when named: the soak takes half an hour.
ONLY_WHEN_NAMED = {"soak"}


def split_names(names: list[str] | None) -> tuple[list, list[str]]:
    """The scenarios and the checks named by --scenario (everything when none is named); an unknown
    name is an error that lists the known ones."""
    if not names:
        return scenarios.selected(None), [name for name in CHECKS if name not in ONLY_WHEN_NAMED]
    known = [scenario.name.replace(" ", "-") for scenario in scenarios.SCENARIOS]
    unknown = [name for name in names if name not in known and name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown scenario {', '.join(unknown)}; choose among {', '.join([*known, *CHECKS])}")
    asked = [name for name in names if name in known]
    return (scenarios.selected(asked) if asked else []), [name for name in names if name in CHECKS]


def _check_line(check: dict) -> str:
    if check.get("skipped"):
        return f"skipped: {check['skipped']}"
    flag = "" if check.get("met") is not False else "  MISSED"
    if check.get("error"):
        return f"FAILED: {check['error']}"
    if "snapshot_seconds" in check:
        return report.adoption_line(check)
    if check["name"].startswith("drill "):
        return drills.line(check)
    if check["name"] in ("load", "spike", "soak"):
        return load.line(check)
    if "archive_seconds" in check:
        return (
            f"archived in {check['archive_seconds']} s, verified in {check['verify_seconds']} s, "
            f"{check['archive_mb']:,} MB ({check['files']} attachment files){flag}"
        )
    if "target_ratio" in check:
        return (
            f"list p95 {check['p95_without_ms']} ms without, {check['p95_during_ms']} ms during a backup "
            f"({check['requests_during']} requests): {check['ratio']}×{flag}"
        )
    if "events_per_second" in check:
        verified = "every call right" if check["verified"]["ok"] else f"WRONG {check['verified']}"
        return (
            f"{check['events_per_second']:7.1f} events/s in batches of {check['batch']}, "
            f"{check['single_events_per_second']:.1f} one by one; {verified}{flag}"
        )
    if "target_p95_ms" in check:
        return (
            f"median {check['median_ms']} ms  p95 {check['p95_ms']} ms, {check['received']}/{check['events']} "
            f"received on {check['streams_opened']} streams{flag}"
        )
    if "peak_rss_mb" in check:
        return f"{check['rows']:,} rows checked in {check['seconds']} s, peak memory {check['peak_rss_mb']} MB{flag}"
    if "undo_seconds" in check:
        verified = "counts right" if check["verified"] and check["undone"] else "WRONG counts"
        return (
            f"{check['rows_per_second']:,} rows/s ({check['rows_created']:,} created, "
            f"{check['rows_skipped']:,} skipped), undone in {check['undo_seconds']} s; {verified}{flag}"
        )
    if "rows_per_second" in check:
        return f"{check['rows_per_second']:,} rows/s ({check['rows']:,} rows in {check['seconds']} s){flag}"
    if "median_ms" in check:
        return f"median {check['median_ms']:7.1f} ms  p95 {check['p95_ms']:7.1f} ms (target median 500){flag}"
    if "board_total" in check:
        agree = "equal to" if check["met"] else "DIFFERENT from"
        return f"{check['board_deals']:,} deals on the board, totals {agree} the raw SQL sums{flag}"
    return "nothing to measure"
