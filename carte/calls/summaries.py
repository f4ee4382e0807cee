"""How a call is told in words: its duration ("3 min 12 s") and its one-line summary for the timeline."""

from django.utils.translation import gettext as _

from carte.calls.models import Call
from carte.core.durations import duration_text

Status = Call.Status
Direction = Call.Direction


def call_summary(call: Call) -> str:
    """The timeline's line for a call that ended: "Incoming call, 3 min 12 s, answered", "Missed call"…"""
    incoming = call.direction == Direction.INCOMING
    if call.status == Status.ANSWERED:
        duration = duration_text(call.duration)
        if incoming:
            return _("Incoming call, %(duration)s, answered") % {"duration": duration}
        if call.direction == Direction.INTERNAL:
            return _("Internal call, %(duration)s, answered") % {"duration": duration}
        return _("Outgoing call, %(duration)s, answered") % {"duration": duration}
    if call.status == Status.MISSED:
        return _("Missed call") if incoming else _("Outgoing call, not answered")
    if call.status == Status.BUSY:
        return _("Incoming call, line busy") if incoming else _("Outgoing call, line busy")
    if call.status == Status.FAILED:
        return _("Incoming call, failed") if incoming else _("Outgoing call, failed")
    return _("Incoming call") if incoming else _("Outgoing call")
