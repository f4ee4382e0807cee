"""Calls in the REST API: the call log, click-to-call, telephony connections, and the phone systems' webhook.

The webhook (`POST /telephony/{key}/events`) takes no login: a phone system proves itself
by signing each request with its connection's secret (carte.calls.signing, documented in
docs/admin/telephony.md). Every other operation needs a login and goes through the policy.
"""

import json
from datetime import date, datetime

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from carte.calls import queries, services
from carte.calls.models import Call, CallEvent, Connection
from carte.calls.services import batches
from carte.calls.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature, verify
from carte.clients.queries import get_client_for
from carte.core.api import PageOut, paged
from carte.core.errors import DomainError, Invalid, NotFound
from carte.core.listing import DEFAULT_PAGE_SIZE

router = Router(tags=["calls"])

MAX_BODY = 64 * 1024
MAX_BATCH = 500


class Unsigned(DomainError):
    """The webhook's refusal of a request that is not signed with the connection's secret, or not now."""

    status = 401
    title = gettext_lazy("Signature required")


class TooLarge(DomainError):
    status = 413
    title = gettext_lazy("The request is too large")


# The call log


class CallOut(Schema):
    id: int
    direction: str = Field(description="in, out or internal.")
    status: str = Field(description="ringing, in_progress, answered, missed, busy or failed.")
    from_number: str
    to_number: str
    number: str = Field(description="The other party's number, in E.164 when it parses.")
    client_id: int | None
    client_name: str | None
    employee_id: int | None
    employee_name: str | None
    extension: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: int = Field(description="Seconds of conversation, from the answer to the end.")
    hangup_cause: str = Field(description="busy, failed, no_answer or empty.")
    recording_url: str
    notes: str
    result: str
    callback_task_id: int | None

    @staticmethod
    def resolve_client_name(call) -> str | None:
        return call.client.name if call.client_id else None

    @staticmethod
    def resolve_employee_name(call) -> str | None:
        return str(call.employee) if call.employee_id else None


class CallFilters(Schema):
    direction: str | None = Field(None, description="in, out or internal.")
    status: str | None = Field(None, description="ringing, in_progress, answered, missed, busy or failed.")
    employee: int | None = Field(None, description="An employee's id.")
    client: int | None = Field(None, description="A client's id.")
    date_from: date | None = Field(None, description="YYYY-MM-DD, included, in your time zone.")
    date_to: date | None = Field(None, description="YYYY-MM-DD, included, in your time zone.")
    q: str | None = Field(None, description="A fragment of the number or of the client's name.")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class CallPatch(Schema):
    notes: str | None = Field(None, description="What was said.")
    result: str | None = Field(None, description="What came of it (300 characters at most).")


class CallLogIn(Schema):
    direction: str = Field(description="in or out.")
    number: str = Field("", description="The other party's number; needed when no client is given.")
    client_id: int | None = Field(None, description="The client; by default the one the number belongs to.")
    started_at: datetime | None = Field(None, description="When the call started; now when left out.")
    duration: int = Field(0, description="Seconds of conversation (0 for an unanswered call).")
    status: str = Field(Call.Status.ANSWERED, description="answered, missed, busy or failed.")
    notes: str = ""
    result: str = ""


class PlaceIn(Schema):
    number: str = Field(description="The number to call.")
    client_id: int | None = Field(None, description="The client called, when known.")


class PlacedOut(Schema):
    id: int | None = Field(description="The call in the log; null for an Asterisk connection (its events make it).")
    number: str
    connection: str


def _criteria(filters: CallFilters) -> queries.CallCriteria:
    errors = {}
    if filters.direction and filters.direction not in Call.Direction.values:
        errors["direction"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Call.Direction.values)}]
    if filters.status and filters.status not in Call.Status.values:
        errors["status"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Call.Status.values)}]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = [_("The end of the period is before its start.")]
    if errors:
        raise Invalid(errors=errors)
    return queries.CallCriteria(
        direction=filters.direction or "",
        status=filters.status or "",
        employee=filters.employee,
        client=filters.client,
        date_from=filters.date_from,
        date_to=filters.date_to,
        find=filters.q or "",
    )


@router.get("/calls", response=PageOut[CallOut], summary="List calls")
def list_calls(request: HttpRequest, filters: Query[CallFilters]):
    """Calls you may see (your own, your department's or all, as your role allows), newest first."""
    page = queries.call_page(request.user, _criteria(filters), filters.page, filters.page_size)
    return paged(page, page.items)


@router.get("/calls/{int:call_id}", response=CallOut, summary="A call")
def get_call(request: HttpRequest, call_id: int):
    return queries.get_call_for(request.user, call_id)


@router.patch("/calls/{int:call_id}", response=CallOut, summary="Write a call's notes and result")
def patch_call(request: HttpRequest, call_id: int, payload: CallPatch):
    call = queries.get_call_for(request.user, call_id)
    services.update_call(actor=request.user, call=call, **payload.dict(exclude_unset=True))
    return queries.get_call_for(request.user, call_id)


@router.post("/calls", response={201: CallOut}, summary="Log a call made outside the phone system")
def log_call(request: HttpRequest, payload: CallLogIn):
    """The call is yours; it goes on the client's timeline."""
    data = payload.dict()
    client_id = data.pop("client_id")
    client = get_client_for(request.user, client_id) if client_id else None
    call = services.log_call(actor=request.user, client=client, **data)
    return Status(201, queries.get_call_for(request.user, call.pk))


@router.post("/calls/place", response={201: PlacedOut}, summary="Call a number from your phone (click-to-call)")
def place_call(request: HttpRequest, payload: PlaceIn):
    """Asks the phone system to ring your extension, then dial the number. Needs your phone
    extension in your profile and an active telephony connection; 409 when the phone system
    refuses or does not answer."""
    client = get_client_for(request.user, payload.client_id) if payload.client_id else None
    call = services.place_call(actor=request.user, number=payload.number, client=client)
    return Status(201, {"id": call.pk, "number": call.number, "connection": call.connection.name})


# Telephony connections (administrators)


class ConnectionOut(Schema):
    id: int
    name: str
    kind: str = Field(description="webhook or ami.")
    key: str = Field(description="The connection's part of the webhook address.")
    active: bool
    webhook_path: str = Field(description="Where the phone system posts its events (under /api/v1).")
    originate_url: str
    ami_host: str
    ami_port: int
    ami_username: str
    ami_context: str
    created_at: datetime
    secret: str | None = Field(
        None, description="Only in the answer that creates the connection or rotates its secret."
    )

    @staticmethod
    def resolve_webhook_path(connection) -> str:
        return f"/telephony/{connection.key}/events"

    @staticmethod
    def resolve_secret(connection) -> str | None:
        return getattr(connection, "shown_secret", None)


class ConnectionIn(Schema):
    name: str
    kind: str = Connection.Kind.WEBHOOK
    key: str = Field("", description="Letters, digits, hyphens; made from the name when left out.")
    originate_url: str = ""
    ami_host: str = ""
    ami_port: int = 5038
    ami_username: str = ""
    ami_password: str = ""
    ami_context: str = "from-internal"


class ConnectionPatch(Schema):
    name: str | None = None
    key: str | None = None
    active: bool | None = None
    originate_url: str | None = None
    ami_host: str | None = None
    ami_port: int | None = None
    ami_username: str | None = None
    ami_password: str | None = None
    ami_context: str | None = None
    rotate_secret: bool = Field(False, description="Make a new secret; the old one stops working at once.")


@router.get("/telephony/connections", response=list[ConnectionOut], summary="List telephony connections")
def list_connections(request: HttpRequest):
    return queries.connections_for(request.user)


@router.post("/telephony/connections", response={201: ConnectionOut}, summary="Add a telephony connection")
def create_connection(request: HttpRequest, payload: ConnectionIn):
    """The answer holds the secret to copy into the phone system (shown this once)."""
    connection = services.create_connection(actor=request.user, **payload.dict())
    connection.shown_secret = connection.secret
    return Status(201, connection)


@router.patch(
    "/telephony/connections/{int:connection_id}", response=ConnectionOut, summary="Change a telephony connection"
)
def patch_connection(request: HttpRequest, connection_id: int, payload: ConnectionPatch):
    connection = queries.get_connection_for(request.user, connection_id)
    changes = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    rotate = changes.pop("rotate_secret", False)
    connection = services.update_connection(actor=request.user, connection=connection, **changes)
    if rotate:
        connection = services.rotate_secret(actor=request.user, connection=connection)
        connection.shown_secret = connection.secret
    return connection


# The webhook


class EventOutcome(Schema):
    outcome: str = Field(description="applied, duplicate, unmatched or rejected.")
    call_id: int | None = Field(description="Carte's id of the call.")
    reason: str = Field("", description="Why an event was unmatched or rejected.")


class BatchOut(Schema):
    results: list[EventOutcome]


def _outcome(journaled: CallEvent) -> dict:
    return {"outcome": journaled.outcome, "call_id": journaled.call_id, "reason": journaled.reason}


def _active_connection(key: str) -> Connection:
    connection = Connection.objects.filter(key=key[:50], active=True).first()
    if connection is None:
        raise NotFound(_("No active telephony connection has this key."))
    return connection


def _signed_body(request: HttpRequest, connection: Connection) -> bytes:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        raise TooLarge(_("A request carries at most 64 KB of events."))
    try:
        body = request.body
    except RequestDataTooBig:
        raise TooLarge(_("A request carries at most 64 KB of events.")) from None
    if len(body) > MAX_BODY:
        raise TooLarge(_("A request carries at most 64 KB of events."))
    try:
        verify(connection.secret, body, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER))
    except BadSignature as refused:
        raise Unsigned(str(refused)) from None
    return body


@router.post(
    "/telephony/{key}/events",
    auth=None,
    response={202: EventOutcome | BatchOut},
    summary="Receive call events from a phone system (webhook)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    },
)
def receive_events(request: HttpRequest, key: str):
    """One event (a JSON object) or several in order (a JSON array, at most 500), signed with the
    connection's secret: `X-Carte-Timestamp` (Unix seconds, within 5 minutes of Carte's clock) and
    `X-Carte-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>`. Unknown fields are
    ignored. 202 with the outcome of each event; 400 when the body or a single event cannot be
    read (it is journaled), 401 when the signature is missing, wrong or too old, 404 for an
    unknown or deactivated connection, 413 above 64 KB. See docs/admin/telephony.md."""
    connection = _active_connection(key)
    body = _signed_body(request, connection)
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError) as failure:
        reason = _("The body is not valid JSON: %(error)s") % {"error": failure}
        services.reject_event(
            connection=connection, payload={"raw": body[:2000].decode(errors="replace")}, reason=reason
        )
        raise Invalid(reason) from None
    if isinstance(parsed, list):
        if not parsed or len(parsed) > MAX_BATCH:
            reason = _("Send between 1 and %(count)d events in one array.") % {"count": MAX_BATCH}
            services.reject_event(connection=connection, payload={"events": len(parsed)}, reason=reason)
            raise Invalid(reason)
        results = [_outcome(journaled) for journaled in batches.receive_events(connection=connection, events=parsed)]
        return Status(202, {"results": results})
    journaled = batches.receive_events(connection=connection, events=[parsed])[0]
    if journaled.outcome == CallEvent.Outcome.REJECTED:
        raise Invalid(journaled.reason)
    return Status(202, _outcome(journaled))
