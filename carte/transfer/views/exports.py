"""The export screens: starting an export from a list's Export control, the employee's exports, downloading one.

A small export is the response itself (a file sent as it is written); a large one sends the
employee to their exports page, which polls with htmx while one is being written and offers
the file once it is ready.
"""

from django.contrib import messages
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.core.htmx import is_fragment
from carte.transfer.exports.lists import LISTS
from carte.transfer.models import Export
from carte.transfer.services import exports as services


def file_response(export: services.ExportFile) -> StreamingHttpResponse:
    """An export sent as it is written, as an attachment (shared with the API)."""
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["X-Row-Count"] = str(export.rows)
    return response


def stored_file_response(export: Export, path) -> FileResponse:
    """A prepared export's file, as an attachment (shared with the API)."""
    content_type = services.FORMATS[export.format][0]
    return FileResponse(path.open("rb"), as_attachment=True, filename=export.file_name, content_type=content_type)


@require_POST
def export_start(request):
    """Export the list named by `list` with the list's parameters (`filter`, a query string) and the file options."""
    post = request.POST
    export = services.export_list(
        actor=request.user,
        list_key=post.get("list", ""),
        params=QueryDict(post.get("filter", "")),
        file_format=post.get("format", "csv"),
        options={
            "delimiter": post.get("delimiter"),
            "encoding": post.get("encoding"),
            "columns": post.get("columns"),
            "keys": post.getlist("keys"),
        },
    )
    if isinstance(export, services.ExportFile):
        return file_response(export)
    messages.info(
        request,
        _("More than %(limit)d rows: too many to send at once. The file is being prepared; it will be here when ready.")
        % {"limit": services.EXPORT_INLINE_ROWS},
    )
    return redirect("transfer:exports")


@require_GET
def export_page(request):
    """The employee's own exports, newest first; htmx asks for the table again while one is being written."""
    exports = services.exports_for(request.user)
    context = {
        "exports": exports,
        "writing": any(export.status in (Export.Status.QUEUED, Export.Status.RUNNING) for export in exports),
        "keep_days": services.KEEP_DAYS,
        "labels": {key: kind.label for key, kind in LISTS.items()},
    }
    template = "transfer/export_list.html#table" if is_fragment(request) else "transfer/export_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def export_download(request, pk):
    """A ready export's file, to who asked for it only (404 for anyone else)."""
    export, path = services.download(actor=request.user, export_id=pk)
    return stored_file_response(export, path)
