"""Rows of the rights matrix for tasks.

A task follows its assignee: Alice's task is seen by Ada, Mia (her department's manager),
Alice and Rita (who reads everything), and hidden from Bob and Charlie (sellers plan their
own work). Ada, Mia and Alice change, complete, move and delete it; Rita only reads. Everyone
but Rita plans tasks for themselves.
"""

from datetime import UTC, datetime

from carte.planner.services import create_task
from tests.rights import CREATORS, EVERYONE, row

SEE = {"ada", "mia", "alice", "rita"}
EDIT = {"ada", "mia", "alice"}
HIDDEN = {"bob", "charlie"}
TASK = ("@alices_task",)
FORM = {
    "kind": "call",
    "title": "Matrix call",
    "day": "2030-01-15",
    "at": "10:00",
    "duration": "30",
    "priority": "normal",
    "ends": "never",
}

ROWS = [
    row("planner:task_list"),
    row("planner:task_list", query="?assignee=all&status=all&period=overdue&kind=call&q=quote"),
    row("planner:task_create", allowed=CREATORS),
    row("planner:task_create", "POST", allowed=CREATORS, data=FORM),
    row("planner:task_client_choices", query="?find=Bakery"),
    row("planner:task_deal_choices"),
    row("planner:task_detail", allowed=SEE, hidden=HIDDEN, args=TASK),
    row("planner:task_edit", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row("planner:task_edit", "POST", allowed=EDIT, hidden=HIDDEN, args=TASK, data=FORM | {"assignee": "alice"}),
    row("planner:task_complete", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row("planner:task_complete", "POST", allowed=EDIT, hidden=HIDDEN, args=TASK, data={"result": "Reached"}),
    row("planner:task_cancel", "POST", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row("planner:task_delete", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row("planner:task_delete", "POST", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row("GET /api/v1/tasks", allowed=EVERYONE),
    row("GET /api/v1/tasks", query="?assignee=me&status=open&overdue=false&kind=call&q=quote&ordering=-due"),
    row("POST /api/v1/tasks", "POST", allowed=CREATORS, data={"title": "Matrix", "due_at": "2030-01-15T10:00:00Z"}),
    row("GET /api/v1/tasks/{task_id}", allowed=SEE, hidden=HIDDEN, args=TASK),
    row("PATCH /api/v1/tasks/{task_id}", "PATCH", allowed=EDIT, hidden=HIDDEN, args=TASK, data={"title": "Changed"}),
    row("DELETE /api/v1/tasks/{task_id}", "DELETE", allowed=EDIT, hidden=HIDDEN, args=TASK),
    row(
        "POST /api/v1/tasks/{task_id}/complete",
        "POST",
        allowed=EDIT,
        hidden=HIDDEN,
        args=TASK,
        data={"result": "Reached"},
    ),
    row(
        "POST /api/v1/tasks/{task_id}/reschedule",
        "POST",
        allowed=EDIT,
        hidden=HIDDEN,
        args=TASK,
        data={"due_at": "2030-02-01T10:00:00Z"},
    ),
]


def records(world: dict) -> dict:
    task = create_task(
        actor=world["alice"],
        title="Send the quote",
        due_at=datetime(2030, 1, 10, 9, 0, tzinfo=UTC),
        client=world["alices_client"],
        reminders=[15],
    )
    return {"alices_task": task}
