"""The live channel: a message published in one thread (or process) reaches the listeners of its
recipient, through the database fallback and through Redis (the real one on 127.0.0.1:6379)."""

import asyncio
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from carte.core import live
from carte.core.models import LiveMessage

REDIS = "redis://127.0.0.1:6379/0"
# How long a message that must arrive is waited for: generous, so a loaded machine is no failure;
# how fast it arrives is measured by the benchmark (make bench, live-latency).
ARRIVES = 10


@pytest.fixture(autouse=True)
def quiet_hub(monkeypatch):
    """Sources stop soon after their last listener; none survives the test (it holds a connection)."""
    monkeypatch.setattr(live, "IDLE_STOP", 0.2)
    yield
    live.hub().stop()


@pytest.fixture
def redis_channel(settings):
    settings.REDIS_URL = REDIS
    settings.LIVE_CHANNEL_PREFIX = f"carte-test:{uuid.uuid4().hex}:"
    return settings.LIVE_CHANNEL_PREFIX


def in_another_thread(work):
    """Run `work` in a thread of its own (its own database connection), as another process would."""

    def run():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_message_published_in_another_thread_reaches_the_listener_through_the_database():
    with live.listen(7) as listener:
        in_another_thread(lambda: live.publish(7, {"type": "notification", "title": "Hello"}))
        # How fast is the benchmark's question (live-latency); here only that it arrives, however
        # loaded the machine running the suite.
        message = listener.get(timeout=ARRIVES)
        assert message is not None and message.payload == {"type": "notification", "title": "Hello"}
        assert message.id == LiveMessage.objects.get().pk


@pytest.mark.django_db(transaction=True)
def test_only_the_recipients_listeners_hear_a_message():
    with live.listen(7) as mine, live.listen(7) as my_other_tab, live.listen(8) as someone_else:
        in_another_thread(lambda: live.publish(7, {"n": 1}))
        assert mine.get(timeout=ARRIVES).payload == {"n": 1}
        assert my_other_tab.get(timeout=ARRIVES).payload == {"n": 1}
        assert someone_else.get(timeout=0.5) is None


@pytest.mark.django_db(transaction=True)
def test_a_message_is_sent_only_when_the_transaction_commits():
    with live.listen(7) as listener:

        def rolled_back():
            try:
                with transaction.atomic():
                    live.publish(7, {"n": "never"})
                    raise RuntimeError("changed my mind")
            except RuntimeError:
                pass

        in_another_thread(rolled_back)
        assert listener.get(timeout=0.6) is None
        assert not LiveMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_source_serves_every_listener_of_the_process():
    with live.listen(1), live.listen(2), live.listen(3):
        hub = live.hub()
        assert hub.listening() == 3
        assert [t for t in threading.enumerate() if t.name.startswith("carte-live")] == [hub.source]


@pytest.mark.django_db(transaction=True)
def test_the_source_stops_and_releases_its_connection_when_nobody_listens():
    with live.listen(1):
        source = live.hub().source
    source.join(3)
    assert not source.is_alive()
    assert live.hub().source is None


@pytest.mark.django_db(transaction=True)
def test_old_messages_are_deleted_and_recent_ones_kept():
    old = LiveMessage.objects.create(recipient_id=1, payload={}, created_at=timezone.now() - timedelta(minutes=11))
    recent = LiveMessage.objects.create(recipient_id=1, payload={})
    with live.listen(1):
        deadline = time.monotonic() + 3
        while LiveMessage.objects.filter(pk=old.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert list(LiveMessage.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_after_a_lost_connection_the_source_goes_on_after_the_last_message_it_passed_on():
    LiveMessage.objects.create(recipient_id=7, payload={"n": 1})
    source = live.DatabaseSource(live.hub())
    first_start = source.start_after()  # the newest message: older ones are the streams' replay
    source.last = first_start - 5  # it had passed on messages up to here when the database went away
    LiveMessage.objects.create(recipient_id=7, payload={"n": 2})  # written during the outage
    assert source.start_after() == first_start - 5  # read again from there, not from the newest


@pytest.mark.django_db
def test_a_reconnecting_stream_gets_what_it_missed_from_the_database():
    first = LiveMessage.objects.create(recipient_id=7, payload={"n": 1})
    LiveMessage.objects.create(recipient_id=8, payload={"n": "not mine"})
    second = LiveMessage.objects.create(recipient_id=7, payload={"n": 2})
    assert [(m.id, m.payload) for m in live.missed_since(7, 0)] == [(first.pk, {"n": 1}), (second.pk, {"n": 2})]
    assert [m.id for m in live.missed_since(7, first.pk)] == [second.pk]


@pytest.mark.django_db(transaction=True)
def test_an_event_loop_listener_waits_without_a_thread():
    async def scenario():
        listener = await live.alisten(7)
        try:
            assert await listener.aget(timeout=0.2) is None
            await asyncio.to_thread(in_another_thread, lambda: live.publish(7, {"n": "async"}))
            message = await listener.aget(timeout=2)
            return message.payload
        finally:
            listener.close()

    assert asyncio.run(scenario()) == {"n": "async"}


@pytest.mark.django_db
def test_a_payload_that_cannot_travel_is_refused_at_once():
    with pytest.raises(TypeError):
        live.publish(7, {"when": timezone.now()})


def test_the_channel_names_the_redis_database(settings):
    settings.LIVE_CHANNEL_PREFIX = ""
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert live.channel_prefix() == "carte:live:"
    settings.REDIS_URL = "redis://127.0.0.1:6379/3"
    assert live.channel_prefix() == "carte:live:3:"


@pytest.mark.django_db
def test_redis_carries_a_message_to_the_listener(redis_channel):
    with live.listen(7) as mine, live.listen(8) as someone_else:
        in_another_thread(lambda: live.publish(7, {"type": "call", "state": "ringing"}))
        message = mine.get(timeout=ARRIVES)
        assert message is not None and message.payload == {"type": "call", "state": "ringing"}
        assert message.id is None
        assert someone_else.get(timeout=0.3) is None
    assert not LiveMessage.objects.exists()


@pytest.mark.django_db
def test_redis_reaches_an_event_loop_listener(redis_channel):
    async def scenario():
        listener = await live.alisten(7)
        try:
            await asyncio.to_thread(live.publish, 7, {"n": "async"})
            return (await listener.aget(timeout=2)).payload
        finally:
            listener.close()

    assert asyncio.run(scenario()) == {"n": "async"}


def test_a_redis_that_cannot_be_reached_costs_the_caller_nothing(
    settings, caplog, db, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with django_capture_on_commit_callbacks(execute=True):
        live.publish(7, {"n": 1})  # logged, not raised
    assert "Could not send a live message" in caplog.text
