"""The AMI listener against a real AMI-speaking server: login, calls recorded, replays, reconnects.

The listener runs in a thread of its own (its own event loop, the database through its own
thread), as `carte ami` runs it; so these tests use real transactions.
"""

import asyncio
import logging
import threading
import time

import pytest
from django.db import OperationalError

from carte.calls.ami.listener import Pace, listen
from carte.calls.models import Call, CallEvent, Connection
from carte.planner.models import Task
from tests.calls.ami_server import AmiServer, incoming_call, outgoing_call

pytestmark = pytest.mark.django_db(transaction=True)

QUICK = Pace(refresh=0.2, first_retry=0.05, last_retry=0.2, keepalive=5.0, timeout=2.0)


class RunningListener:
    """`listen()` in a background thread, stopped cleanly at the end of the test."""

    def __init__(self, pace: Pace = QUICK):
        self.pace = pace
        self.started = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        self.started.set()
        await listen(self.stop_event, self.pace)

    def __enter__(self) -> "RunningListener":
        self.thread.start()
        self.started.wait(5)
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)
        assert not self.thread.is_alive(), "the listener did not stop"


def eventually(check, timeout: float = 10.0):
    """Wait until `check()` returns something true (the listener writes from its own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except OperationalError:  # SQLite's shared test database is busy with the listener's write
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("the listener did not get there in time")
        time.sleep(0.05)


@pytest.fixture
def asterisk_server():
    with AmiServer(username="carte", secret="manager-secret") as server:
        yield server


@pytest.fixture
def asterisk(asterisk_server):
    return Connection.objects.create(
        name="Office Asterisk",
        kind=Connection.Kind.AMI,
        key="asterisk",
        secret="unused-for-ami",
        ami_host="127.0.0.1",
        ami_port=asterisk_server.port,
        ami_username="carte",
        ami_password="manager-secret",
        ami_context="from-internal",
    )


def test_the_listener_logs_in_for_call_events(asterisk, asterisk_server, caplog):
    caplog.set_level(logging.INFO, logger="carte.calls.ami")
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        eventually(lambda: "AMI connection Office Asterisk: logged in to 127.0.0.1" in caplog.text)

    login = asterisk_server.actions[0]
    assert (login["Action"], login["Username"], login["Secret"], login["Events"]) == (
        "Login",
        "carte",
        "manager-secret",
        "call",
    )


def test_a_refused_login_is_logged_and_tried_again(asterisk, asterisk_server, caplog):
    asterisk.ami_password = "wrong"
    asterisk.save()
    with RunningListener():
        asterisk_server.wait_for(lambda server: len(server.actions) >= 2)
        eventually(lambda: "AMI connection Office Asterisk: login refused (Authentication failed)" in caplog.text)

    assert asterisk_server.logins == 0


def test_an_answered_incoming_call_is_recorded_with_its_client_employee_and_duration(
    asterisk, asterisk_server, extensions, caller
):
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        asterisk_server.push(*incoming_call("1795770000.1", caller="+33612345678", extension="101"))
        call = eventually(lambda: Call.objects.filter(external_id="1795770000.1", ended_at__isnull=False).first())

    assert (call.connection, call.direction, call.status, call.duration) == (asterisk, "in", "answered", 60)
    assert (call.client, call.employee, call.extension) == (caller, extensions["alice"], "101")
    assert call.from_number == "+33612345678"
    assert Call.objects.count() == 1


def test_an_unanswered_incoming_call_is_missed_and_gets_a_callback_task(asterisk, asterisk_server, extensions, caller):
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        asterisk_server.push(*incoming_call("1795770000.2", extension="102", answered=False))
        call = eventually(lambda: Call.objects.filter(external_id="1795770000.2", ended_at__isnull=False).first())

    assert (call.status, call.employee, call.client) == ("missed", extensions["bob"], caller)
    task = Task.objects.get(pk=call.callback_task_id)
    assert (task.kind, task.assignee, task.client) == ("call", extensions["bob"], caller)


def test_an_outgoing_call_from_a_phone_is_recorded_as_outgoing(asterisk, asterisk_server, extensions, caller):
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        asterisk_server.push(*outgoing_call("1795770100.5", extension="101", number="0612345678", dial_status="BUSY"))
        call = eventually(lambda: Call.objects.filter(external_id="1795770100.5", ended_at__isnull=False).first())

    assert (call.direction, call.status, call.employee, call.client) == ("out", "busy", extensions["alice"], caller)
    assert call.callback_task_id is None


def test_replayed_events_make_no_duplicate_call(asterisk, asterisk_server, extensions, caller):
    events = incoming_call("1795770000.3", extension="101")
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        asterisk_server.push(*events)
        eventually(lambda: Call.objects.filter(external_id="1795770000.3", ended_at__isnull=False).exists())
        asterisk_server.push(*events)
        eventually(lambda: CallEvent.objects.filter(outcome="duplicate").count() == 4)

    call = Call.objects.get()
    assert (call.status, call.duration) == ("answered", 60)
    assert CallEvent.objects.filter(outcome="applied").count() == 4


def test_the_listener_logs_in_again_after_the_server_drops_the_link(asterisk, asterisk_server, extensions, caplog):
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        asterisk_server.drop_clients()
        asterisk_server.wait_for_logins(2)
        asterisk_server.push(*incoming_call("1795770000.4", extension="101"))
        call = eventually(lambda: Call.objects.filter(external_id="1795770000.4", ended_at__isnull=False).first())

    assert call.status == "answered"
    assert "AMI connection Office Asterisk: the phone system closed the connection" in caplog.text


def test_a_connection_added_while_running_is_picked_up(asterisk_server):
    with RunningListener():
        time.sleep(QUICK.refresh)
        assert asterisk_server.logins == 0
        Connection.objects.create(
            name="New Asterisk",
            kind=Connection.Kind.AMI,
            key="new-asterisk",
            secret="unused-for-ami",
            ami_host="127.0.0.1",
            ami_port=asterisk_server.port,
            ami_username="carte",
            ami_password="manager-secret",
        )
        asterisk_server.wait_for_logins(1)


def test_a_connection_switched_off_is_let_go(asterisk, asterisk_server, caplog):
    caplog.set_level(logging.INFO, logger="carte.calls.ami")
    with RunningListener():
        asterisk_server.wait_for_logins(1)
        Connection.objects.filter(pk=asterisk.pk).update(active=False)
        asterisk_server.wait_for(lambda server: not server._clients)
        eventually(lambda: "AMI connection Office Asterisk: stopped" in caplog.text)
