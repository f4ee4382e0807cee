"""Access policies for employees, departments, roles and the audit log.

An employee's "own" record is their own profile; "department" reaches their colleagues.
Departments, roles and the audit log have no owner: only the scope "all" reaches them.
"""

from django.utils.translation import gettext_lazy as _

from carte.accounts.models import Department, Employee, Role
from carte.core import policy
from carte.core.models import AuditEntry

ALL, VIEW = policy.Scope.ALL, policy.Action.VIEW
EVERYONE_SEES = {role: {VIEW: ALL} for role in policy.BUILTIN_ROLES if role != "administrator"}

policy.register_module("employees", _("Employees"), EVERYONE_SEES | {"manager": {VIEW: ALL, "export": ALL}})
policy.register_module("departments", _("Departments"), EVERYONE_SEES)
policy.register_module("roles", _("Roles and rights"), {"manager": {VIEW: ALL}})
policy.register_module("audit", _("Audit log"), {"manager": {VIEW: ALL}})

policy.register(Employee, policy.ModelPolicy("employees", owner_path="pk", department_path="department"))
policy.register(Department, policy.ModelPolicy("departments", owner_path=None, department_path=None))
policy.register(Role, policy.ModelPolicy("roles", owner_path=None, department_path=None))
policy.register(AuditEntry, policy.ModelPolicy("audit", owner_path=None, department_path=None))
