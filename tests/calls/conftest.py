"""Helpers shared by the calls tests: a webhook connection, employees at extensions, a client with a phone."""

import itertools
from datetime import datetime, timedelta

import pytest

from carte.calls.models import Connection
from carte.calls.services import receive_event
from carte.clients.models import Phone
from carte.core.testing import ClientFactory

START = datetime.fromisoformat("2026-11-27T09:00:00+00:00")
_event_ids = itertools.count(1)


def at(seconds: int = 0) -> str:
    """An ISO time `seconds` after 09:00 UTC on 2026-11-27."""
    return (START + timedelta(seconds=seconds)).isoformat()


def event(kind: str, call_id: str = "c-1", **fields) -> dict:
    """A webhook event body; `from_` stands for "from"."""
    body = {"event": kind, "call_id": call_id}
    if "from_" in fields:
        body["from"] = fields.pop("from_")
    return body | fields


def send(connection, kind: str, call_id: str = "c-1", **fields):
    """Apply one event with a fresh event id; returns the journal entry."""
    fields.setdefault("event_id", f"e-{next(_event_ids)}")
    return receive_event(connection=connection, event=event(kind, call_id, **fields))


@pytest.fixture
def connection(db):
    return Connection.objects.create(name="Office PBX", key="office", secret="s3cret-for-tests")


@pytest.fixture
def extensions(people):
    """Alice answers at 101, Bob at 102, Charlie at 201."""
    for name, extension in (("alice", "101"), ("bob", "102"), ("charlie", "201")):
        people[name].phone_extension = extension
        people[name].save(update_fields=["phone_extension"])
    return people


@pytest.fixture
def caller(alice):
    """Alice's client whose phone is +33 6 12 34 56 78."""
    client = ClientFactory(name="Bakery Dupont", owner=alice)
    Phone.objects.create(client=client, number="06 12 34 56 78")
    return client
