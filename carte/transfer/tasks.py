"""Background jobs of imports and exports (run by `carte worker`); each only calls the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from carte.transfer import running

# --- imports ------------------------------------------------------------------------------------


@db_task()
def check_import_job(import_id: int) -> None:
    """The dry run of an import."""
    running.check(import_id)


@db_task()
def run_import_job(import_id: int) -> None:
    """An import, from the row after its last saved batch."""
    running.run(import_id)


@db_task()
def undo_import_job(import_id: int) -> None:
    """The undo of an import."""
    running.undo(import_id)


@db_periodic_task(crontab(minute="*"))
def resume_stalled_imports() -> int:
    """Queue again the imports whose worker died in the middle."""
    stalled = running.resume_stalled()
    for import_id in stalled:
        run_import_job(import_id)
    return len(stalled)


@db_periodic_task(crontab(minute="20", hour="3"))
def remove_old_import_files() -> int:
    """The files of imports finished a week ago, and imports never run after a month."""
    return running.remove_old_files()


# --- exports ------------------------------------------------------------------------------------


@db_task()
def write_export_job(export_id: int) -> None:
    """Write a large export's file (carte.transfer.services.exports)."""
    from carte.transfer.services.exports import write_export  # the service queues this job: imported late

    write_export(export_id)


@db_periodic_task(crontab(hour="3", minute="40"))
def remove_old_exports_job() -> int:
    """Remove the exports older than a week, with their files."""
    from carte.transfer.services.exports import remove_old_exports

    return remove_old_exports()
