"""Calls written by people (notes, a call logged by hand), telephony connections, merged clients, "my progress"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carte.calls.models import Call, Connection
from carte.calls.queries import calls_today
from carte.calls.services import (
    create_connection,
    deactivate_connection,
    log_call,
    rotate_secret,
    update_call,
    update_connection,
)
from carte.clients.models import Phone, TimelineEntry
from carte.clients.services import merge_clients
from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory
from tests.calls.conftest import send

pytestmark = pytest.mark.django_db
NUMBER = "+33612345678"


@pytest.fixture
def alices_call(alice, caller):
    return Call.objects.create(direction="in", number=NUMBER, client=caller, employee=alice, status="answered")


# Notes and result


def test_the_employee_writes_notes_and_a_result_on_the_call(alice, alices_call):
    update_call(actor=alice, call=alices_call, notes="  Wants a quote\nfor 40 cakes ", result="Quote to send")
    alices_call.refresh_from_db()
    assert (alices_call.notes, alices_call.result) == ("Wants a quote\nfor 40 cakes", "Quote to send")
    entry = AuditEntry.objects.get(model="calls.call", verb="update")
    assert entry.changes["result"] == ["", "Quote to send"]


def test_leaving_a_field_out_keeps_it(alice, alices_call):
    update_call(actor=alice, call=alices_call, notes="First")
    update_call(actor=alice, call=alices_call, result="Done")
    alices_call.refresh_from_db()
    assert (alices_call.notes, alices_call.result) == ("First", "Done")


def test_a_result_too_long_is_refused_and_nothing_changes(alice, alices_call):
    with pytest.raises(Invalid) as refused:
        update_call(actor=alice, call=alices_call, notes="kept?", result="x" * 301)
    assert "result" in refused.value.errors
    alices_call.refresh_from_db()
    assert alices_call.notes == ""


def test_a_teammate_does_not_see_the_call_and_the_reader_cannot_edit_it(bob, rita, alices_call):
    with pytest.raises(NotFound):
        update_call(actor=bob, call=alices_call, notes="x")
    with pytest.raises(NotAllowed):
        update_call(actor=rita, call=alices_call, notes="x")


# A call logged by hand


def test_a_call_logged_by_hand_is_the_actors_and_goes_on_the_timeline(alice, caller):
    start = timezone.now() - timedelta(hours=1)
    call = log_call(
        actor=alice, direction="out", number="06 12 34 56 78", started_at=start, duration=125, status="answered"
    )
    assert (call.employee, call.client, call.number, call.duration, call.status) == (
        alice,
        caller,
        NUMBER,
        125,
        "answered",
    )
    assert call.ended_at == start + timedelta(seconds=125) and call.logged_at is not None
    entry = TimelineEntry.objects.get(kind="call")
    assert (entry.summary, entry.actor, entry.at) == ("Outgoing call, 2 min 5 s, answered", alice, start)


def test_an_unanswered_call_logged_by_hand_has_no_duration(alice, caller):
    call = log_call(actor=alice, direction="in", client=caller, duration=90, status="missed")
    assert (call.duration, call.status, call.number) == (0, "missed", "")
    assert TimelineEntry.objects.get(kind="call").summary == "Missed call"


def test_a_logged_call_needs_a_number_or_a_client_and_reports_every_error(alice):
    with pytest.raises(Invalid) as refused:
        log_call(actor=alice, direction="sideways", status="ringing", duration=-1, started_at="soon")
    assert set(refused.value.errors) == {"direction", "status", "duration", "started_at", "number"}
    assert not Call.objects.exists()


def test_a_call_cannot_be_logged_in_the_future(alice, caller):
    with pytest.raises(Invalid) as refused:
        log_call(actor=alice, direction="out", client=caller, started_at=timezone.now() + timedelta(hours=2))
    assert "future" in str(refused.value.errors["started_at"][0])


def test_the_number_of_a_client_the_actor_cannot_see_links_no_client(charlie, caller):
    call = log_call(actor=charlie, direction="out", number=NUMBER)
    assert call.client is None and not TimelineEntry.objects.filter(kind="call").exists()
    with pytest.raises(NotAllowed):
        log_call(actor=charlie, direction="out", client=caller)


def test_the_reader_cannot_log_calls(rita, caller):
    with pytest.raises(NotAllowed):
        log_call(actor=rita, direction="out", number=NUMBER)


# Merged clients


def test_the_calls_of_merged_cards_follow_the_card_kept(mia, alice, caller, alices_call):
    twin = ClientFactory(name="Bakery Dupont SARL", owner=alice)
    Phone.objects.create(client=twin, number="0699999999")
    twins_call = Call.objects.create(direction="in", number="+33699999999", client=twin, employee=alice)
    merge_clients(actor=mia, survivor=caller, others=[twin])
    assert set(caller.calls.all()) == {alices_call, twins_call}


# "My progress"


def test_calls_today_counts_the_users_own_calls_in_one_query(
    alice, bob, connection, extensions, django_assert_num_queries
):
    send(connection, "missed", "m1", direction="in", from_=NUMBER, extension="101")
    send(connection, "ended", "a1", direction="in", from_=NUMBER, extension="101")
    log_call(actor=alice, direction="out", number=NUMBER, duration=30)
    log_call(actor=bob, direction="out", number=NUMBER, duration=30)
    Call.objects.filter(external_id="a1").update(answered_at=timezone.now(), status="answered")
    old = log_call(actor=alice, direction="out", number=NUMBER, started_at=timezone.now() - timedelta(days=2))
    assert old.pk
    alice = type(alice).objects.get(pk=alice.pk)  # rights read once, as on a request
    alice.rights  # noqa: B018
    with django_assert_num_queries(1):
        [figure] = calls_today(alice)
    assert (figure.label, figure.done, figure.detail) == ("Calls today", 3, "2 in · 1 out · 1 missed")


# Telephony connections


def test_an_administrator_adds_a_connection_with_a_secret_made_for_it(ada):
    connection = create_connection(actor=ada, name="Head office PBX", originate_url="https://pbx.example.com/call")
    assert (connection.key, connection.kind, connection.active) == ("head-office-pbx", "webhook", True)
    assert len(connection.secret) >= 40
    entry = AuditEntry.objects.get(model="calls.connection")
    assert connection.secret not in str(entry.changes)
    second = create_connection(actor=ada, name="Head office PBX")
    assert second.key.startswith("head-office-pbx-") and second.secret != connection.secret


def test_bad_connection_settings_are_refused_together(ada, connection):
    with pytest.raises(Invalid) as refused:
        create_connection(actor=ada, name="", kind="fax", key=connection.key, originate_url="ftp://pbx", ami_port=70000)
    assert set(refused.value.errors) == {"name", "kind", "key", "originate_url", "ami_port"}
    with pytest.raises(Invalid) as refused:
        create_connection(actor=ada, name="Asterisk", kind="ami")
    assert "ami_host" in refused.value.errors


def test_rotating_the_secret_makes_the_old_one_stop_working(ada, client, connection):
    old = connection.secret
    rotated = rotate_secret(actor=ada, connection=connection)
    assert rotated.secret != old
    assert AuditEntry.objects.get(model="calls.connection").changes == {"secret": ["********", "********"]}


def test_an_empty_ami_password_keeps_the_old_one(ada):
    connection = create_connection(actor=ada, name="Asterisk", kind="ami", ami_host="pbx.local", ami_password="pw")
    update_connection(actor=ada, connection=connection, ami_password="", ami_username="carte")
    connection.refresh_from_db()
    assert (connection.ami_password, connection.ami_username) == ("pw", "carte")


def test_a_deactivated_connection_stays_with_its_calls(ada, connection):
    deactivate_connection(actor=ada, connection=connection)
    assert not Connection.objects.get().active


@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
def test_only_administrators_manage_connections(people, connection, persona):
    actor = people[persona]
    with pytest.raises(NotAllowed):
        create_connection(actor=actor, name="Mine")
    with pytest.raises(NotAllowed):
        rotate_secret(actor=actor, connection=connection)
    with pytest.raises(NotAllowed):
        update_connection(actor=actor, connection=connection, name="Mine")
