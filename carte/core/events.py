"""Domain events: how one domain tells the others that something happened, without importing them.

The app that owns a change emits an event from its service ("deal.stage_changed" with the
deal); notifications, processes and reports subscribe from their AppConfig.ready(). Handlers
run once the transaction commits, so a subscriber never acts on a change that was rolled
back, and a failing subscriber never undoes the change that was made. A handler that fails
is logged and the others still run.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    """Something that happened: its name ("deal.stage_changed"), who did it and what it is about."""

    name: str
    actor: object = None
    data: dict = field(default_factory=dict)


_handlers: dict[str, list[Handler]] = defaultdict(list)
_emitted: list[Event] | None = None  # set while `Recording()` collects events for a test


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler(event)` after each commit that emitted an event of this name."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _handlers[name]:
        _handlers[name].remove(handler)


def emit(name: str, *, actor=None, **data) -> Event:
    """Announce an event; subscribers hear it when the current transaction commits (at once outside one)."""
    event = Event(name, actor, data)
    if _emitted is not None:
        _emitted.append(event)
    transaction.on_commit(lambda: _deliver(event))
    return event


def _deliver(event: Event) -> None:
    for handler in list(_handlers.get(event.name, ())):
        try:
            handler(event)
        except Exception:
            log.exception("The handler %r of %s failed", handler, event.name)


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
