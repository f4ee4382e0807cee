"""Writing a client's timeline: entries from any app's services, and notes people write."""

from datetime import datetime

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client, TimelineEntry
from carte.clients.services.cleaning import at_most, max_length
from carte.core import events, policy
from carte.core.audit import Verb, record
from carte.core.errors import Invalid

SUMMARY_LENGTH = max_length(TimelineEntry, "summary")


def record_timeline(
    *,
    client: Client,
    kind: str,
    summary: str,
    link: str = "",
    actor=None,
    at: datetime | None = None,
    record: Model | None = None,
):
    """Add an entry to a client's timeline. For other apps' services, which have checked rights already.

    `kind` should be registered with carte.clients.card.register_timeline_kind so the card
    can label and filter it; `link` is the URL of the record the entry is about, and `record`
    that record itself when the kind was registered with a model: only readers who may see it
    see the entry. One insert, atomic by itself: no transaction of its own (a savepoint costs
    two more statements per entry).
    """
    return TimelineEntry.objects.create(
        client=client,
        kind=kind,
        summary=summary[:SUMMARY_LENGTH],
        link=link,
        record_id=record.pk if record is not None else None,
        actor=actor if actor is not None and actor.pk else None,
        at=at or timezone.now(),
    )


@transaction.atomic
def add_note(*, actor, client: Client, text: str) -> TimelineEntry:
    """Write a note on a client's timeline; whoever may edit the client may add notes."""
    policy.require(actor, policy.Action.EDIT, client)
    text = (text or "").strip()
    if not text:
        raise Invalid(errors={"text": [_("Write something first.")]})
    if len(text) > SUMMARY_LENGTH:
        raise Invalid(errors={"text": [at_most(SUMMARY_LENGTH)]})
    entry = record_timeline(client=client, kind="note", summary=text, actor=actor)
    record(actor, Verb.CREATE, entry, changes={"client": [None, str(client)], "note": [None, text]})
    events.emit("note.added", actor=actor, entry_id=entry.pk, client_id=client.pk, text=text)
    return entry
