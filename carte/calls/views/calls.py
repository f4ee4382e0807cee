"""The call log: the list, a call's page with its notes, a call logged by hand, the live pop-up, click-to-call."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from carte.calls import queries, services
from carte.calls.forms import CallFilterForm, CallLogForm, CallNotesForm
from carte.calls.models import Call
from carte.clients.models import Client
from carte.clients.queries import get_client_for
from carte.clients.queries.clients import owner_choices
from carte.clients.views.lists import page_numbers
from carte.core import policy
from carte.core.durations import duration_text
from carte.core.errors import DomainError, Invalid
from carte.core.htmx import is_fragment, save_posted
from carte.core.listing import address_of

PAGE_SIZE = 50
TAB_PAGE_SIZE = 20
UNANSWERED = (Call.Status.MISSED, Call.Status.BUSY, Call.Status.FAILED)


def _url(name: str, *args, query: dict | None = None) -> str:
    """The address of a view, "" when its app is not installed."""
    try:
        address = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{address}?{urlencode(query)}" if query else address


def _decorate(user, calls: list) -> list:
    """What a row shows beyond the fields: links (to the cards the user may open: one query for the
    page), the duration in words, whether to highlight it."""
    call_url, card_url = address_of("calls:call_detail"), address_of("clients:card")
    openable = queries.visible_client_ids(user, {call.client_id for call in calls if call.client_id})
    for call in calls:
        call.url = call_url(call.pk) if call_url else ""
        call.client_url = card_url(call.client_id) if card_url and call.client_id in openable else ""
        call.duration_shown = duration_text(call.duration) if call.status == Call.Status.ANSWERED else ""
        call.unanswered = call.status in UNANSWERED
    return calls


def new_client_url(number: str) -> str:
    """ "Create a client with this number": the client form, prefilled."""
    return _url("clients:create", query={"phone": number}) if number else ""


# The log


@require_GET
def call_list(request):
    """Calls the user may see, filtered by direction, status, employee, period, client or number; newest first."""
    policy.require(request.user, policy.Action.VIEW, Call)
    form = CallFilterForm(request.GET, employees=owner_choices(request.user))
    page = None
    if form.is_valid():
        page = queries.call_page(request.user, form.criteria(), request.GET.get("page"), PAGE_SIZE)
        _decorate(request.user, page.items)
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page) if page else [],
        "can_log": policy.can(request.user, policy.Action.CREATE, Call(employee=request.user)),
    }
    template = "calls/list.html#results" if is_fragment(request) else "calls/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_context(request, call: Call, form: CallNotesForm | None = None) -> dict:
    user = request.user
    client_visible = queries.client_is_visible(user, call.client_id)
    can_edit = policy.can(user, policy.Action.EDIT, call)
    task = call.callback_task
    return {
        "call": call,
        "client_visible": client_visible,
        "duration_shown": duration_text(call.duration),
        "unanswered": call.status in UNANSWERED,
        "new_client_url": new_client_url(call.number)
        if not call.client_id and policy.can(user, policy.Action.CREATE, Client)
        else "",
        "task_url": _url("planner:task_detail", task.pk) if task is not None else "",
        "can_edit": can_edit,
        "can_call": bool(call.number) and services.can_place_calls(user),
        "form": form or (CallNotesForm(initial={"notes": call.notes, "result": call.result}) if can_edit else None),
    }


@require_GET
def call_detail(request, pk):
    call = queries.get_call_for(request.user, pk)
    return render(request, "calls/detail.html", _detail_context(request, call))


@require_http_methods(["GET", "POST"])
def call_edit(request, pk):
    """The notes and result of a call: a form page, or the call page's form through htmx."""
    call = queries.get_call_for(request.user, pk, policy.Action.EDIT)
    form = CallNotesForm(request.POST or None, initial={"notes": call.notes, "result": call.result})
    if save_posted(request, form, lambda: services.update_call(actor=request.user, call=call, **form.cleaned_data)):
        messages.success(request, _("Call saved."))
        if not is_fragment(request):
            return redirect("calls:call_detail", pk=call.pk)
        form = None
    context = _detail_context(request, call, form) | {"oob_messages": is_fragment(request)}
    if is_fragment(request):
        status = 422 if form is not None and form.errors else 200
        return render(request, "calls/detail.html#notes", context, status=status)
    return render(request, "calls/edit.html", context, status=422 if form.errors else 200)


def _client_of(request, value) -> Client | None:
    """The client named by ?client= or the form, if the user may see it; Invalid (a form error) otherwise."""
    if value in (None, ""):
        return None
    try:
        return get_client_for(request.user, value)
    except DomainError:  # a hidden or unknown client is refused on the form, not as a missing page
        raise Invalid(errors={"client": [_("Choose a client you can see.")]}) from None


def _shown_client(request, form: CallLogForm) -> Client | None:
    """The client the form is about, to name it on the page (None when there is none or it is hidden)."""
    value = form.data.get("client") if form.is_bound else form.initial.get("client")
    try:
        return _client_of(request, value)
    except Invalid:
        return None


@require_http_methods(["GET", "POST"])
def call_log(request):
    """Log a call made outside the phone system (the action bar's "New call"); ?client= and ?number= prefill it."""
    policy.require(request.user, policy.Action.CREATE, Call(employee=request.user))
    initial = {"number": request.GET.get("number", "")[:50], "client": request.GET.get("client", "")[:20]}
    form = CallLogForm(request.POST or None, initial=initial)

    def save():
        client = _client_of(request, form.cleaned_data["client"])
        return services.log_call(actor=request.user, client=client, **form.service_values())

    saved = save_posted(request, form, save)
    if saved:
        messages.success(request, _("Call logged."))
        return redirect("calls:call_detail", pk=saved.value.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "calls/log.html", {"form": form, "client": _shown_client(request, form)}, status=status)


# The live pop-up and click-to-call


def _task_prefill(client: Client | None, call: Call) -> dict:
    if client is not None:
        return {"kind": "call", "client": client.pk}
    return {"kind": "call", "title": _("Call back %(number)s") % {"number": call.number or call.from_number}}


@require_GET
def call_popup(request, pk):
    """The small card the live pop-up shows for a call: the caller's card, or "New client" for an unknown number."""
    call = queries.get_call_for(request.user, pk)
    popup = queries.popup_for(request.user, call)
    context = {
        "popup": popup,
        "call": call,
        "card_url": _url("clients:card", popup.client.pk) if popup.client else "",
        "new_client_url": new_client_url(call.number or call.from_number)
        if popup.client is None and policy.can(request.user, policy.Action.CREATE, Client)
        else "",
        "new_task_url": _url("planner:task_create", query=_task_prefill(popup.client, call)),
        "call_url": _url("calls:call_detail", call.pk),
    }
    return render(request, "calls/popup.html", context)


def _back(request) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("calls:call_list")


@require_http_methods(["GET", "POST"])
def call_place(request):
    """Click-to-call. GET says whether "Call" buttons should be offered (JSON, for calls.js); POST places the
    call and answers with a message for the notification bar (htmx or fetch), or goes back to the page."""
    if request.method == "GET":
        return JsonResponse({"available": services.can_place_calls(request.user)})
    client = _client_of(request, request.POST.get("client")) if request.POST.get("client") else None
    call = services.place_call(actor=request.user, number=request.POST.get("number", ""), client=client)
    messages.success(request, _("Calling %(number)s: pick up your phone.") % {"number": call.number})
    if is_fragment(request):
        return render(request, "workspace/messages.html")
    return redirect(_back(request))


# The client card's "Calls" tab (registered in CallsConfig)


def client_calls_tab(request, client: Client) -> dict:
    page = queries.client_calls(request.user, client, request.GET.get("page"), TAB_PAGE_SIZE)
    _decorate(request.user, page.items)
    return {
        "calls_page": page,
        "page_numbers": page_numbers(page),
        "can_log": policy.can(request.user, policy.Action.CREATE, Call(employee=request.user)),
    }


def client_calls_count(request, client: Client) -> int:
    return queries.client_call_count(request.user, client)
