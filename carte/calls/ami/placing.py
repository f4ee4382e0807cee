"""Click-to-call through Asterisk: ring the employee's phone, then dial the number from it.

Carte opens a short AMI session of its own (the listener's link only reads), logs in and
sends Originate with Async, so Asterisk answers at once ("queued") and rings the phone; when
the employee picks up, the dial plan context of the connection dials the number. The call
itself then reaches Carte like any other, through the listener's events.
"""

import re
import socket

from django.utils.translation import gettext as _

from carte.calls.ami.protocol import LoginRefused, ProtocolError, Session, next_action_id
from carte.calls.models import Connection
from carte.core.errors import Conflict, Invalid

# The channel technology of the employees' phones: an extension "201" is rung as PJSIP/201.
# An extension written with its technology ("SIP/201", "IAX2/office") is used as it is.
CHANNEL_TECHNOLOGY = "PJSIP"
# How long the employee's phone rings before Asterisk gives up (milliseconds, as AMI wants it).
RING_MILLISECONDS = 30_000

_DIALLABLE = re.compile(r"^\+?[0-9*#]{2,30}$")
_EXTENSION = re.compile(r"^([A-Za-z0-9]+/)?[A-Za-z0-9_.+@-]{1,60}$")
_SEPARATORS = re.compile(r"[\s().-]")


def originate(connection: Connection, *, extension: str, number: str, timeout: float = 5.0) -> None:
    """Ask the connection's Asterisk to ring `extension` and then dial `number` from it.

    Raises Invalid for a number or extension that cannot be dialled, and Conflict with the
    phone system's own words when it refuses, or "The phone system did not answer: …" when it
    cannot be reached, does not speak AMI or says nothing within `timeout` seconds.
    """
    dialled = _SEPARATORS.sub("", number or "")
    if not _DIALLABLE.match(dialled):
        raise Invalid(errors={"number": [_("This is not a phone number that can be dialled.")]})
    extension = (extension or "").strip()
    if not _EXTENSION.match(extension):
        raise Invalid(errors={"extension": [_("Set your phone extension in your profile to place calls.")]})
    if not connection.ami_host:
        raise Conflict(_("The telephony connection “%(name)s” has no AMI host.") % {"name": connection.name})
    channel = extension if "/" in extension else f"{CHANNEL_TECHNOLOGY}/{extension}"
    action = {
        "Action": "Originate",
        "ActionID": next_action_id(),
        "Channel": channel,
        "Context": connection.ami_context or "default",
        "Exten": dialled,
        "Priority": "1",
        # The name shows the number being called on the employee's phone; the number is the
        # extension, so the dial plan presents the caller as that employee to the outside.
        "CallerID": f'"{dialled}" <{extension.rpartition("/")[2]}>',
        "Timeout": str(RING_MILLISECONDS),
        "Async": "true",
    }
    try:
        session = Session(connection.ami_host, connection.ami_port, timeout=timeout)
    except (OSError, ProtocolError) as exc:
        raise Conflict(_("The phone system did not answer: %(reason)s") % {"reason": _reason(exc)}) from None
    try:
        session.login(connection.ami_username, connection.ami_password)
        answer = session.ask(action)
    except LoginRefused as exc:
        raise Conflict(
            _("The phone system refused Carte's login (%(message)s): check the connection's AMI user and password.")
            % {"message": exc}
        ) from None
    except (OSError, ProtocolError) as exc:
        raise Conflict(_("The phone system did not answer: %(reason)s") % {"reason": _reason(exc)}) from None
    finally:
        session.close()
    if answer.get("Response", "").lower() != "success":
        raise Conflict(
            _("The phone system could not place the call: %(message)s")
            % {"message": answer.get("Message") or _("it gave no reason")}
        )


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in the user's words."""
    if isinstance(exc, ConnectionRefusedError):
        return _("the connection was refused")
    if isinstance(exc, TimeoutError):
        return _("no answer in time")
    if isinstance(exc, socket.gaierror):
        return _("its host name is unknown")
    if isinstance(exc, ProtocolError):
        return _("it does not speak the Asterisk manager protocol")
    if isinstance(exc, ConnectionError):
        return _("it closed the connection")
    return str(exc)
