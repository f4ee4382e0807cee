"""Phone events: the one entry point through which a phone system tells Carte about calls.

The webhook API and the AMI connector both hand each event to `receive_event`, as the
documented webhook body (docs/admin/telephony.md):

    {"event": "ringing" | "answered" | "ended" | "missed" | "recording",
     "call_id": "…", "event_id": "…", "direction": "in" | "out" | "internal",
     "from": "…", "to": "…", "extension": "…", "at": "2026-11-27T09:15:00Z",
     "cause": "busy" | "failed" | "no_answer" | "", "recording_url": "https://…"}

Events come repeated and out of order, and sometimes at the same moment from two processes.
So each one is written to the journal first under its event id (unique per connection: a
repeat is journaled as "duplicate" and changes nothing); the call is then found or created
by (connection, call_id) with its row locked, the event adds the facts it knows (times,
numbers, extension, cause, recording), and the call's status and duration are worked out
again from all the facts, so that the order of the events does not matter. What follows
from a change — the "call.*" domain events, the callback task of a missed call, the entry
on the client's timeline — happens on the transition only, once per call.

The journal (CallEvent) is the audit trail of phone events: they have no actor to audit.
"""

import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from carte.calls.matching import (
    client_id_for_number,
    employee_for_extension,
    normalized_number,
)
from carte.calls.models import Call, CallEvent, Connection
from carte.calls.summaries import call_summary
from carte.clients.models import TimelineEntry
from carte.clients.services.timeline import SUMMARY_LENGTH
from carte.core import events
from carte.core.errors import DomainError

Outcome = CallEvent.Outcome
Status = Call.Status
Direction = Call.Direction

KINDS = ("ringing", "answered", "ended", "missed", "recording")
CAUSES = ("", "no_answer", "failed", "busy")  # ordered: a stronger cause wins, whatever the order of events
ID_LENGTH = 200
NUMBER_LENGTH: int = Call._meta.get_field("from_number").max_length or 50
EXTENSION_LENGTH: int = Call._meta.get_field("extension").max_length or 20
RECORDING_LENGTH: int = Call._meta.get_field("recording_url").max_length or 500
REASON_LENGTH: int = CallEvent._meta.get_field("reason").max_length or 300
TIMELINE_KIND = "call"
UNANSWERED = (Status.MISSED, Status.BUSY, Status.FAILED)


class Refused(Exception):
    """An event that cannot be applied; `str()` is the reason journaled and answered."""


@dataclass(frozen=True)
class PhoneEvent:
    """One event as read from the webhook body: only what it says, nothing inferred."""

    kind: str
    call_id: str
    event_id: str
    at: datetime
    direction: str = ""
    from_number: str = ""
    to_number: str = ""
    extension: str = ""
    cause: str = ""
    recording_url: str = ""


def _text(event: dict, key: str, limit: int) -> str:
    """A string field (numbers are accepted as text: some systems send ids and extensions as numbers)."""
    value = event.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Refused(_("“%(field)s” must be text.") % {"field": key})
    text = str(value).strip()
    if len(text) > limit:
        raise Refused(_("“%(field)s” is longer than %(count)d characters.") % {"field": key, "count": limit})
    return text


def _time(event: dict) -> datetime:
    value = event.get("at")
    if value in (None, ""):
        return timezone.now()
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise Refused(_("“at” must be an ISO 8601 time, such as 2026-11-27T09:15:00Z."))
    if timezone.is_naive(moment):  # documented: a time without an offset is UTC
        moment = moment.replace(tzinfo=UTC)
    return moment


def event_digest(event: Any) -> str:
    """The id of an event that carries none: a digest of its content (so an exact repeat is recognized)."""
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def read_event(event: Any) -> PhoneEvent:
    """The event as Carte reads it; Refused with the reason when it cannot be applied.

    Fields Carte does not know are ignored (phone systems add their own), so that a newer
    system keeps working with an older Carte.
    """
    if not isinstance(event, dict):
        raise Refused(_("Each event must be a JSON object."))
    kind = event.get("event")
    if kind in (None, ""):
        raise Refused(_("The field “event” is missing."))
    if not isinstance(kind, str) or kind not in KINDS:
        raise Refused(
            _("Unknown event “%(kind)s”: expected one of %(kinds)s.")
            % {"kind": str(kind)[:40], "kinds": ", ".join(KINDS)}
        )
    call_id = _text(event, "call_id", ID_LENGTH)
    if not call_id:
        raise Refused(_("The field “call_id” is missing."))
    direction = _text(event, "direction", 10)
    if direction and direction not in Direction.values:
        raise Refused(_("“direction” must be one of: %(values)s.") % {"values": ", ".join(Direction.values)})
    cause = _text(event, "cause", 20)
    if cause not in CAUSES:
        raise Refused(
            _("“cause” must be one of: %(values)s.") % {"values": ", ".join(value for value in CAUSES if value)}
        )
    recording_url = _text(event, "recording_url", RECORDING_LENGTH)
    if recording_url:
        try:
            URLValidator(schemes=["http", "https"])(recording_url)
        except ValidationError:
            raise Refused(_("“recording_url” must be an http or https address.")) from None
    elif kind == "recording":
        raise Refused(_("A recording event needs “recording_url”."))
    return PhoneEvent(
        kind=kind,
        call_id=call_id,
        event_id=_text(event, "event_id", ID_LENGTH) or event_digest(event),
        at=_time(event),
        direction=direction,
        from_number=_text(event, "from", NUMBER_LENGTH),
        to_number=_text(event, "to", NUMBER_LENGTH),
        extension=_text(event, "extension", EXTENSION_LENGTH),
        cause=cause,
        recording_url=recording_url,
    )


def _payload(event: Any) -> Any:
    """What the journal keeps of the event: JSON as received (anything else as text)."""
    try:
        return json.loads(json.dumps(event, default=str))
    except (TypeError, ValueError):
        return {"raw": repr(event)[:2000]}


def _claim(connection: Connection, event_id: str, **fields) -> CallEvent | None:
    """Journal the event under its id; None when that id was journaled already (a repeat).

    The unique (connection, event_id) index is the lock: of two processes receiving the same
    event at the same moment, the second waits for the first and then finds it there.
    """
    try:
        with transaction.atomic():
            return CallEvent.objects.create(connection=connection, event_id=event_id, **fields)
    except IntegrityError:
        return None


def _journal_repeat(connection: Connection, event_id: str, **fields) -> CallEvent:
    """A repeated event, kept in the journal under a derived id (the original id stays unique)."""
    first = CallEvent.objects.filter(connection=connection, event_id=event_id).only("call_id", "received_at").first()
    fields.update(
        outcome=Outcome.DUPLICATE,
        call_id=first.call_id if first else None,
        reason=_("This event was received already: nothing changed."),
    )
    repeat_id = f"{event_id[: ID_LENGTH - 24]}#repeat-{secrets.token_hex(8)}"
    return CallEvent.objects.create(connection=connection, event_id=repeat_id, **fields)


def reject_event(*, connection: Connection, payload: Any, reason: str) -> CallEvent:
    """Journal an event that was refused (signed by the connection, but unreadable), with the reason."""
    kind = payload.get("event") if isinstance(payload, dict) else None
    call_id = payload.get("call_id") if isinstance(payload, dict) else None
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    fields = {
        "kind": str(kind or "")[:20],
        "external_call_id": str(call_id or "")[:ID_LENGTH],
        "payload": _payload(payload),
        "outcome": Outcome.REJECTED,
        "reason": str(reason)[:REASON_LENGTH],
    }
    wanted = str(event_id)[:ID_LENGTH] if isinstance(event_id, (str, int)) and event_id != "" else event_digest(payload)
    with transaction.atomic():
        journaled = _claim(connection, wanted, **fields)
        if journaled is None:  # the same refused event again: journaled again under a derived id
            journaled = CallEvent.objects.create(
                connection=connection, event_id=f"{wanted[: ID_LENGTH - 24]}#repeat-{secrets.token_hex(8)}", **fields
            )
    return journaled


@functools.cache
def _call_url_parts() -> tuple[str, str]:
    # One reverse() per process: at hundreds of events a second, resolving each time shows.
    address = reverse("calls:call_detail", args=[0])
    cut = address.rindex("0")
    return address[:cut], address[cut + 1 :]


def call_url(call: Call) -> str:
    """The call's page, for the timeline."""
    before, after = _call_url_parts()
    return f"{before}{call.pk}{after}"


def _locked_call(connection: Connection, phone: PhoneEvent) -> tuple[Call, bool]:
    """The call of this event, its row locked until the transaction ends; created if new.

    Two processes creating the same call at once both try to insert it: the unique
    (connection, external_id) index makes the second wait and fail, and it then reads the
    first one's row. (SQLite has a single writer anyway.)
    """
    calls = Call.objects.select_for_update().filter(connection=connection, external_id=phone.call_id)
    call = calls.first()
    if call is not None:
        return call, False
    try:
        with transaction.atomic():
            call = Call.objects.create(
                connection=connection,
                external_id=phone.call_id,
                direction=phone.direction or Direction.INCOMING,
                started_at=phone.at,
                status=Status.RINGING,
            )
            return call, True
    except IntegrityError:
        return calls.get(), False


def derived_status(call: Call) -> str:
    """The status that follows from the facts: answered wins; an end without answer says why."""
    if call.answered_at and call.ended_at:
        return Status.ANSWERED
    if call.answered_at:
        return Status.IN_PROGRESS
    if call.ended_at:
        return {"busy": Status.BUSY, "failed": Status.FAILED}.get(call.hangup_cause, Status.MISSED)
    return Status.RINGING


def derived_duration(call: Call) -> int:
    """Seconds of conversation: from the answer to the end (0 when not answered or not ended)."""
    if call.answered_at and call.ended_at:
        return max(0, int((call.ended_at - call.answered_at).total_seconds()))
    return 0


def _earliest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment < current else current


def _latest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment > current else current


def _apply_facts(call: Call, phone: PhoneEvent) -> None:
    """Add what this event knows to the call. Every rule is commutative (earliest start,
    earliest answer, latest end, strongest cause), so events give one result in any order."""
    call.started_at = _earliest(call.started_at, phone.at)
    if phone.direction:
        call.direction = phone.direction
    if phone.from_number and not call.from_number:
        call.from_number = phone.from_number
    if phone.to_number and not call.to_number:
        call.to_number = phone.to_number
    if phone.extension:
        # A call rings at several extensions (a group) and is answered at one: the extension
        # of the answer wins; before an answer, the first one heard stays.
        if phone.kind == "answered" or not call.extension:
            call.extension = phone.extension
    if phone.kind == "answered":
        call.answered_at = _earliest(call.answered_at, phone.at)
        call.started_at = _earliest(call.started_at, phone.at)
    if phone.kind in ("ended", "missed"):
        call.ended_at = _latest(call.ended_at, phone.at)
        cause = phone.cause or ("no_answer" if phone.kind == "missed" else "")
        if CAUSES.index(cause) > CAUSES.index(call.hangup_cause if call.hangup_cause in CAUSES else ""):
            call.hangup_cause = cause
    if phone.recording_url:
        call.recording_url = phone.recording_url
    call.status = derived_status(call)
    call.duration = derived_duration(call)


def _other_party(call: Call) -> str:
    raw = call.from_number if call.direction == Direction.INCOMING else call.to_number
    return normalized_number(raw)


@dataclass
class _Before:
    """What the call was before the event: the transitions are measured against it."""

    status: str
    employee_id: int | None
    answered: bool
    ended: bool
    summary: str

    @classmethod
    def of(cls, call: Call, created: bool) -> "_Before":
        return cls(
            status="" if created else call.status,
            employee_id=None if created else call.employee_id,
            answered=call.answered_at is not None and not created,
            ended=call.ended_at is not None and not created,
            summary="" if created else call_summary(call),
        )


def _match(
    call: Call,
    before_extension: str,
    created: bool,
    client_of=client_id_for_number,
    employee_at=employee_for_extension,
) -> None:
    """Client by the other party's number (when not matched yet); employee by the extension (when it changed).

    A batch passes its own lookups, which read each number and the extensions once."""
    number = _other_party(call)
    if created or number != call.number:
        call.number = number
        if call.client_id is None:
            call.client_id = client_of(number)
    if call.extension != before_extension or (call.extension and call.employee_id is None):
        employee = employee_at(call.extension)
        call.employee = employee  # the object too: a callback task is planned for it without reading it again


def _create_callback_task(call: Call):
    """The missed call's callback task, for the employee at the extension, due now, reminding at once."""
    from carte.planner.recurrence import zone_of
    from carte.planner.services import create_task  # the planner sits below calls: a plain import

    client = call.client if call.client_id else None
    if client is not None:
        title = _("Call back %(name)s") % {"name": client.name}
    else:
        title = _("Call back %(number)s") % {"number": call.number or call.from_number or _("an unknown number")}
    return create_task(
        actor=None,
        kind="call",
        title=title[:200],
        assignee=call.employee,
        client=client,
        due_at=timezone.now(),  # the "missed call" notification is its reminder
        description=_("Missed call from %(number)s at %(time)s.")
        % {
            "number": call.from_number or call.number,
            "time": timezone.localtime(call.started_at, zone_of(call.employee)).strftime("%H:%M"),
        },
    )


def _log_on_timeline(call: Call, before: _Before, entries: list[TimelineEntry] | None) -> None:
    """One timeline entry per ended call with a client; a later fact (a late "answered") rewrites it.

    A batch collects the new entries in `entries` and writes them together; else each is written now.
    """
    if call.ended_at is None or call.client_id is None:
        return
    summary = call_summary(call)
    if call.logged_at is None:
        entry = TimelineEntry(
            client_id=call.client_id,
            kind=TIMELINE_KIND,
            summary=summary[:SUMMARY_LENGTH],
            link=call_url(call),
            record_id=call.pk,
            at=call.started_at,
        )
        if entries is None:
            entry.save()
        else:
            entries.append(entry)
        call.logged_at = timezone.now()
    elif summary != before.summary:
        TimelineEntry.objects.filter(client_id=call.client_id, kind=TIMELINE_KIND, link=call_url(call)).update(
            summary=summary, at=call.started_at
        )


def _follow_up(
    call: Call, phone: PhoneEvent, before: _Before, notes: list[str], entries: list[TimelineEntry] | None = None
) -> None:
    """The side effects of the transitions this event caused; each happens once per call."""
    incoming = call.direction == Direction.INCOMING
    if (
        phone.kind == "ringing"
        and incoming
        and call.status == Status.RINGING
        and (before.status != Status.RINGING or before.employee_id != call.employee_id)
    ):
        events.emit(
            "call.ringing", call_id=call.pk, employee_id=call.employee_id, client_id=call.client_id, number=call.number
        )
    if call.answered_at is not None and not before.answered:
        events.emit("call.answered", call_id=call.pk, employee_id=call.employee_id)
    if call.ended_at is not None and not before.ended:
        events.emit("call.ended", call_id=call.pk, employee_id=call.employee_id, status=call.status)
    was_unanswered = before.ended and not before.answered
    if was_unanswered and call.status == Status.ANSWERED and call.callback_task_id:
        # Events out of order: the end came before the answer. The callback task was planned
        # already; the planner's own rules decide about it (an employee closes it).
        notes.append(_("Answered after all: the callback task planned for it stays open."))
    if incoming and call.status in UNANSWERED and not was_unanswered and call.callback_task_id is None:
        task = None
        if call.employee_id is None:
            notes.append(_("No callback task: no employee answers at this extension."))
        else:
            try:
                with transaction.atomic():
                    task = _create_callback_task(call)
            except DomainError as refused:  # the planner refused (the employee left…): the call still counts
                notes.append(_("No callback task: %(reason)s") % {"reason": refused.message})
            else:
                call.callback_task = task
        events.emit(
            "call.missed",
            call_id=call.pk,
            employee_id=call.employee_id,
            client_id=call.client_id,
            task_id=task.pk if task is not None else None,
        )
    _log_on_timeline(call, before, entries)


def receive_event(*, connection: Connection, event: dict) -> CallEvent:
    """Apply one phone event to its call and journal it; returns the journal entry.

    The outcome says what happened: "applied"; "duplicate" (the event id was seen already:
    nothing changed); "unmatched" (applied, but the extension is no active employee's: the
    call is kept without an employee, the reason says so); "rejected" (unreadable: missing
    call_id, unknown kind, bad time…, the reason says which). Never raises for bad input.

    Each event sets only the facts it knows; status and duration are derived from them, so
    repeated or reordered events give the same call. On the transitions only: "call.ringing"
    (an incoming call starts ringing, or rings at another employee), "call.answered",
    "call.ended"; a missed incoming call gets one callback task for its employee and
    "call.missed"; an ended call with a client gets one timeline entry.
    """
    if not connection.active:
        return reject_event(connection=connection, payload=event, reason=_("This connection is deactivated."))
    try:
        phone = read_event(event)
    except Refused as refused:
        return reject_event(connection=connection, payload=event, reason=str(refused))
    fields = {"kind": phone.kind, "external_call_id": phone.call_id, "payload": _payload(event)}
    with transaction.atomic():
        journaled = _claim(connection, phone.event_id, outcome=Outcome.APPLIED, **fields)
        if journaled is None:
            return _journal_repeat(connection, phone.event_id, **fields)
        call, created = _locked_call(connection, phone)
        before = _Before.of(call, created)
        extension = "" if created else call.extension
        _apply_facts(call, phone)
        _match(call, extension, created)
        notes: list[str] = []
        if call.extension and call.employee_id is None:
            journaled.outcome = Outcome.UNMATCHED
            notes.append(_("No active employee has the extension “%(extension)s”.") % {"extension": call.extension})
        _follow_up(call, phone, before, notes)
        call.save()
        journaled.call = call
        journaled.reason = " ".join(notes)[:REASON_LENGTH]
        journaled.save(update_fields=["call", "outcome", "reason"])
    return journaled
