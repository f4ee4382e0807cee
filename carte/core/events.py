"""Domain events: how one domain tells the others that something happened, without importing them.

The app that owns a change emits an event from its service ("deal.stage_changed" with the
deal); notifications, processes and reports subscribe from their AppConfig.ready(). Handlers
run once the transaction commits, so a subscriber never acts on a change that was rolled
back, and a failing subscriber never undoes the change that was made. A handler that fails
is logged and the others still run.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[["Event"], None]
BatchHandler = Callable[[list["Event"]], None]


@dataclass(frozen=True)
class Event:
    """Something that happened: its name ("deal.stage_changed"), who did it and what it is about."""

    name: str
    actor: object = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Subscription:
    handler: Callable
    together: bool  # the handler takes a list of events


_handlers: dict[str, list[_Subscription]] = defaultdict(list)
_emitted: list[Event] | None = None  # set while `Recording()` collects events for a test


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler(event)` after each commit that emitted an event of this name."""
    _add(name, _Subscription(handler, together=False))


def subscribe_together(name: str, handler: BatchHandler) -> None:
    """Call `handler(events)` with the events of this name that a `batched()` block committed, all at
    once (a list of one otherwise): a subscriber that reads or writes rows per event then does it
    once per batch."""
    _add(name, _Subscription(handler, together=True))


def _add(name: str, subscription: _Subscription) -> None:
    if all(known.handler != subscription.handler for known in _handlers[name]):
        _handlers[name].append(subscription)


def unsubscribe(name: str, handler: Callable) -> None:
    _handlers[name] = [known for known in _handlers[name] if known.handler != handler]


def emit(name: str, *, actor=None, **data) -> Event:
    """Announce an event; subscribers hear it when the current transaction commits (at once outside one)."""
    event = Event(name, actor, data)
    if _emitted is not None:
        _emitted.append(event)
    transaction.on_commit(lambda: _arrived(event))
    return event


_local = threading.local()  # `held`: the events of a `batched()` block, waiting for its end


def _arrived(event: Event) -> None:
    held = getattr(_local, "held", None)
    if held is None:
        _deliver(event.name, [event])
    else:
        held.append(event)


@contextmanager
def batched() -> Iterator[None]:
    """Deliver the events committed in the block together at its end, in one transaction.

    For a service that commits many changes at once (a phone system's batch of call events):
    its subscribers' writes then cost one commit, not one each, and `subscribe_together`
    handlers get all the events of their name in one call. Events are delivered name by name,
    in the order each name first came (for one record, "call.ringing" still comes before
    "call.ended"). Each handler runs in a savepoint of its own, so one that fails undoes only
    its own writes. Events emitted in a savepoint that was rolled back are not delivered, as
    always (they never reach on_commit).
    """
    if getattr(_local, "held", None) is not None:  # an outer block delivers them
        yield
        return
    _local.held = []
    try:
        yield
    finally:
        held, _local.held = _local.held, None
        by_name: dict[str, list[Event]] = {}
        for event in held:
            by_name.setdefault(event.name, []).append(event)
        if by_name:
            with transaction.atomic():
                for name, named in by_name.items():
                    _deliver(name, named, savepoints=True)


def _deliver(name: str, named: list[Event], savepoints: bool = False) -> None:
    for subscription in list(_handlers.get(name, ())):
        calls = [(named,)] if subscription.together else [(event,) for event in named]
        for arguments in calls:
            try:
                if savepoints:
                    with transaction.atomic():
                        subscription.handler(*arguments)
                else:
                    subscription.handler(*arguments)
            except Exception:
                log.exception("The handler %r of %s failed", subscription.handler, name)


class Recording:
    """`with events.Recording() as seen:` collects what the block emits (for tests)."""

    def __enter__(self) -> list[Event]:
        global _emitted
        self._outer, _emitted = _emitted, []
        return _emitted

    def __exit__(self, *exc):
        global _emitted
        _emitted = self._outer
        return False
