"""The deal screens: the board, the list, the card, the form, lines, moves, and the client card's Deals tab.

Parse, call one query or service, render. Refusals raised by the services (NotAllowed,
NotFound, Conflict, Invalid) are shown by carte.core.middleware, or beside the form fields
they concern. The board and the card answer htmx with fragments (a column's next cards, a
moved card, the card's stage part); every screen also works without JavaScript.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.clients import queries as client_queries
from carte.clients import search
from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import is_fragment, save_posted, show_refusal
from carte.core.listing import page_of
from carte.sales.forms.deals import DealForm, MoveForm
from carte.sales.forms.lines import read_lines
from carte.sales.models import Deal
from carte.sales.queries import deals as queries
from carte.sales.queries import pipelines as pipeline_queries
from carte.sales.queries.catalogue import price_list_for
from carte.sales.queries.documents import documents_for_deal
from carte.sales.queries.payments import deal_money
from carte.sales.services import deals as services
from carte.sales.services.lines import as_raw

Action = policy.Action
LIST_SIZE = 50
FIND_LIMIT = 20


def _url(name: str, *args, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name, args=args) + (f"?{query}" if query else "")


def _with_vary(response):
    patch_vary_headers(response, ["HX-Request"])
    return response


def _today():
    return timezone.localdate()


# The board


def _board_query(pipeline, criteria: queries.DealCriteria, **more) -> str:
    params = {
        key: value for key, value in criteria.params.items() if key in ("owner", "client", "close_from", "close_to")
    }
    return urlencode({"pipeline": pipeline.pk, **params, **more})


def deal_board(request):
    """The kanban board of one pipeline; htmx asks it for a column's next cards or for the column heads."""
    user = request.user
    policy.require(user, Action.VIEW, Deal)
    pipeline = queries.board_pipeline(request.GET.get("pipeline"))
    error = None
    try:
        criteria = queries.read_criteria(request.GET, user)
    except Invalid as refused:
        criteria, error = queries.DealCriteria(), refused
    base = reverse("sales:deal_board")
    context = {
        "pipeline": pipeline,
        "board_url": base,
        "board_query": _board_query(pipeline, criteria),
        "today": _today(),
    }
    column = request.GET.get("column")
    if column and is_fragment(request):
        stage = pipeline_queries.get_stage(column)
        shown = queries.column_page(user, pipeline, stage, criteria, request.GET.get("page"))
        return _with_vary(render(request, "sales/deals/board.html#column-cards", context | {"column": shown}))
    board = queries.board_for(user, pipeline, criteria)
    if request.GET.get("part") == "heads" and is_fragment(request):
        return _with_vary(render(request, "sales/deals/board_heads.html", context | {"board": board, "oob": True}))
    context |= {
        "board": board,
        "criteria": criteria,
        "error": error,
        "pipelines": _board_pipelines(pipeline),
        "owners": list(queries.owner_choices(user)),
        "client": _filter_client(user, criteria.client),
        "can_create": policy.can(user, Action.CREATE, Deal),
    }
    if column:  # without JavaScript, "more" opens the board with that column's next page
        stage = pipeline_queries.get_stage(column)
        more = queries.column_page(user, pipeline, stage, criteria, request.GET.get("page"))
        for shown in board.columns:
            if shown.stage.pk == stage.pk:
                shown.cards, shown.page, shown.has_more = more.cards, more.page, more.has_more
    return _with_vary(render(request, "sales/deals/board.html", context))


def _board_pipelines(current) -> list:
    pipelines = pipeline_queries.pipelines_in_use()
    return pipelines if current in pipelines else [current, *pipelines]


def _filter_client(user, pk) -> Client | None:
    if not pk:
        return None
    return client_queries.get_client_for(user, pk)


# The list


def deal_list(request):
    """Deals the user may see, filtered, sorted and paged; htmx gets the results alone."""
    user = request.user
    policy.require(user, Action.VIEW, Deal)
    error, page = None, None
    try:
        criteria = queries.read_criteria(request.GET, user)
        page = page_of(queries.deals_for(user, criteria), request.GET.get("page"), LIST_SIZE)
    except Invalid as refused:
        criteria, error = queries.DealCriteria(), refused
    pipelines = pipeline_queries.pipelines_in_use()
    context = {
        "page": page,
        "criteria": criteria,
        "error": error,
        "pipelines": pipelines,
        "stages": [(pipeline, pipeline.stages.all()) for pipeline in pipelines],
        "owners": list(queries.owner_choices(user)),
        "client": _filter_client(user, criteria.client),
        "states": [("open", _("Open")), ("won", _("Won")), ("lost", _("Lost"))],
        "sorts": [
            ("-updated", _("Recently updated")),
            ("-created", _("Recently created")),
            ("expected_close", _("Expected close")),
            ("-amount", _("Largest amount")),
            ("title", _("Title")),
        ],
        "filter_query": urlencode({k: v for k, v in criteria.params.items() if k != "page"}),
        "can_create": policy.can(user, Action.CREATE, Deal),
        "today": _today(),
    }
    template = "sales/deals/list.html#results" if is_fragment(request) else "sales/deals/list.html"
    return _with_vary(render(request, template, context))


# The card


def _card_context(request, deal: Deal) -> dict:
    """Everything the card shows: the deal, its lines and totals, stage bar, history, documents and money."""
    user = request.user
    lines = queries.lines_of(deal)
    context = {
        "deal": deal,
        "lines": lines,
        "totals": _totals(lines),
        "may_edit": policy.can(user, Action.EDIT, deal),
        "may_delete": policy.can(user, Action.DELETE, deal),
        "today": _today(),
        **_stage_context(deal),
    }
    return documents_for_deal(user, deal) | deal_money(user, deal) | context


def _stage_context(deal: Deal) -> dict:
    return {
        "deal": deal,
        "stages": queries.stages_of(deal),
        "other_pipelines": [p for p in pipeline_queries.pipelines_in_use() if p.pk != deal.pipeline_id],
        "reasons": queries.lost_reasons(deal.lost_reason),
        "history": queries.stage_history(deal),
    }


def _totals(lines) -> dict | None:
    if not lines:
        return None
    return {
        "net": sum(line.net for line in lines),
        "tax": sum(line.tax_amount for line in lines),
        "total": sum(line.total for line in lines),
    }


def deal_detail(request, pk):
    deal = queries.get_deal_for(request.user, pk)
    return render(request, "sales/deals/detail.html", _card_context(request, deal))


# Creating and editing


def _form(request, deal: Deal | None = None, client: Client | None = None, data=None) -> DealForm:
    """The deal form with its choices, bound to `data` (the POST by default when posting)."""
    user = request.user
    if data is None and request.method == "POST":
        data = request.POST
    client = client or (deal.client if deal else None)
    contacts = []
    if client is not None and client.kind == Client.Kind.COMPANY:
        contacts = [other for _link, other in _contact_persons(user, client)]
    action = Action.EDIT if deal else Action.CREATE
    owners = queries.assignable_owners(user, action, current=deal.owner if deal else None)
    currencies = queries.currencies_offered(deal.currency if deal else None)
    lists = queries.price_lists_offered(deal.price_list if deal else None)
    sources = queries.sources(deal.source if deal else None)
    if deal is not None:
        initial = DealForm.initial_for(deal)
    else:
        default = services.default_currency()
        initial = {
            "owner": str(user.pk),
            "currency": default.code if default else "",
            "client": client.pk if client else None,
        }
        pipeline = services.default_pipeline()
        initial["pipeline"] = str(pipeline.pk) if pipeline else ""
    return DealForm(
        data,
        initial=initial,
        deal=deal,
        has_lines=bool(deal and deal.lines.exists()),
        owners=owners,
        contacts=contacts,
        pipelines=pipeline_queries.pipelines_in_use() if deal is None else [],
        currencies=currencies,
        price_lists=lists,
        sources=sources,
        lost_reasons=queries.lost_reasons(deal.lost_reason if deal else None) if deal else [],
    )


def _contact_persons(user, client: Client) -> list:
    side = "person" if client.is_company else "company"
    return [(link, getattr(link, side)) for link in client_queries.contacts_of(user, client)]


def _render_form(request, form, *, deal=None, client=None, status=200, **extra):
    client = client or (deal.client if deal else None)
    context = {"form": form, "deal": deal, "client": client, "refused": form.is_bound and bool(form.errors), **extra}
    return render(request, "sales/deals/form.html", context, status=status)


def _choose_client(request):
    """The first step of "New deal" without a client: find it among the clients the user may see."""
    text = " ".join(request.GET.get("find", "").split())
    clients = []
    if len(text) >= 2:
        clients = search.ranked(policy.visible(request.user, Client.objects.select_related("owner")), text, FIND_LIMIT)
    context = {"find": text, "clients": clients}
    template = "sales/deals/choose_client.html#found" if is_fragment(request) else "sales/deals/choose_client.html"
    return _with_vary(render(request, template, context))


def deal_create(request):
    """A new deal: first its client (?client=<id> skips the step), then the form."""
    user = request.user
    policy.require(user, Action.CREATE, Deal)
    pk = request.POST.get("client") if request.method == "POST" else request.GET.get("client")
    if not pk:
        return _choose_client(request)
    client = client_queries.get_client_for(user, pk)
    form = _form(request, client=client)
    saved = save_posted(request, form, lambda: services.create_deal(actor=user, client=client, **form.values()))
    if saved:
        deal = saved.value
        messages.success(request, _("Deal created."))
        return redirect("sales:deal_detail", deal.pk)
    return _render_form(request, form, client=client, status=400 if form.is_bound else 200)


def deal_edit(request, pk):
    user = request.user
    deal = queries.get_deal_for(user, pk, Action.EDIT)
    form = _form(request, deal)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            services.update_deal(actor=user, deal=deal, version=form.cleaned_data["version"], **values)
        except Conflict as conflict:
            current = queries.get_deal_for(user, pk, Action.EDIT)
            data = request.POST.copy()
            data["version"] = current.version
            form = _form(request, current, data=data)
            form.is_valid()
            return _render_form(request, form, deal=current, status=409, conflict=conflict.message)
        except Invalid as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("sales:deal_detail", deal.pk)
    return _render_form(request, form, deal=deal, status=400 if form.is_bound else 200)


def deal_delete(request, pk):
    deal = queries.get_deal_for(request.user, pk, Action.DELETE)
    if request.method == "POST":
        client = deal.client
        try:
            services.delete_deal(actor=request.user, deal=deal)
        except Conflict as refused:
            messages.error(request, refused.message)
            return redirect("sales:deal_detail", deal.pk)
        messages.success(request, _("Deal %(title)s deleted.") % {"title": deal.title})
        return redirect(_url("clients:card", client.pk, tab="deals"))
    return render(request, "sales/deals/delete.html", {"deal": deal})


# Moving through the stages


@require_POST
def deal_move(request, pk):
    """Move a deal to a stage (POST stage, lost_reason, and pipeline to change pipelines).

    htmx from the board (board=1) gets the moved card, or the question "why lost?" in its
    place; htmx from the card gets the card's stage part; a plain form goes back to the card.
    """
    user = request.user
    deal = queries.get_deal_for(user, pk, Action.EDIT)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise Invalid(_("Choose a stage."), errors={"stage": [_("Choose a stage.")]})
    data = form.cleaned_data
    stage = pipeline_queries.stage_named(data["stage"])
    on_board = request.POST.get("board") == "1"
    try:
        if data["pipeline"] or data["change_pipeline"]:
            pipeline = pipeline_queries.pipeline_named(data["pipeline"]) if data["pipeline"] else stage.pipeline
            deal = services.change_pipeline(
                actor=user,
                deal=deal,
                pipeline=pipeline,
                stage=stage,
                lost_reason=data["lost_reason"],
                version=data["version"],
            )
        else:
            deal = services.move_deal(
                actor=user, deal=deal, stage=stage, lost_reason=data["lost_reason"], version=data["version"]
            )
    except Invalid as refused:
        if "lost_reason" not in refused.errors:
            raise
        if is_fragment(request):
            context = {
                "deal": deal,
                "stage": stage,
                "reasons": queries.lost_reasons(),
                "error": refused,
                "on_board": on_board,
            }
            context["board_url"] = _url("sales:deal_board", pipeline=deal.pipeline_id)
            return render(request, "sales/deals/lost_reason.html", context)
        messages.error(request, refused.errors["lost_reason"][0])
        return redirect("sales:deal_detail", deal.pk)
    deal = queries.get_deal_for(user, deal.pk)
    if is_fragment(request) and on_board:
        return render(request, "sales/deals/board_card.html", {"deal": deal, "today": _today()})
    if is_fragment(request):
        return render(
            request, "sales/deals/detail.html#stage-part", _stage_context(deal) | {"may_edit": True, "oob": True}
        )
    messages.success(request, _("The deal is now in the stage %(stage)s.") % {"stage": deal.stage.name})
    return redirect("sales:deal_detail", deal.pk)


# Lines


def _price_list(deal: Deal):
    if deal.price_list_id:
        return deal.price_list
    found = price_list_for(deal.client)
    return found if found is not None and found.currency_id == deal.currency_id else None


def deal_lines(request, pk):
    """The deal's lines in the line editor (GET); saving them (POST) makes the deal's amount their total."""
    user = request.user
    deal = queries.get_deal_for(user, pk, Action.EDIT)
    errors: dict = {}
    if request.method == "POST":
        lines = read_lines(request.POST)
        try:
            services.set_lines(actor=user, deal=deal, lines=lines, version=request.POST.get("version") or None)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect("sales:deal_lines", deal.pk)
        except Invalid as refused:
            errors = refused.errors or {"lines": [refused.message]}
        else:
            messages.success(request, _("Lines saved."))
            return redirect(reverse("sales:deal_detail", args=[deal.pk]) + "#lines")
    else:
        lines = [as_raw(line) for line in queries.lines_of(deal)]
    saved = queries.lines_of(deal)
    context = {
        "deal": deal,
        "lines": lines,
        "errors": errors,
        "currency": deal.currency,
        "taxes": queries.taxes_offered(lines),
        "prefix": "lines",
        "price_list": _price_list(deal),
        "totals": _totals(saved),
    }
    return render(request, "sales/deals/lines.html", context, status=400 if errors else 200)


# The client card's Deals tab (registered in carte.sales.apps)


def client_deals_tab(request, client: Client) -> dict:
    """The tab's context: the client's deals the user may see, open ones first, and whether they may add one."""
    user = request.user
    return {
        "deals": queries.client_deals(user, client),
        "can_create_deal": policy.can(user, Action.CREATE, Deal),
        "new_deal_url": _url("sales:deal_create", client=client.pk),
        "today": _today(),
    }


def client_deals_count(request, client: Client) -> int:
    return queries.open_deal_count(request.user, client)
