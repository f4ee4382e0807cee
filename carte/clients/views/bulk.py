"""Bulk actions of the client list: change the ticked clients, those of the page or all that match
the filter (after a confirmation), and export them as CSV."""

from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.clients import services
from carte.clients.filters import ClientCriteria, FilterChoices, read_filters
from carte.clients.queries import lists
from carte.clients.services import bulk
from carte.clients.views.lists import list_url
from carte.core import policy
from carte.core.errors import Invalid

# The form field that carries the value of each action.
VALUE_FIELDS = {
    bulk.BulkAction.SET_STATUS: "status",
    bulk.BulkAction.ASSIGN_OWNER: "owner",
    bulk.BulkAction.ADD_TAG: "tag",
    bulk.BulkAction.REMOVE_TAG: "tag",
}


def _filter(request) -> QueryDict:
    return QueryDict(request.POST.get("filter", ""))


def _targets(request) -> tuple[list | None, ClientCriteria | None]:
    """The ticked clients, those of the page, or (None, criteria) for every client the filter finds."""
    scope = request.POST.get("scope", "selected")
    if scope == "all":
        return None, read_filters(_filter(request))
    ids = request.POST.getlist("page_ids" if scope == "page" else "ids")
    if scope not in ("selected", "page") or not ids:
        raise Invalid(_("Tick the clients to act on, or choose all those of the page or all that match."))
    return ids, None


def _back(request) -> str:
    return list_url({name: values for name, values in _filter(request).lists() if name != "page"})


@require_POST
def bulk_change(request):
    """Change the chosen clients; all those of a filter only once the count is confirmed."""
    actor = request.user
    action = request.POST.get("action", "")
    value = request.POST.get(VALUE_FIELDS.get(action, "value"), "")
    ids, criteria = _targets(request)
    change = bulk.describe_change(actor=actor, action=action, value=value)
    if criteria is not None and request.POST.get("confirm") != "yes":
        context = {
            "change": change,
            "count": lists.clients_for(actor, criteria, policy.Action.EDIT).count(),
            "matching": lists.clients_for(actor, criteria).count(),
            "fields": {
                "action": action,
                VALUE_FIELDS[action]: value,
                "scope": "all",
                "filter": _filter(request).urlencode(),
            },
            "back": _back(request),
        }
        return render(request, "clients/bulk_confirm.html", context)
    report = services.change_clients(actor=actor, action=action, value=value, ids=ids, criteria=criteria)
    context = {"report": report, "change": change, "back": _back(request), "batch_size": bulk.BATCH_SIZE}
    return render(request, "clients/bulk_result.html", context, status=report.status)


@require_POST
def client_export(request):
    """The chosen clients, or all that the filter finds and the user may export, as a CSV file."""
    ids, criteria = _targets(request)
    fields = FilterChoices.load().fields
    chosen = request.POST.getlist("columns")
    columns = lists.read_columns(chosen, fields) if chosen else lists.saved_columns(request.user, fields)
    export = services.export_clients(actor=request.user, columns=columns, ids=ids, criteria=criteria)
    response = StreamingHttpResponse(export.lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Row-Count"] = str(export.count)
    return response
