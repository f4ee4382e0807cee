"""Settings › Telephony: the phone systems Carte hears from, their secrets, and the journal of what they sent."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.calls import queries, services
from carte.calls.forms import ConnectionForm
from carte.calls.models import CallEvent, Connection
from carte.calls.services.placing import TIMEOUT_SECONDS
from carte.calls.signing import WINDOW_SECONDS
from carte.core import policy
from carte.core.htmx import save_posted

FIELDS = ["name", "kind", "key", "originate_url", "ami_host", "ami_port", "ami_username", "ami_password", "ami_context"]


def _webhook_url(request, connection: Connection) -> str:
    return request.build_absolute_uri(f"/api/v1/telephony/{connection.key}/events")


@require_GET
def connection_list(request):
    connections = queries.connections_for(request.user)
    return render(
        request,
        "calls/telephony/list.html",
        {
            "connections": connections,
            "may_create": policy.can(request.user, policy.Action.CREATE, Connection),
            "may_edit": policy.can(request.user, policy.Action.EDIT, Connection),
        },
    )


@require_http_methods(["GET", "POST"])
def connection_create(request):
    policy.require(request.user, policy.Action.CREATE, Connection)
    form = ConnectionForm(request.POST or None)
    saved = save_posted(
        request,
        form,
        lambda: services.create_connection(actor=request.user, **{name: form.cleaned_data[name] for name in FIELDS}),
    )
    if saved:
        messages.success(request, _("Connection added: copy its secret into the phone system."))
        return redirect("calls:connection_edit", pk=saved.value.pk)
    return render(request, "calls/telephony/form.html", {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def connection_edit(request, pk):
    """A connection's settings, its webhook address and secret (to copy into the phone system)."""
    connection = queries.get_connection_for(request.user, pk)
    may_edit = policy.can(request.user, policy.Action.EDIT, connection)
    initial = {name: getattr(connection, name) for name in FIELDS if name != "ami_password"}
    form = ConnectionForm(request.POST or None, initial=initial | {"active": connection.active})
    if request.method == "POST":
        policy.require(request.user, policy.Action.EDIT, connection)

        def save():
            changes = {name: form.cleaned_data[name] for name in [*FIELDS, "active"]}
            return services.update_connection(actor=request.user, connection=connection, **changes)

        if save_posted(request, form, save):
            messages.success(request, _("Connection saved."))
            return redirect("calls:connection_edit", pk=connection.pk)
    context = {
        "connection": connection,
        "form": form,
        "may_edit": may_edit,
        "webhook_url": _webhook_url(request, connection),
        "window_minutes": WINDOW_SECONDS // 60,
        "timeout_seconds": int(TIMEOUT_SECONDS),
    }
    return render(request, "calls/telephony/form.html", context, status=422 if form.errors else 200)


@require_GET
def connection_events(request, pk):
    """The latest 100 events a connection sent, optionally of one outcome (unmatched and rejected need a look)."""
    connection = queries.get_connection_for(request.user, pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in CallEvent.Outcome.values:
        outcome = ""
    journal = queries.journal_of(connection, outcome)
    call_url = reverse("calls:call_detail", args=[0])[:-2]
    for entry in journal:
        entry.call_url = f"{call_url}{entry.call_id}/" if entry.call_id else ""
    return render(
        request,
        "calls/telephony/events.html",
        {
            "connection": connection,
            "journal": journal,
            "outcome": outcome,
            "outcomes": CallEvent.Outcome.choices,
            "size": queries.JOURNAL_SIZE,
        },
    )


@require_POST
def connection_rotate(request, pk):
    connection = queries.get_connection_for(request.user, pk)
    services.rotate_secret(actor=request.user, connection=connection)
    messages.success(request, _("New secret made: the old one no longer works. Copy this one into the phone system."))
    return redirect("calls:connection_edit", pk=connection.pk)


@require_POST
def connection_deactivate(request, pk):
    connection = queries.get_connection_for(request.user, pk)
    services.deactivate_connection(actor=request.user, connection=connection)
    messages.success(request, _("Connection deactivated: its events are refused and it places no calls."))
    return redirect("calls:connection_list")
