"""Signing what Carte and a phone system send each other: HMAC-SHA256 of the timestamp and the body.

Both directions use the same two headers. `X-Carte-Timestamp` is the time of sending in Unix
seconds; `X-Carte-Signature` is "sha256=" followed by the hex HMAC-SHA256, keyed with the
connection's secret, of the timestamp, a full stop and the raw body bytes:

    X-Carte-Signature: sha256=hex(HMAC_SHA256(secret, b"1764201600." + body))

The timestamp is part of what is signed, so an old request cannot be sent again with a new
time; requests older or newer than the window (5 minutes) are refused, which bounds how long
a captured request could be replayed.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

TIMESTAMP_HEADER = "X-Carte-Timestamp"
SIGNATURE_HEADER = "X-Carte-Signature"
SCHEME = "sha256="
WINDOW_SECONDS = 300


class BadSignature(Exception):
    """The request is not signed with the connection's secret, or not now; `str()` says why."""


@dataclass(frozen=True)
class Signed:
    """The two headers to send with a body."""

    timestamp: str
    signature: str

    def headers(self) -> dict[str, str]:
        return {TIMESTAMP_HEADER: self.timestamp, SIGNATURE_HEADER: self.signature}


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """ "sha256=<hex>" for this body sent at this time."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def sign(secret: str, body: bytes, now: float | None = None) -> Signed:
    """The headers that make `body` acceptable to the other side for the next five minutes."""
    timestamp = str(int(now if now is not None else time.time()))
    return Signed(timestamp, signature_of(secret, timestamp, body))


def verify(secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> None:
    """Raise BadSignature unless the headers sign this body with this secret, within the window.

    The signature is compared in constant time (hmac.compare_digest), and before the time is
    looked at, so that a forger learns nothing from which check refused him.
    """
    if not timestamp or not signature:
        raise BadSignature(_("The request is not signed: send the X-Carte-Timestamp and X-Carte-Signature headers."))
    timestamp = timestamp.strip()
    expected = signature_of(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise BadSignature(_("The signature does not match the body and the connection's secret."))
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise BadSignature(_("X-Carte-Timestamp must be a whole number of seconds since 1970.")) from None
    current = now if now is not None else time.time()
    if abs(current - sent_at) > WINDOW_SECONDS:
        raise BadSignature(_("The timestamp is outside the 5-minute window: check the phone system's clock."))
