"""Background jobs of reports (run by `carte worker`): keeping the adoption figures up to date.

Every quarter of an hour the job computes today's activity so far; at its first run after
midnight it also computes yesterday in full (and any day missed while the worker was stopped,
up to a year back) and takes the day's completeness snapshot of the client cards. The state is
in the database (carte.reports.models.AggregationRun), so a stopped worker catches up at once.
A lock keeps two workers from computing at the same time (a long catch-up outlasts a quarter).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from carte.reports import services


@db_periodic_task(crontab(minute="*/15"))
@lock_task("reports-adoption-figures")
def adoption_figures_job() -> int:
    """Past days not yet final, today's figures, the daily snapshot: how many days were computed."""
    done = services.bring_up_to_date()
    return len(done.days) + 1


@db_task()
@lock_task("reports-completeness-snapshot")
def snapshot_completeness_job() -> int:
    """The completeness snapshot asked for by "Refresh now": its run's id."""
    return services.snapshot_completeness().pk
