"""The client list: filters, sort, chosen columns, pages of 50, the segments beside it, and the columns chooser."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.accounts.queries import department_choices
from carte.clients import queries, services
from carte.clients.filters import ClientFilterForm, FilterChoices, read_filters, reference_choices
from carte.clients.models import Client, ReferenceValue
from carte.clients.queries import lists, segments
from carte.core import policy
from carte.core.errors import DomainError, Invalid
from carte.core.htmx import is_fragment, show_refusal
from carte.core.listing import page_of

PAGE_SIZE = 50


def list_url(params: dict | None = None, **more) -> str:
    """The list's address with these parameters (a dict of lists, as criteria keep them)."""
    query = urlencode({**(params or {}), **more}, doseq=True)
    return f"{reverse('clients:list')}?{query}" if query else reverse("clients:list")


def page_numbers(page, around: int = 2) -> list[int | None]:
    """The page links to offer: the first, the last and those around the current one; None for a gap."""
    wanted = sorted({1, page.pages, *range(page.number - around, page.number + around + 1)})
    numbers: list[int | None] = []
    for number in (n for n in wanted if 1 <= n <= page.pages):
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _with_card_urls(clients: list) -> None:
    """Each client's card address, from one reverse() for the page rather than one per row."""
    address = reverse("clients:card", args=[0])
    cut = address.rindex("0")
    for client in clients:
        vars(client)["card_url"] = f"{address[:cut]}{client.pk}{address[cut + 1 :]}"


def _segment(request):
    """The segment the list was opened from, if any (a link may outlive it: then none)."""
    pk = request.GET.get("segment")
    if not pk:
        return None
    try:
        return segments.get_segment_for(request.user, pk)
    except DomainError:
        return None


def _bulk_choices(choices: FilterChoices, owners) -> dict:
    return {
        "actions": services.BulkAction.choices,
        "statuses": reference_choices(ReferenceValue.List.STATUS, values=choices.references["status"].values()),
        "tags": reference_choices(ReferenceValue.List.TAG, values=choices.references["tag"].values()),
        "owners": owners,
    }


def _results(request, choices: FilterChoices, form, segment) -> dict:
    """The page of clients the parameters ask for, or the refusal shown beside the filters."""
    actor = request.user
    shown = lists.columns_of(segment.columns, choices.fields) if segment and segment.columns else None
    columns = shown or lists.saved_columns(actor, choices.fields)
    try:
        criteria = read_filters(request.GET, choices)
        clients = lists.with_columns(queries.clients_for(actor, criteria), columns)
        page = page_of(clients, request.GET.get("page"), PAGE_SIZE)
    except Invalid as refused:
        show_refusal(form, refused)
        return {"page": None, "error": refused.message, "columns": columns}
    _with_card_urls(lists.with_cells(page.items, columns))
    return {
        "page": page,
        "page_numbers": page_numbers(page),
        "error": None,
        "columns": columns,
        "shown": {column.key for column in columns},
        "custom_columns": [column for column in columns if column.field is not None],
        "filter_query": urlencode(criteria.params, doseq=True),
        "column_keys": [column.key for column in columns],
        "available_columns": lists.available_columns(choices.fields),
    }


def client_list(request):
    actor = request.user
    choices = FilterChoices.load()
    owners = list(queries.owner_choices(actor))
    form = ClientFilterForm(request.GET, choices=choices, owners=owners, departments=department_choices())
    segment = _segment(request)
    context = {
        "form": form,
        "segment": segment,
        "segments": segments.segments_for(actor),
        "may_change_segment": bool(segment and services.may_change_segment(actor, segment)),
        "can_create": policy.can(actor, policy.Action.CREATE, Client),
        "can_change": policy.can(actor, policy.Action.EDIT, Client),
        "can_export": policy.can(actor, policy.Action.EXPORT, Client),
        **_results(request, choices, form, segment),
        **_bulk_choices(choices, owners),
    }
    template = "clients/list.html#results" if is_fragment(request) else "clients/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def columns_save(request):
    """Keep the chosen columns for this employee, then show the same list with them (outside any segment)."""
    try:
        services.save_columns(actor=request.user, columns=request.POST.getlist("columns"))
    except Invalid as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The list shows the columns you chose."))
    return redirect(_back_to_list(request))


def _back_to_list(request) -> str:
    """The list with the filter it was showing (sent along as `filter`), without any segment."""
    shown = QueryDict(request.POST.get("filter", ""))
    return list_url({name: values for name, values in shown.lists() if name not in ("segment", "page")})
