"""Exports in the REST API: export a list (the file at once, or 202 and an export prepared in the background),
your exports, one export, its file. The same services as the screens."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from carte.transfer.models import Export
from carte.transfer.services import exports as services
from carte.transfer.views.exports import file_response, stored_file_response

router = Router(tags=["exports"])

FILTER = (
    "The list's parameters as its screen takes them in its address ({name: value or list of values}): "
    "for clients and contacts those of GET /api/v1/clients (contacts also take `company`, a company's id); "
    "for deals q, pipeline, stage, state, owner, client, close_from, close_to, ordering; for tasks assignee, "
    "status, period, kind, client, deal, q, sort; for calls direction, status, employee, client, date_from, "
    "date_to, find; for products q, kind, archived, ordering."
)
FILE_TYPES = {
    "text/csv": {},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
    "text/vcard": {},
}


class ExportOptionsIn(Schema):
    delimiter: Literal[",", ";", "tab", "|"] = Field(",", description="CSV only.")
    encoding: Literal["utf-8-sig", "utf-8", "utf-16", "cp1251", "cp1252"] = Field(
        "utf-8-sig",
        description="CSV only; utf-8-sig is UTF-8 with a byte order mark (for Excel). Characters the encoding "
        "cannot hold are written as ?.",
    )
    columns: Literal["list", "all"] = Field(
        "list", description="Clients: the list's columns, or every field of the card (a file that imports back)."
    )
    keys: list[str] = Field(
        [], description="Clients, with columns=list: the columns (name, kind, status… cf_<key>); none: yours."
    )


class ExportIn(Schema):
    list: Literal["clients", "contacts", "deals", "tasks", "calls", "products"]
    format: Literal["csv", "xlsx", "vcard"] = Field("csv", description="vcard for clients only (vCard 4.0).")
    filter: dict[str, str | list[str]] = Field({}, description=FILTER)
    options: ExportOptionsIn = Field(default_factory=ExportOptionsIn)


class ExportOut(Schema):
    id: int
    list: str
    format: str
    status: str = Field(description="queued, running, done or failed.")
    rows: int = Field(description="Rows written, once done.")
    file_name: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    file_url: str | None = Field(description="Where to download the file, once done.")

    @staticmethod
    def resolve_file_url(export: Export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        return reverse("api:export_file", kwargs={"export_id": export.pk})


@router.post(
    "/exports",
    response={200: None, 202: ExportOut},
    summary="Export a list",
    openapi_extra={"responses": {200: {"description": "The file, sent as it is written", "content": FILE_TYPES}}},
)
def create_export(request: HttpRequest, payload: ExportIn):
    """Export a list as its screen shows it with `filter` (its filters and sort): only the records you may
    export, with the export right of the list's module. Up to 5,000 rows the answer is the file itself;
    beyond, 202 with the export being prepared: ask GET /api/v1/exports/{id} until its status is done, then
    download its `file_url`. Cells a spreadsheet would read as a formula start with a quote. Audited."""
    options = payload.options.dict()
    export = services.export_list(
        actor=request.user, list_key=payload.list, params=payload.filter, file_format=payload.format, options=options
    )
    if isinstance(export, services.ExportFile):
        return file_response(export)
    return Status(202, export)


@router.get("/exports", response=list[ExportOut], summary="Your exports")
def list_exports(request: HttpRequest):
    """Your own exports prepared in the background, newest first (kept a week)."""
    return services.exports_for(request.user)


@router.get("/exports/{int:export_id}", response=ExportOut, summary="One of your exports")
def get_export(request: HttpRequest, export_id: int):
    return services.get_export_for(request.user, export_id)


@router.get(
    "/exports/{int:export_id}/file",
    response={200: None},
    url_name="export_file",
    summary="Download an export's file",
    openapi_extra={"responses": {200: {"description": "The file", "content": FILE_TYPES}}},
)
def get_export_file(request: HttpRequest, export_id: int):
    """The file of one of your exports, once done (409 while it is being written; 404 for anyone else's)."""
    export, path = services.download(actor=request.user, export_id=export_id)
    return stored_file_response(export, path)
