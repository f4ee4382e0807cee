"""Load on the real server: a realistic mix at a fixed arrival rate, a spike, and a soak for memory.

`carte serve` (uvicorn, the production stack; LOAD_WORKERS web processes, or --server-workers
when larger) runs on the bench database; an open-loop generator sends requests at a fixed
arrival rate whatever the answers do: each request has its moment, and its time is counted
from that moment, so a server that falls behind shows it in the times (no coordinated
omission). Threads with keep-alive connections send them; a thread is taken per request in
flight, so a slow server gets more connections, as from more people.

The mix (per request, drawn with the seed): 70 % reads — the clients list and cards, the deal
card, the board, the tasks list as the seller's and the manager's browser sessions, the API's
client list and card with the seller's token —, 20 % writes — a task planned, a task changed, a
note added to a card, through the API —, 10 % search — the clients list's search box, the
global search, the API search.

- `load`: WARMUP_SECONDS untimed, then LOAD_SECONDS (5 minutes) at LOAD_RATE (100/s); p50/p95
  per class, statuses, the server processes' memory. Targets: read p95 < 300 ms, write p95
  < 800 ms, no 5xx (the admission limit's 503 included: at the steady rate nothing is shed).
- `spike`: BASE_SECONDS at 100/s, SPIKE_SECONDS at 300/s, then AFTER_SECONDS at 100/s. Any
  answer but 2xx, 429 or 503 (with Retry-After), an unanswered request or a dead server fails
  it; the recovery time is from the end of the spike to the first second from which every
  RECOVERY_WINDOW-second window is within the targets again (target: 30 s).
- `soak`: SOAK_RATE (30/s) for CARTE_BENCH_SOAK_MINUTES (30 by default) minutes; the resident
  memory of the server's processes every SAMPLE_SECONDS; growth from the first minute after
  warm-up to the last one. Target: at most 10 %. Only when named (`--scenario soak`).

Everything the load writes (tasks, notes, audit entries, notifications, sessions) is removed
afterwards, so the data set stays as built. PostgreSQL only: the targets are for it (on
SQLite the checks say so and skip).
"""

import http.client
import json
import os
import queue
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HOST = "127.0.0.1"

LOAD_WORKERS = 2  # web processes: one per core of the reference machine
LOAD_RATE = int(os.environ.get("CARTE_BENCH_LOAD_RATE", 100))
LOAD_SECONDS = 300
WARMUP_SECONDS = 20
SPIKE_RATE = 300
BASE_SECONDS = 30
SPIKE_SECONDS = 30
AFTER_SECONDS = 60
RECOVERY_TARGET_S = 30
RECOVERY_WINDOW = 5
SOAK_RATE = 30
SOAK_MINUTES = 30
SOAK_GROWTH_TARGET = 0.10
SAMPLE_SECONDS = 10
TARGETS_MS = {"read": 300, "write": 800}
MIX = (("read", 0.70), ("write", 0.20), ("search", 0.10))
MAX_THREADS = 400  # requests in flight at most (beyond, they wait: their time still counts)
SHEDDING = (429, 503)


# ---------------------------------------------------------------------------------------------
# What is sent
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One request: its class, method, path, body and who sends it."""

    kind: str  # read, write, search
    label: str
    method: str
    path: str
    as_who: str  # seller, manager (sessions) or api (the seller's token)
    body: dict | None = None


@dataclass
class Mix:
    """Draws requests in the issue's proportions from the sample's records."""

    sample: object  # a bench.sample.Sample (that module needs Django set up; the table is printed without it)
    seed: int
    tasks: list[int] = field(default_factory=list)  # tasks the load planned: changed by later writes
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        from django.urls import reverse

        from bench import scenarios
        from carte.clients.models import Client

        self.chance = random.Random(f"{self.seed}:load")
        # Notes are added to the seller's own clients: most cards they may read they may not change.
        self.own_clients = list(
            Client.objects.filter(owner=self.sample.seller).order_by("pk").values_list("pk", flat=True)[:200]
        )
        self.counter = 0
        self.pages = [
            ("list", "seller", scenarios.list_url),
            ("card", "seller", scenarios.card_url),
            ("deal card", "seller", scenarios.deal_url),
            ("board", "manager", scenarios.board_url),
            ("tasks", "seller", lambda sample, index: reverse("planner:task_list")),
            ("api list", "api", scenarios.api_list_url),
            ("api card", "api", scenarios.api_card_url),
        ]
        self.searches = [
            ("search", "seller", scenarios.search_url("names")),
            ("global search", "seller", scenarios.global_search_url),
            ("api search", "api", scenarios.api_search_url),
        ]

    def kind(self, draw: float) -> str:
        total = 0.0
        for kind, share in MIX:
            total += share
            if draw < total:
                return kind
        return MIX[-1][0]

    def next(self) -> Planned:
        with self.lock:
            self.counter += 1
            index, draw, pick = self.counter, self.chance.random(), self.chance.random()
            known = self.tasks[-200:]
            task = self.chance.choice(known) if known else None
        kind = self.kind(draw)
        if kind == "read":
            label, who, url = self.pages[int(pick * len(self.pages))]
            return Planned(kind, label, "GET", url(self.sample, index), who)
        if kind == "search":
            label, who, url = self.searches[int(pick * len(self.searches))]
            return Planned(kind, label, "GET", url(self.sample, index), who)
        client = self.sample.nth(self.sample.cards, index)
        due = (datetime.now(UTC) + timedelta(days=1 + index % 20)).replace(microsecond=0).isoformat()
        if pick < 0.4 or task is None:
            body = {"title": f"Load task {index}", "due_at": due, "client_id": client}
            return Planned("write", "task planned", "POST", "/api/v1/tasks", "api", body)
        if pick < 0.7:
            body = {"title": f"Load task {index} (changed)", "due_at": due}
            return Planned("write", "task changed", "PATCH", f"/api/v1/tasks/{task}", "api", body)
        body = {"text": f"Load note {index}"}
        own = self.sample.nth(self.own_clients, index)
        return Planned("write", "note", "POST", f"/api/v1/clients/{own}/notes", "api", body)

    def note_answer(self, planned: Planned, status: int, body: bytes) -> None:
        if planned.label == "task planned" and status == 201:
            with self.lock:
                self.tasks.append(json.loads(body)["id"])


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """A request's outcome: when it was due (seconds from the start), its time, its answer."""

    due: float
    kind: str
    label: str
    ms: float
    status: int  # 0: no answer (the connection failed)
    retry_after: bool


def arrivals(rate: float, seconds: float, start: float = 0.0) -> list[float]:
    """Evenly spaced moments at `rate` per second for `seconds`, from `start`."""
    count = int(round(rate * seconds))
    return [start + index / rate for index in range(count)]


def schedule(phases: list[tuple[float, float]]) -> list[float]:
    """The moments of consecutive phases, each (rate, seconds)."""
    moments, start = [], 0.0
    for rate, seconds in phases:
        moments += arrivals(rate, seconds, start)
        start += seconds
    return moments


class Generator:
    """Sends the planned requests at their moments from a pool of threads with keep-alive connections."""

    def __init__(self, port: int, headers: dict[str, dict[str, str]], mix: Mix):
        self.port, self.headers, self.mix = port, headers, mix
        self.due: queue.Queue = queue.Queue()
        self.done: list[Done] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.idle = 0

    def _worker(self) -> None:
        link = http.client.HTTPConnection(HOST, self.port, timeout=60)
        while True:
            item = self.due.get()
            if item is None:
                break
            moment, started_at = item
            planned = self.mix.next()
            body = json.dumps(planned.body).encode() if planned.body is not None else None
            headers = dict(self.headers[planned.as_who])
            if body is not None:
                headers["Content-Type"] = "application/json"
            status, answer, retry = 0, b"", False
            for attempt in (1, 2):
                try:
                    link.request(planned.method, planned.path, body=body, headers=headers)
                    response = link.getresponse()
                    status, answer = response.status, response.read()
                    retry = response.getheader("Retry-After") is not None
                    if response.getheader("Connection", "").lower() == "close":
                        link.close()
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as failure:
                    # The server closed an idle keep-alive connection as this request left: sent again once,
                    # on a new connection, as browsers and HTTP libraries do.
                    link.close()
                    link = http.client.HTTPConnection(HOST, self.port, timeout=60)
                    if attempt == 2 or not isinstance(failure, (http.client.RemoteDisconnected, BrokenPipeError)):
                        break
                except (OSError, http.client.HTTPException):
                    link.close()
                    link = http.client.HTTPConnection(HOST, self.port, timeout=60)
                    break
            ms = (time.perf_counter() - (started_at + moment)) * 1000
            self.mix.note_answer(planned, status, answer)
            with self.lock:
                self.done.append(Done(moment, planned.kind, planned.label, ms, status, retry))
                self.idle += 1
        link.close()

    def run(self, moments: list[float], on_second=None) -> list[Done]:
        """Send a request at each moment (seconds from now); answers when every one has its answer."""
        started_at = time.perf_counter()
        second = 0
        for moment in moments:
            while True:
                now = time.perf_counter() - started_at
                if now >= moment:
                    break
                if on_second and now >= second:
                    on_second(second)
                    second += 1
                time.sleep(min(moment - now, 0.005))
            with self.lock:
                spare = self.idle > 0
                if spare:
                    self.idle -= 1
            if not spare and len(self.threads) < MAX_THREADS:
                thread = threading.Thread(target=self._worker, daemon=True)
                thread.start()
                self.threads.append(thread)
            self.due.put((moment, started_at))
        for _thread in self.threads:
            self.due.put(None)
        for thread in self.threads:
            thread.join()
        return sorted(self.done, key=lambda done: done.due)


# ---------------------------------------------------------------------------------------------
# The server's memory
# ---------------------------------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """`root` and every process below it (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def rss_mb(pids: list[int]) -> float:
    """The resident memory of the processes together, in MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    from bench.runner import percentile as runner_percentile  # bench.runner needs Django set up

    return runner_percentile(values, share)


def figures(done: list[Done]) -> dict:
    """p50/p95 per class, statuses, and the share of the requests answered."""
    by_kind: dict[str, dict] = {}
    for kind, _share in MIX:
        times = [item.ms for item in done if item.kind == kind and item.status and item.status < 500]
        by_kind[kind] = {
            "requests": sum(1 for item in done if item.kind == kind),
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(percentile(times, 0.95), 1) if times else None,
        }
    statuses = Counter(item.status for item in done)
    return {
        "classes": by_kind,
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "server_errors": sum(count for status, count in statuses.items() if status >= 500 and status not in SHEDDING),
        "unanswered": statuses.get(0, 0),
        "slowest_labels": _slowest(done),
        "refusals": dict(Counter(f"{item.label} {item.status}" for item in done if item.status >= 400)),
    }


def _slowest(done: list[Done]) -> dict[str, float]:
    """p95 per request label, slowest first: what dominates."""
    labels: dict[str, list[float]] = {}
    for item in done:
        if item.status and item.status < 500:
            labels.setdefault(item.label, []).append(item.ms)
    p95 = {label: round(percentile(times, 0.95), 1) for label, times in labels.items()}
    return dict(sorted(p95.items(), key=lambda pair: -pair[1]))


def within_targets(done: list[Done]) -> bool:
    for kind, target in TARGETS_MS.items():
        times = [item.ms for item in done if item.kind == kind and item.status and item.status < 500]
        if times and percentile(times, 0.95) >= target:
            return False
    return True


def recovery_seconds(done: list[Done], spike_end: float, end: float, window: int = RECOVERY_WINDOW) -> float | None:
    """Seconds from `spike_end` to the first second from which every `window`-second window meets the targets."""
    starts = list(range(int(spike_end), int(end) - window + 1))
    good = [within_targets([item for item in done if start <= item.due < start + window]) for start in starts]
    for position, start in enumerate(starts):
        if all(good[position:]):
            return float(start - spike_end)
    return None


def bad_answers(done: list[Done]) -> dict:
    """What a graceful degradation never gives: a server error that is not 429/503, 429/503 without
    Retry-After, or no answer. (A 403 or 409 is the application's answer at any load, not a failure.)"""
    return {
        "errors": sum(1 for item in done if item.status >= 500 and item.status not in SHEDDING),
        "shed_without_retry_after": sum(1 for item in done if item.status in SHEDDING and not item.retry_after),
        "unanswered": sum(1 for item in done if item.status == 0),
    }


# ---------------------------------------------------------------------------------------------
# Running them
# ---------------------------------------------------------------------------------------------


def _written_since() -> dict:
    from carte.clients.models import TimelineEntry
    from carte.core.models import AuditEntry
    from carte.planner.models import Task
    from carte.workspace.models import Notification

    return {
        model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for model in (Task, TimelineEntry, AuditEntry, Notification)
    }


def _remove_written(before: dict, cookies: list[str]) -> None:
    from django.contrib.sessions.models import Session

    for model, last in before.items():
        model.objects.filter(pk__gt=last).delete()
    Session.objects.filter(session_key__in=[cookie.split("=", 1)[1] for cookie in cookies]).delete()


def _workers(options) -> int:
    return max(LOAD_WORKERS, getattr(options, "server_workers", 1))


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _run(sample, options, phases: list[tuple[float, float]], *, sample_memory: bool = False) -> dict:
    """`phases` (rate, seconds) against a fresh server; the outcomes, the memory samples, whether it lived."""
    from django.db import connections

    from bench.phones import Server, _session_cookie

    before = _written_since()
    cookies = {"seller": _session_cookie(sample.seller), "manager": _session_cookie(sample.manager)}
    connections.close_all()
    headers = {
        "seller": {"Cookie": cookies["seller"]},
        "manager": {"Cookie": cookies["manager"]},
        "api": {"Authorization": f"Bearer {sample.token}"},
    }
    memory: list[tuple[int, float]] = []
    try:
        with Server(workers=_workers(options)) as server:
            tree = process_tree(server.process.pid)

            def on_second(second: int) -> None:
                if sample_memory and second % SAMPLE_SECONDS == 0:
                    memory.append((second, rss_mb(tree)))

            generator = Generator(server.port, headers, Mix(sample, options.seed))
            rss_before = rss_mb(tree)
            done = generator.run(schedule(phases), on_second)
            alive = server.process.poll() is None and all(Path(f"/proc/{pid}").exists() for pid in tree)
            rss_after = rss_mb(tree)
    finally:
        _remove_written(before, list(cookies.values()))
    return {
        "done": done,
        "memory": memory,
        "alive": alive,
        "rss_mb": [rss_before, rss_after],
        "threads": len(generator.threads),
    }


def load(sample, options) -> dict:
    """The mix at LOAD_RATE for LOAD_SECONDS after WARMUP_SECONDS: p95 per class against the targets."""
    if not _on_postgres():
        return {"name": "load", "skipped": "PostgreSQL only (the targets are for the production database)"}
    seconds = float(os.environ.get("CARTE_BENCH_LOAD_SECONDS", LOAD_SECONDS))
    run = _run(sample, options, [(LOAD_RATE, WARMUP_SECONDS), (LOAD_RATE, seconds)])
    timed = [item for item in run["done"] if item.due >= WARMUP_SECONDS]
    result = figures(timed)
    classes = result["classes"]
    # At the steady rate a shed request is a failure too: the p95 counts only answered requests, and
    # a server shedding half of them could otherwise meet it.
    shed = sum(1 for item in timed if item.status in SHEDDING)
    met = (
        run["alive"]
        and result["server_errors"] == 0
        and shed == 0
        and result["unanswered"] == 0
        and all((classes[kind]["p95_ms"] or 0) < target for kind, target in TARGETS_MS.items())
    )
    return {
        "name": "load",
        "rate": LOAD_RATE,
        "seconds": seconds,
        "warmup_seconds": WARMUP_SECONDS,
        "web_processes": _workers(options),
        "requests": len(timed),
        **result,
        "shed": shed,
        "connections": run["threads"],
        "rss_mb": run["rss_mb"],
        "alive": run["alive"],
        "targets_ms": TARGETS_MS,
        "met": met,
    }


def spike(sample, options) -> dict:
    """100/s, then 300/s for SPIKE_SECONDS, then 100/s: graceful answers only, and back within the targets in 30 s."""
    if not _on_postgres():
        return {"name": "spike", "skipped": "PostgreSQL only (the targets are for the production database)"}
    phases = [(LOAD_RATE, BASE_SECONDS), (SPIKE_RATE, SPIKE_SECONDS), (LOAD_RATE, AFTER_SECONDS)]
    run = _run(sample, options, phases)
    done = run["done"]
    spike_start, spike_end = BASE_SECONDS, BASE_SECONDS + SPIKE_SECONDS
    end = spike_end + AFTER_SECONDS
    during = [item for item in done if spike_start <= item.due < spike_end]
    bad = bad_answers(done)
    recovered = recovery_seconds(done, spike_end, end)
    shed = sum(1 for item in done if item.status in SHEDDING)
    return {
        "name": "spike",
        "rates": [LOAD_RATE, SPIKE_RATE, LOAD_RATE],
        "phase_seconds": [BASE_SECONDS, SPIKE_SECONDS, AFTER_SECONDS],
        "web_processes": _workers(options),
        "requests": len(done),
        "before": figures([item for item in done if item.due < spike_start])["classes"],
        "during": figures(during)["classes"],
        "after": figures([item for item in done if item.due >= spike_end])["classes"],
        "max_ms": round(max(item.ms for item in done), 1) if done else None,
        "shed": shed,
        **bad,
        "recovery_seconds": recovered,
        "recovery_target_seconds": RECOVERY_TARGET_S,
        "connections": run["threads"],
        "alive": run["alive"],
        "met": run["alive"] and not any(bad.values()) and recovered is not None and recovered <= RECOVERY_TARGET_S,
    }


def soak(sample, options) -> dict:
    """SOAK_RATE for CARTE_BENCH_SOAK_MINUTES: the web processes' memory may grow 10 % at most."""
    if not _on_postgres():
        return {"name": "soak", "skipped": "PostgreSQL only"}
    minutes = float(os.environ.get("CARTE_BENCH_SOAK_MINUTES", SOAK_MINUTES))
    run = _run(sample, options, [(SOAK_RATE, minutes * 60)], sample_memory=True)
    memory = run["memory"]
    growth = memory_growth(memory)
    result = figures(run["done"])
    return {
        "name": "soak",
        "rate": SOAK_RATE,
        "minutes": minutes,
        "web_processes": _workers(options),
        "requests": len(run["done"]),
        **result,
        "rss_mb_samples": memory,
        "rss_first_minute_mb": growth["first"],
        "rss_last_minute_mb": growth["last"],
        "growth": growth["growth"],
        "target_growth": SOAK_GROWTH_TARGET,
        "alive": run["alive"],
        "met": run["alive"]
        and result["server_errors"] == 0
        and growth["growth"] is not None
        and growth["growth"] <= SOAK_GROWTH_TARGET,
    }


def memory_growth(samples: list[tuple[int, float]], warmup: int = 60) -> dict:
    """Mean memory of the first minute after `warmup` seconds and of the last minute; the growth between."""
    kept = [(second, mb) for second, mb in samples if second >= warmup] or samples
    if len(kept) < 2:
        return {"first": None, "last": None, "growth": None}
    first_end, last_start = kept[0][0] + 60, kept[-1][0] - 60
    first = [mb for second, mb in kept if second < first_end] or [kept[0][1]]
    last = [mb for second, mb in kept if second > last_start] or [kept[-1][1]]
    first_mb, last_mb = statistics.mean(first), statistics.mean(last)
    return {"first": round(first_mb, 1), "last": round(last_mb, 1), "growth": round(last_mb / first_mb - 1, 3)}


def line(check: dict) -> str:
    """One line of a load check's result for the table."""
    name = check["name"]
    if check.get("skipped"):
        return f"{name}: skipped: {check['skipped']}"
    result = "ok" if check["met"] else "MISSED"
    if name == "load":
        classes = check["classes"]
        shown = ", ".join(
            f"{kind} p50 {classes[kind]['p50_ms']} p95 {classes[kind]['p95_ms']} ms" for kind, _share in MIX
        )
        return (
            f"load: {check['rate']} req/s for {check['seconds']:g} s on {check['web_processes']} web processes "
            f"({check['requests']:,} requests): {shown}; {check['server_errors']} 5xx, {check['unanswered']} "
            f"unanswered, {check.get('shed', 0)} shed; statuses {check['statuses']} "
            f"(targets: read p95 < 300, write p95 < 800 ms, no 5xx, none shed): {result}"
        )
    if name == "spike":
        during = check["during"]
        return (
            f"spike: {'/'.join(str(rate) for rate in check['rates'])} req/s: read p95 during "
            f"{during['read']['p95_ms']} ms, max {check['max_ms']} ms, {check['shed']} shed (429/503), "
            f"{check['errors']} other errors, {check['unanswered']} unanswered, server "
            f"{'alive' if check['alive'] else 'DEAD'}, back within the targets after {check['recovery_seconds']} s "
            f"(target ≤ {check['recovery_target_seconds']} s): {result}"
        )
    growth = "?" if check["growth"] is None else format(check["growth"], "+.1%")
    return (
        f"soak: {check['rate']} req/s for {check['minutes']:g} min: memory {check['rss_first_minute_mb']} MB → "
        f"{check['rss_last_minute_mb']} MB ({growth}), "
        f"{check['server_errors']} 5xx (target: growth ≤ 10 %): {result}"
    )
