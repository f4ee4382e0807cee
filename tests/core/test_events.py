"""Domain events: delivered after the commit, never for a rolled-back change, one by one or a batch together."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from carte.core import events, live
from carte.core.models import LiveMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    """What the test handlers heard: ("one", name, n) per event, ("together", name, [n…]) per batch."""
    found: list = []

    def one(event):
        found.append(("one", event.name, event.data["n"]))

    def together(batch):
        found.append(("together", batch[0].name, [event.data["n"] for event in batch]))

    for name in ("test.rang", "test.ended"):
        events.subscribe(name, one)
        events.subscribe_together(name, together)
    yield found
    for name in ("test.rang", "test.ended"):
        events.unsubscribe(name, one)
        events.unsubscribe(name, together)


def test_an_event_is_heard_after_the_commit_and_never_for_a_rollback(heard):
    with transaction.atomic():
        events.emit("test.rang", n=1)
        assert heard == []
    assert heard == [("one", "test.rang", 1), ("together", "test.rang", [1])]
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("test.rang", n=2)
        raise RuntimeError
    assert len(heard) == 2


def test_a_batch_is_heard_name_by_name_and_together(heard):
    with events.batched():
        with transaction.atomic():
            events.emit("test.rang", n=1)
            events.emit("test.ended", n=1)
            events.emit("test.rang", n=2)
        assert heard == [], "held until the end of the block"
        with transaction.atomic():
            events.emit("test.ended", n=2)
            try:
                with transaction.atomic():
                    events.emit("test.rang", n=3)
                    raise RuntimeError
            except RuntimeError:
                pass
    assert heard == [
        ("one", "test.rang", 1),
        ("one", "test.rang", 2),
        ("together", "test.rang", [1, 2]),
        ("one", "test.ended", 1),
        ("one", "test.ended", 2),
        ("together", "test.ended", [1, 2]),
    ]


def test_a_failing_handler_undoes_only_its_own_writes_and_the_others_still_run():
    def failing(event):
        LiveMessage.objects.create(recipient_id=1, payload={"from": "failing"})
        raise ValueError("broken subscriber")

    def working(event):
        LiveMessage.objects.create(recipient_id=2, payload={"from": "working"})

    events.subscribe("test.failing", failing)
    events.subscribe("test.failing", working)
    try:
        with events.batched(), transaction.atomic():
            events.emit("test.failing")
    finally:
        events.unsubscribe("test.failing", failing)
        events.unsubscribe("test.failing", working)
    assert list(LiveMessage.objects.values_list("recipient_id", flat=True)) == [2]


def test_live_messages_of_a_batch_go_out_in_one_insert(settings):
    settings.REDIS_URL = ""
    with CaptureQueriesContext(connection) as seen, live.batched():
        for n in range(5):
            with transaction.atomic():
                live.publish(9, {"n": n})
        assert not LiveMessage.objects.exists()
    inserts = [query for query in seen.captured_queries if query["sql"].startswith('INSERT INTO "core_livemessage"')]
    assert len(inserts) == 1
    assert [row.payload["n"] for row in LiveMessage.objects.order_by("id")] == [0, 1, 2, 3, 4]
