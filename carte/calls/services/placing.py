"""Click-to-call: asking the phone system to ring the employee's phone and then dial a number.

A webhook connection is asked by a signed POST to the address its administrator configured
(`originate_url`), with the same two headers a phone system signs its events with
(carte.calls.signing):

    {"action": "originate", "extension": "101", "number": "+33612345678", "call_id": "carte-…"}

The phone system reports the call afterwards like any other, with that `call_id`, so its
events land on the call created here. An Asterisk connection is asked over AMI (Originate);
Asterisk then reports the call under its own id, so nothing is written here for it.

The request is sent before anything is written and with no transaction open: a slow phone
system never holds a database lock, and a refusal leaves nothing behind. It goes through
carte.core.outbound: the connection's own host is the one private address it may reach (the
administrator configured it), a redirect is not followed, and the answer is capped.
"""

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.calls.matching import client_id_for_number, normalized_number
from carte.calls.models import Call, Connection
from carte.calls.signing import sign
from carte.clients.models import Client
from carte.core import outbound, policy
from carte.core.audit import Verb, record
from carte.core.errors import Conflict, Invalid, NotAllowed

TIMEOUT_SECONDS = 5.0
ANSWER_BYTES = 64 * 1024  # the phone system's answer is a status; its body is not read further
Direction = Call.Direction


def placing_connection() -> Connection | None:
    """The first active connection that can place calls: a webhook with an address, or an Asterisk server."""
    for connection in Connection.objects.filter(active=True).order_by("pk"):
        if connection.kind == Connection.Kind.WEBHOOK and connection.originate_url:
            return connection
        if connection.kind == Connection.Kind.AMI and connection.ami_host:
            return connection
    return None


def can_place_calls(user) -> bool:
    """Should the screens offer "Call" buttons to this user? (An extension, the right, a connection.)"""
    return bool(
        getattr(user, "phone_extension", "")
        and policy.can(user, policy.Action.CREATE, Call(employee=user))
        and placing_connection() is not None
    )


def _post_originate(connection: Connection, body: dict[str, Any], timeout: float) -> None:
    """POST the signed request; Conflict with the reason when the phone system does not accept it."""
    address = connection.originate_url
    if urlsplit(address).scheme not in ("http", "https"):
        raise Conflict(_("The telephony connection’s address must start with http:// or https://."))
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Carte"} | sign(connection.secret, data).headers()
    try:
        # Carte posts to the address the administrator configured, never to one a server points to.
        response = outbound.fetch(
            address,
            method="POST",
            body=data,
            headers=headers,
            allowed=[urlsplit(address).hostname or ""],
            timeout=timeout,
            max_bytes=ANSWER_BYTES,
            max_redirects=0,
        )
    except outbound.Refused as refused:
        raise Conflict(_("Carte did not complete the call request: %(reason)s") % {"reason": refused}) from None
    except outbound.Failed as failure:
        raise Conflict(_("The phone system did not answer: %(reason)s") % {"reason": failure}) from None
    if response.status >= 300:
        raise Conflict(
            _("The phone system refused the call: %(reason)s")
            % {"reason": f"HTTP {response.status} {response.reason}".strip()}
        )


def _client_for(actor, client: Client | None, number: str) -> Client | None:
    """The client given (which the actor must see), else the one with this number if the actor sees it."""
    if client is not None:
        if not policy.can(actor, policy.Action.VIEW, client):
            raise NotAllowed(_("You cannot see this client."))
        return client
    found = client_id_for_number(number)
    if found is None:
        return None
    return policy.visible(actor, Client.objects.filter(pk=found)).first()


def place_call(*, actor, number: str, client: Client | None = None, timeout: float = TIMEOUT_SECONDS) -> Call:
    """Ask the phone system to call `number` from the actor's phone; returns the outgoing call.

    The actor needs a phone extension and "create" in calls for their own calls; the first
    active connection that can place calls is used. Conflict with a clear message when there
    is none or the phone system refuses or does not answer (nothing is written then).
    For an Asterisk connection the returned call is not saved: Asterisk's own events make it.
    """
    policy.require(actor, policy.Action.CREATE, Call(employee=actor))
    extension = (getattr(actor, "phone_extension", "") or "").strip()
    if not extension:
        raise Invalid(errors={"number": [_("Set your phone extension in your profile to place calls.")]})
    raw = " ".join(str(number or "").split())
    dialled = normalized_number(raw)
    if not dialled or len(raw) > 50:
        raise Invalid(errors={"number": [_("Enter a phone number.")]})
    linked = _client_for(actor, client, dialled)
    connection = placing_connection()
    if connection is None:
        raise Conflict(_("No telephony connection can place calls: ask your administrator to set one up."))
    call = Call(
        connection=connection,
        direction=Direction.OUTGOING,
        from_number=extension,
        to_number=raw[:50],
        number=dialled,
        client=linked,
        employee=actor,
        extension=extension,
        status=Call.Status.RINGING,
        started_at=timezone.now(),
    )
    if connection.kind == Connection.Kind.AMI:
        from carte.calls.ami import originate  # the connector sits beside the services; loaded when used

        originate(connection, extension=extension, number=dialled, timeout=timeout)
        return call
    call.external_id = f"carte-{secrets.token_hex(12)}"
    _post_originate(
        connection,
        {"action": "originate", "extension": extension, "number": dialled, "call_id": call.external_id},
        timeout,
    )
    return _save_placed(actor, call)


def _save_placed(actor, call: Call) -> Call:
    """Write the placed call; when the phone system's first events were faster, complete their call."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                call.save()
        except IntegrityError:
            reported = Call.objects.select_for_update().get(connection=call.connection, external_id=call.external_id)
            for name in ("from_number", "to_number", "number", "extension"):
                if not getattr(reported, name):
                    setattr(reported, name, getattr(call, name))
            reported.direction = Direction.OUTGOING
            reported.client_id = reported.client_id or call.client_id
            reported.employee_id = reported.employee_id or call.employee_id
            reported.save()
            call = reported
        record(actor, Verb.CREATE, call, changes={"number": [None, call.number], "placed": [None, True]})
    return call
