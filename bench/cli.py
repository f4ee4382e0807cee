"""`python -m bench`: build (or reuse) the data set and run the scenarios on SQLite and PostgreSQL.

    python -m bench [--db sqlite|postgres|all] [--size medium] [--rebuild] [--requests 200]
                    [--warmup 20] [--scenario card --scenario list …] [--seed 1]

Each database is measured in a child process of its own, because Django reads its database
settings once, at start: the child gets CARTE_DATABASE_URL for the bench database and
CARTE_VAR_DIR=var/bench, so the user's own database and files are never opened. PostgreSQL
is skipped with a note when it cannot be reached (an error when asked for by name).

The exit status is 0 when every database was measured, even if a target was missed (the
table says MISSED): it is a measurement, not a test.
"""

import argparse
import gc
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import report
from bench.databases import BENCH_DIR, Unusable, all_databases

RESULTS = BENCH_DIR / "results.json"


def parser() -> argparse.ArgumentParser:
    from bench.generate import SIZES

    parser = argparse.ArgumentParser(prog="python -m bench", description="Carte's benchmark (docs/performance.md).")
    parser.add_argument("--db", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--size", choices=list(SIZES), default="medium", help="data set size (default: medium)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even if it is up to date")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default: 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default: 20)")
    parser.add_argument(
        "--scenario",
        action="append",
        help="run only this scenario or check (repeatable), e.g. card, week-calendar, webhook-ingestion",
    )
    parser.add_argument(
        "--server-workers", type=int, default=1, help="web processes of the server the phone checks start (default: 1)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure one database in this process
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parser().parse_args(argv)
    if options.child:
        return measure_database(options)
    databases = all_databases()
    wanted = list(databases) if options.db == "all" else [options.db]
    runs, failed = {}, False
    for name in wanted:
        database = databases[name]
        problem = database.problem()
        if problem:
            print(f"bench: {name} skipped: {database.url} cannot be reached ({problem})", flush=True)
            failed = failed or options.db != "all"
            continue
        print(f"bench: {name} ({database.url})", flush=True)
        child = [sys.executable, "-m", "bench", *argv, "--child", name]
        if subprocess.call(child, env=database.environment()) != 0:
            print(f"bench: {name} failed (see above)", flush=True)
            failed = True
            continue
        runs[name] = json.loads(_run_file(name).read_text())
    if runs:
        report.save(RESULTS, runs)
        print()
        print(report.table(runs))
        print(f"\nresults: {RESULTS}")
    return 1 if failed or not runs else 0


def _run_file(name: str):
    return BENCH_DIR / f"run-{name}.json"


def measure_database(options) -> int:
    """In the child: make sure the data set is there, then run the scenarios and write run-<db>.json."""
    database = all_databases()[options.child]
    try:
        database.check_name()
        if options.rebuild and database.exists():
            database.drop()
        if not database.exists():
            database.create()
    except Unusable as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    import django

    django.setup()
    gc.freeze()  # as carte/wsgi.py and carte/asgi.py do in production
    from bench.measure import run

    started = datetime.now(UTC)
    clock = time.perf_counter()
    result = run(database, options)
    result["date"] = started.isoformat(timespec="seconds")
    result["seconds"] = round(time.perf_counter() - clock, 1)
    _run_file(database.name).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0
