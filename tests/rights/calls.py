"""Rows of the rights matrix for calls and telephony.

A call follows the employee who took it: Alice's call is seen by Ada, Mia (her department's
manager), Alice and Rita (who reads everything); Bob and Charlie (sellers, own calls only)
do not see it. Sellers and managers log and place their own calls; Rita only reads.
Telephony connections are the administrator's. Click-to-call goes to a real local HTTP
server standing in for the phone system (tests/calls/originate_server.py).

The phone systems' webhook needs no login but a signature: whoever sends it unsigned, logged
in or not, is refused with 401 (`SignedRow.refused`), and nothing changes.
"""

from dataclasses import dataclass

from carte.calls.models import Call, Connection
from tests.calls.originate_server import PhoneSystem
from tests.rights import ADMIN, CREATORS, EVERYONE, Row, row

SEE = {"ada", "mia", "alice", "rita"}
EDIT = {"ada", "mia", "alice"}
HIDDEN = {"bob", "charlie"}
NOT_ADMIN = EVERYONE - ADMIN
CALL = ("@alices_call",)
PBX = ("@matrix_pbx",)
SECRET = "matrix-secret"
EXTENSIONS = {"ada": "100", "mia": "200", "alice": "101", "bob": "102", "charlie": "201", "rita": "300"}
LOGGED = {
    "direction": "out",
    "number": "+33612345678",
    "started_at": "2024-01-15 09:00",
    "status": "answered",
    "minutes": "1",
    "seconds": "5",
}

_phone_system: PhoneSystem | None = None


def phone_system() -> PhoneSystem:
    """One phone system for the whole run, started when first needed."""
    global _phone_system
    if _phone_system is None:
        _phone_system = PhoneSystem(SECRET).start()
    return _phone_system


@dataclass(frozen=True)
class SignedRow(Row):
    """An operation authenticated by a signature, not a login: refused with `refused` to everyone unsigned."""

    refused: frozenset = frozenset({401})


ROWS = [
    row("calls:call_list"),
    row("calls:call_list", query="?direction=in&status=missed&date_from=2026-11-01&find=Bakery"),
    row("calls:call_detail", allowed=SEE, hidden=HIDDEN, args=CALL),
    row("calls:call_edit", allowed=EDIT, hidden=HIDDEN, args=CALL),
    row("calls:call_edit", "POST", allowed=EDIT, hidden=HIDDEN, args=CALL, data={"notes": "Matrix", "result": "Done"}),
    row("calls:popup", allowed=SEE, hidden=HIDDEN, args=CALL),
    row("calls:call_log", allowed=CREATORS),
    row("calls:call_log", "POST", allowed=CREATORS, data=LOGGED),
    row("calls:place"),
    row("calls:place", "POST", allowed=CREATORS, data={"number": "+33612345678"}),
    row("calls:connection_list", allowed=ADMIN),
    row("calls:connection_create", allowed=ADMIN),
    row(
        "calls:connection_create",
        "POST",
        allowed=ADMIN,
        data={"name": "Branch office", "kind": "webhook", "ami_port": "5038"},
    ),
    row("calls:connection_edit", allowed=ADMIN, hidden=NOT_ADMIN, args=PBX),
    row(
        "calls:connection_edit",
        "POST",
        allowed=ADMIN,
        hidden=NOT_ADMIN,
        args=PBX,
        data={"name": "Renamed PBX", "kind": "webhook", "key": "matrix-pbx", "ami_port": "5038", "active": "on"},
    ),
    row("calls:connection_events", allowed=ADMIN, hidden=NOT_ADMIN, args=PBX),
    row("calls:connection_rotate", "POST", allowed=ADMIN, hidden=NOT_ADMIN, args=PBX),
    row("calls:connection_deactivate", "POST", allowed=ADMIN, hidden=NOT_ADMIN, args=PBX),
    row("GET /api/v1/calls"),
    row("GET /api/v1/calls", query="?direction=in&status=answered&q=Bakery&date_from=2026-11-01"),
    row("GET /api/v1/calls/{call_id}", allowed=SEE, hidden=HIDDEN, args=CALL),
    row("PATCH /api/v1/calls/{call_id}", "PATCH", allowed=EDIT, hidden=HIDDEN, args=CALL, data={"notes": "Matrix"}),
    row(
        "POST /api/v1/calls",
        "POST",
        allowed=CREATORS,
        data={"direction": "out", "number": "+33612345678", "duration": 65},
    ),
    row("POST /api/v1/calls/place", "POST", allowed=CREATORS, data={"number": "+33612345678"}),
    row("GET /api/v1/telephony/connections", allowed=ADMIN),
    row("POST /api/v1/telephony/connections", "POST", allowed=ADMIN, data={"name": "Branch office"}),
    row(
        "PATCH /api/v1/telephony/connections/{connection_id}",
        "PATCH",
        allowed=ADMIN,
        hidden=NOT_ADMIN,
        args=PBX,
        data={"name": "Renamed PBX"},
    ),
    SignedRow(
        "POST /api/v1/telephony/{key}/events",
        "POST",
        allowed=frozenset(),
        args=("matrix-pbx",),
        data={"event": "ringing", "call_id": "matrix-1", "direction": "in", "from": "+33612345678"},
    ),
]


def records(world: dict) -> dict:
    for name, extension in EXTENSIONS.items():
        world[name].phone_extension = extension
        world[name].save(update_fields=["phone_extension"])
    pbx = Connection.objects.create(
        name="Matrix PBX", key="matrix-pbx", secret=SECRET, originate_url=phone_system().url
    )
    alice = world["alice"]
    call = Call.objects.create(
        connection=pbx,
        external_id="alices-call",
        direction="in",
        from_number="+33612345678",
        number="+33612345678",
        client=world["alices_client"],
        employee=alice,
        extension="101",
        status="answered",
    )
    return {"alices_call": call, "matrix_pbx": pbx}
