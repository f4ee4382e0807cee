"""The adoption page: who uses Carte and how complete the client cards are, and "Refresh now".

The page reads the pre-aggregated figures only (carte.reports.queries); the filters and the
pages of the worst cards answer the results part again for htmx.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.core import policy
from carte.core.errors import Invalid
from carte.core.htmx import is_fragment, show_refusal
from carte.core.listing import address_of
from carte.reports import queries, services
from carte.reports.forms import AdoptionFilterForm


def _results(request, form: AdoptionFilterForm, reach: queries.Reach) -> dict:
    """The figures the filters ask for; none (and the reason on the form) when they cannot be read."""
    if not form.is_valid():
        return {}
    criteria = form.criteria()
    try:
        period = queries.read_period(days=criteria["days"], since=criteria["since"], until=criteria["until"])
        reach = queries.narrowed(reach, criteria["department"])
        adoption = queries.adoption_for(request.user, period, reach)
        completeness = queries.completeness_for(request.user, reach, request.GET.get("page"), known=adoption.freshness)
    except Invalid as refused:
        show_refusal(form, refused)
        return {}
    card_url = address_of("clients:card")
    for gap in completeness.worst.items:
        gap.card_url = card_url(gap.client_id) if card_url else ""
    return {"adoption": adoption, "completeness": completeness}


@require_GET
def adoption(request):
    """The adoption page, or its results part for htmx (filters, pages of the worst cards)."""
    reach = queries.reach_of(request.user)
    data = request.GET.copy()
    if not data.get("period") and not (data.get("since") or data.get("until")):
        data["period"] = str(queries.DEFAULT_DAYS)  # what the picker shows when nothing is chosen
    form = AdoptionFilterForm(data, departments=reach.departments)
    context = {
        "form": form,
        "may_refresh": policy.can_in_module(request.user, queries.MODULE, policy.Action.EDIT),
        "worst_cap": queries.WORST_CARDS_SHOWN,
    } | _results(request, form, reach)
    template = "reports/adoption.html#results" if is_fragment(request) else "reports/adoption.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def refresh(request):
    """Compute today's figures now (administrators), then back to the page."""
    services.refresh_figures(actor=request.user)
    messages.success(
        request, _("Today's figures are up to date. The completeness of the client cards is being computed again.")
    )
    return redirect("reports:adoption")
