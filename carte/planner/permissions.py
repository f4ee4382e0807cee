"""Access policy for the planner: a task follows its assignee; co-assignees reach it as their own.

A Sales employee plans their own work; a Manager sees and plans the department's. Marketing
and service staff plan their own work too; the read-only role reads everything.
"""

from django.utils.translation import gettext_lazy as _

from carte.core import policy
from carte.planner.models import Task

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN
OWN_WORK = dict.fromkeys(policy.Action.values, OWN)

policy.register_module(
    "tasks",
    _("Tasks and calendar"),
    {
        "manager": dict.fromkeys(policy.Action.values, DEPT),
        "sales": OWN_WORK,
        "marketing": OWN_WORK,
        "service": OWN_WORK,
        "readonly": {"view": ALL},
    },
)

policy.register(Task, policy.ModelPolicy("tasks", "assignee", "assignee__department", sharers_path="co_assignees"))
