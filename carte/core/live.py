"""The live channel: messages pushed to the open browsers of one employee, from any process.

Any code (a web request, the job worker firing a reminder) calls `publish(recipient_id,
payload)`; every browser of that employee connected to any web process receives the payload
within a second, through the server-sent event stream (carte.workspace.notification_views).

How a message travels
---------------------
- `publish` waits for the current transaction to commit (a rolled-back change announces
  nothing), then hands the message to the transport:
  * with Redis (settings.REDIS_URL): PUBLISH on the channel "carte:live:<recipient id>" (the
    Redis database number is added, "carte:live:3:<id>", for a database other than 0:
    pub/sub ignores database numbers, and two installations sharing a Redis server must not
    hear each other);
  * without Redis: one row in core.LiveMessage. Rows live for minutes only.
- Each web process has ONE hub. The first browser that connects starts the hub's one
  background thread, its source:
  * Redis: one pattern subscription ("carte:live:*") for the whole process;
  * database: one indexed query every quarter of a second (`id > last seen`), whatever
    the number of browsers connected, and now and then a delete of rows older than ten
    minutes.
  The source hands each message to the listeners of its recipient in this process (fan-out)
  and stops, releasing its connection, when nobody has listened for a few seconds.
- A browser's stream is a `Listener`, waited on from a thread (`get`, the WSGI stream of the
  development server and tests) or from an event loop (`aget`, the ASGI stream of `carte
  serve`: no thread and no database connection is held while a browser waits).

Messages carry an id in the database transport (the row's id): a stream that reconnects
with Last-Event-ID is sent what it missed (`missed_since`). Redis pub/sub keeps nothing, so
the browser refreshes its notification bar when it reconnects instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.25  # seconds between two reads of new LiveMessage rows
KEEP_FOR = timedelta(minutes=10)  # LiveMessage rows older than this are deleted
CLEAN_EVERY = 60.0  # seconds between two deletes of old rows (by each process; deletes are idempotent)
IDLE_STOP = 3.0  # seconds without a listener before a source stops and releases its connection
READY_TIMEOUT = 5.0  # seconds a new listener waits for its source to be running
MISSED_LIMIT = 100  # most messages replayed to a reconnecting stream
BACKLOG = 200  # messages kept for a listener that does not read (the oldest are dropped)


@dataclass(frozen=True)
class Message:
    """One live message for one employee: `id` is the LiveMessage row's (None through Redis)."""

    recipient_id: int
    payload: dict
    id: int | None = None


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def publish(recipient_id: int, payload: dict) -> None:
    """Send `payload` (JSON-serialisable) to every open browser of the employee, once the current
    transaction commits (at once outside one). Never raises: a live message is a courtesy, the
    notification row (or the call log) is the record."""
    json.dumps(payload)  # refuse what cannot travel now, where the caller can see it
    transaction.on_commit(partial(_send, int(recipient_id), payload), robust=True)


_outbox = threading.local()  # `held`: the messages of a `batched()` block, waiting for its end


def _send(recipient_id: int, payload: dict) -> None:
    held = getattr(_outbox, "held", None)
    if held is None:
        _send_all([(recipient_id, payload)])
    else:
        held.append((recipient_id, payload))


@contextmanager
def batched() -> Iterator[None]:
    """Send the messages committed in the block together at its end: one insert, or one Redis pipeline.

    For a service that makes many messages at once (a phone system's batch of call events).
    A message published in a transaction that was rolled back never reaches the block.
    """
    if getattr(_outbox, "held", None) is not None:  # an outer block sends them
        yield
        return
    _outbox.held = []
    try:
        yield
    finally:
        held, _outbox.held = _outbox.held, None
        if held:
            _send_all(held)


def _send_all(messages: list[tuple[int, dict]]) -> None:
    url = settings.REDIS_URL
    try:
        if url:
            pipeline = _redis(url).pipeline(transaction=False)
            for recipient_id, payload in messages:
                pipeline.publish(channel_prefix() + str(recipient_id), json.dumps(payload))
            pipeline.execute()
        else:
            _insert(messages)
    except Exception:  # the transport is down: log it, the caller's change stands
        log.exception("Could not send a live message (%d in all)", len(messages))


def _insert(messages: list[tuple[int, dict]]) -> None:
    from carte.core.models import LiveMessage

    rows = [LiveMessage(recipient_id=recipient_id, payload=payload) for recipient_id, payload in messages]
    # SQLite in shared-cache mode (the test server) may refuse a write while another
    # connection reads the table, without waiting: try again briefly.
    for attempt in range(5):
        try:
            LiveMessage.objects.bulk_create(rows)
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.02 * (attempt + 1))


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis(url: str):
    """One client (with its connection pool) per process and URL."""
    with _clients_lock:
        if url not in _clients:
            import redis

            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return _clients[url]


def channel_prefix() -> str:
    """ "carte:live:" (Redis database 0) or "carte:live:<n>:"; settings.LIVE_CHANNEL_PREFIX wins (tests)."""
    given = getattr(settings, "LIVE_CHANNEL_PREFIX", "")
    if given:
        return given
    database = urlsplit(settings.REDIS_URL or "").path.strip("/")
    return f"carte:live:{database}:" if database not in ("", "0") else "carte:live:"


def missed_since(recipient_id: int, last_id: int) -> list[Message]:
    """The database transport's messages for the employee after `last_id` (a reconnecting
    stream's Last-Event-ID), oldest first; nothing through Redis, which keeps no messages."""
    if settings.REDIS_URL:
        return []
    from carte.core.models import LiveMessage

    rows = (
        LiveMessage.objects.filter(recipient_id=recipient_id, id__gt=last_id)
        .order_by("id")
        .values_list("id", "payload")[:MISSED_LIMIT]
    )
    return [Message(recipient_id, payload, pk) for pk, payload in rows]


# ---------------------------------------------------------------------------------------------
# Listening
# ---------------------------------------------------------------------------------------------


class Listener:
    """The messages of one employee for one open stream, in arrival order.

    Made by `listen()`; read with `get(timeout)` in a thread or `await aget(timeout)` in the
    event loop it was made in; `close()` (or `with`) when the stream ends.
    """

    def __init__(self, hub: Hub, recipient_id: int, loop: asyncio.AbstractEventLoop | None = None):
        self.hub, self.recipient_id, self.loop = hub, recipient_id, loop
        self._messages: deque[Message] = deque(maxlen=BACKLOG)
        self._arrived = threading.Condition()
        self._queue: asyncio.Queue[Message] | None = asyncio.Queue(maxsize=BACKLOG) if loop else None
        self.closed = False

    def deliver(self, message: Message) -> None:
        """Called by the source's thread."""
        if self.loop is not None:
            try:
                self.loop.call_soon_threadsafe(self._put_async, message)
            except RuntimeError:  # its event loop is gone: the stream ended without closing
                self.close()
            return
        with self._arrived:
            self._messages.append(message)
            self._arrived.notify_all()

    def _put_async(self, message: Message) -> None:
        assert self._queue is not None
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(message)

    def get(self, timeout: float) -> Message | None:
        """The next message, or None after `timeout` seconds without one."""
        with self._arrived:
            if not self._messages:
                self._arrived.wait(timeout)
            return self._messages.popleft() if self._messages else None

    async def aget(self, timeout: float) -> Message | None:
        """The next message, or None after `timeout` seconds without one (event-loop side)."""
        assert self._queue is not None, "listen(loop=…) makes listeners for an event loop"
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub.remove(self)

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Source(threading.Thread):
    """The hub's one background thread: reads the transport and fans messages out."""

    def __init__(self, hub: Hub):
        super().__init__(name=f"carte-live-{type(self).__name__}", daemon=True)
        self.hub = hub
        self.ready = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while True:
                try:
                    self.serve()  # returns when no longer needed
                    return
                except Exception:
                    log.exception("The live channel lost its transport; reconnecting")
                    self.reset()
                    if self.stopping.wait(1.0) or not self.still_needed():
                        return
        finally:
            self.reset()

    def serve(self) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Release what the transport holds (connections); called on errors and at the end."""

    def still_needed(self) -> bool:
        """False once nobody listened for IDLE_STOP seconds: the hub forgets this source."""
        return self.hub.keep(self) and not self.stopping.is_set()


class DatabaseSource(Source):
    """Reads new LiveMessage rows four times a second: one indexed query for the whole process."""

    last: int | None = None  # the newest message passed on, kept when the connection is lost

    def start_after(self) -> int:
        """Where reading starts: after the last message passed on, so that a reconnection loses none
        written meanwhile; at the first start, after the newest (older ones are replayed by the streams)."""
        from carte.core.models import LiveMessage

        if self.last is None:
            self.last = LiveMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self.last

    def serve(self) -> None:
        from carte.core.models import LiveMessage

        last = self.start_after()
        self.ready.set()
        cleaned = 0.0
        while self.still_needed():
            rows = LiveMessage.objects.filter(id__gt=last).order_by("id").values_list("id", "recipient_id", "payload")
            for pk, recipient_id, payload in rows[:1000]:
                last = self.last = pk
                self.hub.fan_out(Message(recipient_id, payload, pk))
            if time.monotonic() - cleaned > CLEAN_EVERY:
                cleaned = time.monotonic()
                LiveMessage.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
            self.stopping.wait(POLL_INTERVAL)

    def reset(self) -> None:
        connections.close_all()  # this thread's connections only


class RedisSource(Source):
    """One pattern subscription per process: every employee's channel."""

    def __init__(self, hub: Hub, url: str, prefix: str):
        super().__init__(hub)
        self.url, self.prefix = url, prefix
        self.pubsub = None

    def serve(self) -> None:
        import redis

        self.pubsub = redis.Redis.from_url(self.url, socket_connect_timeout=2).pubsub()
        self.pubsub.psubscribe(self.prefix + "*")
        while not self.ready.is_set() and not self.stopping.is_set():  # the subscription is confirmed
            found = self.pubsub.get_message(timeout=1.0)
            if found and found["type"] == "psubscribe":
                self.ready.set()
        while self.still_needed():
            found = self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if not found or found["type"] != "pmessage":
                continue
            channel = found["channel"].decode()
            try:
                recipient_id = int(channel.removeprefix(self.prefix))
                payload = json.loads(found["data"])
            except ValueError:
                log.warning("Ignored a malformed live message on %s", channel)
                continue
            self.hub.fan_out(Message(recipient_id, payload))

    def reset(self) -> None:
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except Exception:  # already broken; nothing more to release
                pass
            self.pubsub = None


class Hub:
    """This process's listeners by employee, and the one source that feeds them."""

    def __init__(self, config: tuple):
        self.config = config
        self.lock = threading.Lock()
        self.listeners: dict[int, set[Listener]] = defaultdict(set)
        self.source: Source | None = None
        self.idle_since = time.monotonic()

    def listen(self, recipient_id: int, loop: asyncio.AbstractEventLoop | None = None) -> Listener:
        """A new listener for the employee, once the source runs (at most READY_TIMEOUT)."""
        listener = Listener(self, int(recipient_id), loop)
        with self.lock:
            self.listeners[listener.recipient_id].add(listener)
            if self.source is None or not self.source.is_alive():
                self.source = self._new_source()
                self.source.start()
            source = self.source
        if not source.ready.wait(READY_TIMEOUT):
            log.warning("The live channel is not ready yet; messages may arrive late")
        return listener

    def _new_source(self) -> Source:
        _backend, url, prefix = self.config
        return RedisSource(self, url, prefix) if url else DatabaseSource(self)

    def remove(self, listener: Listener) -> None:
        with self.lock:
            found = self.listeners.get(listener.recipient_id)
            if found is not None:
                found.discard(listener)
                if not found:
                    del self.listeners[listener.recipient_id]
            if not self.listeners:
                self.idle_since = time.monotonic()

    def fan_out(self, message: Message) -> None:
        with self.lock:
            targets = list(self.listeners.get(message.recipient_id, ()))
        for listener in targets:
            listener.deliver(message)

    def keep(self, source: Source) -> bool:
        """Whether `source` should go on; a source that stops is forgotten under the lock, so a
        listener arriving at that moment starts a new one."""
        with self.lock:
            if self.source is not source:
                return False
            if self.listeners or time.monotonic() - self.idle_since < IDLE_STOP:
                return True
            self.source = None
            return False

    def stop(self) -> None:
        """Stop the source now (tests, a change of settings); listeners stay registered."""
        with self.lock:
            source, self.source = self.source, None
        if source is not None:
            source.stopping.set()
            source.join(timeout=5)

    def listening(self, recipient_id: int | None = None) -> int:
        """How many listeners this process has (for one employee, or for all)."""
        with self.lock:
            if recipient_id is not None:
                return len(self.listeners.get(recipient_id, ()))
            return sum(len(found) for found in self.listeners.values())


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    """This process's hub, made again when the transport settings change (tests override them)."""
    global _hub
    config = ("redis" if settings.REDIS_URL else "database", settings.REDIS_URL or "", channel_prefix())
    with _hub_lock:
        if _hub is None or _hub.config != config:
            if _hub is not None:
                _hub.stop()
            _hub = Hub(config)
        return _hub


def listen(recipient_id: int, loop: asyncio.AbstractEventLoop | None = None) -> Listener:
    """Start listening to the employee's live messages (blocks until the source runs: in an
    event loop call it through a thread, as `alisten` does)."""
    return hub().listen(recipient_id, loop)


async def alisten(recipient_id: int) -> Listener:
    """`listen` for a coroutine: the listener is read with `await listener.aget(timeout)`."""
    loop = asyncio.get_running_loop()
    return await asyncio.to_thread(listen, recipient_id, loop)
