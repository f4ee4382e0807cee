"""Every write of the call log: phone events, calls logged by hand, click-to-call, telephony connections.

The webhook API, the AMI connector, the screens and the REST API all call these functions.
"""

from carte.calls.services.calls import log_call, move_merged_calls, update_call
from carte.calls.services.connections import (
    create_connection,
    deactivate_connection,
    rotate_secret,
    update_connection,
)
from carte.calls.services.events import receive_event, reject_event
from carte.calls.services.placing import can_place_calls, place_call, placing_connection

__all__ = [
    "can_place_calls",
    "create_connection",
    "deactivate_connection",
    "log_call",
    "move_merged_calls",
    "place_call",
    "placing_connection",
    "receive_event",
    "reject_event",
    "rotate_secret",
    "update_call",
    "update_connection",
]
