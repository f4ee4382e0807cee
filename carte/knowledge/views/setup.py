"""Settings → Getting started (the setup checklist), its card on the home page, and the first-run wizard.

The wizard is four screens and a last one that sums up: the company, the currency and tax,
the language and time zone, the first employees. Every screen is a plain form that works
without JavaScript (post, then a redirect to the next screen); with htmx the form swaps the
next screen in place and pushes its address. "Back" and "Skip this screen" move without
saving; "Skip for now" puts the wizard aside, and Getting started resumes it where it stood.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.core.errors import Invalid, NotFound
from carte.core.htmx import is_fragment, save_posted
from carte.knowledge import forms_setup
from carte.knowledge.queries import setup as queries
from carte.knowledge.services import setup as services

STEPS = queries.WIZARD_STEPS
TITLES = {
    "company": gettext_lazy("Your company"),
    "money": gettext_lazy("Currency and tax"),
    "language": gettext_lazy("Language and time zone"),
    "team": gettext_lazy("Invite your employees"),
    "done": gettext_lazy("Ready"),
}


# ---------------------------------------------------------------------------------------------
# Getting started
# ---------------------------------------------------------------------------------------------


@require_GET
def setup_checklist(request):
    """Settings → Getting started: every step, done or not, why it matters and where it is done."""
    context = {"checklist": queries.checklist_for(request.user), "rollout": queries.wizard_state_for(request.user)}
    return render(request, "knowledge/setup_checklist.html", context)


@require_GET
def setup_card(request):
    """The card of the home page, loaded after the page (htmx); empty once the checklist is complete.

    Without JavaScript the home page links to Getting started instead; asked for directly, this
    address leads there too.
    """
    checklist = queries.checklist_for(request.user)
    if not is_fragment(request):
        return redirect("knowledge:setup_checklist")
    response = (
        HttpResponse("")
        if checklist.complete
        else render(request, "knowledge/setup_card.html", {"checklist": checklist})
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def setup_mail(request):
    """How outgoing mail is configured now (read-only: it comes from the environment) and how to change it."""
    return render(request, "knowledge/setup_mail.html", {"mail": queries.mail_configuration_for(request.user)})


# ---------------------------------------------------------------------------------------------
# The wizard
# ---------------------------------------------------------------------------------------------


@require_GET
def wizard(request):
    """The wizard's address: on to the screen where it stands."""
    return redirect("knowledge:wizard_step", step=queries.resume_step_for(request.user))


def _neighbours(step: str) -> tuple[str | None, str | None]:
    index = STEPS.index(step)
    return (STEPS[index - 1] if index else None, STEPS[index + 1] if index + 1 < len(STEPS) else None)


def _form_for(request, step: str):
    """The screen's form, bound to what was posted or filled with what is saved."""
    data = request.POST if request.method == "POST" else None
    user = request.user
    if step == "company":
        return forms_setup.CompanyForm(data, initial=forms_setup.CompanyForm.initial_for(queries.company_for(user)))
    if step == "money":
        currencies = queries.currencies_for(user)
        entity = queries.company_for(user)
        base = next((currency.code for currency in currencies if currency.is_base), "")
        tax = entity.default_tax.rate if entity is not None and entity.default_tax is not None else ""
        return forms_setup.MoneyForm(data, currencies=currencies, initial={"currency": base, "tax_rate": tax})
    if step == "language":
        rollout = queries.wizard_state_for(user)
        initial = {
            "language": user.language or rollout.language or request.LANGUAGE_CODE,
            "time_zone": user.time_zone or rollout.time_zone or settings.TIME_ZONE,
        }
        return forms_setup.LanguageForm(data, initial=initial)
    if step == "team":
        roles = queries.roles_for(user)
        default_role = next((role for role in roles if role.key == "sales"), None)
        return forms_setup.TeamForm(data, roles=roles, default_role=default_role)
    return None


def _save(request, step: str, form):
    """The service of the screen, with the form's values."""
    values = form.cleaned_data
    if step == "company":
        return services.save_company(actor=request.user, **values)
    if step == "money":
        return services.save_money(actor=request.user, currency=values["currency"], tax_rate=values["tax_rate"])
    if step == "language":
        return services.save_language(actor=request.user, language=values["language"], time_zone=values["time_zone"])
    return services.invite_team(actor=request.user, people=form.people())


def _screen(request, step: str, form, status: int = 200, oob_messages: bool = False):
    """The whole page, or the screen alone for htmx."""
    previous, following = _neighbours(step)
    context = {
        "step": step,
        "title": TITLES[step],
        "steps": [(key, TITLES[key]) for key in STEPS],
        "number": STEPS.index(step) + 1,
        "count": len(STEPS),
        "form": form,
        "previous": previous,
        "following": following,
        "oob_messages": oob_messages,
    }
    if step == "team":
        context["mail"] = queries.mail_configuration_for(request.user)
    if step == "done":
        context["checklist"] = queries.checklist_for(request.user)
    template = "knowledge/wizard.html#screen" if is_fragment(request) else "knowledge/wizard.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
def wizard_step(request, step):
    """One screen of the wizard: shown, or saved and on to the next one."""
    if step not in STEPS:
        raise NotFound()
    queries.wizard_state_for(request.user)  # the right to run the wizard, before anything else
    form = _form_for(request, step)
    if form is None:
        if request.method == "POST":
            raise NotFound()
        return _screen(request, step, None)
    saved = save_posted(request, form, lambda: _save(request, step, form), refusals=(Invalid,))
    if saved is None:
        return _screen(request, step, form, status=400 if request.method == "POST" else 200)
    if step == "team" and saved.value:
        names = ", ".join(str(employee) for employee in saved.value)
        messages.success(request, _("Invitations are on their way to: %(names)s.") % {"names": names})
    following = _neighbours(step)[1] or step
    url = reverse("knowledge:wizard_step", kwargs={"step": following})
    if is_fragment(request) and step != "language":
        response = _screen(request, following, _form_for_get(request, following), oob_messages=True)
        response["HX-Push-Url"] = url
        return response
    if is_fragment(request):
        # The language changed: the whole page is drawn again in it.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _form_for_get(request, step: str):
    """The next screen's form, unbound (the request that led there was a post)."""
    method = request.method
    request.method = "GET"
    try:
        return _form_for(request, step)
    finally:
        request.method = method


@require_POST
def wizard_skip(request):
    """Skip for now: the wizard is put aside at the screen it was on; Getting started resumes it."""
    step = request.POST.get("step", "")
    services.skip_wizard(actor=request.user, step=step if step in STEPS else STEPS[0])
    messages.info(request, _("The wizard is put aside. Resume it from this page whenever you like."))
    return redirect("knowledge:setup_checklist")


@require_POST
def wizard_finish(request):
    """The last screen's button: the wizard is done, on to the rest of the checklist."""
    services.finish_wizard(actor=request.user)
    messages.success(request, _("The essentials are set. The checklist below shows what is left to do."))
    return redirect("knowledge:setup_checklist")


urlpatterns = [
    path("setup/", setup_checklist, name="setup_checklist"),
    path("setup/card/", setup_card, name="setup_card"),
    path("setup/mail/", setup_mail, name="setup_mail"),
    path("welcome/", wizard, name="wizard"),
    path("welcome/skip/", wizard_skip, name="wizard_skip"),
    path("welcome/finish/", wizard_finish, name="wizard_finish"),
    path("welcome/<slug:step>/", wizard_step, name="wizard_step"),
]
