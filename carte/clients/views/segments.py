"""Segments of the client list: save the current filter, open, rename, update and delete one."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.clients import services
from carte.clients.filters import read_filters, without
from carte.clients.queries import segments
from carte.clients.views.lists import list_url
from carte.core.errors import Invalid


def _shown_filter(request) -> QueryDict:
    """The filter the list was showing when the form was sent (its parameters, as a query string)."""
    return QueryDict(request.POST.get("filter", ""))


def _back(request) -> str:
    return list_url({name: values for name, values in _shown_filter(request).lists() if name != "segment"})


def _reason(refused: Invalid) -> str:
    said = [str(message) for messages in refused.errors.values() for message in messages]
    return " ".join(said) or str(refused.message)


@require_POST
def segment_create(request):
    try:
        segment = services.create_segment(
            actor=request.user,
            name=request.POST.get("name", ""),
            shared=request.POST.get("shared") == "on",
            filters=_shown_filter(request),
            columns=request.POST.getlist("columns") or None,
        )
    except Invalid as refused:
        messages.error(request, _reason(refused))
        return redirect(_back(request))
    messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return redirect(list_url(segment.filters, segment=segment.pk))


def segment_open(request, pk):
    """Show the list as the segment asks, its filters checked again: those that name something
    deleted since are left out, with a message."""
    segment = segments.get_segment_for(request.user, pk)
    try:
        params = read_filters(segment.filters).params
    except Invalid as refused:
        params = without(segment.filters, refused.errors)
        messages.warning(
            request,
            _("Some filters of the segment “%(name)s” no longer apply and are left out: %(reason)s")
            % {"name": segment.name, "reason": refused.message},
        )
    return redirect(list_url(params, segment=segment.pk))


@require_POST
def segment_update(request, pk):
    """Rename or (un)share a segment; with `use_current`, give it the filter and columns shown."""
    segment = segments.get_segment_for(request.user, pk)
    current = request.POST.get("use_current") == "on"
    try:
        services.update_segment(
            actor=request.user,
            segment=segment,
            name=request.POST.get("name", segment.name),
            shared=request.POST.get("shared") == "on",
            filters=_shown_filter(request) if current else None,
            columns=request.POST.getlist("columns") if current else None,
        )
    except Invalid as refused:
        messages.error(request, _reason(refused))
    else:
        messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return redirect("clients:segment_open", pk=segment.pk)


@require_POST
def segment_delete(request, pk):
    segment = segments.get_segment_for(request.user, pk)
    services.delete_segment(actor=request.user, segment=segment)
    messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
    return redirect("clients:list")
