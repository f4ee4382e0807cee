"""The Backups settings page: the backups with how each was made and checked, run one now, verify one, download one.

The page shows the configuration (read-only: it comes from the environment), the dates of the
last backup and of the last successful verification, and the list. While a backup is being
made or verified the list asks for itself again every two seconds (htmx), so the row goes
from "running" to "verified" without a reload. Every action posts to a small view that calls
one service and answers the list again (htmx) or goes back to the page.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.backups import queries, services
from carte.backups.config import config
from carte.backups.models import Backup
from carte.core import policy
from carte.core.durations import duration_text
from carte.core.errors import Conflict
from carte.core.htmx import is_fragment

Status, Verification = Backup.Status, Backup.Verification


def _state(request) -> dict:
    """What the refreshed part of the page shows: the dates, the warnings, the list."""
    page = queries.backup_page(request.user, request.GET.get("page"))
    for backup in page.items:
        backup.duration_text = duration_text(backup.duration.total_seconds()) if backup.duration else ""
    return {
        "page": page,
        "status": queries.status_for(request.user),
        "running": any(backup.status == Status.RUNNING for backup in page.items),
        "working": any(
            backup.status == Status.RUNNING or backup.verification == Verification.VERIFYING for backup in page.items
        ),
        "may_run": policy.can(request.user, policy.Action.CREATE, Backup),
        "may_verify": policy.can(request.user, policy.Action.EDIT, Backup),
        "may_download": policy.can(request.user, policy.Action.EXPORT, Backup),
        "copying": config().copy_folder is not None,
    }


@require_GET
def backup_list(request):
    """The Backups page, or its refreshed part for htmx (the polling while a backup runs, the pages)."""
    context = _state(request)
    if is_fragment(request):
        response = render(request, "backups/backup_list.html#state", context)
    else:
        context |= {"configuration": queries.configuration(request.user), "time_zone": settings.TIME_ZONE}
        response = render(request, "backups/backup_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _after(request, message: str):
    """After an action: the refreshed part with the message (htmx) or back to the page (a plain form)."""
    messages.success(request, message)
    if is_fragment(request):
        return render(request, "backups/backup_list.html#state", _state(request) | {"oob_messages": True})
    return redirect("backups:backup_list")


def _refused(request, error: Conflict):
    """A Conflict for a plain post comes back to the page as a message; htmx shows the error fragment."""
    if is_fragment(request):
        raise error
    messages.error(request, str(error.message))
    return redirect("backups:backup_list")


@require_POST
def backup_run(request):
    """Make a backup now (in the background); the list shows it running, then verified."""
    try:
        services.start_backup(actor=request.user)
    except Conflict as error:
        return _refused(request, error)
    return _after(request, _("The backup has started. It is verified as soon as it is written."))


@require_POST
def backup_verify(request, pk):
    """Verify a backup again (in the background): restored into a scratch database and checked."""
    backup = queries.get_backup_for(request.user, pk, policy.Action.EDIT)
    try:
        services.start_verify(actor=request.user, backup=backup)
    except Conflict as error:
        return _refused(request, error)
    return _after(request, _("The verification of %(name)s has started.") % {"name": backup.file_name})


@require_GET
def backup_download(request, pk):
    """A backup's archive, streamed as an attachment (administrators only; audited)."""
    backup = queries.get_backup_for(request.user, pk, policy.Action.EXPORT)
    path = services.backup_file(request.user, backup)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
