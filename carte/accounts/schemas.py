"""The accounts API's shapes. Parsing only: the services check rights and rules.

Nothing here exposes a password or its hash.
"""

from datetime import datetime

from ninja import Field, Schema

from carte.core.listing import DEFAULT_PAGE_SIZE


class Ref(Schema):
    """A linked record, named."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class EmployeeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    position: str
    phone_extension: str
    language: str
    time_zone: str
    department: Ref | None
    role: Ref | None
    is_active: bool
    last_login: datetime | None
    date_joined: datetime


class EmployeeFields(Schema):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    position: str = ""
    phone_extension: str = ""
    language: str = ""
    time_zone: str = ""
    department_id: int | None = None
    role_id: int | None = None


class EmployeeIn(EmployeeFields):
    username: str
    password: str


class PasswordIn(Schema):
    password: str


class EmployeePatch(Schema):
    """Only the fields sent are changed; `null` clears department or role."""

    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    position: str | None = None
    phone_extension: str | None = None
    language: str | None = None
    time_zone: str | None = None
    department_id: int | None = None
    role_id: int | None = None


class ListQuery(Schema):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    ordering: str | None = None


class EmployeeFilters(ListQuery):
    q: str = Field("", description="Words to find in names, username or email.")
    department: int | None = None
    role: int | None = None
    active: bool | None = None


class DepartmentOut(Schema):
    id: int
    name: str
    head: Ref | None
    member_count: int


class DepartmentIn(Schema):
    name: str
    head_id: int | None = None


class DepartmentPatch(Schema):
    name: str | None = None
    head_id: int | None = None


class RightSchema(Schema):
    module: str
    action: str
    scope: str


class RoleOut(Schema):
    id: int
    name: str
    description: str
    key: str | None
    is_builtin: bool
    employee_count: int
    rights: list[RightSchema] = Field(..., description="Every grant above scope “none”.")

    @staticmethod
    def resolve_rights(role) -> list[dict]:
        return [{"module": r.module, "action": r.action, "scope": r.scope} for r in role.rights.all()]


class RolePatch(Schema):
    """`rights` changes only the (module, action) pairs it lists; scope "none" removes a grant."""

    name: str | None = None
    description: str | None = None
    rights: list[RightSchema] | None = None
