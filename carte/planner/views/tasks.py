"""The task screens: the list, the form (new, edit), the task's page, completing, cancelling, deleting,
the client picker of the form, and the client card's "Tasks" tab."""

from datetime import date, datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.clients import search
from carte.clients.models import Client
from carte.clients.queries.clients import get_client_for
from carte.clients.views.lists import page_numbers
from carte.core import policy
from carte.core.errors import Invalid
from carte.core.htmx import is_fragment, save_posted, show_refusal
from carte.planner.forms import CompleteForm, TaskFilterForm, TaskForm, reminder_label
from carte.planner.models import Task
from carte.planner.queries import tasks as queries
from carte.planner.services import tasks as services
from carte.sales.queries.deals import visible_deals

Action = policy.Action
PAGE_SIZE = 50
FIND_LIMIT = 10


def _with_vary(response):
    patch_vary_headers(response, ["HX-Request"])
    return response


def _next_url(request, fallback: str) -> str:
    """Where to go back after a form: `next` when it is an address of this site, else `fallback`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return fallback


# The list


def _whose(user) -> list[tuple[str, str]]:
    """The "whose tasks" choices the user's scope allows: mine, my department's, everyone's, one person's."""
    choices = [("me", _("Mine"))]
    granted = policy.scope(user, "tasks", Action.VIEW)
    if granted in (policy.Scope.DEPARTMENT, policy.Scope.ALL) and user.department_id:
        choices.append(("department", _("My department's")))
    if granted != policy.Scope.OWN:
        choices.append(("all", _("Everyone's I may see")))
        choices += [(str(e.pk), str(e)) for e in queries.assignable_employees(user, Action.VIEW) if e.pk != user.pk]
    return choices


@require_GET
def task_list(request):
    """The tasks the user may see, filtered by whose, status, period, kind, client and title; 50 a page."""
    user = request.user
    policy.require(user, Action.VIEW, Task)
    form = TaskFilterForm(request.GET or None, whose=_whose(user), initial={"assignee": "me", "status": "open"})
    page = None
    if not form.is_bound or form.is_valid():
        try:
            criteria = queries.read_criteria(form.cleaned_data if form.is_bound else {}, user)
            page = queries.task_page(user, criteria, request.GET.get("page"), PAGE_SIZE)
        except Invalid as refused:
            show_refusal(form, refused)
    context = {
        "form": form,
        "page": page,
        "page_numbers": page_numbers(page) if page else [],
        "now": timezone.now(),
        "zone": queries.zone_for(user),
        "can_create": policy.can(user, Action.CREATE, Task),
    }
    template = "planner/tasks/list.html#results" if is_fragment(request) else "planner/tasks/list.html"
    return _with_vary(render(request, template, context))


# The form


def _people(user, task: Task | None):
    """Whom the form offers: the employees the user may plan for (and whoever the task already has)."""
    people = list(queries.assignable_employees(user, Action.CREATE if task is None else Action.EDIT))
    if task is not None:
        known = {e.pk for e in people}
        people += [e for e in [task.assignee, *queries.co_assignees_of(task)] if e.pk not in known]
    return people


def _deals_of(user, client: Client | None, current=None) -> list:
    if client is None:
        return []
    deals = list(visible_deals(user).filter(client=client, closed_at__isnull=True).order_by("title", "id")[:100])
    if current is not None and current.pk not in {d.pk for d in deals}:
        deals.append(current)
    return deals


def _prefill(request, user) -> dict:
    """The starting values from the address: ?client, ?deal, ?due (ISO), ?kind, ?title (quick create, callbacks)."""
    params = request.GET
    zone = queries.zone_for(user)
    initial: dict = {"assignee": str(user.pk), "day": timezone.now().astimezone(zone).date()}
    if params.get("kind") in Task.Kind.values:
        initial["kind"] = params["kind"]
    if params.get("title"):
        initial["title"] = params["title"][:200]
    if params.get("deal", "").isdigit():
        initial["deal"] = int(params["deal"])
    due = (params.get("due") or "").strip().replace(" ", "+")  # a "+" of an offset arrives as a space
    moment: datetime | None = None
    day: date | None = None
    try:
        if len(due) == len("2030-01-31"):
            day = parse_date(due)
        elif due:
            moment = parse_datetime(due)
    except ValueError:
        moment, day = None, None
    if moment is not None:
        local = moment.astimezone(zone) if timezone.is_aware(moment) else moment
        initial |= {"day": local.date(), "at": local.time().replace(second=0, microsecond=0)}
    elif day is not None:
        initial |= {"day": day, "all_day": True}
    return initial


def _client_from(request, user, task: Task | None = None) -> Client | None:
    """The chosen client: posted, else in the address (?client, or the deal's), else the task's."""
    source = request.POST if request.method == "POST" else request.GET
    pk = source.get("client")
    if not pk and request.method != "POST" and source.get("deal", "").isdigit():
        deal = visible_deals(user).filter(pk=int(source["deal"])).only("client_id").first()
        pk = str(deal.client_id) if deal else ""
    if pk:
        return get_client_for(user, pk)
    if request.method == "POST":
        return None
    return task.client if task is not None else None


def _task_form(request, user, *, task: Task | None, client: Client | None, initial=None) -> TaskForm:
    people = _people(user, task)
    return TaskForm(
        request.POST if request.method == "POST" else None,
        zone=queries.zone_for(user),
        assignees=people,
        co_assignees=people,
        deals=_deals_of(user, client, task.deal if task is not None else None),
        reminders=task.reminders if task is not None else (),
        initial=initial,
    )


def _render_form(request, form, *, task=None, client=None, status=200):
    context = {
        "form": form,
        "task": task,
        "client": client,
        "show_co_assignees": len(form.fields["co_assignees"].choices) > 1,
        "cancel_url": _next_url(
            request, reverse("planner:task_detail", args=[task.pk]) if task else reverse("planner:task_list")
        ),
    }
    return render(request, "planner/tasks/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def task_create(request):
    """A new task; the address may prefill it (?client, ?deal, ?due, ?kind, ?title)."""
    user = request.user
    policy.require(user, Action.CREATE, Task)
    client = _client_from(request, user)
    form = _task_form(request, user, task=None, client=client, initial=_prefill(request, user))
    saved = save_posted(
        request, form, lambda: services.create_task(actor=user, client=client, **form.values()), refusals=(Invalid,)
    )
    if saved:
        messages.success(request, _("Task planned."))
        return redirect(_next_url(request, reverse("planner:task_detail", args=[saved.value.pk])))
    return _render_form(request, form, client=client, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def task_edit(request, pk):
    user = request.user
    task = queries.get_task_for(user, pk, Action.EDIT)
    client = _client_from(request, user, task)
    initial = TaskForm.initial_for(task, queries.zone_for(user), queries.repeat_of(task))
    form = _task_form(request, user, task=task, client=client, initial=initial)
    saved = save_posted(
        request, form, lambda: services.update_task(actor=user, task=task, client=client, **form.values())
    )
    if saved:
        messages.success(request, _("Changes saved."))
        return redirect(_next_url(request, reverse("planner:task_detail", args=[task.pk])))
    return _render_form(request, form, task=task, client=client, status=400 if form.is_bound else 200)


@require_GET
def task_client_choices(request):
    """The form's client picker: clients the user may see matching the text, as radio buttons."""
    policy.require(request.user, Action.VIEW, Task)
    text = " ".join(request.GET.get("find", "").split())
    clients = []
    if len(text) >= 2:
        clients = search.ranked(policy.visible(request.user, Client.objects.all()), text, FIND_LIMIT)
    return _with_vary(render(request, "planner/tasks/client_choices.html", {"clients": clients, "find": text}))


@require_GET
def task_deal_choices(request):
    """The form's deal options for the chosen client (its open deals the user may see)."""
    policy.require(request.user, Action.VIEW, Task)
    pk = request.GET.get("client")
    client = get_client_for(request.user, pk) if pk else None
    return render(request, "planner/tasks/deal_choices.html", {"deals": _deals_of(request.user, client)})


# One task


@require_GET
def task_detail(request, pk):
    user = request.user
    task = queries.get_task_for(user, pk)
    zone = queries.zone_for(user)
    context = {
        "task": task,
        "zone": zone,
        "when": queries.when_text(task, zone),
        "co_assignees": queries.co_assignees_of(task),
        "series_text": queries.series_text(task),
        "done_occurrences": queries.done_occurrences(user, task),
        "reminders": [reminder_label(minutes) for minutes in sorted(task.reminders or ())],
        "can_edit": policy.can(user, Action.EDIT, task),
        "can_delete": policy.can(user, Action.DELETE, task),
        "is_open": task.status == Task.Status.OPEN,
        "now": timezone.now(),
    }
    return render(request, "planner/tasks/detail.html", context)


@require_http_methods(["GET", "POST"])
def task_complete(request, pk):
    """Complete a task: its result and, optionally, the next step."""
    user = request.user
    task = queries.get_task_for(user, pk, Action.EDIT)
    zone = queries.zone_for(user)
    form = CompleteForm(
        request.POST if request.method == "POST" else None,
        zone=zone,
        initial=CompleteForm.initial_for(task, timezone.now().astimezone(zone).date()),
    )
    if task.status != Task.Status.OPEN:
        messages.warning(request, _("This task is not open any more."))
        return redirect("planner:task_detail", task.pk)
    saved = save_posted(request, form, lambda: services.complete_task(actor=user, task=task, **form.values()))
    if saved:
        messages.success(request, _("Task done."))
        return redirect(_next_url(request, reverse("planner:task_detail", args=[task.pk])))
    context = {"task": task, "form": form, "when": queries.when_text(task, zone), "next": _next_url(request, "")}
    template = "planner/tasks/complete.html#complete-form" if is_fragment(request) else "planner/tasks/complete.html"
    return _with_vary(render(request, template, context, status=400 if form.is_bound else 200))


@require_POST
def task_cancel(request, pk):
    task = queries.get_task_for(request.user, pk, Action.EDIT)
    services.cancel_task(actor=request.user, task=task)
    messages.success(request, _("Task cancelled."))
    return redirect(_next_url(request, reverse("planner:task_detail", args=[task.pk])))


@require_http_methods(["GET", "POST"])
def task_delete(request, pk):
    task = queries.get_task_for(request.user, pk, Action.DELETE)
    if request.method == "POST":
        services.delete_task(actor=request.user, task=task)
        messages.success(request, _("Task %(title)s deleted.") % {"title": task.title})
        return redirect("planner:task_list")
    return render(request, "planner/tasks/delete.html", {"task": task})


# The client card's tab (registered in PlannerConfig)


def client_tab(request, client: Client) -> dict:
    """The "Tasks" tab: the client's open tasks (overdue marked) and the last ten done."""
    user = request.user
    return queries.client_tasks(user, client) | {
        "now": timezone.now(),
        "zone": queries.zone_for(user),
        "can_create": policy.can(user, Action.CREATE, Task),
        "new_task_url": f"{reverse('planner:task_create')}?client={client.pk}",
    }


def client_tab_count(request, client: Client) -> int:
    return queries.open_task_count(request.user, client)
