"""Imports in the REST API: upload, mapping, preview, dry run, run, resume, undo, journal and report.

The same services as the import screens (carte.transfer.services); each operation reads the
import through the policy (404 when it is not visible) and calls one service. The dry run,
the run and the undo are background jobs: they answer 202 with the import, whose `status`
and counters tell how far they got.
"""

import base64
import binascii
import json
from dataclasses import asdict

from django.core.files.base import ContentFile
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of
from carte.transfer import queries
from carte.transfer.schemas import (
    ImportDetailOut,
    ImportOut,
    ImportRowOut,
    LayoutIn,
    MappingIn,
    PreviewOut,
    SavedMappingIn,
    SavedMappingOut,
)
from carte.transfer.services import imports as services
from carte.transfer.services import mapping as mappings
from carte.transfer.targets import target

router = Router(tags=["imports"])

LAYOUT_FIELDS = {
    "format": {"type": "string", "description": "csv, xlsx or vcard (detected from the content)."},
    "encoding": {"type": "string", "description": "CSV: utf-8, utf-8-sig, utf-16, cp1251 or cp1252."},
    "delimiter": {"type": "string", "description": 'CSV: ",", ";", "\\t" or "|".'},
    "sheet": {"type": "string", "description": "XLSX: the sheet's name."},
    "header_row": {"type": "integer", "description": "The 1-based row of the headers; 0 when there is none."},
}
UPLOAD_FIELDS = {"target": {"type": "string", "description": "clients, deals, products, tasks or notes."}}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": UPLOAD_FIELDS | LAYOUT_FIELDS | {"file": {"type": "string", "format": "binary"}},
                    "required": ["target", "file"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": UPLOAD_FIELDS
                    | LAYOUT_FIELDS
                    | {
                        "file_name": {
                            "type": "string",
                            "description": "The file's name (shown, never used as a path).",
                        },
                        "content_base64": {"type": "string", "description": "The file's bytes in base64."},
                    },
                    "required": ["target", "file_name", "content_base64"],
                }
            },
        },
    }
}


class ImportFilters(Schema):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class RowFilters(Schema):
    phase: str | None = Field(None, description="check (the dry run) or run; by default the run once it has begun.")
    outcome: str | None = Field(None, description="created, updated, skipped or failed.")
    page: int = 1
    page_size: int = queries.JOURNAL_PAGE_SIZE


def _layout(values: dict) -> dict:
    """The layout overrides given (strings from a form or values from JSON), the empty ones left out."""
    layout = {name: values.get(name) for name in LAYOUT_FIELDS if values.get(name) not in (None, "")}
    if "header_row" in layout:
        try:
            layout["header_row"] = int(layout["header_row"])
        except (TypeError, ValueError):
            raise Invalid(errors={"header_row": [_("Enter a whole number.")]}) from None
        if layout["header_row"] < 0:
            raise Invalid(errors={"header_row": [_("Enter a whole number.")]})
    return {name: value if name == "header_row" else str(value) for name, value in layout.items()}


def _upload(request: HttpRequest) -> dict:
    """The upload's target, file and layout, from a multipart form or a JSON body with `content_base64`."""
    if request.content_type == "multipart/form-data":
        file = request.FILES.get("file")
        if file is None:
            raise Invalid(errors={"file": [_("Choose a file.")]})
        return {
            "target_key": request.POST.get("target", ""),
            "file": file,
            "file_name": file.name or "",
            **_layout(request.POST),
        }
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise Invalid(_("The body is neither a multipart form nor JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    try:
        content = base64.b64decode(str(data.get("content_base64") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(errors={"content_base64": [_("content_base64 is not valid base64.")]}) from None
    if not content:
        raise Invalid(errors={"file": [_("The file is empty.")]})
    return {
        "target_key": str(data.get("target") or ""),
        "file": ContentFile(content),
        "file_name": str(data.get("file_name") or ""),
        **_layout(data),
    }


SUMMARY_FIELDS = [name for name in ImportOut.model_fields if name != "status_label"]


def _summary(source) -> dict:
    """The import as ImportOut shows it."""
    return {name: getattr(source, name) for name in SUMMARY_FIELDS} | {"status_label": source.get_status_display()}


def _detail(source) -> dict:
    """The import as ImportDetailOut shows it: its state, how its file is read and mapped, the fields offered."""
    options = asdict(services.options_of(source))
    options["match_by"] = list(options["match_by"])
    fields = [
        {"key": field.key, "label": str(field.label), "many": field.many, "required": field.required}
        for field in target(source.target).fields()
    ]
    return _summary(source) | {
        "columns": source.columns,
        "mapping": source.mapping,
        "options": options,
        "layout": services.layout_of(source).as_dict(),
        "fields": fields,
    }


@router.post("/imports", response={201: ImportDetailOut}, summary="Upload a file to import", openapi_extra=UPLOAD_BODY)
def upload_import(request: HttpRequest):
    """A multipart form with the `file`, or JSON with `content_base64`. The file is read before anything is
    kept: one that is empty, binary, too large or not what it claims answers 400 naming why. The mapping
    is suggested from the headers (English, French or Russian words, Google Contacts and Outlook exports,
    your saved mappings); nothing is imported until you run it."""
    source = services.upload(actor=request.user, **_upload(request))
    return Status(201, _detail(source))


@router.get("/imports", response=PageOut[ImportOut], summary="List imports")
def list_imports(request: HttpRequest, filters: Query[ImportFilters]):
    """Your imports (and your department's, for a manager), newest first."""
    page = queries.import_page(request.user, filters.page, filters.page_size)
    return paged(page, [_summary(source) for source in page.items])


@router.get("/imports/{int:import_id}", response=ImportDetailOut, summary="An import")
def get_import(request: HttpRequest, import_id: int):
    return _detail(queries.get_import_for(request.user, import_id))


@router.put("/imports/{int:import_id}/layout", response=ImportDetailOut, summary="Read an import's file another way")
def put_layout(request: HttpRequest, import_id: int, payload: LayoutIn):
    """Another encoding, delimiter, sheet or header row; the columns are read again and the mapping suggested anew."""
    source = queries.get_import_for(request.user, import_id)
    source = services.change_layout(actor=request.user, source=source, **_layout(payload.dict()))
    return _detail(source)


@router.put("/imports/{int:import_id}/mapping", response=ImportDetailOut, summary="Map an import's columns")
def put_mapping(request: HttpRequest, import_id: int, payload: MappingIn):
    """Which field each column fills, and the options; 400 naming what is wrong (a required field not
    mapped, a field mapped twice…). A dry run done before no longer holds."""
    source = queries.get_import_for(request.user, import_id)
    options = {name: value for name, value in payload.options.dict().items() if value is not None}
    source = services.configure(actor=request.user, source=source, mapping=payload.mapping, options=options)
    return _detail(source)


@router.get("/imports/{int:import_id}/preview", response=PreviewOut, summary="Preview an import")
def preview_import(request: HttpRequest, import_id: int):
    """The first rows as they would be saved, each with what would happen to it and why; nothing is written."""
    source = queries.get_import_for(request.user, import_id)
    shown = services.preview(actor=request.user, source=source)
    return {
        "rows": [
            {
                "number": outcome.number,
                "outcome": outcome.outcome,
                "message": outcome.message,
                "cells": cells,
                "shown": {str(label): str(text) for label, text in outcome.shown.items()},
            }
            for cells, outcome in shown.rows
        ]
    }


@router.post("/imports/{int:import_id}/check", response={202: ImportOut}, summary="Start a dry run")
def check_import(request: HttpRequest, import_id: int):
    """Every row checked as the run would save it, in the background; the journal's `check` rows then
    say which would fail or be skipped, and `check_counts` how many rows end each way."""
    source = queries.get_import_for(request.user, import_id)
    services.start_check(actor=request.user, source=source)
    return Status(202, _summary(queries.get_import_for(request.user, import_id)))


@router.post("/imports/{int:import_id}/run", response={202: ImportOut}, summary="Run an import")
def run_import(request: HttpRequest, import_id: int):
    """The rows are saved in the background, batch by batch; `rows_done` of `total_rows` tells the progress."""
    source = queries.get_import_for(request.user, import_id)
    services.start_run(actor=request.user, source=source)
    return Status(202, _summary(queries.get_import_for(request.user, import_id)))


@router.post("/imports/{int:import_id}/resume", response={202: ImportOut}, summary="Resume a stopped import")
def resume_import(request: HttpRequest, import_id: int):
    """Goes on after the last saved batch; 409 unless the import stopped (or stalled)."""
    source = queries.get_import_for(request.user, import_id)
    services.resume(actor=request.user, source=source)
    return Status(202, _summary(queries.get_import_for(request.user, import_id)))


@router.post("/imports/{int:import_id}/undo", response={202: ImportOut}, summary="Undo an import")
def undo_import(request: HttpRequest, import_id: int):
    """Removes what the import created and puts back what it updated, all or nothing; 409 naming the rows
    whose records were changed since."""
    source = queries.get_import_for(request.user, import_id)
    services.start_undo(actor=request.user, source=source)
    return Status(202, _summary(queries.get_import_for(request.user, import_id)))


@router.get("/imports/{int:import_id}/rows", response=PageOut[ImportRowOut], summary="An import's journal")
def import_rows(request: HttpRequest, import_id: int, filters: Query[RowFilters]):
    """What happened to each row worth reporting (created, updated, skipped, failed), by row number."""
    source = queries.get_import_for(request.user, import_id)
    rows = queries.journal(source, phase=filters.phase or "", outcome=filters.outcome or "")
    page = page_of(rows, filters.page, filters.page_size)
    return paged(page, page.items)


@router.get(
    "/imports/{int:import_id}/report",
    summary="An import's report (CSV)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The report", "content": {"text/csv": {}}}}},
)
def import_report(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    """Every journal row: row number, outcome, reason, the record's id and link; UTF-8 with a BOM for Excel."""
    source = queries.get_import_for(request.user, import_id)
    response = StreamingHttpResponse(
        queries.report_csv(source, base_url=f"{request.scheme}://{request.get_host()}"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{queries.report_name(source)}"'
    return response


# Saved mappings


class MappingFilters(Schema):
    target: str | None = Field(None, description="Only the mappings of this kind of records.")


@router.get("/import-mappings", response=list[SavedMappingOut], summary="List your saved mappings")
def list_mappings(request: HttpRequest, filters: Query[MappingFilters]):
    return list(queries.mappings_of(request.user, filters.target or ""))


@router.post("/import-mappings", response={201: SavedMappingOut}, summary="Save an import's mapping")
def save_mapping(request: HttpRequest, payload: SavedMappingIn):
    """Kept by header under a name (the same name replaces it); the next file whose headers it knows is
    mapped with it."""
    source = queries.get_import_for(request.user, payload.import_id)
    return Status(201, mappings.save_mapping(actor=request.user, source=source, name=payload.name))


@router.delete("/import-mappings/{int:mapping_id}", response={204: None}, summary="Delete a saved mapping")
def delete_mapping(request: HttpRequest, mapping_id: int):
    mapping = queries.get_mapping_for(request.user, mapping_id)
    mappings.delete_mapping(actor=request.user, mapping=mapping)
    return Status(204, None)
