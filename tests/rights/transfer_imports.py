"""Rows of the rights matrix for imports: the screens and the API of the import flow.

An import belongs to who uploaded it: Alice's imports are seen and handled by Ada (all),
Mia (her department's manager) and Alice; Bob and Charlie (sellers, their own imports only)
and Rita (no right to import) get 404. Uploading needs the right to import and to create the
records: Rita has neither. A saved mapping is its owner's alone.
"""

import base64
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from carte.transfer import running
from carte.transfer.models import Import, Mapping
from carte.transfer.services import imports as services
from tests.rights import CREATORS, EVERYONE, Later, Row, row

SEE = {"ada", "mia", "alice"}
HIDDEN = EVERYONE - SEE
MINE = {"alice"}
IMPORT, DONE, STOPPED = ("@alices_import",), ("@alices_done_import",), ("@alices_stopped_import",)
CSV = b"Name,Email,Phone\r\nMatrix Ltd,desk@matrix.example,+33 1 40 00 00 01\r\nGrid SA,,\r\n"
MAPPING_FORM = {
    "column_0": "name",
    "column_1": "email_work",
    "column_2": "phone_work",
    "decimal": ",",
    "date_order": "dmy",
    "duplicates": "update",
    "match_by": ["email"],
    "unknown_values": "reject",
    "owner": "",
}


@dataclass(frozen=True)
class UploadRow(Row):
    """A screen that takes a file: each request gets a fresh one (an uploaded file is read once)."""

    def payload(self, world, persona):
        return super().payload(world, persona) | {"file": SimpleUploadedFile("clients.csv", CSV)}


ROWS = [
    row("transfer:import_list", allowed=CREATORS),
    row("transfer:import_new", allowed=CREATORS),
    row("transfer:import_new", query="?target=clients", allowed=CREATORS),
    UploadRow("transfer:import_new", "POST", frozenset(CREATORS), data={"target": "clients"}),
    row("transfer:import_detail", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("transfer:import_detail", allowed=SEE, hidden=HIDDEN, args=DONE, query="?outcome=created"),
    row("transfer:import_progress", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("transfer:import_layout", "POST", allowed=SEE, hidden=HIDDEN, args=IMPORT, data={"delimiter": ";"}),
    row(
        "transfer:import_mapping",
        "POST",
        allowed=SEE,
        hidden=HIDDEN,
        args=IMPORT,
        data=MAPPING_FORM | {"action": "check"},
    ),
    row(
        "transfer:import_mapping",
        "POST",
        allowed=SEE,
        hidden=HIDDEN,
        args=IMPORT,
        data=MAPPING_FORM | {"action": "save", "name": "Matrix"},
    ),
    row("transfer:import_run", "POST", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("transfer:import_resume", "POST", allowed=SEE, hidden=HIDDEN, args=STOPPED),
    row("transfer:import_undo", "POST", allowed=SEE, hidden=HIDDEN, args=DONE),
    row("transfer:import_report", allowed=SEE, hidden=HIDDEN, args=DONE),
    row("transfer:mapping_delete", "POST", allowed=MINE, hidden=EVERYONE - MINE, args=("@alices_mapping",)),
    row("GET /api/v1/imports", allowed=CREATORS),
    row(
        "POST /api/v1/imports",
        "POST",
        allowed=CREATORS,
        data={"target": "clients", "file_name": "clients.csv", "content_base64": base64.b64encode(CSV).decode()},
    ),
    row("GET /api/v1/imports/{import_id}", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row(
        "PUT /api/v1/imports/{import_id}/layout",
        "PUT",
        allowed=SEE,
        hidden=HIDDEN,
        args=IMPORT,
        data={"delimiter": ";"},
    ),
    row(
        "PUT /api/v1/imports/{import_id}/mapping",
        "PUT",
        allowed=SEE,
        hidden=HIDDEN,
        args=IMPORT,
        data={"mapping": {"0": "name"}, "options": {"duplicates": "update"}},
    ),
    row("GET /api/v1/imports/{import_id}/preview", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("POST /api/v1/imports/{import_id}/check", "POST", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("POST /api/v1/imports/{import_id}/run", "POST", allowed=SEE, hidden=HIDDEN, args=IMPORT),
    row("POST /api/v1/imports/{import_id}/resume", "POST", allowed=SEE, hidden=HIDDEN, args=STOPPED),
    row("POST /api/v1/imports/{import_id}/undo", "POST", allowed=SEE, hidden=HIDDEN, args=DONE),
    row("GET /api/v1/imports/{import_id}/rows", allowed=SEE, hidden=HIDDEN, args=DONE, query="?outcome=created"),
    row("GET /api/v1/imports/{import_id}/report", allowed=SEE, hidden=HIDDEN, args=DONE),
    row("GET /api/v1/import-mappings", allowed=EVERYONE, query="?target=clients"),
    row(
        "POST /api/v1/import-mappings",
        "POST",
        allowed=SEE,
        hidden=HIDDEN,
        data={"import_id": "@alices_import", "name": "Matrix"},
    ),
    row(
        "DELETE /api/v1/import-mappings/{mapping_id}",
        "DELETE",
        allowed=MINE,
        hidden=EVERYONE - MINE,
        args=("@alices_mapping",),
    ),
]


def _upload(alice) -> Import:
    return services.upload(
        actor=alice, target_key="clients", file=SimpleUploadedFile("clients.csv", CSV), file_name="clients.csv"
    )


def _done(alice) -> Import:
    done = _upload(alice)
    services.start_run(actor=alice, source=done)
    running.run(done.pk)  # the job the commit would start: the matrix's tests never commit
    return Import.objects.get(pk=done.pk)


def _stopped(alice) -> Import:
    stopped = _upload(alice)
    Import.objects.filter(pk=stopped.pk).update(status=Import.Status.FAILED, error="The worker stopped.")
    return Import.objects.get(pk=stopped.pk)


def records(world: dict) -> dict:
    """Imports read and store a file: made only for the rows that name them."""
    alice = world["alice"]
    return {
        "alices_import": Later(lambda: _upload(alice)),
        "alices_done_import": Later(lambda: _done(alice)),
        "alices_stopped_import": Later(lambda: _stopped(alice)),
        "alices_mapping": Later(
            lambda: Mapping.objects.create(owner=alice, name="Alice's CRM", target="clients", fields={"Name": "name"})
        ),
    }
