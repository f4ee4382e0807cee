"""From Asterisk's channel events to Carte's call events (the webhook body of contracts: ringing, answered, ended).

Asterisk reports channels, not calls: one call is a group of channels (the caller's, each
phone rung, the trunk) that share a `Linkedid`, the Uniqueid of the call's first channel.
Carte's call id is that Linkedid (the Uniqueid when an old Asterisk sends no Linkedid).

Which side is ours. A channel is one of our phones when its dial-plan context is the
connection's "dial plan context" (`Connection.ami_context`, "from-internal" by default: the
context the phones' endpoints live in, and the one Originate sends click-to-call into);
trunks land in another context ("from-trunk", "from-external", …). When a connection has no
context, a channel is ours when its extension (read from its name as below) has 2 to 5 digits.
- A call whose first channel is not ours came from outside: it is incoming from the moment
  it appears (Newchannel → "ringing", from = CallerIDNum, to = the number dialled, Exten).
- A call whose first channel is ours waits for its first Dial: dialling a channel that is not
  ours makes it outgoing (to = the number dialled), dialling one of ours makes it internal.
- The extension is the phone's: for an incoming call the phone rung (DialBegin) and then the
  phone that answered (DialEnd ANSWER); for an outgoing call the phone that dialled. It is read
  from the channel's name (PJSIP/201-0000002a, Local/201@ctx-00000001;1 → 201), else from its
  caller number.

The events used: Newchannel, DialBegin, DialEnd (ANSWER → "answered"; otherwise the outcome is
kept for the end), BridgeEnter with two channels (→ "answered" when no Dial said so), and the
Hangup of the call's first channel (→ "ended" with the cause: 17 busy, 18-21 no answer, other
abnormal codes failed; when that channel hung up normally the Dial's outcome says why an
unanswered call ended). An unanswered incoming call that ends becomes missed by the calls
service's rules. Everything else (Newexten, VarSet, …) is ignored; recordings are not reported
over AMI (a phone system can post "recording" events to the webhook).

Each Carte event carries an id that is a digest of the AMI event it came from, so an event the
listener hears twice (replayed after a reconnect) is a duplicate for the calls service. Times
come from the event's Timestamp when Asterisk sends one (manager.conf `timestampevents = yes`,
recommended), else from the moment the event is read.
"""

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from carte.calls.ami.protocol import Message

# Calls still ringing or talking that are remembered; the oldest are forgotten past it (a lost Hangup).
CALLS_REMEMBERED = 5000

_DIALLED = re.compile(r"^\+?[0-9*#]{2,30}$")
_EXTENSION_LIKE = re.compile(r"^[0-9]{2,5}$")
_PHONE_RESOURCE = re.compile(r"^[0-9A-Za-z_.+*#-]{1,20}$")

# Hangup causes (ITU-T Q.850, as Asterisk numbers them).
_NORMAL_CAUSES = {0, 16, 31}
_BUSY_CAUSES = {17}
_NO_ANSWER_CAUSES = {18, 19, 20, 21}
_DIAL_OUTCOMES = {
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CANCEL": "no_answer",
    "CHANUNAVAIL": "failed",
    "CONGESTION": "failed",
}


@dataclass
class CallState:
    """What is known of one call in progress, gathered from the events of all its channels."""

    direction: str  # "in", "out", "internal"; "" while a call from our phone has not dialled yet
    from_number: str = ""
    to_number: str = ""
    extension: str = ""
    dial_outcome: str = ""
    answered: bool = False


class CallTracker:
    """Turns one connection's stream of AMI events into Carte call events, call by call."""

    def __init__(self, phone_context: str):
        self.phone_context = phone_context.strip()
        self.calls: OrderedDict[str, CallState] = OrderedDict()

    def translate(self, message: Message) -> list[dict]:
        """The Carte events (zero or one) this AMI message stands for."""
        handler = {
            "Newchannel": self._new_channel,
            "DialBegin": self._dial_begin,
            "DialEnd": self._dial_end,
            "BridgeEnter": self._bridge_enter,
            "Hangup": self._hangup,
        }.get(message.get("Event", ""))
        if handler is None or not (message.get("Linkedid") or message.get("Uniqueid")):
            return []
        event = handler(message)
        return [event] if event else []

    def _new_channel(self, message: Message) -> dict | None:
        if message.get("Uniqueid") != call_id(message):
            return None  # a further channel of a call already known; its Dial says more
        if self._is_ours(message, ""):
            self._remember(message, CallState("", from_number=extension_of(message.get("Channel", ""), message)))
            return None
        state = CallState(
            "in", from_number=number_of(message.get("CallerIDNum")), to_number=dialled(message.get("Exten"))
        )
        self._remember(message, state)
        return self._event("ringing", message, state)

    def _dial_begin(self, message: Message) -> dict | None:
        state = self.calls.get(call_id(message)) or self._guess(message)
        destination_is_ours = self._is_ours(message, "Dest")
        destination = extension_of(message.get("DestChannel", ""), message, "Dest")
        if state.direction == "in":
            if not destination_is_ours:
                return None  # forwarded outside (a mobile): the call stays the incoming one it was
            state.extension = destination
        elif not state.direction:
            state.extension = state.from_number
            if destination_is_ours:
                state.direction, state.to_number = "internal", destination
            else:
                state.direction = "out"
                state.to_number = dialled(message.get("Exten")) or dialled_in(message.get("DialString", ""))
        else:
            return None  # a second attempt of a call already placed (another trunk): nothing new
        return self._event("ringing", message, state)

    def _dial_end(self, message: Message) -> dict | None:
        state = self.calls.get(call_id(message))
        if state is None or state.answered:
            return None
        status = message.get("DialStatus", "").upper()
        if status != "ANSWER":
            state.dial_outcome = _DIAL_OUTCOMES.get(status, state.dial_outcome)
            return None
        if state.direction == "in" and self._is_ours(message, "Dest"):
            state.extension = extension_of(message.get("DestChannel", ""), message, "Dest")
        state.answered = True
        return self._event("answered", message, state)

    def _bridge_enter(self, message: Message) -> dict | None:
        state = self.calls.get(call_id(message))
        if state is None or state.answered or _int(message.get("BridgeNumChannels")) < 2:
            return None
        if state.direction == "in" and message.get("Uniqueid") != call_id(message) and self._is_ours(message, ""):
            state.extension = extension_of(message.get("Channel", ""), message)
        state.answered = True
        return self._event("answered", message, state)

    def _hangup(self, message: Message) -> dict | None:
        if message.get("Uniqueid") != call_id(message):
            return None  # a phone that stopped ringing or a leg that left: the call goes on
        state = self.calls.pop(call_id(message), None)
        cause = ""
        if state is None or not state.answered:
            cause = cause_of(_int(message.get("Cause"), -1))
            if not cause and state is not None:
                cause = state.dial_outcome
        event = self._event("ended", message, state)
        event["cause"] = cause
        return event

    def _is_ours(self, message: Message, prefix: str) -> bool:
        if self.phone_context:
            return message.get(f"{prefix}Context", "") == self.phone_context
        return bool(_EXTENSION_LIKE.match(extension_of(message.get(f"{prefix}Channel", ""), message, prefix)))

    def _guess(self, message: Message) -> CallState:
        """The state of a call first heard of at its Dial (the listener started while it rang)."""
        if self._is_ours(message, ""):
            state = CallState("", from_number=extension_of(message.get("Channel", ""), message))
        else:
            state = CallState(
                "in", from_number=number_of(message.get("CallerIDNum")), to_number=dialled(message.get("Exten"))
            )
        self._remember(message, state)
        return state

    def _remember(self, message: Message, state: CallState) -> None:
        self.calls[call_id(message)] = state
        while len(self.calls) > CALLS_REMEMBERED:
            self.calls.popitem(last=False)

    def _event(self, kind: str, message: Message, state: CallState | None) -> dict:
        event = {"event": kind, "call_id": call_id(message), "event_id": event_id(message), "at": moment(message)}
        if state is not None and state.direction:
            event.update(direction=state.direction, extension=state.extension)
            event["from"], event["to"] = state.from_number, state.to_number
        return event


def call_id(message: Message) -> str:
    return message.get("Linkedid") or message.get("Uniqueid", "")


def event_id(message: Message) -> str:
    """A digest of what makes this AMI event itself: the same event heard twice gets the same id."""
    parts = [
        message.get(key, "")
        for key in (
            "Event",
            "Uniqueid",
            "Linkedid",
            "DestUniqueid",
            "DialStatus",
            "BridgeUniqueid",
            "Cause",
            "Timestamp",
        )
    ]
    return "ami-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def moment(message: Message) -> str:
    """The event's time in ISO 8601 UTC: Asterisk's Timestamp when it sends one, else now."""
    try:
        return datetime.fromtimestamp(float(message["Timestamp"]), UTC).isoformat()
    except (KeyError, ValueError, OverflowError, OSError):
        return datetime.now(UTC).isoformat()


def cause_of(code: int) -> str:
    """Carte's end cause for a Q.850 hangup cause: "" (normal), "busy", "no_answer" or "failed"."""
    if code < 0 or code in _NORMAL_CAUSES:
        return ""
    if code in _BUSY_CAUSES:
        return "busy"
    if code in _NO_ANSWER_CAUSES:
        return "no_answer"
    return "failed"


def extension_of(channel: str, message: Message, prefix: str = "") -> str:
    """A phone's extension from its channel name (PJSIP/201-0000002a → 201), else its caller number."""
    technology, slash, resource = channel.partition("/")
    if slash:
        if technology.lower() == "local":
            resource = resource.partition("@")[0]
        elif "-" in resource:
            resource = resource.rpartition("-")[0]
        if _PHONE_RESOURCE.match(resource):
            return resource
    return number_of(message.get(f"{prefix}CallerIDNum"))


def number_of(value: str | None) -> str:
    """A caller number as Asterisk gives it; "<unknown>" and the like are no number."""
    text = (value or "").strip()
    return "" if not text or text.startswith("<") else text


def dialled(exten: str | None) -> str:
    """The number dialled when `exten` is one (not "s", "i" or a pattern)."""
    text = (exten or "").strip()
    return text if _DIALLED.match(text) else ""


def dialled_in(dial_string: str) -> str:
    """The number inside a Dial string: "trunk/0612345678", "0612345678@trunk"."""
    for part in re.split(r"[/@&]", dial_string):
        if _DIALLED.match(part) and len(part) > 5:
            return part
    return ""


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default
