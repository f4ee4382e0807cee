"""Rows of the rights matrix for exports.

Exporting a list takes the export right of its module: clients (and their contact persons),
deals, tasks and calls are exported by the administrator, the manager and the sellers (each
within their scope), not by Rita who only reads; products by those who hold the catalogue's
rights (Ada and Mia). An export writes its audit entry even when it finds no row. A prepared
export belongs to who asked for it: anyone else gets 404 for it and its file.
"""

from carte.transfer.models import Export
from carte.transfer.services.exports import exports_dir
from tests.rights import CREATORS, EVERYONE, MANAGERS, Later, row

ALICE = {"alice"}
NOT_ALICE = EVERYONE - ALICE
EXPORT = ("@alices_export",)


def _start(list_key: str, allowed=CREATORS, **more) -> object:
    return row("transfer:export_start", "POST", allowed=allowed, data={"list": list_key, "format": "csv"} | more)


def _api(list_key: str, allowed=CREATORS, **more) -> object:
    return row("POST /api/v1/exports", "POST", allowed=allowed, data={"list": list_key, "format": "csv"} | more)


ROWS = [
    row("transfer:exports"),
    _start("clients", filter="status=lead&ordering=-updated"),
    _start("clients", format="xlsx", columns="all"),
    _start("clients", format="vcard"),
    _start("contacts"),
    _start("deals", filter="state=open", delimiter=";", encoding="cp1251"),
    _start("tasks", filter="assignee=all&status=all"),
    _start("calls", filter="direction=in"),
    _start("products", allowed=MANAGERS),
    row("transfer:export_download", allowed=ALICE, hidden=NOT_ALICE, args=EXPORT),
    _api("clients", filter={"status": ["lead", "customer"]}),
    _api("contacts"),
    _api("deals", format="xlsx"),
    _api("tasks"),
    _api("calls"),
    _api("products", allowed=MANAGERS),
    row("GET /api/v1/exports"),
    row("GET /api/v1/exports/{export_id}", allowed=ALICE, hidden=NOT_ALICE, args=EXPORT),
    row("GET /api/v1/exports/{export_id}/file", allowed=ALICE, hidden=NOT_ALICE, args=EXPORT),
]


def _alices_export(alice) -> Export:
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matrix-export.csv").write_bytes(b"\xef\xbb\xbfName\r\nAlice's Bakery\r\n")
    return Export.objects.create(
        owner=alice,
        list="clients",
        format="csv",
        status=Export.Status.DONE,
        rows=1,
        file_name="clients.csv",
        stored_name="matrix-export.csv",
    )


def records(world: dict) -> dict:
    """An export written to disk: made only for the rows that name it."""
    return {"alices_export": Later(lambda: _alices_export(world["alice"]))}
