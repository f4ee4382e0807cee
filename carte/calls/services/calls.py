"""Calls written by people: notes and result on a call, a call logged by hand, and merged clients.

A call made outside the phone system (from a mobile, at a client's) is logged by hand with
what the employee remembers; it goes on the client's timeline like the others.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from carte.calls.matching import client_id_for_number, normalized_number
from carte.calls.models import Call
from carte.calls.services.events import TIMELINE_KIND, call_url
from carte.calls.summaries import call_summary
from carte.clients.models import Client
from carte.clients.services import record_timeline
from carte.core import policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Invalid, NotAllowed, NotFound

RESULT_LENGTH: int = Call._meta.get_field("result").max_length or 300
NOTES_LENGTH = 5000
NUMBER_LENGTH: int = Call._meta.get_field("to_number").max_length or 50
LONGEST_CALL = 24 * 3600  # seconds
LOGGED_STATUSES = (Call.Status.ANSWERED, Call.Status.MISSED, Call.Status.BUSY, Call.Status.FAILED)
AUDITED = ["notes", "result"]


def _require_view(actor, call: Call) -> None:
    """A hidden call is answered as missing, not as forbidden."""
    if not policy.can(actor, policy.Action.VIEW, call):
        raise NotFound()


def _text(value, field: str, limit: int, *, multiline: bool = False) -> str:
    text = str(value or "").strip() if multiline else " ".join(str(value or "").split())
    if len(text) > limit:
        raise Invalid(errors={field: [_("At most %(count)d characters.") % {"count": limit}]})
    return text


@transaction.atomic
def update_call(*, actor, call: Call, notes: str | None = None, result: str | None = None) -> Call:
    """Write what was said (notes) and what came of it (result) on a call; None leaves a field as it is.

    Needs "edit" on the call (its employee, their manager…).
    """
    _require_view(actor, call)
    policy.require(actor, policy.Action.EDIT, call)
    errors: dict[str, list] = {}
    changes: dict[str, str] = {}
    for field, value, limit, multiline in (
        ("notes", notes, NOTES_LENGTH, True),
        ("result", result, RESULT_LENGTH, False),
    ):
        if value is None:
            continue
        try:
            changes[field] = _text(value, field, limit, multiline=multiline)
        except Invalid as refused:
            errors.update(refused.errors)
    if errors:
        raise Invalid(errors=errors)
    current = Call.objects.select_for_update().get(pk=call.pk)
    before = snapshot(current, AUDITED)
    for field, value in changes.items():
        setattr(current, field, value)
    changed = diff(before, snapshot(current, AUDITED))
    if changed:
        current.save(update_fields=[*changes, "updated_at"])
        record(actor, Verb.UPDATE, current, changes=changed)
    call.notes, call.result, call.updated_at = current.notes, current.result, current.updated_at
    return call


def _moment(value) -> datetime:
    """An aware datetime (or ISO text) not in the future; now when empty."""
    if value in (None, ""):
        return timezone.now()
    moment = value if isinstance(value, datetime) else None
    if moment is None:
        try:
            moment = parse_datetime(str(value).strip())
        except ValueError:
            moment = None
    if moment is None:
        raise Invalid(errors={"started_at": [_("Enter a date and time.")]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + timedelta(minutes=5):
        raise Invalid(errors={"started_at": [_("A call cannot be logged in the future.")]})
    return moment


def _seconds(value) -> int:
    try:
        seconds = int(value or 0)
    except (TypeError, ValueError):
        raise Invalid(errors={"duration": [_("Enter the duration in whole seconds.")]}) from None
    if not 0 <= seconds <= LONGEST_CALL:
        raise Invalid(errors={"duration": [_("The duration is between 0 seconds and 24 hours.")]})
    return seconds


def _linked_client(actor, client, number: str) -> Client | None:
    """The client given (visible to the actor), else the one this number belongs to, if the actor sees it."""
    if client not in (None, ""):
        if not isinstance(client, Client):
            try:
                client = Client.objects.get(pk=int(client))
            except (Client.DoesNotExist, TypeError, ValueError):
                raise Invalid(errors={"client": [_("Choose a client.")]}) from None
        if not policy.can(actor, policy.Action.VIEW, client):
            raise NotAllowed(_("You cannot see this client."))
        return client
    found = client_id_for_number(number)
    return policy.visible(actor, Client.objects.filter(pk=found)).first() if found else None


def log_call(
    *,
    actor,
    direction: str,
    number: str = "",
    client=None,
    started_at=None,
    duration=0,
    status: str = Call.Status.ANSWERED,
    notes: str = "",
    result: str = "",
) -> Call:
    """Log a call made outside the phone system, as the actor's own call.

    Needs "create" in calls. A number or a client is needed; without a client, the number's
    client is linked when the actor may see it. `duration` is in seconds of conversation (an
    unanswered call has none); the call may not start in the future. Goes on the timeline.
    """
    policy.require(actor, policy.Action.CREATE, Call(employee=actor))
    errors: dict[str, list] = {}

    def collect(read, fallback):
        try:
            return read()
        except Invalid as refused:
            errors.update(refused.errors)
            return fallback

    if direction not in (Call.Direction.INCOMING, Call.Direction.OUTGOING):
        errors["direction"] = [_("Choose incoming or outgoing.")]
    if status not in LOGGED_STATUSES:
        errors["status"] = [_("Choose how the call went.")]
    raw = collect(lambda: _text(number, "number", NUMBER_LENGTH), "")
    normalized = normalized_number(raw)
    if raw and not normalized:
        errors["number"] = [_("Enter a phone number.")]
    start = collect(lambda: _moment(started_at), timezone.now())
    seconds = collect(lambda: _seconds(duration), 0)
    notes_text = collect(lambda: _text(notes, "notes", NOTES_LENGTH, multiline=True), "")
    result_text = collect(lambda: _text(result, "result", RESULT_LENGTH), "")
    linked = collect(lambda: _linked_client(actor, client, normalized), None)
    if not raw and linked is None and "client" not in errors:
        errors["number"] = [_("Give the number or the client.")]
    if errors:
        raise Invalid(errors=errors)
    answered = status == Call.Status.ANSWERED
    incoming = direction == Call.Direction.INCOMING
    call = Call(
        direction=direction,
        from_number=raw if incoming else actor.phone_extension,
        to_number=actor.phone_extension if incoming else raw,
        number=normalized,
        client=linked,
        employee=actor,
        extension=actor.phone_extension,
        started_at=start,
        answered_at=start if answered else None,
        ended_at=start + timedelta(seconds=seconds if answered else 0),
        duration=seconds if answered else 0,
        status=status,
        hangup_cause={"missed": "no_answer", "busy": "busy", "failed": "failed"}.get(status, ""),
        notes=notes_text,
        result=result_text,
    )
    with transaction.atomic():
        call.save()
        record(
            actor,
            Verb.CREATE,
            call,
            changes={
                "direction": [None, direction],
                "number": [None, normalized],
                "client": [None, str(linked) if linked else None],
                "status": [None, status],
                "duration": [None, call.duration],
            },
        )
        if linked is not None:
            record_timeline(
                client=linked,
                kind=TIMELINE_KIND,
                summary=call_summary(call),
                link=call_url(call),
                actor=actor,
                at=start,
                record=call,
            )
            call.logged_at = timezone.now()
            call.save(update_fields=["logged_at"])
    return call


def move_merged_calls(survivor: Client, others: list[Client], actor) -> dict[str, int]:
    """The clients merge hook: the merged cards' calls follow the card that is kept.

    Called inside the merge's transaction, after its rights were checked (see
    carte.clients.services.merge); the timeline entries move with the clients app's own.
    """
    moved = Call.objects.filter(client_id__in=[other.pk for other in others]).update(client=survivor)
    return {"calls": moved} if moved else {}
