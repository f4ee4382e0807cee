"""Acting on many clients at once: change them, or export them as CSV; the same services as the list screen."""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from carte.clients import services
from carte.clients.filters import ClientCriteria, FilterChoices, read_filters
from carte.clients.queries import lists
from carte.clients.services.bulk import BulkAction, BulkReport
from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound

router = Router(tags=["clients"])

IDS = "The clients to act on, by id."
FILTER = (
    "Instead of `ids`: every client the list's filters find (as GET /api/v1/clients takes them, "
    "{name: value or list of values}; {} for all) among those you may change or export."
)
REFUSALS = {error.status: error for error in (Invalid, NotAllowed, NotFound, Conflict)}


class BulkIn(Schema):
    action: BulkAction
    value: str = Field(description="A status key (set_status), an employee id (assign_owner) or a tag key.")
    ids: list[int] | None = Field(None, description=IDS)
    filter: dict[str, str | list[str]] | None = Field(None, description=FILTER)


class BulkReportOut(Schema):
    action: str
    total: int = Field(description="Clients the action was asked for.")
    done: int = Field(description="Clients changed, or already as asked.")


class ClientExportIn(Schema):
    ids: list[int] | None = Field(None, description=IDS)
    filter: dict[str, str | list[str]] | None = Field(None, description=FILTER)
    columns: list[str] = Field(
        [], description="Columns, as on the list screen (name, kind, status… cf_<key>); none: those you chose there."
    )


def _criteria(ids, filters) -> ClientCriteria | None:
    return None if ids is not None else read_filters(filters or {})


def _refused(report: BulkReport):
    """A report with refusals as a problem: its status, counts, and each refused client by id."""
    error = REFUSALS.get(report.status, Invalid)
    counts = {"done": report.done, "refused": len(report.refused), "held_back": report.held_back}
    return error(
        _("%(done)d changed, %(refused)d refused, %(held_back)d left unchanged in their batches.") % counts,
        errors={str(refusal.client_id): [f"{refusal.name}: {refusal.reason}"] for refusal in report.refused},
    )


@router.post("/bulk", response=BulkReportOut, summary="Change many clients")
def change_clients(request: HttpRequest, payload: BulkIn):
    """Set the status, assign an owner, add or remove a tag on the clients given by `ids` or by
    `filter`, in batches of 500, each changed whole or not at all, each client audited and
    written on its timeline. When a client is refused, the answer is a problem (404 when none
    of the refused clients is visible to you, else 403, 400 or 409) whose `errors` name each
    refused client by id; the other batches were changed, as `detail` counts."""
    report = services.change_clients(
        actor=request.user,
        action=payload.action,
        value=payload.value,
        ids=payload.ids,
        criteria=_criteria(payload.ids, payload.filter),
    )
    if report.refused:
        raise _refused(report)
    return report


@router.post(
    "/export",
    response={200: None},
    summary="Export clients as CSV",
    openapi_extra={
        "responses": {200: {"description": "CSV, UTF-8 with a byte order mark", "content": {"text/csv": {}}}}
    },
)
def export_clients(request: HttpRequest, payload: ClientExportIn):
    """The clients given by `ids` (each must be yours to export) or by `filter` (those you may
    export), as a CSV file sent as it is written. Cells that a spreadsheet would read as a
    formula start with a quote. Needs the export right; audited."""
    fields = FilterChoices.load().fields
    columns = (
        lists.read_columns(payload.columns, fields) if payload.columns else lists.saved_columns(request.user, fields)
    )
    export = services.export_clients(
        actor=request.user, columns=columns, ids=payload.ids, criteria=_criteria(payload.ids, payload.filter)
    )
    response = StreamingHttpResponse(export.lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
