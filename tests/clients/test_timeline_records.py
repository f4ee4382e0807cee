"""Timeline entries about a deal, an invoice, a payment, a task or a call name that record, and only
readers who may see the record read them (issue 9); notes and the card's own entries follow the client."""

from datetime import UTC, datetime
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carte.accounts.models import Employee
from carte.calls.models import Call, Connection
from carte.calls.queries import popup_for
from carte.calls.services import log_call, receive_event
from carte.calls.services.batches import receive_events
from carte.clients import queries
from carte.clients.models import TimelineEntry
from carte.clients.services.timeline import add_note
from carte.core.testing import EmployeeFactory, role
from carte.planner.services.tasks import complete_task, create_task
from carte.sales.services.deals import create_deal, delete_deal, move_deal
from carte.sales.services.documents import create_from_deal
from carte.sales.services.payments import delete_payment, record_payment
from carte.sales.testing import add_line, currency, legal_entity, pipeline, stage
from carte.workspace.queries import overview_for
from tests.calls.conftest import at, event

backfill = import_module("carte.clients.migrations.0006_timelineentry_record_id")

DUE = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)
CARD_KINDS = {"created", "note"}  # what follows the client alone in the history below
RECORD_KINDS = {"deal", "document", "payment", "task", "call"}


@pytest.fixture
def selling(db):
    currency("EUR")
    pipeline()
    legal_entity()


@pytest.fixture
def history(alice, acme, selling):
    """Alice's client with a deal, its invoice paid in part, a task, a call and a note."""
    deal = create_deal(actor=alice, client=acme, title="Ovens", amount="1000")
    add_line(deal, "1", "100.00")
    invoice = create_from_deal(actor=alice, deal=deal, kind="invoice")
    invoice.status = "unpaid"
    invoice.save(update_fields=["status"])
    payment = record_payment(actor=alice, invoice=invoice, date="2024-01-10", amount="10.00", method="cash")
    task = create_task(actor=alice, title="Deliver the ovens", due_at=DUE, client=acme)
    call = log_call(actor=alice, direction="out", client=acme, duration=60)
    add_note(actor=alice, client=acme, text="Wants them before Easter")
    return SimpleNamespace(client=acme, deal=deal, invoice=invoice, payment=payment, task=task, call=call)


def kinds_read_by(user, client) -> set[str]:
    return {entry.kind for entry in queries.timeline_for(user, client, limit=200).entries}


def record_ids(client) -> dict[str, set]:
    named: dict[str, set] = {}
    for kind, record_id in TimelineEntry.objects.filter(client=client).values_list("kind", "record_id"):
        named.setdefault(kind, set()).add(record_id)
    return named


# What the writers store


def test_each_writer_names_the_record_its_entry_is_about(history):
    assert record_ids(history.client) == {
        "created": {None},
        "note": {None},
        "deal": {history.deal.pk},
        "document": {history.invoice.pk},
        "payment": {history.invoice.pk},  # a payment's entry points to its invoice, as its link does
        "task": {history.task.pk},
        "call": {history.call.pk},
    }


def test_moving_deleting_and_completing_name_their_records_too(alice, mia, history):
    other = create_deal(actor=alice, client=history.client, title="Flour", amount="50")
    move_deal(actor=alice, deal=other, stage=stage("Won"))
    delete_deal(actor=alice, deal=create_deal(actor=alice, client=history.client, title="Gone", amount="1"))
    gone = TimelineEntry.objects.get(summary="Deal deleted: Gone")
    delete_payment(actor=mia, payment=history.payment)  # sellers may not
    complete_task(actor=alice, task=history.task, result="Delivered")
    named = record_ids(history.client)
    assert {history.deal.pk, other.pk, gone.record_id} == named["deal"] and gone.record_id is not None
    assert named["payment"] == {history.invoice.pk} and named["task"] == {history.task.pk}
    assert TimelineEntry.objects.filter(kind="payment").count() == 2  # received, then deleted
    assert TimelineEntry.objects.filter(kind="task").count() == 2  # planned, then done
    assert TimelineEntry.objects.filter(kind="deal", record_id=other.pk).count() == 2  # new, then won


@pytest.fixture
def alice_at_101(alice):
    alice.phone_extension = "101"
    alice.save(update_fields=["phone_extension"])
    return alice


def answered_call(call_id: str) -> list[dict]:
    caller = {"direction": "in", "from": "+33612345678", "to": "+33140000000", "extension": "101"}
    return [
        event(kind, call_id, at=at(seconds), event_id=f"{call_id}-{kind}") | caller
        for kind, seconds in (("ringing", 0), ("answered", 5), ("ended", 65))
    ]


def test_phone_events_name_their_call_one_by_one_and_in_a_batch(alice_at_101, acme):
    pbx = Connection.objects.create(name="PBX", key="pbx", secret="s")
    for body in answered_call("one"):
        receive_event(connection=pbx, event=body)
    receive_events(connection=pbx, events=answered_call("batch"))
    calls = set(Call.objects.filter(client=acme).values_list("pk", flat=True))
    assert len(calls) == 2 and record_ids(acme)["call"] == calls


# The migration that names the records of existing entries


def test_the_migration_reads_each_record_from_the_link_its_app_built(alice, acme, monkeypatch):
    monkeypatch.setattr(backfill, "BATCH", 2)  # several batches
    links = {
        ("deal", "/deals/12/"): 12,
        ("document", "/documents/34/"): 34,
        ("payment", "/documents/34/"): 34,
        ("task", "/planner/tasks/56/"): 56,
        ("call", "/calls/78/"): 78,
        ("call", "/crm/calls/79/"): 79,  # under a script name
        ("deal", ""): None,  # a deleted deal's entry has no link
        ("payment", "/payments/"): None,  # the documents screens were not installed
        ("note", "/deals/9/"): None,  # not about a record
    }
    entries = TimelineEntry.objects.bulk_create(
        TimelineEntry(client=acme, kind=kind, link=link, summary=f"{kind} {link}") for kind, link in links
    )
    backfill.fill_record_ids(apps, SimpleNamespace(connection=connection))
    stored = dict(TimelineEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("pk", "record_id"))
    assert [stored[entry.pk] for entry in entries] == list(links.values())


# Who reads what


def test_a_teammate_reads_the_notes_of_a_shared_client_but_not_another_sellers_records(alice, bob, mia, history):
    assert kinds_read_by(bob, history.client) == CARD_KINDS
    assert kinds_read_by(alice, history.client) == CARD_KINDS | RECORD_KINDS
    assert kinds_read_by(mia, history.client) == CARD_KINDS | RECORD_KINDS  # her department's records


def test_a_kind_the_reader_sees_none_of_is_hidden(history):
    # Service reads every deal and document, no payment, and only their own tasks and calls.
    service = EmployeeFactory(username="sam", role=role("service"))
    assert kinds_read_by(service, history.client) == CARD_KINDS | {"deal", "document"}


def test_a_deleted_records_entries_remain_only_for_those_who_see_every_record_of_its_kind(
    alice, mia, ada, rita, acme, selling
):
    deal = create_deal(actor=alice, client=acme, title="Gone", amount="1")
    delete_deal(actor=alice, deal=deal)
    for reader in (ada, rita):
        assert {"New deal: Gone", "Deal deleted: Gone"} <= {
            e.summary for e in queries.timeline_for(reader, acme).entries
        }
    for reader in (alice, mia):
        assert "deal" not in kinds_read_by(reader, acme)


def test_the_home_page_shows_only_the_latest_entries_the_user_may_read(bob, login, history):
    overview = overview_for(bob)
    assert {entry.kind for entry in overview.timeline} == CARD_KINDS
    page = login(bob).get("/").content.decode()
    assert "Wants them before Easter" in page and "Ovens" not in page


def test_the_call_popup_shows_only_the_latest_entries_the_user_may_read(bob, history):
    bobs_call = Call.objects.create(
        external_id="b", direction="in", number="+33612345678", client=history.client, employee=bob
    )
    assert {entry.kind for entry in popup_for(bob, bobs_call).timeline} == CARD_KINDS


# What it costs


def fresh(user) -> Employee:
    """The user as a new request loads it: rights not read yet."""
    return Employee.objects.get(pk=user.pk)


@pytest.mark.parametrize("persona", ["ada", "bob"])
def test_a_timeline_page_is_still_one_query_whatever_the_reader_may_see(
    people, persona, history, django_assert_num_queries
):
    reader = fresh(people[persona])
    queries.timeline_for(reader, history.client)  # reads the rights
    with django_assert_num_queries(1):
        queries.timeline_for(reader, history.client)


@pytest.mark.parametrize("persona", ["ada", "bob"])
def test_the_home_pages_rows_are_still_three_queries(people, persona, history, django_assert_num_queries):
    reader = fresh(people[persona])
    with django_assert_num_queries(3):  # the rights, the clients, the timeline
        overview_for(reader)


def test_the_cards_timeline_costs_a_reader_whose_entries_are_filtered_no_more_queries(ada, bob, login, history):
    def queries_for(reader) -> int:
        browser = login(reader)
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(f"/clients/{history.client.pk}/timeline/", headers={"HX-Request": "true"})
        assert response.status_code == 200
        return len(captured)

    assert queries_for(bob) == queries_for(ada)


def test_older_pages_of_a_filtered_timeline_follow_on(bob, alice, history):
    for n in range(5):
        add_note(actor=alice, client=history.client, text=f"Note {n}")
    pages, cursor = [], None
    while True:
        page = queries.timeline_for(bob, history.client, before=cursor, limit=2)
        pages.append([entry.kind for entry in page.entries])
        if (cursor := page.next_cursor) is None:
            break
    assert sum(len(kinds) for kinds in pages) == 7 and set(sum(pages, [])) == CARD_KINDS
