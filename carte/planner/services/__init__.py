"""Every write of the planner: one function per use case (see carte.planner.services.tasks)."""

from carte.planner.services.reminders import fire_due_reminders, flag_overdue_tasks
from carte.planner.services.tasks import (
    cancel_task,
    complete_task,
    create_task,
    delete_task,
    move_merged_tasks,
    reschedule_task,
    update_task,
)

__all__ = [
    "cancel_task",
    "complete_task",
    "create_task",
    "delete_task",
    "fire_due_reminders",
    "flag_overdue_tasks",
    "move_merged_tasks",
    "reschedule_task",
    "update_task",
]
