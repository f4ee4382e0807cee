"""Fault drills: `kill -9` of the server, the job worker and a backup at random moments, and writers racing on SQLite.

Each drill works on a scratch database of its own, never on the bench data set: an SQLite
file under var/bench/drills/ (with its own CARTE_VAR_DIR: job queue, backups, uploads) or the
PostgreSQL database `<bench database>_drills` next to carte_bench; it is migrated, given an
administrator with an API token, and removed at the end. Every process is started in a
session of its own and killed as a whole (`SIGKILL` to its process group: the server's web
processes and companions go down with it, as in a crash).

- `drill-server`: `carte serve` answers writers (threads creating clients with a phone over
  the API with a token); each 201 is an acknowledged id. The server is killed at a random
  moment, then the database is checked with the server down: every acknowledged id is there
  with its name, every client the drill wrote is whole (its phone, its "created" timeline
  entry, its audit entry: nothing half-written), and the database passes its integrity check
  (SQLite: PRAGMA integrity_check and foreign_key_check; PostgreSQL: amcheck on every B-tree
  index). Repeated KILLS times.
- `drill-worker`: an import of IMPORT_ROWS rows runs in `carte worker`, killed at a random
  moment of its run; after each kill, no half batch (rows done a multiple of the batch, the
  clients of the import as many as its counters say) and the import either resumes (the drill
  ages its heartbeat past the stall limit and runs the periodic job `resume_stalled_imports`
  as the worker's clock would) or says it failed (resumed as the user would). At the end
  every row is in exactly once. KILLS kills that landed while the import ran; new imports as
  the earlier ones finish.
- `drill-backup`: `carte backup` killed at a random moment of its run (up to the time a whole
  backup takes); after each kill every complete-looking archive in the folder verifies, and
  the next `carte backup` succeeds. PostgreSQL: scratch databases a killed verification left
  are counted (and dropped at the end).
- `drill-writers` (SQLite only): a server with two web processes and its job worker running an
  import, WRITERS threads creating clients and adding notes for WRITERS_SECONDS: no answer may
  say "database is locked", no 5xx (the admission limit's 503 aside: the writer waits its
  Retry-After and goes on), and every acknowledged write is there.

`python -m bench.drills setup|import|resume|resume-failed …` are the small helpers the drills
run inside the scratch database's environment (Django reads its database settings at start).
"""

import csv
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.databases import BENCH_DIR, ROOT

HOST = "127.0.0.1"
DRILLS_DIR = BENCH_DIR / "drills"
KILLS = 20  # kills per drill, at least
BATCH = 500  # carte.transfer.running.BATCH (checked by tests/bench/test_drills.py)
IMPORT_ROWS = 3_000
SERVER_WRITERS = 4
WRITERS = 8
WRITERS_SECONDS = 30
START_TIMEOUT = 60.0
PROBE = "/api/v1/me"
LOCKED = b"database is locked"
BUSY = 503  # the admission limit (carte.core.overload): nothing done, try again after Retry-After
RETRY_AFTER_SECONDS = 1
PREFIX = "Drill"  # names of everything the drills write


# ---------------------------------------------------------------------------------------------
# The scratch database
# ---------------------------------------------------------------------------------------------


def scratch_url(bench_url: str) -> str:
    """The drills' database beside the bench one: a file under var/bench/drills, or `<name>_drills`."""
    if bench_url.startswith("sqlite"):
        return f"sqlite:///{DRILLS_DIR / 'sqlite' / 'carte_bench_drills.sqlite3'}"
    parts = urlsplit(bench_url)
    name = Path(parts.path).name
    return urlunsplit(parts._replace(path=f"/{name}_drills"))


@dataclass
class Scratch:
    """A migrated database with an administrator and an API token, and the folder its files go to."""

    url: str
    token: str = ""

    @property
    def vendor(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgres"

    @property
    def folder(self) -> Path:
        return DRILLS_DIR / self.vendor

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @property
    def name(self) -> str:
        return Path(urlsplit(self.url).path).name

    def environment(self, **more: str) -> dict[str, str]:
        return {
            **os.environ,
            "CARTE_DATABASE_URL": self.url,
            "CARTE_VAR_DIR": str(self.folder),
            "CARTE_BACKUP_DIR": str(self.folder / "backups"),
            "CARTE_DEBUG": "0",
            "CARTE_ALLOWED_HOSTS": f"{HOST},localhost",
            "CARTE_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "carte.settings",
            **more,
        }

    def create(self) -> "Scratch":
        if "bench" not in self.name:
            raise ValueError(f"{self.url}: a drill database's name must contain 'bench'")
        self.drop()
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.vendor == "postgres":
            with self._maintenance() as link:
                link.execute(f'CREATE DATABASE "{self.name}"')
        said = helper(self, "setup")
        self.token = said["token"]
        if self.vendor == "postgres":
            self.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        return self

    def drop(self) -> None:
        if "bench" not in self.name:
            raise ValueError(f"{self.url}: a drill database's name must contain 'bench'")
        if self.vendor == "postgres":
            with self._maintenance() as link:
                link.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)

    def _maintenance(self):
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def query(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        """Rows of one statement, on a connection of its own (`%s` placeholders on both databases)."""
        link = self.connect()
        try:
            if self.vendor == "sqlite":
                return link.execute(sql.replace("%s", "?"), params).fetchall()
            return link.execute(sql, params).fetchall()
        finally:
            link.close()

    def execute(self, sql: str, params: list | tuple = ()) -> None:
        """One statement that answers no rows."""
        link = self.connect()
        try:
            link.execute(sql.replace("%s", "?") if self.vendor == "sqlite" else sql, params)
        finally:
            link.close()

    def integrity(self) -> list[str]:
        """What the database's own checks found wrong (nothing: an empty list)."""
        if self.vendor == "sqlite":
            said = [row[0] for row in self.query("PRAGMA integrity_check")]
            problems = [] if said == ["ok"] else said
            problems += [f"foreign key: {row}" for row in self.query("PRAGMA foreign_key_check")]
            return problems
        indexes = self.query(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public'"
        )
        problems = []
        for (index,) in indexes:
            try:
                self.query("SELECT bt_index_check(%s::regclass, true)", [index])
            except Exception as exc:  # amcheck says what is wrong in its error
                problems.append(f"{index}: {str(exc).strip().splitlines()[0]}")
        return problems

    def half_written_clients(self) -> list[int]:
        """Clients of the drills missing part of what one creation writes together."""
        rows = self.query(
            "SELECT c.id FROM clients_client c WHERE c.name LIKE %s AND ("
            "(SELECT COUNT(*) FROM clients_phone p WHERE p.client_id = c.id) <> 1 "
            "OR (SELECT COUNT(*) FROM clients_timelineentry t WHERE t.client_id = c.id AND t.kind = 'created') <> 1 "
            "OR (SELECT COUNT(*) FROM core_auditentry a WHERE a.model = 'clients.client' "
            "AND a.object_id = CAST(c.id AS VARCHAR(64)) AND a.verb = 'create') <> 1)",
            [f"{PREFIX} api %"],
        )
        return [row[0] for row in rows]


def helper(scratch: Scratch, *args: str) -> dict:
    """`python -m bench.drills ARGS` in the scratch database's environment; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.drills", *args],
        cwd=ROOT,
        env=scratch.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.drills {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Processes killed outright
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Killable:
    """A command in a session of its own; `kill()` sends SIGKILL to the whole group (kill -9 of it all)."""

    def __init__(self, command: list[str], environment: dict[str, str], log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=out, stderr=out, start_new_session=True
            )
        self.log = log

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)


def carte(*args: str) -> list[str]:
    return [sys.executable, "-m", "carte.cli", *args]


def serve(scratch: Scratch, port: int, *, workers: int = 1, jobs: bool = False) -> Killable:
    """`carte serve` on the scratch database, once it answers."""
    command = carte("serve", "--no-ami", "--host", HOST, "--port", str(port), "--workers", str(workers))
    if not jobs:
        command.append("--no-jobs")
    server = Killable(command, scratch.environment(), scratch.folder / "server.log")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"carte serve stopped at start (see {server.log})")
        try:
            status, _body = request(port, "GET", PROBE, token=scratch.token)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return server
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("carte serve did not answer within a minute")


def request(port: int, method: str, path: str, *, token: str, payload=None, link=None) -> tuple[int, bytes]:
    own = link is None
    link = link or http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        link.request(method, path, body=body, headers=headers)
        answer = link.getresponse()
        return answer.status, answer.read()
    finally:
        if own:
            link.close()


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


@dataclass
class Writes:
    """What writers were told: acknowledged clients (id → name) and notes, answers by status."""

    clients: dict[int, str] = field(default_factory=dict)
    notes: list[tuple[int, str]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    locked: int = 0  # answers that said "database is locked"
    broken: int = 0  # requests without an answer (the server died under them)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def server_errors(self) -> int:
        """5xx answers but the admission limit's 503: that one writes nothing and says when to try again."""
        return sum(count for status, count in self.statuses.items() if status >= 500 and status != BUSY)

    @property
    def shed(self) -> int:
        return self.statuses[BUSY]


def client_payload(name: str, number: int) -> dict:
    digits = f"{number % 10**8:08d}"
    return {"name": name, "phones": [{"number": f"+33 1 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"}]}


def write(port: int, token: str, writes: Writes, label: str, stop: threading.Event, *, notes: bool, seed: int) -> None:
    """Create clients (and, with `notes`, add notes to acknowledged ones) until `stop` or the server dies."""
    chance = random.Random(seed)
    link = http.client.HTTPConnection(HOST, port, timeout=60)
    counter = 0
    try:
        while not stop.is_set():
            counter += 1
            with writes.lock:
                known = list(writes.clients)
            if notes and known and chance.random() < 0.4:
                client = chance.choice(known)
                text = f"{PREFIX} note {label}-{counter}"
                method, path, payload = "POST", f"/api/v1/clients/{client}/notes", {"text": text}
            else:
                name = f"{PREFIX} api {label}-{counter}"
                method, path, payload = "POST", "/api/v1/clients", client_payload(name, seed * 10**6 + counter)
            try:
                status, body = request(port, method, path, token=token, payload=payload, link=link)
            except (OSError, http.client.HTTPException):
                with writes.lock:
                    writes.broken += 1
                return
            if status == BUSY:
                stop.wait(RETRY_AFTER_SECONDS)  # as its Retry-After asks
            with writes.lock:
                writes.statuses[status] += 1
                writes.locked += LOCKED in body
                if status == 201 and path.endswith("/notes"):
                    writes.notes.append((client, text))
                elif status == 201:
                    writes.clients[json.loads(body)["id"]] = name
    finally:
        link.close()


def missing_writes(scratch: Scratch, writes: Writes) -> list[str]:
    """Acknowledged writes the database does not hold (as they were acknowledged)."""
    missing = []
    ids = list(writes.clients)
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        sql = f"SELECT id, name FROM clients_client WHERE id IN ({marks})"  # noqa: S608 - placeholders only
        found.update(scratch.query(sql, chunk))
    missing += [f"client {pk} {name!r}" for pk, name in writes.clients.items() if found.get(pk) != name]
    if writes.notes:
        noted = {
            (client, summary)
            for client, summary in scratch.query(
                "SELECT client_id, summary FROM clients_timelineentry WHERE kind = 'note' AND summary LIKE %s",
                [f"{PREFIX} note %"],
            )
        }
        missing += [f"note {text!r} of client {client}" for client, text in writes.notes if (client, text) not in noted]
    return missing


# ---------------------------------------------------------------------------------------------
# (a) The server
# ---------------------------------------------------------------------------------------------


def drill_server(scratch: Scratch, *, kills: int = KILLS, seed: int = 1, say=print) -> dict:
    """Kill the server under writers `kills` times; after each, every acknowledged write is there, whole."""
    chance = random.Random(f"{seed}:server")
    total = Writes()
    problems: list[str] = []
    rounds = []
    for number in range(kills):
        port = free_port()
        server = serve(scratch, port)
        writes, stop = Writes(), threading.Event()
        threads = [
            threading.Thread(
                target=write,
                args=(port, scratch.token, writes, f"s{number}w{index}", stop),
                kwargs={"notes": False, "seed": seed * 1000 + number * 10 + index},
            )
            for index in range(SERVER_WRITERS)
        ]
        for thread in threads:
            thread.start()
        delay = chance.uniform(0.2, 2.5)
        time.sleep(delay)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        lost = missing_writes(scratch, writes)
        half = scratch.half_written_clients()
        broken = scratch.integrity()
        problems += lost[:5] + [f"half-written client {pk}" for pk in half[:5]] + broken[:5]
        rounds.append({"after_s": round(delay, 2), "acknowledged": len(writes.clients), "unanswered": writes.broken})
        total.clients.update(writes.clients)
        total.statuses.update(writes.statuses)
        total.broken += writes.broken
        if lost or half or broken:
            say(f"    kill {number + 1}: {len(lost)} lost, {len(half)} half-written, integrity {broken[:2]}")
    lost_at_end = missing_writes(scratch, total)
    return {
        "name": "drill server",
        "database": scratch.vendor,
        "kills": kills,
        "acknowledged": len(total.clients),
        "unanswered": total.broken,
        "statuses": {str(status): count for status, count in sorted(total.statuses.items())},
        "lost": len(lost_at_end),
        "half_written": len(scratch.half_written_clients()),
        "integrity": "ok" if not scratch.integrity() else "BROKEN",
        "problems": problems[:20],
        "rounds": rounds,
        "met": not problems and not lost_at_end and total.server_errors == 0 and len(total.clients) > 0,
    }


# ---------------------------------------------------------------------------------------------
# (b) The worker during an import
# ---------------------------------------------------------------------------------------------


def write_import_csv(path: Path, label: str, rows: int, number: int) -> None:
    """A CSV of `rows` new companies, each with an email and a phone no other import has (the import's
    `number` is in both); names say which import made them."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Name", "Email", "Phone", "City"])
        for index in range(rows):
            digits = f"{number % 100:02d}{index:06d}"
            writer.writerow(
                [
                    f"{label} row {index}",
                    f"row{index}.{label.replace(' ', '-').lower()}@drill.example",
                    f"+33 9 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}",
                    "Lyon",
                ]
            )


@dataclass(frozen=True)
class ImportState:
    status: str
    rows_done: int
    total: int | None
    created: int
    skipped: int
    failed: int
    clients: int  # clients whose name says they come from this import
    distinct: int  # of them, with different names

    def half_batch(self) -> bool:
        """Rows saved that are not whole batches (the last one excepted), or clients the counters do not count."""
        whole = self.rows_done % BATCH == 0 or (self.total is not None and self.rows_done == self.total)
        counted = self.created + self.skipped + self.failed == self.rows_done
        return not whole or not counted or self.clients != self.created or self.distinct != self.clients


def import_state(scratch: Scratch, import_id: int, label: str) -> ImportState:
    row = scratch.query(
        "SELECT status, rows_done, total_rows, created, skipped, failed FROM transfer_import WHERE id = %s",
        [import_id],
    )[0]
    clients, distinct = scratch.query(
        "SELECT COUNT(*), COUNT(DISTINCT name) FROM clients_client WHERE name LIKE %s", [f"{label} row %"]
    )[0]
    return ImportState(*row, clients=clients, distinct=distinct)


def _wait_for(check, timeout: float, pause: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(pause)
    return None


def _import_reaches(scratch: Scratch, import_id: int, label: str, statuses: tuple[str, ...], timeout: float) -> bool:
    return bool(_wait_for(lambda: import_state(scratch, import_id, label).status in statuses, timeout, 0.05))


def drill_worker(scratch: Scratch, *, kills: int = KILLS, rows: int = IMPORT_ROWS, seed: int = 1, say=print) -> dict:
    """Kill `carte worker` during imports until `kills` kills landed while one ran; check every batch."""
    chance = random.Random(f"{seed}:worker")
    landed = missed = resumed = failed_visibly = stuck = 0
    problems: list[str] = []
    imports_done: list[int] = []
    labels: dict[int, str] = {}
    number = 0
    current: tuple[int, str] | None = None
    run_seconds: list[float] = []
    while landed < kills:
        if current is None:
            number += 1
            label = f"{PREFIX} import {number}"
            path = scratch.folder / f"drill-import-{number}.csv"
            write_import_csv(path, label, rows, number)
            current = (helper(scratch, "import", str(path), label)["import"], label)
            labels[current[0]] = label
        import_id, label = current
        worker = Killable(carte("worker"), scratch.environment(), scratch.folder / "worker.log")
        if not _import_reaches(scratch, import_id, label, ("running", "done", "failed"), 60):
            worker.kill()
            stuck += 1
            status = import_state(scratch, import_id, label).status
            problems.append(f"import {import_id} did not start within a minute (status {status})")
            break
        delay = chance.uniform(0.0, 1.2)
        started = time.monotonic()
        time.sleep(delay)
        worker.kill()
        state = import_state(scratch, import_id, label)
        if state.status == "running":
            landed += 1
        else:
            missed += 1
        if state.half_batch():
            problems.append(f"kill {landed}: half a batch in import {import_id}: {state}")
        if state.status == "running":
            # The worker died: as STALLED_AFTER later, the periodic job queues the run again.
            scratch.execute(
                "UPDATE transfer_import SET heartbeat_at = %s WHERE id = %s", [_long_ago(scratch), import_id]
            )
            if import_id not in helper(scratch, "resume")["resumed"]:
                problems.append(f"import {import_id}: the stalled run was not queued again")
            resumed += 1
        elif state.status == "failed":
            failed_visibly += 1
            helper(scratch, "resume-failed", str(import_id))
        elif state.status == "done":
            run_seconds.append(time.monotonic() - started)
            imports_done.append(import_id)
            current = None
        elif state.status != "queued":
            problems.append(f"import {import_id} is {state.status} after a kill")
            current = None
    # The last import runs to its end with nobody killing the worker.
    if current is not None:
        import_id, label = current
        worker = Killable(carte("worker"), scratch.environment(), scratch.folder / "worker.log")
        ended = _import_reaches(scratch, import_id, label, ("done", "failed"), 300)
        worker.kill()
        if not ended:
            stuck += 1
            problems.append(f"import {import_id} did not end within 5 minutes after the last kill")
        else:
            imports_done.append(import_id)
    finals = []
    for import_id in imports_done:
        state = import_state(scratch, import_id, labels[import_id])
        finals.append(state)
        if state.status != "done" or state.created != rows or state.clients != rows or state.distinct != rows:
            problems.append(f"import {import_id} ended {state}")
    broken = scratch.integrity()
    return {
        "name": "drill worker",
        "database": scratch.vendor,
        "kills": landed,
        "kills_after_the_end": missed,
        "rows_per_import": rows,
        "imports": number,
        "imports_complete": sum(1 for state in finals if state.status == "done" and state.clients == rows),
        "resumed_after_stall": resumed,
        "failed_visibly": failed_visibly,
        "stuck": stuck,
        "integrity": "ok" if not broken else "BROKEN",
        "problems": (problems + broken)[:20],
        "met": not problems and not broken and landed >= kills,
    }


def _long_ago(scratch: Scratch) -> str:
    """An hour ago, as the database stores times (past STALLED_AFTER)."""
    from datetime import UTC, datetime, timedelta

    moment = datetime.now(UTC) - timedelta(hours=1)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if scratch.vendor == "sqlite" else moment.isoformat()


# ---------------------------------------------------------------------------------------------
# (c) A backup
# ---------------------------------------------------------------------------------------------


def archive_names(folder: Path) -> set[str]:
    """Names in the backup folder that look like complete archives (carte.backups.engine.ARCHIVE_NAME)."""
    from carte.backups.engine import ARCHIVE_NAME

    return {path.name for path in folder.glob("*") if ARCHIVE_NAME.match(path.name)} if folder.is_dir() else set()


def _verify_databases(scratch: Scratch) -> set[str]:
    if scratch.vendor != "postgres":
        return set()
    with scratch._maintenance() as link:
        return {row[0] for row in link.execute("SELECT datname FROM pg_database WHERE datname LIKE 'carte_verify_%'")}


def _backup(scratch: Scratch) -> subprocess.CompletedProcess:
    return subprocess.run(
        carte("backup"), cwd=ROOT, env=scratch.environment(), capture_output=True, text=True, check=False
    )


def _last_backup(scratch: Scratch) -> int:
    return scratch.query("SELECT COALESCE(MAX(id), 0) FROM backups_backup")[0][0]


def _backup_began(scratch: Scratch, process: "Killable", after: int) -> bool:
    """Until `carte backup` has recorded its run (Django is up, the archive begins), or has ended."""
    found = _wait_for(
        lambda: not process.alive() or bool(scratch.query("SELECT 1 FROM backups_backup WHERE id > %s", [after])),
        START_TIMEOUT,
        0.01,
    )
    return bool(found) and process.alive()


def _archive_seconds(scratch: Scratch, after: int) -> float:
    """How long writing the archive took in the run recorded after `after` (finished_at is set once it is written)."""
    from datetime import datetime

    row = scratch.query("SELECT started_at, finished_at FROM backups_backup WHERE id > %s ORDER BY id", [after])
    if not row or row[0][1] is None:
        return 0.5
    started, finished = (value if isinstance(value, datetime) else datetime.fromisoformat(value) for value in row[0])
    return max((finished - started).total_seconds(), 0.05)


def _phase_of(scratch: Scratch, after: int) -> str:
    """Where the run killed was: not begun, writing the archive, verifying it, or past both."""
    rows = scratch.query("SELECT status, verification FROM backups_backup WHERE id > %s ORDER BY id", [after])
    if not rows:
        return "starting"
    status, verification = rows[0]
    if status == "running":
        return "archiving"
    return "verifying" if verification in ("", "verifying") else "after"


def drill_backup(scratch: Scratch, *, kills: int = KILLS, seed: int = 1, say=print) -> dict:
    """Kill `carte backup` at random moments of its work; what looks like an archive verifies, and the
    next backup succeeds."""
    chance = random.Random(f"{seed}:backup")
    folder = scratch.folder / "backups"
    last = _last_backup(scratch)
    backup = Killable(carte("backup"), scratch.environment(), scratch.folder / "backup.log")
    _backup_began(scratch, backup, last)
    began = time.monotonic()
    code = backup.wait(timeout=600)
    work_seconds = time.monotonic() - began
    archive_seconds = _archive_seconds(scratch, last)
    problems = [] if code == 0 else [f"the first backup failed (exit status {code}, see {backup.log})"]
    verify_before = _verify_databases(scratch)
    leaked: set[str] = set()
    refused = verified = landed = 0
    phases: Counter = Counter()
    number = -1
    while landed < kills and number < 3 * kills:  # a kill drawn after the process ended does not count
        number += 1
        before, last = archive_names(folder), _last_backup(scratch)
        backup = Killable(carte("backup"), scratch.environment(), scratch.folder / "backup.log")
        alive = False
        if _backup_began(scratch, backup, last):
            # Every other kill within the archive's writing (short on a small database), the others anywhere.
            time.sleep(chance.uniform(0.0, archive_seconds if number % 2 == 0 else work_seconds))
            alive = backup.alive()
            landed += alive
        backup.kill()
        phases[_phase_of(scratch, last) if alive else "ended"] += 1
        leaked |= _verify_databases(scratch) - verify_before
        for name in sorted(archive_names(folder) - before):  # the kill came after the archive was renamed
            checked = subprocess.run(
                carte("backup", "verify", name),
                cwd=ROOT,
                env=scratch.environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            verified += 1
            if checked.returncode != 0:
                problems.append(f"kill {number + 1}: {name} looks complete but does not verify")
        after = _backup(scratch)
        if after.returncode != 0:
            refused += 1
            problems.append(f"kill {number + 1}: the next backup failed: {after.stderr.strip()[-200:]}")
            # What an administrator would otherwise wait STALLED_AFTER for: the dead run is closed.
            scratch.execute("UPDATE backups_backup SET status = 'failed' WHERE status = 'running'")
    partial = sorted(path.name for path in folder.glob("*.partial")) if folder.is_dir() else []
    stale = scratch.query("SELECT COUNT(*) FROM backups_backup WHERE status = 'running' OR verification = 'verifying'")[
        0
    ][0]
    still_leaked = leaked & _verify_databases(scratch)
    _drop_databases(scratch, still_leaked)
    broken = scratch.integrity()
    return {
        "name": "drill backup",
        "database": scratch.vendor,
        "kills": landed,
        "backup_seconds": round(work_seconds, 1),
        "archive_seconds": round(archive_seconds, 2),
        "killed_while": dict(phases),
        "archives_verified_after_kill": verified,
        "rows_still_running_or_verifying": stale,
        "next_backup_refused": refused,
        "partial_files_left": len(partial),
        "scratch_databases_left": len(still_leaked),
        "integrity": "ok" if not broken else "BROKEN",
        "problems": (problems + broken)[:20],
        "met": not problems and not broken and landed >= kills,
    }


def _drop_databases(scratch: Scratch, names: set[str]) -> None:
    if not names:
        return
    with scratch._maintenance() as link:
        for name in names:
            link.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# (d) Writers racing on SQLite
# ---------------------------------------------------------------------------------------------


def drill_writers(scratch: Scratch, *, seconds: float = WRITERS_SECONDS, writers: int = WRITERS, seed: int = 1) -> dict:
    """Two web processes and a worker importing, `writers` threads writing: never "database is locked"."""
    path = scratch.folder / "drill-writers.csv"
    label = f"{PREFIX} import writers"
    write_import_csv(path, label, IMPORT_ROWS, 99)
    import_id = helper(scratch, "import", str(path), label)["import"]
    port = free_port()
    server = serve(scratch, port, workers=2, jobs=True)
    writes, stop = Writes(), threading.Event()
    threads = [
        threading.Thread(
            target=write,
            args=(port, scratch.token, writes, f"w{index}", stop),
            kwargs={"notes": True, "seed": seed * 100 + index},
        )
        for index in range(writers)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        imported = _import_reaches(scratch, import_id, label, ("done", "failed"), 120)
    finally:
        server.kill()
    state = import_state(scratch, import_id, label)
    lost = missing_writes(scratch, writes)
    broken = scratch.integrity()
    requests = sum(writes.statuses.values())
    return {
        "name": "drill writers",
        "database": scratch.vendor,
        "writers": writers,
        "web_processes": 2,
        "seconds": seconds,
        "requests": requests,
        "per_second": round(requests / seconds, 1),
        "statuses": {str(status): count for status, count in sorted(writes.statuses.items())},
        "locked": writes.locked,
        "server_errors": writes.server_errors,
        "shed": writes.shed,
        "unanswered": writes.broken,
        "lost": len(lost),
        "import": state.status,
        "import_rows": state.clients,
        "integrity": "ok" if not broken else "BROKEN",
        "met": bool(imported)
        and state.status == "done"
        and writes.locked == 0
        and writes.server_errors == 0
        and writes.broken == 0
        and not lost
        and not broken
        and requests > 0,
    }


# ---------------------------------------------------------------------------------------------
# The checks `python -m bench --scenario drill-…` runs
# ---------------------------------------------------------------------------------------------


def _bench_url() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return os.environ["CARTE_DATABASE_URL"]


def _in_scratch(name: str, drill, seed: int, **options) -> dict:
    from django.db import connections

    connections.close_all()
    scratch = Scratch(scratch_url(_bench_url()))
    started = time.perf_counter()
    try:
        scratch.create()
        result = drill(scratch, seed=seed, **options)
    except Exception as exc:  # the drill could not run: say why in the results
        result = {"name": name, "database": scratch.vendor, "error": str(exc)[:500], "met": False}
    finally:
        scratch.drop()
    return result | {"total_seconds": round(time.perf_counter() - started, 1)}


def check_server(seed: int) -> dict:
    return _in_scratch("drill server", drill_server, seed)


def check_worker(seed: int) -> dict:
    return _in_scratch("drill worker", drill_worker, seed)


def check_backup(seed: int) -> dict:
    return _in_scratch("drill backup", drill_backup, seed)


def check_writers(seed: int) -> dict:
    if not _bench_url().startswith("sqlite"):
        return {"name": "drill writers", "skipped": "SQLite only (PostgreSQL has no database-wide write lock)"}
    return _in_scratch("drill writers", drill_writers, seed)


def line(check: dict) -> str:
    """One line of a drill's result for the table."""
    name = check["name"]
    if check.get("error"):
        return f"{name}: could not run: {check['error']}"
    result = "ok" if check["met"] else "FAILED"
    problems = f"; {'; '.join(check['problems'][:3])}" if check.get("problems") else ""
    if name == "drill server":
        return (
            f"{name}: {check['kills']} kills -9 under writers, {check['acknowledged']:,} acknowledged clients, "
            f"{check['lost']} lost, {check['half_written']} half-written, {check['unanswered']} unanswered at the "
            f"kills, {check['statuses'].get('503', 0)} shed (503), integrity {check['integrity']}: {result}{problems}"
        )
    if name == "drill worker":
        return (
            f"{name}: {check['kills']} kills -9 during {check['imports']} imports of {check['rows_per_import']:,} "
            f"rows, resumed {check['resumed_after_stall']} times after a stall, {check['failed_visibly']} failed "
            f"visibly, {check['stuck']} stuck, {check['imports_complete']} complete with every row once, "
            f"integrity {check['integrity']}: {result}{problems}"
        )
    if name == "drill backup":
        return (
            f"{name}: {check['kills']} kills -9 of `carte backup` ({check['backup_seconds']} s each), "
            f"{check['archives_verified_after_kill']} archives renamed before the kill verified, next backup "
            f"refused {check['next_backup_refused']} times, {check['partial_files_left']} partial files and "
            f"{check['scratch_databases_left']} scratch databases left, integrity {check['integrity']}: "
            f"{result}{problems}"
        )
    return (
        f"{name}: {check['writers']} writers on {check['web_processes']} web processes and an import for "
        f"{check['seconds']} s, {check['requests']:,} writes ({check['per_second']}/s), {check['locked']} "
        f"'database is locked', {check['server_errors']} 5xx, {check.get('shed', 0)} shed (503), {check['lost']} lost, "
        f"import {check['import']}: "
        f"{result}"
    )


# ---------------------------------------------------------------------------------------------
# Helpers run inside the scratch database's environment
# ---------------------------------------------------------------------------------------------


def _setup() -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from carte.accounts import services as accounts
    from carte.accounts.models import Role

    call_command("migrate", interactive=False, verbosity=0)
    admin = get_user_model().objects.create_user(
        username="drills", first_name="Drill", last_name="Admin", role=Role.objects.get(key="administrator")
    )
    _token, plain = accounts.create_token(actor=admin, name="drills")
    return {"token": plain, "employee": admin.pk}


def _start_import(path: str, label: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from carte.transfer.services import imports

    actor = get_user_model().objects.get(username="drills")
    with open(path, "rb") as handle:
        source = imports.upload(actor=actor, target_key="clients", file=File(handle), file_name=Path(path).name)
    source = imports.configure(actor=actor, source=source, mapping=source.mapping, options={"duplicates": "skip"})
    source = imports.start_run(actor=actor, source=source)
    return {"import": source.pk, "label": label}


def _resume_stalled() -> dict:
    from carte.transfer import tasks

    before = set(_queued())
    tasks.resume_stalled_imports.call_local()
    return {"resumed": sorted(set(_queued()) - before)}


def _queued() -> list[int]:
    from carte.transfer.models import Import

    return list(Import.objects.filter(status=Import.Status.QUEUED).values_list("pk", flat=True))


def _resume_failed(import_id: str) -> dict:
    from django.contrib.auth import get_user_model

    from carte.transfer.models import Import
    from carte.transfer.services import imports

    actor = get_user_model().objects.get(username="drills")
    source = imports.resume(actor=actor, source=Import.objects.get(pk=int(import_id)))
    return {"import": source.pk, "status": source.status}


def main(args: list[str]) -> int:
    import django

    django.setup()
    command, rest = args[0], args[1:]
    said = {
        "setup": _setup,
        "import": _start_import,
        "resume": _resume_stalled,
        "resume-failed": _resume_failed,
    }[command](*rest)
    print(json.dumps(said))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
