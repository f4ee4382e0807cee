"""Phone events: order independence, repeats, matching, and the side effects that happen once."""

import itertools

import pytest

from carte.calls.models import Call, CallEvent
from carte.calls.services import receive_event
from carte.clients.models import Phone, TimelineEntry
from carte.core import events
from carte.core.testing import ClientFactory
from carte.planner.models import Task
from tests.calls.conftest import at, event, send

pytestmark = pytest.mark.django_db
CALLER = "+33612345678"

# Phone systems repeat who is calling whom in every event of a call (Asterisk does): the
# permutations rely on it, as the documentation asks.
WHO = {"direction": "in", "from": CALLER, "to": "+33140000000", "extension": "101"}
ANSWERED_CALL = [
    event("ringing", at=at(0), event_id="r") | WHO,
    event("answered", at=at(10), event_id="a") | WHO,
    event("ended", at=at(202), event_id="e") | WHO,
]
MISSED_CALL = [
    event("ringing", at=at(0), event_id="r") | WHO,
    event("ended", cause="no_answer", at=at(30), event_id="e") | WHO,
    event("missed", at=at(31), event_id="m") | WHO,
]
FACTS = ["direction", "from_number", "number", "client_id", "employee_id", "extension", "started_at", "answered_at"]
FACTS += ["ended_at", "duration", "status", "hangup_cause"]


def facts(call):
    return {name: getattr(call, name) for name in FACTS}


def play(connection, bodies):
    with events.Recording() as seen:
        outcomes = [receive_event(connection=connection, event=body).outcome for body in bodies]
    return outcomes, sorted(emitted.name for emitted in seen)


def test_an_incoming_call_rings_for_the_employee_at_its_extension_with_the_callers_card(connection, extensions, caller):
    with events.Recording() as seen:
        journaled = send(connection, "ringing", direction="in", from_="06 12 34 56 78", extension="101")
    call = journaled.call
    assert journaled.outcome == "applied" and journaled.reason == ""
    assert (call.status, call.number, call.client, call.employee) == ("ringing", CALLER, caller, extensions["alice"])
    assert [(e.name, e.data) for e in seen] == [
        (
            "call.ringing",
            {"call_id": call.pk, "employee_id": extensions["alice"].pk, "client_id": caller.pk, "number": CALLER},
        )
    ]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_every_order_of_ringing_answered_ended_gives_the_same_call(connection, extensions, caller, order):
    outcomes, emitted = play(connection, [ANSWERED_CALL[i] for i in order])
    call = Call.objects.get()
    assert outcomes == ["applied"] * 3
    assert (call.status, call.duration, call.client, call.employee) == ("answered", 192, caller, extensions["alice"])
    assert (call.started_at.isoformat(), call.ended_at.isoformat()) == (at(0), at(202))
    assert TimelineEntry.objects.get(kind="call").summary == "Incoming call, 3 min 12 s, answered"
    assert emitted.count("call.answered") == 1 and emitted.count("call.ended") == 1
    # Only an end heard before the answer looks like a missed call at the time: its callback
    # task is planned then and stays (the journal says so); otherwise there is none.
    end_before_answer = order.index(2) < order.index(1)
    assert Task.objects.count() == emitted.count("call.missed") == int(end_before_answer)


def test_the_facts_do_not_depend_on_the_order_of_events(connection, extensions, caller):
    results = []
    for number, order in enumerate(itertools.permutations(MISSED_CALL)):
        for body in order:
            receive_event(
                connection=connection,
                event=body | {"call_id": f"m-{number}", "event_id": f"{number}-{body['event_id']}"},
            )
        results.append(facts(Call.objects.get(external_id=f"m-{number}")))
    assert all(result == results[0] for result in results)
    assert results[0]["status"] == "missed" and results[0]["duration"] == 0


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_a_missed_call_creates_one_callback_task_for_the_employee(connection, extensions, caller, order):
    outcomes, emitted = play(connection, [MISSED_CALL[i] for i in order])
    call = Call.objects.get()
    task = Task.objects.get()
    assert call.status == "missed" and call.callback_task == task
    assert (task.kind, task.title, task.assignee, task.client, task.reminders) == (
        "call",
        "Call back Bakery Dupont",
        extensions["alice"],
        caller,
        [],  # the "missed call" notification stands for its reminder
    )
    assert emitted.count("call.missed") == 1 and emitted.count("call.ended") == 1
    assert "task.assigned" not in emitted, "Carte's own task is announced as a missed call, not an assignment"
    assert TimelineEntry.objects.filter(kind="call").get().summary == "Missed call"


def test_the_callback_task_names_the_number_when_the_caller_is_unknown(connection, extensions):
    send(connection, "missed", direction="in", from_="+44 20 7946 0018", extension="102")
    task = Task.objects.get()
    assert (task.title, task.assignee, task.client) == ("Call back +442079460018", extensions["bob"], None)
    assert not TimelineEntry.objects.filter(kind="call").exists()  # no client, no timeline


def test_a_missed_call_nobody_was_at_creates_no_task_and_the_journal_says_so(connection):
    with events.Recording() as seen:
        journaled = send(connection, "missed", direction="in", from_=CALLER)
    assert not Task.objects.exists()
    assert journaled.outcome == "applied" and "No callback task" in journaled.reason
    assert [(e.name, e.data["task_id"]) for e in seen if e.name == "call.missed"] == [("call.missed", None)]


def test_an_outgoing_call_not_answered_makes_no_callback_task(connection, extensions, caller):
    send(connection, "ringing", direction="out", from_="101", to=CALLER, extension="101")
    send(connection, "ended", cause="no_answer")
    call = Call.objects.get()
    assert (call.status, call.number, call.client) == ("missed", CALLER, caller)
    assert not Task.objects.exists()
    assert TimelineEntry.objects.get(kind="call").summary == "Outgoing call, not answered"


def test_a_repeated_event_is_journaled_as_a_duplicate_and_changes_nothing(connection, extensions, caller):
    send(connection, "ringing", direction="in", from_=CALLER, extension="101", event_id="once")
    send(connection, "ended", cause="no_answer", event_id="end")
    call = Call.objects.get()
    with events.Recording() as seen:
        again = send(connection, "ended", cause="busy", event_id="end", at=at(999))
    assert again.outcome == "duplicate" and again.call == call and "already" in again.reason
    assert facts(Call.objects.get()) == facts(call) and seen == []
    assert Task.objects.count() == 1 and TimelineEntry.objects.filter(kind="call").count() == 1
    assert CallEvent.objects.filter(event_id="end").count() == 1
    assert CallEvent.objects.count() == 3


def test_an_event_without_an_id_is_recognized_when_it_comes_again(connection):
    body = event("ringing", "x-1", direction="in", from_=CALLER, at=at(0))
    first = receive_event(connection=connection, event=body)
    second = receive_event(connection=connection, event=dict(reversed(list(body.items()))))
    assert (first.outcome, second.outcome) == ("applied", "duplicate")
    assert first.event_id.startswith("sha256:") and Call.objects.count() == 1


def test_an_unknown_extension_keeps_the_call_without_an_employee_and_says_why(connection, extensions, caller):
    journaled = send(connection, "ringing", direction="in", from_=CALLER, extension="999")
    assert journaled.outcome == "unmatched"
    assert "999" in journaled.reason
    call = journaled.call
    assert (call.employee, call.client, call.extension) == (None, caller, "999")


def test_a_deactivated_employee_is_not_matched(connection, extensions):
    extensions["bob"].is_active = False
    extensions["bob"].save()
    assert send(connection, "ringing", direction="in", from_=CALLER, extension="102").outcome == "unmatched"


def test_the_extension_that_answers_wins_over_the_one_that_rang(connection, extensions):
    send(connection, "answered", direction="in", from_=CALLER, extension="102", at=at(5))
    send(connection, "ringing", extension="101", at=at(0))
    call = Call.objects.get()
    assert (call.extension, call.employee, call.status) == ("102", extensions["bob"], "in_progress")


def test_a_call_ringing_at_another_employee_rings_again(connection, extensions):
    send(connection, "ringing", direction="in", from_=CALLER, extension="101")
    with events.Recording() as seen:
        send(connection, "ringing", extension="102")  # the first heard stays: nothing new
        send(connection, "answered", extension="102")
    assert [e.name for e in seen] == ["call.answered"]


@pytest.mark.parametrize(
    ("cause", "status", "summary"),
    [("busy", "busy", "Incoming call, line busy"), ("failed", "failed", "Incoming call, failed")],
)
def test_an_unanswered_end_says_why(connection, extensions, caller, cause, status, summary):
    send(connection, "ringing", direction="in", from_=CALLER, extension="101")
    send(connection, "ended", cause=cause)
    assert Call.objects.get().status == status
    assert TimelineEntry.objects.get(kind="call").summary == summary


def test_a_late_answer_turns_a_missed_call_into_an_answered_one_on_the_timeline(connection, extensions, caller):
    send(connection, "ringing", direction="in", from_=CALLER, extension="101", at=at(0))
    send(connection, "ended", at=at(65))
    late = send(connection, "answered", at=at(5))
    assert Call.objects.get().status == "answered"
    assert [entry.summary for entry in TimelineEntry.objects.filter(kind="call")] == [
        "Incoming call, 1 min 0 s, answered"
    ]
    assert "callback task" in late.reason


def test_the_caller_is_matched_by_digits_when_the_number_does_not_parse(connection):
    client = ClientFactory(name="Short number")
    Phone.objects.create(client=client, number="3949")
    call = send(connection, "ringing", direction="in", from_="3949").call
    assert (call.number, call.client) == ("3949", client)


def test_several_cards_with_the_number_match_the_most_recently_updated(connection, caller):
    newer = ClientFactory(name="Dupont again")
    Phone.objects.create(client=newer, number="+33 6 12 34 56 78")
    assert send(connection, "ringing", direction="in", from_=CALLER).call.client == newer


def test_a_recording_is_added_to_the_call(connection):
    send(connection, "ringing", direction="in", from_=CALLER)
    send(connection, "recording", recording_url="https://pbx.example.com/rec/1.mp3")
    assert Call.objects.get().recording_url == "https://pbx.example.com/rec/1.mp3"


def test_unknown_fields_are_ignored(connection):
    journaled = receive_event(
        connection=connection, event=event("ringing", direction="in", from_=CALLER, queue="sales", x={"y": 1})
    )
    assert journaled.outcome == "applied" and journaled.payload["queue"] == "sales"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"event": "ringing"}, "call_id"),
        ({"call_id": "c"}, "“event” is missing"),
        ({"event": "exploded", "call_id": "c"}, "Unknown event"),
        ({"event": "ringing", "call_id": "c", "at": "yesterday"}, "ISO 8601"),
        ({"event": "ringing", "call_id": "c", "direction": "sideways"}, "direction"),
        ({"event": "ended", "call_id": "c", "cause": "bored"}, "cause"),
        ({"event": "recording", "call_id": "c"}, "recording_url"),
        ({"event": "recording", "call_id": "c", "recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"event": "ringing", "call_id": "c" * 201}, "longer"),
        ({"event": "ringing", "call_id": ["c"]}, "must be text"),
        (["not", "an", "object"], "JSON object"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_an_unreadable_event_is_journaled_as_rejected_with_the_reason(connection, body, reason):
    journaled = receive_event(connection=connection, event=body)
    assert journaled.outcome == "rejected" and reason in journaled.reason
    assert not Call.objects.exists()
    assert receive_event(connection=connection, event=body).outcome == "rejected"  # again: journaled again


def test_a_deactivated_connection_applies_nothing(connection):
    connection.active = False
    connection.save()
    assert send(connection, "ringing", direction="in", from_=CALLER).outcome == "rejected"
    assert not Call.objects.exists()


def test_the_same_call_id_on_two_connections_makes_two_calls(connection):
    other = type(connection).objects.create(name="Branch", key="branch", secret="x")
    send(connection, "ringing", "same", direction="in", from_=CALLER)
    send(other, "ringing", "same", direction="in", from_=CALLER)
    assert Call.objects.count() == 2
