"""A batch of phone events (the webhook's JSON array) gives what the same events give one by one."""

import random

import pytest
from django.db import connection as database

from carte.calls.models import Call, CallEvent, Connection
from carte.calls.services import receive_event
from carte.calls.services.batches import receive_events
from carte.planner.models import Task
from tests.calls.conftest import at, event
from tests.calls.test_events_concurrency import run_together

WHO = {"direction": "in", "from": "+33612345678", "to": "+33140000000"}


def _calls(count: int) -> list[list[dict]]:
    """Answered, missed and busy calls at extensions 101 and 102 (and 999, nobody's)."""
    made = []
    for index in range(count):
        call_id, extension = f"b-{index}", ("101", "102", "999")[index % 3]
        plan = index % 4
        if plan == 0:
            steps = [("ringing", {}), ("missed", {})]
        elif plan == 1:
            steps = [("ringing", {}), ("missed", {}), ("ended", {"cause": "busy"})]
        else:
            steps = [("ringing", {}), ("answered", {}), ("ended", {})]
        made.append(
            [
                event(kind, call_id, at=at(index * 60 + step * 10), event_id=f"{call_id}-{step}", extension=extension)
                | WHO
                | extra
                for step, (kind, extra) in enumerate(steps)
            ]
        )
    return made


def _state(pbx) -> tuple:
    calls = sorted(
        Call.objects.filter(connection=pbx).values_list(
            "external_id", "status", "duration", "employee__username", "client_id", "number", "hangup_cause"
        )
    )
    journal = sorted(CallEvent.objects.filter(connection=pbx).values_list("kind", "external_call_id", "outcome"))
    tasks = sorted(Task.objects.values_list("title", "assignee__username"))
    return calls, journal, tasks


@pytest.fixture
def extensions(people):
    people["alice"].phone_extension = "101"
    people["alice"].save()
    people["bob"].phone_extension = "102"
    people["bob"].save()
    return people


def test_a_batch_gives_the_same_calls_journal_and_tasks_as_its_events_one_by_one(extensions):
    rng = random.Random(5)
    bodies = [body for call in _calls(12) for body in call]
    rng.shuffle(bodies)  # out of order
    bodies += bodies[:4]  # and some repeated
    one, many = Connection.objects.create(name="One", key="one", secret="s"), None
    for body in bodies:
        receive_event(connection=one, event=body)
    expected = _state(one)
    Task.objects.all().delete()
    many = Connection.objects.create(name="Many", key="many", secret="s")
    outcomes = [journaled.outcome for journaled in receive_events(connection=many, events=bodies)]
    assert _state(many) == expected
    assert outcomes.count("duplicate") == 4 and len(outcomes) == len(bodies)


def test_a_batch_journals_an_unreadable_event_in_its_place(connection):
    bodies = [event("ringing", "x", event_id="x-0") | WHO, {"event": "ringing"}, event("ended", "x") | WHO]
    outcomes = [journaled.outcome for journaled in receive_events(connection=connection, events=bodies)]
    assert outcomes == ["applied", "rejected", "applied"]
    assert Call.objects.get().status == "missed"


def test_a_batch_reads_its_calls_and_extensions_once(extensions, connection, django_assert_max_num_queries):
    bodies = [body for call in _calls(3) for body in call if body["event"] != "missed"]
    with django_assert_max_num_queries(40) as captured:
        receive_events(connection=connection, events=bodies)
    selects = [query["sql"] for query in captured.captured_queries if "accounts_employee" in query["sql"]]
    assert len([sql for sql in selects if "phone_extension" in sql]) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(database.vendor == "sqlite", reason="concurrent writers need PostgreSQL")
def test_overlapping_batches_posted_at_once_lose_and_double_nothing(extensions):
    pbx = Connection.objects.create(name="PBX", key="pbx", secret="s")
    bodies = [body for call in _calls(16) for body in call]

    def post(index):
        mine = list(bodies)
        random.Random(index).shuffle(mine)
        return [journaled.outcome for journaled in receive_events(connection=pbx, events=mine[: len(mine) // 2 + 8])]

    run_together(post, 6)
    for body in bodies:  # whatever was not sent yet
        receive_event(connection=pbx, event=body)
    assert Call.objects.filter(connection=pbx).count() == 16
    assert CallEvent.objects.filter(connection=pbx).exclude(outcome="duplicate").count() == len(bodies)
    one_by_one = Connection.objects.create(name="Again", key="again", secret="s")
    Task.objects.all().delete()
    for body in bodies:
        receive_event(connection=one_by_one, event=body)
    assert [row[:4] for row in _state(pbx)[0]] == [row[:4] for row in _state(one_by_one)[0]]
