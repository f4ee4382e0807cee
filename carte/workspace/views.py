"""The home page, the settings index, the global search page and the error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from carte.accounts.services import update_profile
from carte.core import navigation, policy
from carte.core.errors import DomainError, Invalid, NotAllowed, NotFound
from carte.core.htmx import is_fragment
from carte.core.middleware import refusal_response
from carte.knowledge.queries import setup as setup_queries
from carte.workspace import queries


@login_not_required  # the language switcher is on the login page too
@require_POST
def switch_language(request):
    """Django's set_language; for a logged-in employee the choice also becomes their profile's
    language, which would otherwise win over the cookie on the next page."""
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        update_profile(actor=request.user, language=language)
    return set_language(request)


@require_GET
def home(request):
    """The home page; on a brand-new installation its first administrator is taken to the first-run wizard.

    The setup card (administrators, while the checklist is incomplete) loads after the page,
    so it costs the page no query.
    """
    if setup_queries.wizard_due_for(request.user):
        return redirect("knowledge:wizard")
    return render(
        request,
        "workspace/home.html",
        {
            "overview": queries.overview_for(request.user),
            "new_client": queries.action_for(request.user, "clients", policy.Action.CREATE),
            "setup_card": setup_queries.may_set_up(request.user),
        },
    )


@require_GET
def settings_index(request):
    pages = queries.entries_for(request.user, navigation.settings_pages)
    if not pages:
        raise NotAllowed()
    return render(request, "workspace/settings.html", {"pages": pages})


@require_GET
def progress(request):
    """The "My progress" figures: the panel loads them after the page; without JavaScript, a page of their own."""
    template = "workspace/progress.html#figures" if is_fragment(request) else "workspace/progress.html"
    response = render(request, template)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def search(request):
    text = request.GET.get("q", "").strip()
    # The search box asks for the dropdown only, a few hits per module; the page shows more.
    dropdown = is_fragment(request)
    limit = queries.SEARCH_DEFAULT_LIMIT if dropdown else queries.SEARCH_MAX_LIMIT
    try:
        groups, notice = queries.grouped_by_kind(queries.search_everything(request.user, text, limit)), ""
    except Invalid as refusal:
        groups, notice = [], refusal.message
    context = {"text": text, "groups": groups, "notice": notice, "dropdown": dropdown}
    response = render(request, "workspace/search.html#results" if dropdown else "workspace/search.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def bad_request(request, exception):
    return refusal_response(request, DomainError())


def forbidden(request, exception):
    return refusal_response(request, NotAllowed())


def not_found(request, exception):
    return refusal_response(request, NotFound())


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own page has an inline style that the CSP blocks."""
    return refusal_response(
        request, NotAllowed(_("This form was sent from a page that is too old. Reload the page and try again."))
    )


def server_error(request):
    """Rendered without the request: no context processor, no user, no database."""
    return HttpResponseServerError(loader.get_template("500.html").render())
