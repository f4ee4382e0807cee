"""Reads of the accounts app, already narrowed to what the asking employee may see.

`get_<thing>_for(actor, pk, action)` fetches and authorizes in one call: NotFound when the
record is not visible to the actor, NotAllowed when it is visible but the action is not theirs.
"""

from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from carte.accounts.models import ApiToken, Department, Employee, Role
from carte.core import policy
from carte.core.errors import NotFound
from carte.core.listing import ordered
from carte.core.models import AuditEntry

VIEW = policy.Action.VIEW

# Public sort key → field path. Only these reach order_by().
EMPLOYEE_ORDERING = {
    "name": "last_name",
    "first_name": "first_name",
    "username": "username",
    "email": "email",
    "department": "department__name",
    "role": "role__name",
    "last_login": "last_login",
    "joined": "date_joined",
}
DEPARTMENT_ORDERING = {"name": "name", "members": "member_count"}
ROLE_ORDERING = {"name": "name", "employees": "employee_count"}


def _get_for(actor, queryset: QuerySet, pk, action: str):
    """One record the actor may see (else NotFound) and may do `action` to (else NotAllowed)."""
    try:
        record = policy.visible(actor, queryset).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if action != VIEW:
        policy.require(actor, action, record)
    return record


def employees_visible_to(actor, action: str = VIEW) -> QuerySet:
    """Employees the actor may act on, with department and role fetched alongside."""
    return policy.visible(actor, Employee.objects.select_related("department", "role"), action)


def employee_list(
    actor,
    *,
    department: int | None = None,
    role: int | None = None,
    active: bool | None = None,
    text: str = "",
    ordering: str | None = None,
) -> QuerySet:
    """The employees list: filters, a text search (every word in a name, username or email), a sort."""
    employees = employees_visible_to(actor)
    if department is not None:
        employees = employees.filter(department_id=department)
    if role is not None:
        employees = employees.filter(role_id=role)
    if active is not None:
        employees = employees.filter(is_active=active)
    for word in text.split():
        employees = employees.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return ordered(employees, ordering, EMPLOYEE_ORDERING, "name")


def get_employee_for(actor, pk, action: str = VIEW) -> Employee:
    return _get_for(actor, Employee.objects.select_related("department", "role"), pk, action)


def tokens_of(employee) -> QuerySet:
    """The employee's own API tokens, newest first (revoked ones included, marked as such)."""
    return ApiToken.objects.filter(employee=employee).order_by("-created_at", "-id")


def department_list(actor, *, ordering: str | None = None) -> QuerySet:
    """Departments with their head and the number of members (active or not)."""
    policy.require_in_module(actor, "departments", VIEW)
    departments = policy.visible(
        actor, Department.objects.select_related("head").annotate(member_count=Count("members"))
    )
    return ordered(departments, ordering, DEPARTMENT_ORDERING, "name")


def get_department_for(actor, pk, action: str = VIEW) -> Department:
    return _get_for(
        actor, Department.objects.select_related("head").annotate(member_count=Count("members")), pk, action
    )


def department_choices() -> QuerySet:
    """Every department, to put an employee in one or filter by it: their names are no secret."""
    return Department.objects.order_by("name")


def role_list(actor, *, ordering: str | None = None) -> QuerySet:
    """Roles with the number of employees holding them (active or not)."""
    policy.require_in_module(actor, "roles", VIEW)
    roles = policy.visible(actor, Role.objects.annotate(employee_count=Count("employees")))
    return ordered(roles, ordering, ROLE_ORDERING, "name")


def get_role_for(actor, pk, action: str = VIEW) -> Role:
    return _get_for(actor, Role.objects.annotate(employee_count=Count("employees")), pk, action)


def role_choices() -> QuerySet:
    """Every role, to give one to an employee: whoever may assign roles may see them all."""
    return Role.objects.order_by("name")


def record_kinds() -> list[tuple[str, str]]:
    """The kinds of record the audit log may name (Carte's models), for its filter; no query."""
    return sorted(
        (
            (model._meta.label_lower, str(capfirst(model._meta.verbose_name)))
            for model in apps.get_models()
            if model.__module__.startswith("carte.")
        ),
        key=lambda kind: kind[1],
    )


def _start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the current (the employee's) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries_for(
    actor,
    *,
    verb: str | None = None,
    employee: int | None = None,
    model: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet:
    """The audit log, newest first, for those who may read all of it; dates are whole days, inclusive."""
    policy.require_in_module(actor, "audit", VIEW)
    entries = policy.visible(actor, AuditEntry.objects.all())
    if verb:
        entries = entries.filter(verb=verb)
    if employee is not None:
        entries = entries.filter(actor_id=employee)
    if model:
        entries = entries.filter(model=model)
    if since:
        entries = entries.filter(at__gte=_start_of(since))
    if until:
        entries = entries.filter(at__lt=_start_of(until + timedelta(days=1)))
    return entries.order_by("-at", "-id")
