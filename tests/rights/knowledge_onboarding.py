"""Rows of the rights matrix for onboardings: Settings → Onboarding, the checklists, the first tasks, the API.

An onboarding belongs to its new employee: Bob sees his own, Mia (manager of North) her
department's, Ada everyone's; the others are told it does not exist. Starting one needs
"create" over the employee (Ada, Mia for North); cancelling one "delete" (Ada). The first tasks
and the "every new employee" switch are the company's: Ada changes them, Mia only reads them.
"""

from carte.accounts.models import Department
from carte.core.testing import EmployeeFactory
from carte.knowledge.models import FirstTask, Onboarding
from tests.rights import ADMIN, EVERYONE, row

STARTERS = {"ada", "mia"}
SEE_BOBS = {"ada", "mia", "bob"}
BOBS = ("@bobs_onboarding",)
CHARLIES = ("@charlies_onboarding",)
FIRST = ("@first_task",)
A_FIRST_TASK = {"title": "Read the price list", "days": 2}

ROWS = [
    row("knowledge:onboarding_list"),
    row("knowledge:onboarding_mine"),
    row("knowledge:onboarding_detail", allowed=SEE_BOBS, hidden=EVERYONE - SEE_BOBS, args=BOBS),
    row("knowledge:onboarding_detail", allowed={"ada", "charlie"}, hidden=EVERYONE - {"ada", "charlie"}, args=CHARLIES),
    row("knowledge:onboarding_start", "POST", allowed=STARTERS, data={"employee": "@onboardee"}),
    row("knowledge:onboarding_cancel", allowed=ADMIN, hidden=EVERYONE - SEE_BOBS, args=BOBS),
    row("knowledge:onboarding_cancel", "POST", allowed=ADMIN, hidden=EVERYONE - SEE_BOBS, args=BOBS),
    row("knowledge:onboarding_switch", "POST", allowed=ADMIN, data={}),
    row("knowledge:onboarding_first_task_create", "POST", allowed=ADMIN, data=A_FIRST_TASK),
    row("knowledge:onboarding_first_task_edit", allowed=ADMIN, args=FIRST),
    row("knowledge:onboarding_first_task_edit", "POST", allowed=ADMIN, args=FIRST, data=A_FIRST_TASK),
    row("knowledge:onboarding_first_task_delete", "POST", allowed=ADMIN, args=FIRST),
    row("knowledge:onboarding_first_task_move", "POST", allowed=ADMIN, args=FIRST, data={"direction": "down"}),
    row("GET /api/v1/onboardings"),
    row("GET /api/v1/onboardings/{onboarding_id}", allowed=SEE_BOBS, hidden=EVERYONE - SEE_BOBS, args=BOBS),
    row("POST /api/v1/onboardings", "POST", allowed=STARTERS, data={"employee_id": "@onboardee"}),
    row("DELETE /api/v1/onboardings/{onboarding_id}", "DELETE", allowed=ADMIN, hidden=EVERYONE - SEE_BOBS, args=BOBS),
    row("GET /api/v1/onboarding/first-tasks", allowed=STARTERS),
    row("POST /api/v1/onboarding/first-tasks", "POST", allowed=ADMIN, data=A_FIRST_TASK),
    row(
        "PUT /api/v1/onboarding/first-tasks/order",
        "PUT",
        allowed=ADMIN,
        data={"first_tasks": ["@second_task", "@first_task"]},
    ),
    row("PUT /api/v1/onboarding/first-tasks/{first_task_id}", "PUT", allowed=ADMIN, args=FIRST, data=A_FIRST_TASK),
    row("DELETE /api/v1/onboarding/first-tasks/{first_task_id}", "DELETE", allowed=ADMIN, args=FIRST),
]


def records(world: dict) -> dict:
    """Bob's onboarding (North), Charlie's (South), a North employee without one, and exactly two first tasks."""
    FirstTask.objects.all().delete()  # the defaults seeded by migrate: the order row names every first task
    return {
        "bobs_onboarding": Onboarding.objects.create(employee=world["bob"], started_by=world["ada"]),
        "charlies_onboarding": Onboarding.objects.create(employee=world["charlie"]),
        "onboardee": EmployeeFactory(username="onboardee", department=Department.objects.get(name="North")),
        "first_task": FirstTask.objects.create(title="Set up your profile", days=1, order=10),
        "second_task": FirstTask.objects.create(title="Log a call", days=3, order=20),
    }
