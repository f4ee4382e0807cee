"""Reading a client's timeline newest first, a page at a time, in constant time."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from carte.clients.models import Client, TimelineEntry
from carte.core import policy
from carte.core.errors import Invalid

TIMELINE_PAGE = 30
MAX_TIMELINE_PAGE = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TimelinePage:
    """A page of a card's timeline; `next_cursor` fetches the older entries (None at the end)."""

    entries: list[TimelineEntry]
    next_cursor: str | None


def _cursor_of(entry: TimelineEntry) -> str:
    return f"{(entry.at - EPOCH) // timedelta(microseconds=1)}.{entry.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, pk = (int(part) for part in cursor.split("."))
    except (AttributeError, ValueError):
        raise Invalid(
            _("“%(value)s” is not a timeline position.") % {"value": cursor},
            errors={"before": [_("Not a timeline position.")]},
        ) from None
    return EPOCH + timedelta(microseconds=micros), pk


def timeline_for(actor, client: Client, *, kind=None, before=None, limit=TIMELINE_PAGE) -> TimelinePage:
    """The client's timeline newest first, `limit` entries older than the `before` cursor.

    Keyset paging on (at, id) over the (client, at, id) index: every page costs the same
    whatever the length of the history, unlike an OFFSET.
    """
    policy.require(actor, policy.Action.VIEW, client)
    limit = max(1, min(int(limit), MAX_TIMELINE_PAGE))
    entries = TimelineEntry.objects.filter(client=client)
    if kind:
        entries = entries.filter(kind=kind)
    if before:
        at, pk = _parse_cursor(before)
        entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(entries.select_related("actor").order_by("-at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelinePage(rows, _cursor_of(rows[-1]) if more else None)
