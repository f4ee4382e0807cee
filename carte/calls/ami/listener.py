"""The AMI listener: one link per active Asterisk connection, its events passed to the calls service.

`listen(stop)` reads the active AMI connections from the database, keeps one link to each
(log in, read events, translate them with `CallTracker`, hand each Carte event to
`carte.calls.services.receive_event`), and reads the connections again every `Pace.refresh`
seconds: a connection added, changed or switched off is picked up without a restart. A link
that fails (server unreachable, login refused, connection dropped, no answer to a keep-alive)
is logged on one line and tried again after a pause that doubles up to `Pace.last_retry`.

The database is used through `sync_to_async`, one thread for all of it; `carte ami` runs this.
"""

import asyncio
import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections, connections

from carte.calls.ami.events import CallTracker
from carte.calls.ami.protocol import Link, LoginRefused, ProtocolError, next_action_id
from carte.calls.models import Connection
from carte.calls.services import receive_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pace:
    """How often the listener looks again, retries and checks a quiet link (seconds)."""

    refresh: float = 30.0
    first_retry: float = 1.0
    last_retry: float = 60.0
    keepalive: float = 30.0
    timeout: float = 10.0


def _settings(connection: Connection) -> tuple:
    """What a link depends on: when any of it changes, the link is made again."""
    return (
        connection.name,
        connection.ami_host,
        connection.ami_port,
        connection.ami_username,
        connection.ami_password,
        connection.ami_context,
    )


async def listen(stop: asyncio.Event, pace: Pace | None = None) -> None:
    """Keep one link per active AMI connection until `stop` is set; then close them all."""
    pace = pace or Pace()
    running: dict[int, tuple[tuple, asyncio.Task]] = {}
    try:
        while not stop.is_set():
            try:
                wanted = {connection.pk: connection for connection in await sync_to_async(_active_connections)()}
            except DatabaseError as exc:
                log.warning("AMI listener: cannot read the telephony connections (%s); trying again", exc)
            else:
                _reconcile(running, wanted, pace)
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancellation.
                async with asyncio.timeout(pace.refresh):
                    await stop.wait()
            except TimeoutError:
                pass
    finally:
        tasks = [task for _settings_, task in running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sync_to_async(connections.close_all)()


def _active_connections() -> list[Connection]:
    close_old_connections()
    return list(Connection.objects.filter(kind=Connection.Kind.AMI, active=True))


def _reconcile(running: dict[int, tuple[tuple, asyncio.Task]], wanted: dict[int, Connection], pace: Pace) -> None:
    """Start the links newly wanted, restart the changed ones, stop those no longer wanted."""
    for pk in list(running):
        settings, task = running[pk]
        if pk not in wanted or settings != _settings(wanted[pk]) or task.done():
            task.cancel()
            del running[pk]
            if pk not in wanted:
                log.info("AMI connection %s: stopped (switched off or removed)", settings[0])
    for pk, connection in wanted.items():
        if pk not in running:
            task = asyncio.create_task(Listener(connection, pace).run(), name=f"ami-{connection.key}")
            running[pk] = (_settings(connection), task)


class Listener:
    """One connection's link, made again after each failure."""

    def __init__(self, connection: Connection, pace: Pace):
        self.connection = connection
        self.pace = pace
        self.tracker = CallTracker(connection.ami_context)
        self.delay = pace.first_retry

    async def run(self) -> None:
        name = self.connection.name
        if not self.connection.ami_host:
            log.error("AMI connection %s: no host is set; nothing to connect to", name)
            return
        while True:
            try:
                await self.session()
            except LoginRefused as exc:
                log.error("AMI connection %s: login refused (%s); check its user and password", name, exc)
            except (OSError, ProtocolError) as exc:  # refused, unreachable, dropped, time-outs
                log.warning("AMI connection %s: %s", name, _describe(exc))
            log.info("AMI connection %s: trying again in %g s", name, self.delay)
            await asyncio.sleep(self.delay)
            self.delay = min(self.delay * 2, self.pace.last_retry)

    async def session(self) -> None:
        """One link from login to its failure (it ends only by an exception, or by being cancelled)."""
        connection, pace = self.connection, self.pace
        link = await Link.open(connection.ami_host, connection.ami_port, timeout=pace.timeout)
        try:
            await link.login(connection.ami_username, connection.ami_password, timeout=pace.timeout)
            log.info(
                "AMI connection %s: logged in to %s:%s (%s)",
                connection.name,
                connection.ami_host,
                connection.ami_port,
                link.banner,
            )
            self.delay = self.pace.first_retry
            waiting_for_pong = False
            while True:
                try:
                    async with asyncio.timeout(pace.keepalive):
                        message = await link.read()
                except TimeoutError:
                    if waiting_for_pong:
                        raise TimeoutError("no answer to a keep-alive") from None
                    await link.send({"Action": "Ping", "ActionID": next_action_id()})
                    waiting_for_pong = True
                    continue
                waiting_for_pong = False
                for event in self.tracker.translate(message):
                    await sync_to_async(deliver)(connection, event)
        finally:
            await link.close()


def deliver(connection: Connection, event: dict) -> None:
    """Hand one Carte event to the calls service; a failure is logged with the event, and the link goes on."""
    close_old_connections()
    try:
        receive_event(connection=connection, event=event)
    except Exception:
        # The event cannot be heard again from Asterisk: the log keeps it for the administrator.
        log.exception("AMI connection %s: the event %r could not be recorded", connection.name, event)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return str(exc) or "no answer in time"
    return str(exc) or exc.__class__.__name__
