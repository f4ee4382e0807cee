"""SQLite: dump with the online backup API, check a scratch copy, restore into the live file."""

import sqlite3
import time
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _

from carte.backups.errors import BackupError
from carte.backups.scratch import Report, file_columns

PAGES = 256  # pages copied per step: a writer waits at most one short step
PAUSE = 0.002  # seconds between steps, for writers to get through
RESTARTS = 3  # a busy database restarts a paged copy; after this many, copy in one step


class _TooBusy(Exception):
    pass


def _live_connection() -> sqlite3.Connection:
    """A new connection to the database Django uses (a file, or the tests' shared in-memory database)."""
    name = str(connections["default"].settings_dict["NAME"])
    return sqlite3.connect(name, uri=name.startswith("file:"), timeout=30, check_same_thread=False)


def dump(target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Copy the live database to `target` while users keep working; return the copy's row counts
    and migrations (counted in the copy, so they describe exactly the snapshot archived)."""
    source = _live_connection()
    copy = sqlite3.connect(target)
    try:
        _backup(source, copy)
        return counts(copy), migrations(copy)
    finally:
        copy.close()
        source.close()


def _backup(source: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    """Copy in small steps so writers are not held up. Each write by another connection restarts
    a paged copy; if writers keep doing so, copy in one step instead: a single read snapshot,
    which in WAL mode (Carte's) does not block writers either. A busy database is retried."""
    restarts, remaining_before = 0, None

    def progress(status, remaining, total):
        nonlocal restarts, remaining_before
        if remaining_before is not None and remaining > remaining_before:
            restarts += 1
            if restarts > RESTARTS:
                raise _TooBusy
        remaining_before = remaining

    try:
        source.backup(copy, pages=PAGES, progress=progress, sleep=PAUSE)
    except _TooBusy:
        source.backup(copy, pages=-1, sleep=PAUSE)


def counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # Table names read from sqlite_master of the archive, quoted; never a user's text.
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def migrations(connection: sqlite3.Connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
        return applied  # a database never migrated (a restore onto a fresh install)
    for app, name in connection.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(app, []).append(name)
    return applied


def check(dump_path: Path) -> Report:
    """Open the archived copy (a scratch file) and read what verification compares."""
    connection = sqlite3.connect(dump_path)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(
                _("the database in the archive fails its integrity check: %(problem)s") % {"problem": problems[0]}
            )
        broken = connection.execute("PRAGMA foreign_key_check").fetchone()
        if broken:
            raise BackupError(
                _("the database in the archive has a broken reference in table %(table)s") % {"table": broken[0]}
            )
        tables = counts(connection)
        values = set()
        for table, column in file_columns():
            if table in tables:
                # Names of our own models' file columns (file_columns()), never a user's text.
                rows = connection.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')  # noqa: S608
                values.update(row[0] for row in rows if row[0])
        return Report(tables=tables, migrations=migrations(connection), file_values=values)
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("the database in the archive cannot be read: %(reason)s") % {"reason": exc}) from None
    finally:
        connection.close()


def restore(dump_path: Path) -> None:
    """Replace the live database's content with the copy, in one step (the backup API writes the
    destination as one transaction); Django's connections reopen and see the restored data."""
    connections.close_all()
    source = sqlite3.connect(dump_path)
    live = _live_connection()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                source.backup(live, pages=-1, sleep=PAUSE)
                break
            except sqlite3.OperationalError:  # locked by a writer that outlived the busy timeout
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        live.close()
        source.close()
        connections.close_all()
