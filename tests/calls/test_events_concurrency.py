"""Concurrent phone events: several processes posting the same call at the same moment make one call."""

import threading

import pytest
from django.db import connection as database

from carte.calls.models import Call, CallEvent, Connection
from carte.calls.services import receive_event
from carte.planner.models import Task
from tests.calls.conftest import at, event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The test database of SQLite is in memory with a shared cache, which refuses concurrent
    # writers outright ("table is locked") instead of making them wait as a file with
    # IMMEDIATE transactions does: this is a PostgreSQL test (CI runs it there).
    pytest.mark.skipif(database.vendor == "sqlite", reason="concurrent writers need PostgreSQL"),
]
WHO = {"direction": "in", "from": "+33612345678", "extension": "101"}


def run_together(work, count: int) -> list:
    """Run `work(i)` in `count` threads released at the same instant; each closes its own connection."""
    start, results, errors = threading.Barrier(count), [None] * count, []

    def worker(index):
        try:
            start.wait()
            results[index] = work(index)
        except Exception as exc:
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


def test_the_same_events_posted_at_once_by_many_processes_make_one_call(people):
    people["alice"].phone_extension = "101"
    people["alice"].save()
    pbx = Connection.objects.create(name="PBX", key="pbx", secret="s")
    bodies = [
        event("ringing", "busy-call", at=at(0), event_id="r") | WHO,
        event("ended", "busy-call", at=at(30), cause="no_answer", event_id="e") | WHO,
    ]

    def post_all(index):
        # Half the threads send the events in the reverse order.
        ordered = bodies if index % 2 else list(reversed(bodies))
        return [receive_event(connection=pbx, event=body).outcome for body in ordered]

    outcomes = [outcome for result in run_together(post_all, 8) for outcome in result]
    assert Call.objects.count() == 1
    assert sorted(set(outcomes)) == ["applied", "duplicate"] and outcomes.count("applied") == 2
    assert CallEvent.objects.filter(outcome="applied").count() == 2
    assert Call.objects.get().status == "missed"
    assert Task.objects.count() == 1


def test_different_events_of_one_call_at_once_make_one_call(people):
    pbx = Connection.objects.create(name="PBX", key="pbx", secret="s")
    kinds = ["ringing", "answered", "ended", "recording"]

    def post(index):
        extra = {"recording_url": "https://pbx.example.com/r.mp3"} if kinds[index] == "recording" else {}
        body = event(kinds[index], "together", at=at(index * 10), event_id=f"k{index}") | WHO | extra
        return receive_event(connection=pbx, event=body).outcome

    assert run_together(post, 4) == ["unmatched"] * 4  # extension 101 belongs to nobody here
    call = Call.objects.get()
    assert (call.status, call.duration, call.recording_url) == ("answered", 10, "https://pbx.example.com/r.mp3")
