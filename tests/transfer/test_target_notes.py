"""The notes import target: rows become notes on clients' timelines, at the time they were written; rights; undo."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.utils import timezone

from carte.clients.models import TimelineEntry
from carte.clients.services import create_client
from carte.clients.services import timeline as timeline_services
from carte.core.errors import Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory
from carte.transfer.targets import notes as notes_target
from carte.transfer.targets import target
from carte.transfer.targets.base import Context, Options, Row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def bakery(alice):
    return create_client(actor=alice, name="Alice's Bakery", emails=[("orders@bakery.fr", "work")])


def context_for(actor, *, dry=False, **options) -> Context:
    return Context(actor=actor, options=Options(**options), target_key="notes", dry=dry)


def row(number, **values) -> Row:
    return Row(number, {key: [value] for key, value in values.items()})


def check(actor, rows, **options):
    return target("notes").check(context_for(actor, dry=True, **options), rows)


def save(actor, rows, **options):
    with transaction.atomic():  # the batch's transaction, as the import's run opens it
        return target("notes").save(context_for(actor, **options), rows)


def notes() -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(kind="note").order_by("id"))


def test_check_says_what_each_row_would_become_and_writes_nothing(alice, bakery):
    before = TimelineEntry.objects.count()
    outcomes = check(
        alice,
        [
            row(2, client="Alice's Bakery", text="Likes rye bread", date="15/03/2021 14:30"),
            row(3, text="Whose note?"),
            row(4, client="Nobody & Co", date="31/13/2021"),
            row(5, client="Alice's Bakery", text="x" * 501),
        ],
    )
    assert [o.outcome for o in outcomes] == ["created", "failed", "failed", "failed"]
    assert outcomes[0].object_id < 0 and outcomes[0].shown["Date"] == "2021-03-15 14:30"
    assert outcomes[1].message == "Client: Choose a client."
    assert outcomes[2].message.startswith("Client: No client “Nobody & Co”")
    assert "Text: Write something first." in outcomes[2].message and "Date: " in outcomes[2].message
    assert outcomes[3].message == "Text: At most 500 characters."
    assert TimelineEntry.objects.count() == before


def test_save_writes_notes_on_the_timeline_at_the_time_they_were_written(alice, bakery):
    outcomes = save(
        alice,
        [
            row(2, client="orders@bakery.fr", text="Likes rye bread\nCall before noon", date="15/03/2021 14:30"),
            row(3, client="Alice's Bakery", text="Asked for a quote", date="2021-03-16"),
            row(4, client="Alice's Bakery", text="No date"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["created"] * 3
    first, second, third = (TimelineEntry.objects.get(pk=outcome.object_id) for outcome in outcomes)
    assert (first.client, first.kind, first.actor) == (bakery, "note", alice)
    assert first.summary == "Likes rye bread\nCall before noon"
    assert first.at == datetime(2021, 3, 15, 13, 30, tzinfo=UTC)  # 14:30 in Paris
    assert second.at == datetime(2021, 3, 15, 23, 0, tzinfo=UTC)  # the day's start in Paris
    assert abs((timezone.now() - third.at).total_seconds()) < 60
    assert outcomes[0].stamp == first.at.isoformat()
    assert AuditEntry.objects.filter(model="clients.timelineentry", object_id=str(first.pk), verb="create").exists()


def test_a_row_that_fails_half_way_leaves_nothing(alice, bakery, monkeypatch):
    def write_then_refuse(**values):
        timeline_services.add_note(**values)
        raise Invalid(errors={"text": ["Refused by the test."]})

    monkeypatch.setattr(notes_target, "add_note", write_then_refuse)
    outcome = save(alice, [row(2, client="Alice's Bakery", text="Half a note")])[0]
    assert outcome.outcome == "failed" and outcome.message == "Text: Refused by the test."
    assert notes() == []


def test_notes_need_the_right_to_edit_the_client(alice, bob, charlie, bakery):
    ClientFactory(name="Bob's Mill", owner=bob)  # Alice sees her department's clients, and edits her own
    ClientFactory(name="Charlie's Garage", owner=charlie)
    outcomes = save(
        alice,
        [
            row(2, client="Bob's Mill", text="Seen at the fair"),
            row(3, client="Charlie's Garage", text="Seen at the fair"),
            row(4, client="Alice's Bakery", text="Seen at the fair"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["failed", "failed", "created"]
    assert outcomes[0].message == "You do not have the right to do this."
    assert outcomes[1].message.startswith("Client: No client “Charlie's Garage”")
    assert [note.client for note in notes()] == [bakery]


def test_notes_are_always_added_even_when_the_same_words_come_twice(alice, bakery):
    rows = [row(2, client="Alice's Bakery", text="Called"), row(3, client="Alice's Bakery", text="Called")]
    assert [o.outcome for o in save(alice, rows, duplicates="skip")] == ["created", "created"]
    assert len(notes()) == 2


def test_undo_deletes_the_notes_and_deleted_ones_are_moved(alice, bakery):
    outcomes = save(alice, [row(2, client="Alice's Bakery", text="One"), row(3, client="Alice's Bakery", text="Two")])
    chosen = target("notes")
    pairs = [(outcome.object_id, outcome.stamp) for outcome in outcomes]
    assert chosen.moved(pairs) == set()
    TimelineEntry.objects.filter(pk=outcomes[1].object_id).delete()
    assert chosen.moved(pairs) == {outcomes[1].object_id}
    chosen.undo(alice, [outcomes[0].object_id], [])
    assert notes() == []
    assert AuditEntry.objects.filter(object_id=str(outcomes[0].object_id), verb="delete").exists()


def test_undo_takes_the_right_to_edit_the_client(alice, rita, bakery):
    outcome = save(alice, [row(2, client="Alice's Bakery", text="One")])[0]
    with pytest.raises(NotAllowed):
        target("notes").undo(rita, [outcome.object_id], [])
    assert len(notes()) == 1


def test_exports_write_what_an_import_reads_back(alice, bakery):
    outcome = save(alice, [row(2, client="Alice's Bakery", text="Likes rye", date="15/03/2021 14:30")])[0]
    chosen = target("notes")
    entry = TimelineEntry.objects.select_related(*chosen.select_related).get(pk=outcome.object_id)
    texts = {field.key: field.text(entry) for field in chosen.export_fields()}
    assert texts == {"client": "Alice's Bakery", "text": "Likes rye", "date": "2021-03-15 14:30"}
    assert check(alice, [Row(2, {key: [text] for key, text in texts.items()})])[0].outcome == "created"
