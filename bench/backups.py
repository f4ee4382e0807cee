"""The backup checks: the data set archived and verified, and the list page while a backup runs.

- `backup`: `engine.make_archive` of the bench database (and the files under MEDIA_ROOT) into
  var/bench/backups, then `engine.verify_archive` of it (a restore into a scratch database and
  every check): both durations, the archive's size and how many attachment files went in. The
  issue sets no time: the check is met when both succeed. The archive is removed afterwards.
- `backup_load`: users keep working during a backup. The clients list page (the "list"
  scenario, through the page scenarios' requests) is timed `requests` times with nothing else
  running, then again and again while a backup runs in a process of its own
  (`python -m bench.backup_worker`: archive then verify, as `carte backup` does), until it ends.
  Target: the p95 during the backup at most twice the p95 without.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import runner, scenarios
from bench.databases import BENCH_DIR, ROOT
from bench.runner import percentile
from bench.sample import Sample
from carte.backups import engine

WORKER = "bench.backup_worker"
LOAD_TARGET_RATIO = 2  # p95 during a backup / p95 without
AT_LEAST_DURING = 30  # requests timed while the backup runs
MAX_BACKUPS = 20  # backups started at most to get them (a tiny data set is archived in a blink)
BUSY_STEPS = ("archiving", "verifying")  # what the worker says as each step begins


def _folder() -> Path:
    return BENCH_DIR / "backups"


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def _remove_folder_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (the user's own files?) or already gone: left as it is


def backup() -> dict:
    """Archive the bench database and its files, then verify the archive; both timed, then removed."""
    result = {
        "name": "backup",
        "archive_seconds": None,
        "verify_seconds": None,
        "archive_mb": None,
        "database_mb": None,
        "files": None,
        "files_mb": None,
        "rows": None,
        "tables": None,
        "error": "",
        "met": False,
    }
    folder = _folder()
    started = time.perf_counter()
    try:
        # Plain archives: the bench measures the backup, not the key file of whoever runs it.
        path, manifest = engine.make_archive(folder, key=None)
    except engine.BackupError as error:
        return result | {"error": f"the archive failed: {error}"}
    result["archive_seconds"] = round(time.perf_counter() - started, 1)
    try:
        result |= _contents(path, manifest)
        started = time.perf_counter()
        engine.verify_archive(path, key=None)
        result["verify_seconds"] = round(time.perf_counter() - started, 1)
    except engine.BackupError as error:
        return result | {"error": f"the verification failed: {error}"}
    finally:
        path.unlink(missing_ok=True)
        _remove_folder_if_empty(folder)
    return result | {"met": True}


def _contents(path: Path, manifest: engine.Manifest) -> dict:
    """What went into the archive: its size, the database dump's, the attachments', the rows."""
    sizes = manifest.sizes
    return {
        "archive_mb": _mb(path.stat().st_size),
        "database_mb": _mb(sizes.get(manifest.database_member, 0)),
        "files": len(manifest.files),
        "files_mb": _mb(sum(size for name, size in sizes.items() if name != manifest.database_member)),
        "rows": sum(manifest.tables.values()),
        "tables": len(manifest.tables),
    }


class _BackupProcess:
    """`python -m bench.backup_worker` on the same database and files; `step` follows what it says."""

    def __init__(self, folder: Path, environment: dict[str, str] | None):
        self.errors = tempfile.TemporaryFile("w+")
        self.step = "starting"
        self.said: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", WORKER, str(folder)],
            cwd=ROOT,
            env={**os.environ, **(environment or {})},
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        self.reader = threading.Thread(target=self._listen, daemon=True)
        self.reader.start()

    def _listen(self) -> None:
        for line in self.process.stdout:
            self.said.append(line.strip())
            if self.said[-1] in (*BUSY_STEPS, "done"):
                self.step = self.said[-1]
        self.step = "ended"

    def wait_until_busy(self) -> None:
        """Until the worker has set Django up and begins the archive (or has ended)."""
        while self.step == "starting":
            time.sleep(0.005)

    def finish(self) -> dict:
        """Its figures (the last line it printed), or {"error": …} saying why it failed."""
        self.process.wait()
        self.reader.join()
        self.process.stdout.close()
        self.errors.seek(0)
        problem = self.errors.read().strip()
        self.errors.close()
        try:
            figures = json.loads(self.said[-1]) if self.said else {}
        except json.JSONDecodeError:
            figures = {}
        if self.process.returncode != 0 and not figures.get("error"):
            last = problem.splitlines()[-1] if problem else f"exit status {self.process.returncode}"
            figures = {"error": f"the backup process failed: {last}"}
        return figures


def backup_load(
    sample: Sample,
    requests: int,
    warmup: int,
    *,
    at_least: int = AT_LEAST_DURING,
    environment: dict[str, str] | None = None,
) -> dict:
    """The list page's p95 without a backup, then during backups made by another process.

    `environment`: variables for the backup process besides this one's (the bench child's already
    point at the bench database and var/bench).
    """
    scenario = scenarios.selected(["list"])[0]
    browser = runner.browsers(sample)[scenario.browser]

    def timed(index: int) -> float:
        return runner._timed(lambda: runner._get(browser, scenario.url(sample, index)))

    for index in range(warmup):
        runner._get(browser, scenario.url(sample, index))
    without = [timed(index) for index in range(requests)]
    during: list[tuple[str, float]] = []
    backups: list[dict] = []
    folder = _folder()
    while len(during) < at_least and len(backups) < MAX_BACKUPS:
        worker = _BackupProcess(folder, environment)
        worker.wait_until_busy()
        while worker.step in BUSY_STEPS:
            step = worker.step
            during.append((step, timed(len(during))))  # the same pages, in the same order, as without
        backups.append(worker.finish())
        if backups[-1].get("error"):
            break
    _remove_folder_if_empty(folder)
    return _load_figures(without, during, backups, at_least)


def _load_figures(without: list[float], during: list[tuple[str, float]], backups: list[dict], at_least: int) -> dict:
    error = next((made["error"] for made in backups if made.get("error")), "")
    times = [ms for _step, ms in during]
    p95_without = percentile(without, 0.95)
    p95_during = percentile(times, 0.95) if times else None
    ratio = p95_during / p95_without if p95_during is not None else None
    steps = {}
    for name in BUSY_STEPS:
        taken = [ms for step, ms in during if step == name]
        steps[name] = {"requests": len(taken), "p95_ms": round(percentile(taken, 0.95), 1) if taken else None}
    first = backups[0] if backups and not error else {}
    return {
        "name": "backup under load",
        "requests_without": len(without),
        "requests_during": len(times),
        "median_without_ms": round(statistics.median(without), 1),
        "median_during_ms": round(statistics.median(times), 1) if times else None,
        "p95_without_ms": round(p95_without, 1),
        "p95_during_ms": None if p95_during is None else round(p95_during, 1),
        "ratio": None if ratio is None else round(ratio, 2),
        "steps": steps,
        "backups_made": len(backups),
        "backup_archive_seconds": first.get("archive_seconds"),
        "backup_verify_seconds": first.get("verify_seconds"),
        "target_ratio": LOAD_TARGET_RATIO,
        "at_least": at_least,
        "error": error,
        "met": not error and len(times) >= at_least and ratio is not None and ratio <= LOAD_TARGET_RATIO,
    }
