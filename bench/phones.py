"""The phone checks, against a real server: webhook ingestion throughput and live (SSE) latency.

Both start `carte serve --no-jobs --no-ami` (uvicorn, the production ASGI stack) in a
subprocess on the bench database (the child's CARTE_DATABASE_URL and CARTE_VAR_DIR), on a free
port of 127.0.0.1, and talk to it over real sockets as a phone system and browsers would.

- `webhook_ingestion`: a webhook connection gets 2,000 calls of 3 events each (ringing, then
  answered and ended, or a second extension ringing and missed, or busy), numbers of the data
  set's clients and unknown ones, events of overlapping calls interleaved, some calls' events
  out of order and some events sent twice; signed batches (a JSON array, as phone systems
  batch them) from several client threads with keep-alive connections, then single-event
  requests. Events per second over the whole run; then the database must hold exactly the
  calls sent, with the statuses their events lead to, and every event in the journal.
- `live_latency`: 50 employees logged in (sessions in the database), each holding the
  server-sent event stream /events/ open; signed "ringing" webhooks at their extensions, and
  the time from sending one to its pop-up message arriving on the employee's stream.

Each check removes what it wrote (calls, journal, notifications, tasks, live messages,
timeline entries) so that the next run and the page scenarios find the data set as built.
"""

import asyncio
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections

from bench.databases import BENCH_DIR
from bench.runner import percentile

HOST = "127.0.0.1"
KEY = "bench-webhook"
INGESTION_TARGET = 500  # events per second, sustained
LATENCY_TARGET_MS = 1000  # p95, event sent → message on the stream
START_TIMEOUT = 60.0
PROBE = f"/api/v1/telephony/{KEY}/events"  # answers 405 to a GET once the server runs
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # CARTE_BENCH_REDIS_URL for another


def redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used now, or None."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means: not usable for the check
        return str(exc) or type(exc).__name__
    return None


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """`carte serve` in a subprocess; `with Server(workers=2) as server:` waits until it answers."""

    workers: int = 1
    redis_url: str = ""
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        connections.close_all()  # SQLite: nothing of ours holds the file while the server writes
        environment = {**os.environ, "CARTE_ALLOWED_HOSTS": f"{HOST},localhost", "CARTE_LOG_LEVEL": "WARNING"}
        environment.pop("CARTE_REDIS_URL", None)
        if self.redis_url:
            environment["CARTE_REDIS_URL"] = self.redis_url
        log = open(BENCH_DIR / "server.log", "ab")  # closed below: the child keeps its copy
        command = [sys.executable, "-m", "carte.cli", "serve", "--no-jobs", "--no-ami"]
        command += ["--host", HOST, "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
        log.close()
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"carte serve stopped at start (see {BENCH_DIR / 'server.log'})")
            try:
                status = self.request("GET", PROBE)[0]
            except OSError:
                time.sleep(0.2)
                continue
            if status < 500:
                for _ in range(self.workers * 4):  # every worker has loaded its code
                    self.request("GET", PROBE)
                return
            time.sleep(0.2)
        raise RuntimeError("carte serve did not answer within a minute")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=60)

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
        link = self.connect()
        try:
            link.request(method, path, body=body or None, headers=headers or {})
            answer = link.getresponse()
            return answer.status, answer.read()
        finally:
            link.close()


# ---------------------------------------------------------------------------------------------
# What the checks write, and removing it again
# ---------------------------------------------------------------------------------------------


def _models():
    from carte.calls.models import Call, CallEvent, Connection
    from carte.clients.models import TimelineEntry
    from carte.core.models import LiveMessage
    from carte.planner.models import Task
    from carte.workspace.models import Notification

    return Call, CallEvent, Connection, TimelineEntry, LiveMessage, Task, Notification


def _last_ids() -> dict:
    _call, _event, _connection, timeline, live, task, notification = _models()
    return {
        model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for model in (timeline, live, task, notification)
    }


def _connection():
    """The bench's webhook connection, with a new secret; its calls and journal from an earlier run removed."""
    from carte.calls.services.connections import new_secret

    call, event, connection_model, *_ = _models()
    connection, _created = connection_model.objects.get_or_create(
        key=KEY, defaults={"name": "Benchmark", "kind": "webhook", "secret": new_secret()}
    )
    _remove_calls(connection)
    connection.secret, connection.active = new_secret(), True
    connection.save(update_fields=["secret", "active"])
    return connection


def _remove_calls(connection) -> None:
    call, event, *_ = _models()
    event.objects.filter(connection=connection).delete()
    call.objects.filter(connection=connection).delete()


def _remove_written(connection, before: dict) -> None:
    """Everything the server wrote since `before` (ids), then the calls and the journal."""
    _remove_calls(connection)
    for model in (model for model in before):
        model.objects.filter(pk__gt=before[model]).delete()


# ---------------------------------------------------------------------------------------------
# Signed requests
# ---------------------------------------------------------------------------------------------


def _signed(secret: str, payload) -> tuple[bytes, dict]:
    from carte.calls.signing import sign

    body = json.dumps(payload, separators=(",", ":")).encode()
    return body, {"Content-Type": "application/json", **sign(secret, body).headers()}


def _post(link: http.client.HTTPConnection, secret: str, payload) -> dict:
    body, headers = _signed(secret, payload)
    link.request("POST", f"/api/v1/telephony/{KEY}/events", body=body, headers=headers)
    answer = link.getresponse()
    content = answer.read()
    if answer.status != 202:
        raise RuntimeError(f"the webhook answered {answer.status}: {content[:300]!r}")
    return json.loads(content)


# ---------------------------------------------------------------------------------------------
# Webhook ingestion
# ---------------------------------------------------------------------------------------------

PLANS = (  # how a call goes, its share, and the status it must end with
    ("answered", 0.75, "answered"),
    ("missed", 0.15, "missed"),
    ("busy", 0.10, "busy"),
)


@dataclass
class PlannedCall:
    call_id: str
    plan: str
    events: list[dict]

    @property
    def status(self) -> str:
        return next(status for name, _share, status in PLANS if name == self.plan)


def plan_calls(count: int, extensions: list[str], numbers: list[str], rng: random.Random, tag: str) -> list:
    """`count` incoming calls of three events each, from the clients' numbers and unknown ones."""
    calls = []
    start = datetime.now(UTC) - timedelta(hours=2)
    for index in range(count):
        draw, plan = rng.random(), "answered"
        if draw > 0.75:
            plan = "missed" if draw < 0.9 else "busy"
        call_id = f"{tag}-{index:06d}"
        number = rng.choice(numbers) if numbers and rng.random() < 0.7 else f"+3361{rng.randrange(10**7):07d}"
        first, second = rng.sample(extensions, 2)
        at = start + timedelta(seconds=index * 3)
        common = {"call_id": call_id, "direction": "in", "from": number, "to": "+33140000000"}

        def event(kind: str, step: int, at=at, common=common, **extra) -> dict:
            moment = (at + timedelta(seconds=step * 20)).isoformat().replace("+00:00", "Z")
            return {**common, "event": kind, "event_id": f"{common['call_id']}-{step}", "at": moment, **extra}

        if plan == "answered":
            events = [
                event("ringing", 0, extension=first),
                event("answered", 1, extension=first),
                event("ended", 2, extension=first),
            ]
        elif plan == "missed":
            events = [event("ringing", 0, extension=first), event("ringing", 1, extension=second), event("missed", 2)]
        else:
            events = [event("ringing", 0, extension=first), event("missed", 1), event("ended", 2, cause="busy")]
        calls.append(PlannedCall(call_id, plan, events))
    return calls


def _stream(calls: list, rng: random.Random, repeat_share: float, disorder_share: float) -> tuple[list, int]:
    """All the events in the order a phone system sends them: overlapping calls interleaved (a
    call's events in their order, but a share of calls out of order), some events sent twice."""
    pending = []
    for call in calls:
        events = list(call.events)
        if rng.random() < disorder_share:
            rng.shuffle(events)
        pending.append(events)
    stream, repeats, window = [], 0, 20  # about 20 calls going on at once
    active: list[list] = []
    queue = list(pending)
    while queue or active:
        while queue and len(active) < window:
            active.append(queue.pop(0))
        chosen = rng.randrange(len(active))
        stream.append(active[chosen].pop(0))
        if not active[chosen]:
            active.pop(chosen)
        if rng.random() < repeat_share and stream:
            stream.append(rng.choice(stream[-50:]))  # a repeat of a recent event (same event id)
            repeats += 1
    return stream, repeats


def _send_all(server: Server, secret: str, stream: list, batch: int, threads: int) -> float:
    """Post the stream in requests of `batch` events (1: one event per request, not in an array) from
    `threads` keep-alive connections; the seconds it took."""
    chunks = [stream[index : index + batch] for index in range(0, len(stream), batch)]
    failures: list[str] = []

    def work(mine: list) -> None:
        link = server.connect()
        try:
            for chunk in mine:
                _post(link, secret, chunk if batch > 1 else chunk[0])
        except Exception as exc:  # reported after the run
            failures.append(str(exc))
        finally:
            link.close()

    workers = [threading.Thread(target=work, args=(chunks[index::threads],)) for index in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} request streams failed: {failures[0]}")
    return seconds


def _verify(connection, calls: list, sent: int, repeats: int) -> dict:
    """The database against what was sent: the calls (none lost or doubled), their statuses, the journal."""
    call_model, event_model, *_ = _models()
    stored = dict(call_model.objects.filter(connection=connection).values_list("external_id", "status"))
    wrong = [call.call_id for call in calls if stored.get(call.call_id) != call.status]
    outcomes = Counter(event_model.objects.filter(connection=connection).values_list("outcome", flat=True))
    journaled = sum(outcomes.values())
    return {
        "calls_sent": len(calls),
        "calls_stored": len(stored),
        "wrong_status": len(wrong),
        "wrong_examples": wrong[:5],
        "events_sent": sent,
        "events_journaled": journaled,
        "duplicates": outcomes.get("duplicate", 0),
        "repeats_sent": repeats,
        "rejected": outcomes.get("rejected", 0),
        "ok": len(stored) == len(calls)
        and not wrong
        and journaled == sent
        and outcomes.get("duplicate", 0) == repeats
        and not outcomes.get("rejected"),
    }


def _phone_numbers(count: int, rng: random.Random) -> list[str]:
    from carte.clients.models import Phone

    last = Phone.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = rng.sample(range(1, last + 1), min(count, last))
    return list(Phone.objects.filter(pk__in=picked).values_list("number", flat=True))


def _extensions() -> list[str]:
    from carte.accounts.models import Employee

    found = sorted(
        Employee.objects.exclude(phone_extension="").filter(is_active=True).values_list("phone_extension", flat=True)
    )
    return [extension for extension in found if not extension.startswith("9")] or found


def webhook_ingestion(
    *, calls: int = 2000, single_calls: int = 200, batch: int = 50, threads: int = 4, workers: int = 1, seed: int = 1
) -> dict:
    """Events per second through the webhook, in batches and one by one, and whether every call arrived right."""
    rng = random.Random(f"{seed}:ingestion")
    connection = _connection()
    before = _last_ids()
    extensions = _extensions()
    numbers = _phone_numbers(500, rng)
    planned = plan_calls(calls, extensions, numbers, rng, "b")
    stream, repeats = _stream(planned, rng, repeat_share=0.03, disorder_share=0.1)
    singles = plan_calls(single_calls, extensions, numbers, rng, "s")
    single_stream, single_repeats = _stream(singles, rng, repeat_share=0.03, disorder_share=0.1)
    result = {"name": "webhook ingestion", "workers": workers, "threads": threads, "batch": batch}
    try:
        with Server(workers=workers) as server:
            seconds = _send_all(server, connection.secret, stream, batch, threads)
            single_seconds = _send_all(server, connection.secret, single_stream, 1, threads)
        checked = _verify(connection, planned + singles, len(stream) + len(single_stream), repeats + single_repeats)
    finally:
        connections.close_all()
        _remove_written(connection, before)
    rate = len(stream) / seconds
    result |= {
        "events": len(stream),
        "seconds": round(seconds, 2),
        "events_per_second": round(rate, 1),
        "single_events": len(single_stream),
        "single_seconds": round(single_seconds, 2),
        "single_events_per_second": round(len(single_stream) / single_seconds, 1),
        "target_events_per_second": INGESTION_TARGET,
        "verified": checked,
        "met": rate >= INGESTION_TARGET and checked["ok"],
    }
    return result


# ---------------------------------------------------------------------------------------------
# Live latency
# ---------------------------------------------------------------------------------------------

LIVE_PEOPLE = 50
LIVE_EXTENSION = 901


def _live_people(count: int) -> list:
    """`count` employees (bench.live.01, …) with extensions 901, 902, …, made once and kept."""
    from django.contrib.auth.hashers import make_password

    from carte.accounts.models import Employee, Role

    role = Role.objects.filter(key="sales").first()
    people = []
    password = make_password(None)
    for index in range(count):
        username = f"bench.live.{index + 1:02d}"
        person, _created = Employee.objects.get_or_create(
            username=username,
            defaults={
                "first_name": "Live",
                "last_name": f"{index + 1:02d}",
                "email": f"{username}@carte-bench.example",
                "role": role,
                "password": password,
                "phone_extension": str(LIVE_EXTENSION + index),
            },
        )
        people.append(person)
    return people


def _session_cookie(person) -> str:
    """A logged-in session for the employee, as the login view would make it."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(person.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


class _Streams:
    """The browsers: one SSE stream each, read in an event loop of their own thread."""

    def __init__(self, server: Server, cookies: dict[int, str]):
        self.server, self.cookies = server, cookies
        self.arrivals: list[tuple[int, int, float]] = []  # (employee, call pk, perf_counter)
        self.opened = 0
        self.errors: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks: list = []

    async def _read(self, person_id: int, cookie: str) -> None:
        reader, writer = await asyncio.open_connection(HOST, self.server.port)
        writer.write(
            f"GET /events/ HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            self.errors.append(status.decode(errors="replace").strip())
            writer.close()
            return
        self.opened += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                text = line.decode(errors="replace").strip()
                # Chunked framing lines (sizes) are not "data:" lines: only the events are read.
                if text.startswith("data: "):
                    arrived = time.perf_counter()
                    payload = json.loads(text[6:])
                    if payload.get("type") == "call" and payload.get("state") == "ringing":
                        self.arrivals.append((person_id, payload["call_id"], arrived))
        finally:
            writer.close()

    def open(self) -> None:
        self.thread.start()
        for person_id, cookie in self.cookies.items():
            self.tasks.append(asyncio.run_coroutine_threadsafe(self._read(person_id, cookie), self.loop))
        deadline = time.monotonic() + 30
        while self.opened + len(self.errors) < len(self.cookies) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # every process's live source has started (each waits for its first listener)

    def close(self) -> None:
        async def end() -> None:
            readers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(end(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def live_latency(
    *, events: int = 200, workers: int = 1, redis_url: str = "", rate: float = 20.0, seed: int = 1
) -> dict:
    """The time from a signed "ringing" webhook to the pop-up on the employee's SSE stream, 50 streams open."""
    from carte.calls.models import Call

    rng = random.Random(f"{seed}:live")
    connection = _connection()
    before = _last_ids()
    people = _live_people(LIVE_PEOPLE)
    cookies = {person.pk: _session_cookie(person) for person in people}
    extensions = {person.pk: person.phone_extension for person in people}
    sent: dict[str, tuple[int, float]] = {}
    result = {
        "name": "live latency" + (" (redis)" if redis_url else ""),
        "transport": "redis" if redis_url else "database",
        "workers": workers,
        "streams": len(people),
    }
    try:
        with Server(workers=workers, redis_url=redis_url) as server:
            streams = _Streams(server, cookies)
            streams.open()
            link = server.connect()
            order = [people[index % len(people)].pk for index in range(events)]
            rng.shuffle(order)
            now = datetime.now(UTC)
            for index, person_id in enumerate(order):
                call_id = f"live-{index:05d}"
                event = {
                    "event": "ringing",
                    "call_id": call_id,
                    "event_id": f"{call_id}-0",
                    "direction": "in",
                    "from": f"+3361{rng.randrange(10**7):07d}",
                    "to": "+33140000000",
                    "extension": extensions[person_id],
                    "at": (now + timedelta(seconds=index)).isoformat().replace("+00:00", "Z"),
                }
                started = time.perf_counter()
                sent[call_id] = (person_id, started)
                _post(link, connection.secret, event)
                pause = 1 / rate - (time.perf_counter() - started)
                if pause > 0:
                    time.sleep(pause)
            link.close()
            time.sleep(3.0)  # the last messages arrive
            streams.close()
        ids = dict(Call.objects.filter(connection=connection).values_list("pk", "external_id"))
    finally:
        connections.close_all()
        _remove_written(connection, before)
        from django.contrib.sessions.models import Session

        Session.objects.filter(expire_date__gt=datetime.now(UTC)).filter(
            session_key__in=[cookie.split("=", 1)[1] for cookie in cookies.values()]
        ).delete()
    latencies, wrong = [], 0
    for person_id, call_pk, arrived in streams.arrivals:
        external = ids.get(call_pk)
        if external not in sent:
            continue
        expected_person, started = sent[external]
        if expected_person != person_id:
            wrong += 1
            continue
        latencies.append((arrived - started) * 1000)
    received = len(latencies)
    p95 = percentile(latencies, 0.95) if latencies else float("inf")
    result |= {
        "streams_opened": streams.opened,
        "stream_errors": streams.errors[:3],
        "events": events,
        "received": received,
        "wrong_recipient": wrong,
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(p95, 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "target_p95_ms": LATENCY_TARGET_MS,
        "met": received == events and not wrong and p95 <= LATENCY_TARGET_MS,
    }
    return result
