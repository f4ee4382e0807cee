"""Click-to-call through a webhook connection, against a real HTTP server on 127.0.0.1 that checks the signature."""

import pytest

from carte.calls.models import Call, Connection
from carte.calls.services import can_place_calls, place_call, receive_event
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from tests.calls.originate_server import PhoneSystem

pytestmark = pytest.mark.django_db
NUMBER = "+33612345678"


@pytest.fixture
def phone():
    with PhoneSystem("placing-secret") as server:
        yield server


@pytest.fixture
def pbx(phone):
    return Connection.objects.create(name="PBX", key="pbx", secret=phone.secret, originate_url=phone.url)


def test_placing_a_call_posts_a_signed_originate_and_logs_the_outgoing_call(extensions, caller, phone, pbx):
    call = place_call(actor=extensions["alice"], number="06 12 34 56 78")
    [request] = phone.requests
    assert request["signed"] and request["path"] == "/originate"
    assert request["body"] == {"action": "originate", "extension": "101", "number": NUMBER, "call_id": call.external_id}
    call.refresh_from_db()
    assert (call.direction, call.status, call.number, call.client, call.employee) == (
        "out",
        "ringing",
        NUMBER,
        caller,
        extensions["alice"],
    )
    assert AuditEntry.objects.filter(model="calls.call", object_id=str(call.pk), verb="create").exists()


def test_the_phone_systems_events_land_on_the_placed_call(extensions, caller, phone, pbx):
    call = place_call(actor=extensions["alice"], number=NUMBER)
    for kind, at in (("answered", "2026-11-27T09:00:05Z"), ("ended", "2026-11-27T09:01:05Z")):
        receive_event(connection=pbx, event={"event": kind, "call_id": call.external_id, "at": at})
    call = Call.objects.get()
    assert (call.status, call.duration, call.direction) == ("answered", 60, "out")


def test_a_refusal_of_the_phone_system_is_a_clear_conflict_and_nothing_is_logged(extensions, phone, pbx):
    phone.status = 503
    with pytest.raises(Conflict, match="refused the call: HTTP 503"):
        place_call(actor=extensions["alice"], number=NUMBER)
    assert not Call.objects.exists()


def test_a_phone_system_that_does_not_answer_in_time_is_a_conflict(extensions, phone, pbx):
    phone.delay = 1.0
    with pytest.raises(Conflict, match="did not answer"):
        place_call(actor=extensions["alice"], number=NUMBER, timeout=0.2)
    assert not Call.objects.exists()


def test_an_unreachable_phone_system_is_a_conflict(extensions, pbx):
    pbx.originate_url = "http://127.0.0.1:9/nothing-listens-here"
    pbx.save()
    with pytest.raises(Conflict, match="did not answer"):
        place_call(actor=extensions["alice"], number=NUMBER)


def test_a_redirect_is_not_followed(extensions, phone, pbx):
    with PhoneSystem("other") as elsewhere:
        phone.redirect_to = elsewhere.url
        with pytest.raises(Conflict, match="redirect"):
            place_call(actor=extensions["alice"], number=NUMBER)
        assert elsewhere.requests == []


def test_a_call_cannot_be_placed_without_an_extension(alice, pbx):
    with pytest.raises(Invalid) as refused:
        place_call(actor=alice, number=NUMBER)
    assert "extension" in str(refused.value.errors["number"][0])


def test_a_call_cannot_be_placed_without_a_connection_that_places_calls(extensions):
    Connection.objects.create(name="Listen only", key="listen", secret="x")
    with pytest.raises(Conflict, match="No telephony connection can place calls"):
        place_call(actor=extensions["alice"], number=NUMBER)
    assert not can_place_calls(extensions["alice"])


def test_the_reader_cannot_place_calls(rita, pbx):
    rita.phone_extension = "300"
    rita.save()
    with pytest.raises(NotAllowed):
        place_call(actor=rita, number=NUMBER)
    assert not can_place_calls(rita)


def test_a_number_that_is_not_one_is_refused_before_anything_is_sent(extensions, phone, pbx):
    with pytest.raises(Invalid):
        place_call(actor=extensions["alice"], number="call me")
    assert phone.requests == []


def test_a_client_the_caller_cannot_see_is_neither_linked_nor_given(extensions, charlies_client, phone, pbx):
    with pytest.raises(NotAllowed):
        place_call(actor=extensions["alice"], number=NUMBER, client=charlies_client)
    assert phone.requests == []


def test_an_asterisk_connection_places_the_call_through_ami(extensions, monkeypatch):
    """The AMI connector has its own tests against an AMI server; here only the hand-over is checked."""
    Connection.objects.create(name="Asterisk", key="ast", secret="x", kind="ami", ami_host="127.0.0.1")
    asked = []
    monkeypatch.setattr("carte.calls.ami.originate", lambda connection, **kwargs: asked.append(kwargs))
    call = place_call(actor=extensions["bob"], number=NUMBER)
    assert asked == [{"extension": "102", "number": NUMBER, "timeout": 5.0}]
    assert call.pk is None and not Call.objects.exists()  # Asterisk's own events make the call
