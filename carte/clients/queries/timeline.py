"""Reading a client's timeline newest first, a page at a time, in constant time."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils.translation import gettext as _

from carte.clients import card
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


def readable_entries(user, entries: QuerySet[TimelineEntry]) -> QuerySet[TimelineEntry]:
    """Narrow timeline entries, already limited to clients the user may see, to those the user may read.

    An entry of a kind registered with a model tells about a record of it (a deal, an invoice,
    a task, a call), whose rule is often narrower than its client's: it is shown only if that
    record is visible to the user. Kinds the user sees all of stay unfiltered, so the history
    of deleted records remains for them; kinds they see none of are hidden. The test is part
    of the entries' own query: one probe by primary key per entry read, as a scalar subquery
    because PostgreSQL may turn an EXISTS under an OR into a hash of every record the user
    sees, read whole each time a card opens.
    """
    checked: list[str] = []
    readable = Q()
    for kind, about in card.timeline_records().items():
        granted = policy.scope(user, policy.policy_for(about.model).module, policy.Action.VIEW)
        if granted == policy.Scope.ALL:
            continue
        checked.append(kind)
        if granted != policy.Scope.NONE:
            records = about.model._default_manager.filter(**{about.field: OuterRef("record_id")})
            probe = Subquery(policy.visible(user, records).order_by().values("pk")[:1])
            readable |= Q(Q(kind=kind), IsNull(probe, False))  # the kind first: only its entries are probed
    if not checked:
        return entries
    return entries.filter(~Q(kind__in=checked) | readable)


def timeline_for(actor, client: Client, *, kind=None, before=None, limit=TIMELINE_PAGE) -> TimelinePage:
    """The client's timeline newest first, `limit` entries older than the `before` cursor.

    Keyset paging on (at, id) over the (client, at, id) index: every page costs the same
    whatever the length of the history, unlike an OFFSET.
    """
    policy.require(actor, policy.Action.VIEW, client)
    limit = max(1, min(int(limit), MAX_TIMELINE_PAGE))
    entries = readable_entries(actor, TimelineEntry.objects.filter(client=client))
    if kind:
        entries = entries.filter(kind=kind)
    if before:
        at, pk = _parse_cursor(before)
        entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(entries.select_related("actor").order_by("-at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelinePage(rows, _cursor_of(rows[-1]) if more else None)
