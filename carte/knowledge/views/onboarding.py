"""The onboarding screens: Settings → Onboarding (who is onboarding and how far they got, starting and
cancelling one, the first tasks, the "every new employee" switch), one employee's checklist, and the
newcomer's own checklist ("My onboarding").

Thin: parse, call one query or service, render. The rights are the services' and the queries'.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import is_fragment, refusal_text, save_posted
from carte.core.listing import address_of
from carte.knowledge.forms_onboarding import (
    DirectionForm,
    FirstTaskForm,
    OnboardingFilterForm,
    StartOnboardingForm,
    SwitchForm,
)
from carte.knowledge.queries import onboarding as queries
from carte.knowledge.services import onboarding as services

Action = policy.Action
LIST = "knowledge:onboarding_list"
PAGE_SIZE = 30


def _settings_context(request) -> dict:
    """What the page shows besides the table: the start form, the first tasks and the switch, by right."""
    user = request.user
    may_change = services.may_change_settings(user)
    may_start = policy.can_in_module(user, "onboarding", Action.CREATE, policy.Scope.OWN)
    return {
        "start_form": StartOnboardingForm(employees=queries.employees_to_onboard(user)) if may_start else None,
        "first_tasks": queries.first_tasks(user) if may_start else [],
        "may_change_settings": may_change,
        "first_task_form": FirstTaskForm() if may_change else None,
        "switch_form": SwitchForm(initial={"enabled": services.onboards_new_employees()}) if may_change else None,
    }


@require_GET
def onboarding_list(request):
    """The onboardings the user may see with their progress, filtered by state (in progress, finished)."""
    form = OnboardingFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    page = queries.onboarding_page(request.user, state, request.GET.get("page"), PAGE_SIZE)
    for onboarding in page.items:
        onboarding.progress = queries.progress_of(onboarding)
    context = {
        "form": form,
        "page": page,
        "may_cancel": policy.can_in_module(request.user, "onboarding", Action.DELETE, policy.Scope.OWN),
    }
    if is_fragment(request):
        response = render(request, "knowledge/onboarding_list.html#results", context)
    else:
        response = render(request, "knowledge/onboarding_list.html", context | _settings_context(request))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def onboarding_start(request):
    """Start the onboarding of the chosen employee and show their checklist; a refusal comes back as a message."""
    policy.require_in_module(request.user, "onboarding", Action.CREATE, policy.Scope.OWN)
    # Any active employee parses: the service says why one cannot be started (their rights, one already there).
    form = StartOnboardingForm(request.POST, employees=queries.active_employees())
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(LIST)
    try:
        onboarding = services.start_onboarding(actor=request.user, employee=form.cleaned_data["employee"])
    except (Conflict, Invalid) as refused:
        messages.error(request, refusal_text(refused))
        return redirect(LIST)
    messages.success(request, _("The onboarding of %(name)s has started.") % {"name": onboarding.employee})
    return redirect("knowledge:onboarding_detail", pk=onboarding.pk)


def _checklist_context(onboarding) -> dict:
    items = list(onboarding.items.all())
    return {
        "onboarding": onboarding,
        "progress": queries.progress_of(onboarding),
        "reads": [item for item in items if item.kind == queries.Kind.READ],
        "tasks": [item for item in items if item.kind == queries.Kind.TASK],
        "article_url": address_of("knowledge:article_detail"),
        "task_url": address_of("planner:task_detail"),
    }


@require_GET
def onboarding_detail(request, pk):
    """One employee's checklist: what they have read and done, and what is left."""
    onboarding = queries.get_onboarding_for(request.user, pk)
    context = _checklist_context(onboarding) | {"may_cancel": policy.can(request.user, Action.DELETE, onboarding)}
    return render(request, "knowledge/onboarding_detail.html", _linked(context))


@require_GET
def onboarding_mine(request):
    """The newcomer's own checklist: the articles to read and the tasks to do, with links to them."""
    onboarding = queries.my_onboarding(request.user)
    context = _checklist_context(onboarding) if onboarding is not None else {"onboarding": None}
    return render(request, "knowledge/onboarding_mine.html", _linked(context))


def _linked(context: dict) -> dict:
    """Give each item the address of its article or task (one reverse() per page, not per row)."""
    for item in [*context.get("reads", []), *context.get("tasks", [])]:
        item.url = ""
        if item.article_id and context["article_url"]:
            item.url = context["article_url"](item.article_id)
        elif item.task_id and context["task_url"]:
            item.url = context["task_url"](item.task_id)
    return context


@require_http_methods(["GET", "POST"])
def onboarding_cancel(request, pk):
    """GET asks to confirm; POST cancels the onboarding (and its open first tasks) and goes back to the page."""
    onboarding = queries.get_onboarding_for(request.user, pk, Action.DELETE)
    if request.method != "POST":
        return render(request, "knowledge/onboarding_cancel.html", {"onboarding": onboarding})
    try:
        services.cancel_onboarding(actor=request.user, onboarding=onboarding)
    except Conflict as refused:
        messages.error(request, refusal_text(refused))
    else:
        messages.success(request, _("The onboarding of %(name)s was cancelled.") % {"name": onboarding.employee})
    return redirect(LIST)


@require_POST
def onboarding_switch(request):
    """Turn the automatic onboarding of new employees on or off."""
    form = SwitchForm(request.POST)
    form.is_valid()  # a checkbox: absent means off, so the form is always valid
    services.set_onboard_new_employees(actor=request.user, enabled=form.cleaned_data["enabled"])
    if form.cleaned_data["enabled"]:
        messages.success(request, _("Every new employee now gets an onboarding."))
    else:
        messages.success(request, _("New employees no longer get an onboarding by themselves."))
    return redirect(LIST)


@require_POST
def first_task_create(request):
    """Add a first task at the end of the list; the page comes back with the form's errors when refused."""
    services.require_settings(request.user)
    form = FirstTaskForm(request.POST)
    saved = save_posted(request, form, lambda: services.create_first_task(actor=request.user, **form.cleaned_data))
    if saved:
        messages.success(request, _("The first task “%(title)s” was added.") % {"title": saved.value.title})
        return redirect(LIST)
    context = {"form": OnboardingFilterForm(), "page": queries.onboarding_page(request.user, "", 1, PAGE_SIZE)}
    context |= _settings_context(request) | {"first_task_form": form}
    for onboarding in context["page"].items:
        onboarding.progress = queries.progress_of(onboarding)
    return render(request, "knowledge/onboarding_list.html", context, status=422)


@require_http_methods(["GET", "POST"])
def first_task_edit(request, pk):
    services.require_settings(request.user)
    first_task = queries.get_first_task(request.user, pk)
    initial = {name: getattr(first_task, name) for name in services.FIRST_TASK_FIELDS}
    form = FirstTaskForm(request.POST or None, initial=initial)
    saved = save_posted(
        request,
        form,
        lambda: services.update_first_task(actor=request.user, first_task=first_task, **form.cleaned_data),
    )
    if saved:
        messages.success(request, _("The first task “%(title)s” was saved.") % {"title": saved.value.title})
        return redirect(LIST)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "knowledge/onboarding_first_task.html", {"form": form, "first_task": first_task}, status=status
    )


@require_POST
def first_task_delete(request, pk):
    services.require_settings(request.user)
    first_task = queries.get_first_task(request.user, pk)
    services.delete_first_task(actor=request.user, first_task=first_task)
    messages.success(request, _("The first task “%(title)s” was removed.") % {"title": first_task.title})
    return redirect(LIST)


@require_POST
def first_task_move(request, pk):
    services.require_settings(request.user)
    first_task = queries.get_first_task(request.user, pk)
    form = DirectionForm(request.POST)
    if not form.is_valid():
        raise Invalid(_("Choose to move it up or down."))
    services.move_first_task(actor=request.user, first_task=first_task, step=form.step())
    return redirect(f"{reverse(LIST)}#first-tasks")


urlpatterns = [
    path("onboarding/", onboarding_list, name="onboarding_list"),
    path("onboarding/start/", onboarding_start, name="onboarding_start"),
    path("onboarding/mine/", onboarding_mine, name="onboarding_mine"),
    path("onboarding/switch/", onboarding_switch, name="onboarding_switch"),
    path("onboarding/<int:pk>/", onboarding_detail, name="onboarding_detail"),
    path("onboarding/<int:pk>/cancel/", onboarding_cancel, name="onboarding_cancel"),
    path("onboarding/first-tasks/new/", first_task_create, name="onboarding_first_task_create"),
    path("onboarding/first-tasks/<int:pk>/edit/", first_task_edit, name="onboarding_first_task_edit"),
    path("onboarding/first-tasks/<int:pk>/delete/", first_task_delete, name="onboarding_first_task_delete"),
    path("onboarding/first-tasks/<int:pk>/move/", first_task_move, name="onboarding_first_task_move"),
]
