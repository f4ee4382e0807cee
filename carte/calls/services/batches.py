"""A phone system's batch of events, applied together: what `receive_event` does one by one, for many.

The webhook takes an array of events; applying them together reads the batch's journal ids,
calls (locked) and extensions once, saves each call once, writes the journal and the timeline
in one statement each, commits once, and follows up (notifications, the pop-ups' live
messages) together too. See `receive_events`.
"""

import secrets

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from carte.calls.matching import (
    client_id_for_number,
    client_ids_for_numbers,
    employees_at_extensions,
    normalized_number,
)
from carte.calls.models import Call, CallEvent, Connection
from carte.calls.services.events import (
    ID_LENGTH,
    REASON_LENGTH,
    Direction,
    Outcome,
    PhoneEvent,
    Refused,
    Status,
    _apply_facts,
    _Before,
    _follow_up,
    _match,
    _payload,
    read_event,
    receive_event,
    reject_event,
)
from carte.clients.models import TimelineEntry
from carte.core.events import batched as batched_events
from carte.core.live import batched as batched_messages

BATCH_ATTEMPTS = 3
# What events change on a call, and all a batch writes back (notes and results are the employees').
FOLLOWED_FIELDS = [
    field.name
    for field in Call._meta.concrete_fields
    if not field.primary_key and field.name not in ("connection", "external_id", "notes", "result", "created_at")
]


def receive_events(*, connection: Connection, events: list) -> list[CallEvent]:
    """Apply phone events in the order given, as `receive_event` would one after the other (the
    same outcomes, calls and follow-ups), in one transaction; returns their journal entries.

    A phone system batches events (the webhook takes an array): applying them together reads
    the batch's journal ids, calls (locked) and extensions once, saves each call once and
    writes the journal in one statement, and commits once. Another process may apply events of
    the same calls at the same moment: a clash (an event id or a call taken meanwhile, a
    deadlock) rolls the whole batch back, and it is applied again — events are idempotent,
    so what the other process did is then seen as done. After BATCH_ATTEMPTS clashes, the
    events are applied one by one.
    """
    # What the batch makes happen (notifications, pop-ups) is written and sent together too.
    with batched_messages(), batched_events():  # the events are followed up first, then their messages sent
        if not connection.active:
            return [receive_event(connection=connection, event=event) for event in events]
        for _attempt in range(BATCH_ATTEMPTS):
            try:
                with transaction.atomic():
                    return _Batch(connection, events).apply()
            except DatabaseError:  # IntegrityError, deadlock, lock timeout: the batch left no trace
                continue
        return [receive_event(connection=connection, event=event) for event in events]


class _Batch:
    """One batch of events of one connection, applied inside the caller's transaction."""

    def __init__(self, connection: Connection, events: list):
        self.connection, self.events = connection, events
        self.read: list[PhoneEvent | str] = []  # each event, or why it was refused
        for event in events:
            try:
                self.read.append(read_event(event))
            except Refused as refused:
                self.read.append(str(refused))
        phones = [phone for phone in self.read if isinstance(phone, PhoneEvent)]
        self.seen: dict[str, int | None] = dict(
            CallEvent.objects.filter(connection=connection, event_id__in={phone.event_id for phone in phones})
            .values_list("event_id", "call_id")
            .order_by()
        )
        # Locked in id order, so that two batches sharing calls wait for each other instead of deadlocking.
        self.calls: dict[str, Call] = {
            call.external_id: call
            for call in Call.objects.select_for_update()
            .filter(connection=connection, external_id__in={phone.call_id for phone in phones})
            .order_by("pk")
        }
        self.people = employees_at_extensions({phone.extension for phone in phones if phone.extension})
        # The calls heard for the first time, made together: one statement (their ids come back).
        fresh = {phone.call_id: phone for phone in reversed(phones) if phone.event_id not in self.seen}
        made = [
            Call(
                connection=connection,
                external_id=phone.call_id,
                direction=phone.direction or Direction.INCOMING,
                started_at=phone.at,
                status=Status.RINGING,
            )
            for call_id, phone in reversed(fresh.items())
            if call_id not in self.calls
        ]
        Call.objects.bulk_create(made)
        self.new = {call.external_id for call in made}
        self.calls |= {call.external_id: call for call in made}
        # The clients of the new calls' numbers, read together. The other party is "from" or "to"
        # depending on the call's direction, which another event may say: both are read. A known
        # call's number is looked up on its own, and only when it changes (rarely).
        parties = {
            normalized_number(number)
            for phone in phones
            if phone.call_id in self.new
            for number in (phone.from_number, phone.to_number)
        }
        self.numbers = client_ids_for_numbers(parties)

    def _client_of(self, number: str) -> int | None:
        if number not in self.numbers:
            self.numbers[number] = client_id_for_number(number)
        return self.numbers[number]

    def _employee_at(self, extension: str):
        return self.people.get((extension or "").strip())

    def apply(self) -> list[CallEvent]:
        journal: list[CallEvent | None] = []
        self.entries: list[TimelineEntry] = []  # the ended calls' timeline entries, written together
        changed: dict[str, Call] = {}
        for event, phone in zip(self.events, self.read, strict=True):
            if isinstance(phone, str):
                journal.append(None)  # journaled apart below, in its place
                continue
            fields = {"kind": phone.kind, "external_call_id": phone.call_id, "payload": _payload(event)}
            if phone.event_id in self.seen:
                journal.append(self._repeat(phone, fields))
                continue
            call, created = self._call(phone)
            before = _Before.of(call, created)
            extension = "" if created else call.extension
            _apply_facts(call, phone)
            _match(call, extension, created, self._client_of, self._employee_at)
            notes: list[str] = []
            outcome = Outcome.APPLIED
            if call.extension and call.employee_id is None:
                outcome = Outcome.UNMATCHED
                notes.append(_("No active employee has the extension “%(extension)s”.") % {"extension": call.extension})
            _follow_up(call, phone, before, notes, self.entries)
            changed[call.external_id] = call
            self.seen[phone.event_id] = call.pk
            journal.append(
                CallEvent(
                    connection=self.connection,
                    event_id=phone.event_id,
                    call=call,
                    outcome=outcome,
                    reason=" ".join(notes)[:REASON_LENGTH],
                    **fields,
                )
            )
        for call in changed.values():
            call.save(update_fields=FOLLOWED_FIELDS)
        TimelineEntry.objects.bulk_create(self.entries)
        CallEvent.objects.bulk_create([entry for entry in journal if entry is not None])
        return [
            entry if entry is not None else reject_event(connection=self.connection, payload=event, reason=str(phone))
            for entry, event, phone in zip(journal, self.events, self.read, strict=True)
        ]

    def _call(self, phone: PhoneEvent) -> tuple[Call, bool]:
        """The event's call (made in __init__ when new: the first event applied to it "created" it)."""
        created = phone.call_id in self.new
        self.new.discard(phone.call_id)
        return self.calls[phone.call_id], created

    def _repeat(self, phone: PhoneEvent, fields: dict) -> CallEvent:
        return CallEvent(
            connection=self.connection,
            event_id=f"{phone.event_id[: ID_LENGTH - 24]}#repeat-{secrets.token_hex(8)}",
            call_id=self.seen[phone.event_id],
            outcome=Outcome.DUPLICATE,
            reason=_("This event was received already: nothing changed."),
            **fields,
        )
