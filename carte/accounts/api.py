"""The accounts API: employees, the current employee, departments, roles. Thin: parse, call, answer."""

from django.db.models import CharField
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from carte.accounts import queries, services
from carte.accounts.models import Employee
from carte.accounts.schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    EmployeeFilters,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    ListQuery,
    PasswordIn,
    RoleOut,
    RolePatch,
)
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import page_of
from carte.core.policy import Action

router = Router()


def _references(actor, values: dict) -> dict:
    """Turn department_id / role_id / head_id into records, as the forms' choice fields do."""
    lookups = {
        "department_id": ("department", queries.department_choices()),
        "role_id": ("role", queries.role_choices()),
        "head_id": ("head", Employee.objects.filter(is_active=True)),
    }
    for key, (name, choices) in lookups.items():
        if key not in values:
            continue
        pk = values.pop(key)
        values[name] = None if pk is None else choices.filter(pk=pk).first()
        if pk is not None and values[name] is None:
            raise Invalid(errors={key: [_("Nothing to choose has the id %(id)s.") % {"id": pk}]})
    return values


# --- employees -------------------------------------------------------------------------------


@router.get("/employees", response=PageOut[EmployeeOut], tags=["employees"])
def list_employees(request, filters: Query[EmployeeFilters]):
    employees = queries.employee_list(
        request.auth,
        department=filters.department,
        role=filters.role,
        active=filters.active,
        text=filters.q,
        ordering=filters.ordering,
    )
    page = page_of(employees, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/employees", response={201: EmployeeOut}, tags=["employees"])
def create_employee(request, payload: EmployeeIn):
    values = _references(request.auth, payload.dict())
    employee = services.create_employee(actor=request.auth, **values)
    return Status(201, employee)


@router.get("/employees/{employee_id}", response=EmployeeOut, tags=["employees"])
def get_employee(request, employee_id: int):
    return queries.get_employee_for(request.auth, employee_id)


@router.patch("/employees/{employee_id}", response=EmployeeOut, tags=["employees"])
def update_employee(request, employee_id: int, payload: EmployeePatch):
    employee = queries.get_employee_for(request.auth, employee_id, Action.EDIT)
    values = _references(request.auth, _blank_for_null(payload.dict(exclude_unset=True)))
    return services.update_employee(actor=request.auth, employee=employee, **values)


def _blank_for_null(values: dict) -> dict:
    """`null` empties a text field, as "" does: the columns hold no NULL (a required one then says so)."""
    texts = {field.name for field in Employee._meta.fields if isinstance(field, CharField) and not field.null}
    return {name: "" if value is None and name in texts else value for name, value in values.items()}


@router.post("/employees/{employee_id}/deactivate", response=EmployeeOut, tags=["employees"])
def deactivate_employee(request, employee_id: int):
    employee = queries.get_employee_for(request.auth, employee_id, Action.EDIT)
    return services.deactivate_employee(actor=request.auth, employee=employee)


@router.post("/employees/{employee_id}/password", response={204: None}, tags=["employees"])
def reset_employee_password(request, employee_id: int, payload: PasswordIn):
    """Give an employee a new password; their sessions end (administrators only)."""
    employee = queries.get_employee_for(request.auth, employee_id, Action.EDIT)
    services.reset_employee_password(actor=request.auth, employee=employee, password=payload.password)
    return Status(204, None)


@router.post("/employees/{employee_id}/reactivate", response=EmployeeOut, tags=["employees"])
def reactivate_employee(request, employee_id: int):
    employee = queries.get_employee_for(request.auth, employee_id, Action.EDIT)
    return services.reactivate_employee(actor=request.auth, employee=employee)


@router.get("/me", response=EmployeeOut, tags=["employees"])
def me(request):
    return request.auth


# --- departments -----------------------------------------------------------------------------


@router.get("/departments", response=PageOut[DepartmentOut], tags=["departments"])
def list_departments(request, filters: Query[ListQuery]):
    page = page_of(queries.department_list(request.auth, ordering=filters.ordering), filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("/departments", response={201: DepartmentOut}, tags=["departments"])
def create_department(request, payload: DepartmentIn):
    department = services.create_department(actor=request.auth, **_references(request.auth, payload.dict()))
    return Status(201, queries.get_department_for(request.auth, department.pk))


@router.get("/departments/{department_id}", response=DepartmentOut, tags=["departments"])
def get_department(request, department_id: int):
    return queries.get_department_for(request.auth, department_id)


@router.patch("/departments/{department_id}", response=DepartmentOut, tags=["departments"])
def update_department(request, department_id: int, payload: DepartmentPatch):
    department = queries.get_department_for(request.auth, department_id, Action.EDIT)
    values = _references(request.auth, payload.dict(exclude_unset=True))
    services.update_department(actor=request.auth, department=department, **values)
    return queries.get_department_for(request.auth, department_id)


@router.delete("/departments/{department_id}", response={204: None}, tags=["departments"])
def delete_department(request, department_id: int):
    department = queries.get_department_for(request.auth, department_id, Action.DELETE)
    services.delete_department(actor=request.auth, department=department)
    return HttpResponse(status=204)


# --- roles -----------------------------------------------------------------------------------


@router.get("/roles", response=PageOut[RoleOut], tags=["roles"])
def list_roles(request, filters: Query[ListQuery]):
    roles = queries.role_list(request.auth, ordering=filters.ordering).prefetch_related("rights")
    page = page_of(roles, filters.page, filters.page_size)
    return paged(page, page.items)


@router.get("/roles/{role_id}", response=RoleOut, tags=["roles"])
def get_role(request, role_id: int):
    return queries.get_role_for(request.auth, role_id)


@router.patch("/roles/{role_id}", response=RoleOut, tags=["roles"])
def update_role(request, role_id: int, payload: RolePatch):
    role = queries.get_role_for(request.auth, role_id, Action.EDIT)
    rights = None
    if payload.rights is not None:
        rights = {(right.module, right.action): right.scope for right in payload.rights}
    services.update_role(
        actor=request.auth, role=role, name=payload.name, description=payload.description, rights=rights
    )
    return queries.get_role_for(request.auth, role_id)
