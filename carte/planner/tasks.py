"""The planner's scheduled jobs (Huey): reminders and overdue notices, every minute.

Both jobs only call the services; the state lives in the database, so a worker that was
stopped catches up once at its next run (see carte.planner.services.reminders).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from carte.planner.services import fire_due_reminders, flag_overdue_tasks


@db_periodic_task(crontab(minute="*"))
def send_task_reminders() -> int:
    """Fire the reminders whose time has come."""
    return fire_due_reminders()


@db_periodic_task(crontab(minute="*"))
def flag_late_tasks() -> int:
    """Tell assignees about tasks that just became overdue."""
    return flag_overdue_tasks()
