"""Tasks in the REST API: list, read, plan, change, delete, complete and move them.

Every operation calls the same queries and services as the screens; refusals answer as
problem+json (400 with field errors, 403, 404, 409).
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import page_of, period_error
from carte.planner.models import Task
from carte.planner.queries import tasks as queries
from carte.planner.schemas import CompleteIn, RescheduleIn, TaskFilters, TaskIn, TaskOut, TaskPatch
from carte.planner.services import tasks as services

router = Router(tags=["tasks"])
Action = queries.Action


def _read(request: HttpRequest, task_id: int) -> Task:
    """A task as the API shows it, read again after a change."""
    return queries.get_task_for(request.user, task_id)


def _criteria(filters: TaskFilters) -> queries.TaskCriteria:
    status = filters.status or "all"
    if status not in queries.STATUSES:
        raise Invalid(errors={"status": [_("Choose one of: %(values)s.") % {"values": "open, done, cancelled"}]})
    assignee = filters.assignee or "all"
    if assignee not in queries.ASSIGNEES and not assignee.isdigit():
        raise Invalid(errors={"assignee": [_('Give "me", "department" or an employee\'s id.')]})
    if filters.kind and filters.kind not in Task.Kind.values:
        raise Invalid(errors={"kind": [_("Choose one of: %(values)s.") % {"values": ", ".join(Task.Kind.values)}]})
    period = period_error(filters.due_from, filters.due_to)
    if period:
        raise Invalid(errors={"due_to": [period]})
    ordering = (filters.ordering or queries.DEFAULT_SORT).strip()
    return queries.TaskCriteria(
        assignee=assignee,
        status=status,
        kind=filters.kind or "",
        client=filters.client,
        deal=filters.deal,
        due_from=filters.due_from,
        due_to=filters.due_to,
        overdue=filters.overdue,
        text=" ".join((filters.q or "").split()),
        sort=ordering,
    )


@router.get("/tasks", response=PageOut[TaskOut], summary="List tasks")
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]):
    """Tasks you may see (yours, those shared with you and those your rights reach), soonest first."""
    tasks = queries.tasks_for(request.user, _criteria(filters)).prefetch_related("co_assignees")
    page = page_of(tasks, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/tasks", response={201: TaskOut}, summary="Plan a task")
def create_task(request: HttpRequest, payload: TaskIn):
    """Assigned to you unless `assignee_id` says otherwise (someone your rights reach)."""
    task = services.create_task(actor=request.user, **payload.values())
    return Status(201, _read(request, task.pk))


@router.get("/tasks/{int:task_id}", response=TaskOut, summary="A task")
def get_task(request: HttpRequest, task_id: int):
    return _read(request, task_id)


@router.patch("/tasks/{int:task_id}", response=TaskOut, summary="Change a task")
def update_task(request: HttpRequest, task_id: int, payload: TaskPatch):
    """Changing the time or the recurrence of a series restarts it from the new time."""
    task = queries.get_task_for(request.user, task_id, Action.EDIT)
    services.update_task(actor=request.user, task=task, **payload.changes())
    return _read(request, task_id)


@router.delete("/tasks/{int:task_id}", response={204: None}, summary="Delete a task")
def delete_task(request: HttpRequest, task_id: int):
    task = queries.get_task_for(request.user, task_id, Action.DELETE)
    services.delete_task(actor=request.user, task=task)
    return Status(204, None)


@router.post("/tasks/{int:task_id}/complete", response=TaskOut, summary="Complete a task")
def complete_task(request: HttpRequest, task_id: int, payload: CompleteIn):
    """Returns the done task: for a series, the done copy of its current occurrence (the series moves on)."""
    task = queries.get_task_for(request.user, task_id, Action.EDIT)
    step = payload.next_step.dict() if payload.next_step else None
    done = services.complete_task(actor=request.user, task=task, result=payload.result, next_step=step)
    return _read(request, done.pk)


@router.post("/tasks/{int:task_id}/reschedule", response=TaskOut, summary="Move a task")
def reschedule_task(request: HttpRequest, task_id: int, payload: RescheduleIn):
    """Returns the task now at that time: for a series, the occurrence moved alone (a new single task)."""
    task = queries.get_task_for(request.user, task_id, Action.EDIT)
    moved = services.reschedule_task(actor=request.user, task=task, **payload.dict())
    return _read(request, moved.pk)
