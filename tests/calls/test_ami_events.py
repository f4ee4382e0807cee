"""From AMI channel events to Carte's call events: the translation alone, without a server or a database."""

import pytest

from carte.calls.ami.events import CallTracker, cause_of, event_id, extension_of
from tests.calls.ami_server import PHONE_CONTEXT, channel, event, incoming_call, internal_call, outgoing_call


def translate(messages: list[dict], context: str = PHONE_CONTEXT) -> list[dict]:
    tracker = CallTracker(context)
    return [carte_event for message in messages for carte_event in tracker.translate(message)]


def test_an_answered_incoming_call_rings_is_answered_at_the_extension_and_ends_normally():
    events = translate(incoming_call("1795770000.1", caller="+33612345678", extension="101"))

    assert [(e["event"], e.get("extension")) for e in events] == [
        ("ringing", ""),
        ("ringing", "101"),
        ("answered", "101"),
        ("ended", "101"),
    ]
    assert {e["call_id"] for e in events} == {"1795770000.1"}
    assert all((e["direction"], e["from"], e["to"]) == ("in", "+33612345678", "0140000000") for e in events)
    assert events[-1]["cause"] == ""
    assert (events[2]["at"], events[3]["at"]) == ("2026-11-27T09:00:05+00:00", "2026-11-27T09:01:05+00:00")


def test_an_incoming_call_given_up_while_ringing_ends_with_no_answer():
    events = translate(incoming_call(answered=False))

    assert [e["event"] for e in events] == ["ringing", "ringing", "ended"]
    assert events[-1]["cause"] == "no_answer"


def test_a_call_dialled_from_a_phone_to_the_trunk_is_outgoing_from_its_extension():
    events = translate(outgoing_call(extension="102", number="0612345678", dial_status="BUSY"))

    assert [e["event"] for e in events] == ["ringing", "ended"]
    assert all(
        (e["direction"], e["from"], e["to"], e["extension"]) == ("out", "102", "0612345678", "102") for e in events
    )
    assert events[-1]["cause"] == "busy"


def test_an_outgoing_call_answered_by_the_far_end_is_answered_and_ends_normally():
    events = translate(outgoing_call(dial_status="ANSWER"))

    assert [(e["event"], e.get("cause")) for e in events] == [("ringing", None), ("answered", None), ("ended", "")]


def test_a_phone_calling_another_phone_is_an_internal_call():
    events = translate(internal_call(caller="101", callee="102"))

    assert [e["event"] for e in events] == ["ringing", "answered", "ended"]
    assert (events[0]["direction"], events[0]["from"], events[0]["to"], events[0]["extension"]) == (
        "internal",
        "101",
        "102",
        "101",
    )


def test_the_number_dialled_is_read_from_the_dial_string_when_the_extension_is_not_a_number():
    messages = outgoing_call(number="0612345678")
    for message in messages:
        message["Exten"] = "s"

    assert translate(messages)[0]["to"] == "0612345678"


def test_only_the_hangup_of_the_first_channel_ends_the_call():
    messages = incoming_call()
    phone_hangup = messages[-2]

    tracker = CallTracker(PHONE_CONTEXT)
    for message in messages[:-2]:
        tracker.translate(message)

    assert tracker.translate(phone_hangup) == []
    assert [e["event"] for e in tracker.translate(messages[-1])] == ["ended"]


def test_a_ring_group_gives_the_call_to_the_phone_that_answered():
    trunk = channel("PJSIP/trunk-00000001", "9.1", "9.1", context="from-trunk", number="+33612345678", exten="100")
    first = channel("PJSIP/101-00000002", "9.2", "9.1", context=PHONE_CONTEXT, number="101", exten="s", prefix="Dest")
    second = channel("PJSIP/102-00000003", "9.3", "9.1", context=PHONE_CONTEXT, number="102", exten="s", prefix="Dest")
    events = translate(
        [
            event("Newchannel", 0, trunk),
            event("DialBegin", 0, trunk, first),
            event("DialBegin", 0, trunk, second),
            event("DialEnd", 4, trunk, second, DialStatus="ANSWER"),
            event("DialEnd", 4, trunk, first, DialStatus="CANCEL"),
            event("Hangup", 30, trunk, Cause="16"),
        ]
    )

    assert [(e["event"], e["extension"]) for e in events] == [
        ("ringing", ""),
        ("ringing", "101"),
        ("ringing", "102"),
        ("answered", "102"),
        ("ended", "102"),
    ]
    assert events[-1]["cause"] == ""


def test_a_call_first_heard_at_its_hangup_still_ends():
    hangup = incoming_call()[-1]

    [ended] = translate([hangup])

    assert (ended["event"], ended["call_id"], ended["cause"]) == ("ended", "1795770000.1", "")
    assert "direction" not in ended


def test_events_that_say_nothing_about_calls_are_ignored():
    assert (
        translate([{"Event": "FullyBooted", "Status": "Fully Booted"}, {"Response": "Success", "Ping": "Pong"}]) == []
    )


def test_without_a_context_a_short_caller_number_marks_one_of_our_phones():
    events = translate(outgoing_call(extension="102", number="0612345678"), context="")

    assert events[0]["direction"] == "out"
    assert translate(incoming_call(), context="")[0]["direction"] == "in"


def test_the_same_ami_event_heard_twice_has_the_same_event_id():
    first, second = translate(incoming_call()), translate(incoming_call())

    assert [e["event_id"] for e in first] == [e["event_id"] for e in second]
    assert len({e["event_id"] for e in first}) == len(first)


def test_event_ids_differ_between_calls_and_between_moments():
    message = incoming_call()[0]

    assert event_id(message) != event_id(message | {"Uniqueid": "other", "Linkedid": "other"})
    assert event_id(message) != event_id(message | {"Timestamp": "1795770001.000000"})


@pytest.mark.parametrize(
    ("code", "cause"),
    [(16, ""), (0, ""), (17, "busy"), (19, "no_answer"), (21, "no_answer"), (34, "failed"), (38, "failed")],
)
def test_hangup_causes_become_carte_causes(code, cause):
    assert cause_of(code) == cause


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("PJSIP/201-0000002a", "201"),
        ("SIP/office-12-0000002a", "office-12"),
        ("Local/201@from-queue-00000001;1", "201"),
        ("IAX2/301-7781", "301"),
    ],
)
def test_the_extension_is_read_from_the_channel_name(name, extension):
    assert extension_of(name, {}) == extension


def test_the_extension_falls_back_to_the_caller_number():
    assert extension_of("DAHDI/i1/0612345678-1", {"CallerIDNum": "205"}) == "205"
