"""Onboardings in the REST API: the list (scoped to what the user may see), one with its checklist,
starting one, cancelling one, and the first tasks every onboarding gives.

The same queries and services as Settings → Onboarding; refusals answer problem+json.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.knowledge.queries import onboarding as queries
from carte.knowledge.schemas_onboarding import (
    FirstTaskIn,
    FirstTaskOrderIn,
    FirstTaskOut,
    OnboardingDetailOut,
    OnboardingFilters,
    OnboardingIn,
    OnboardingOut,
)
from carte.knowledge.services import onboarding as services

router = Router(tags=["onboarding"])
Action = policy.Action


@router.get("/onboardings", response=PageOut[OnboardingOut], summary="List onboardings")
def list_onboardings(request: HttpRequest, filters: Query[OnboardingFilters]):
    """The onboardings you may see (your own; a manager their department's; an administrator all), newest
    first, with how many articles were read and tasks done."""
    page = queries.onboarding_page(request.user, filters.state, filters.page, filters.page_size)
    return paged(page, page.items)


@router.get("/onboardings/{int:onboarding_id}", response=OnboardingDetailOut, summary="Read an onboarding")
def get_onboarding(request: HttpRequest, onboarding_id: int):
    """One onboarding with its checklist: the articles to read and the first tasks, each done or not."""
    return queries.get_onboarding_for(request.user, onboarding_id)


@router.post("/onboardings", response={201: OnboardingDetailOut}, summary="Start an onboarding")
def start_onboarding(request: HttpRequest, payload: OnboardingIn):
    """Start the onboarding of an active employee who has none (409 when they have one): the newcomers'
    articles in their language and the first tasks, put in their planner."""
    policy.require_in_module(request.user, "onboarding", Action.CREATE, policy.Scope.OWN)
    employee = queries.active_employees().filter(pk=payload.employee_id).first()
    if employee is None:
        raise Invalid(errors={"employee_id": [_("Choose an active employee.")]})
    onboarding = services.start_onboarding(actor=request.user, employee=employee)
    return Status(201, queries.get_onboarding_for(request.user, onboarding.pk))


@router.delete("/onboardings/{int:onboarding_id}", response={204: None}, summary="Cancel an onboarding")
def cancel_onboarding(request: HttpRequest, onboarding_id: int):
    """Cancel an onboarding in progress: its checklist goes and its open first tasks are cancelled (409 when
    it is finished)."""
    onboarding = queries.get_onboarding_for(request.user, onboarding_id, Action.DELETE)
    services.cancel_onboarding(actor=request.user, onboarding=onboarding)
    return Status(204, None)


@router.get("/onboarding/first-tasks", response=list[FirstTaskOut], summary="List the first tasks")
def list_first_tasks(request: HttpRequest):
    """The tasks every onboarding puts in the new employee's planner, in order (for who may start onboardings)."""
    return queries.first_tasks(request.user)


@router.post("/onboarding/first-tasks", response={201: FirstTaskOut}, summary="Add a first task")
def create_first_task(request: HttpRequest, payload: FirstTaskIn):
    """Add a first task at the end of the list (administrators by default); onboardings started afterwards get it."""
    return Status(201, services.create_first_task(actor=request.user, **payload.dict()))


@router.put("/onboarding/first-tasks/order", response=list[FirstTaskOut], summary="Reorder the first tasks")
def reorder_first_tasks(request: HttpRequest, payload: FirstTaskOrderIn):
    """Put the first tasks in this order: the ids of every one of them, each once."""
    return services.reorder_first_tasks(actor=request.user, first_task_ids=payload.first_tasks)


@router.put("/onboarding/first-tasks/{int:first_task_id}", response=FirstTaskOut, summary="Change a first task")
def update_first_task(request: HttpRequest, first_task_id: int, payload: FirstTaskIn):
    """Change a first task's title, description and days; onboardings already started keep theirs."""
    services.require_settings(request.user)
    first_task = queries.get_first_task(request.user, first_task_id)
    return services.update_first_task(actor=request.user, first_task=first_task, **payload.dict())


@router.delete("/onboarding/first-tasks/{int:first_task_id}", response={204: None}, summary="Remove a first task")
def delete_first_task(request: HttpRequest, first_task_id: int):
    """Remove a first task from the list; the tasks already given stay in the employees' planners."""
    services.require_settings(request.user)
    services.delete_first_task(actor=request.user, first_task=queries.get_first_task(request.user, first_task_id))
    return Status(204, None)
