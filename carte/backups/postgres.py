"""PostgreSQL: pg_dump in custom format, checked in a scratch database, restored with pg_restore.

The manifest's row counts come from the dump's own snapshot: a REPEATABLE READ transaction
exports its snapshot, counts every table, and pg_dump --snapshot dumps exactly what it saw.
"""

import logging
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.db import connections
from django.utils.translation import gettext as _
from psycopg import sql

from carte.backups import locks
from carte.backups.config import config
from carte.backups.errors import BackupError
from carte.backups.scratch import Report, file_columns

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
SCRATCH_PREFIX = "carte_verify_"
SCRATCH_DATABASES = "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname"
log = logging.getLogger(__name__)


def _settings() -> dict:
    return connections["default"].settings_dict


def _connect(dbname: str | None = None, **options) -> psycopg.Connection:
    given = _settings()
    params = {
        "dbname": dbname or given["NAME"],
        "user": given.get("USER") or None,
        "password": given.get("PASSWORD") or None,
        "host": given.get("HOST") or None,
        "port": str(given["PORT"]) if given.get("PORT") else None,
    }
    extra = {key: value for key, value in (given.get("OPTIONS") or {}).items() if key in ("sslmode", "sslrootcert")}
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, **extra, **options)


def _environment(dbname: str | None = None) -> dict:
    """The client tools' connection, from the environment (never a password on a command line)."""
    given = _settings()
    env = dict(os.environ)
    for variable, value in {
        "PGDATABASE": dbname or given["NAME"],
        "PGUSER": given.get("USER"),
        "PGPASSWORD": given.get("PASSWORD"),
        "PGHOST": given.get("HOST"),
        "PGPORT": given.get("PORT"),
        "PGSSLMODE": (given.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[variable] = str(value)
    return env


def _tool(name: str, server_major: int) -> str:
    """The path of pg_dump / pg_restore, refused when missing or older than the server."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(tool)s is not installed: install the PostgreSQL %(major)s client tools")
            % {
                "tool": name,
                "major": server_major,
            }
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if not found or int(found[1]) < server_major:
        raise BackupError(
            _("%(tool)s is version %(version)s, older than the PostgreSQL %(major)s server: install newer client tools")
            % {"tool": name, "version": found[1] if found else "?", "major": server_major}
        )
    return path


def _server_major(connection: psycopg.Connection) -> int:
    return int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()] or ["?"]
        raise BackupError(_("%(what)s failed: %(reason)s") % {"what": what, "reason": lines[0]})


def _counts(connection: psycopg.Connection) -> dict[str, int]:
    tables = [row[0] for row in connection.execute(TABLES)]
    return {
        table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        for table in tables
    }


def _migrations(connection: psycopg.Connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    if connection.execute("SELECT to_regclass('django_migrations')").fetchone()[0] is None:
        return applied  # a database never migrated (a restore onto a fresh install)
    for app, name in connection.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(app, []).append(name)
    return applied


def dump(target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """pg_dump the live database into `target`; return the row counts and migrations of the dumped snapshot."""
    with _connect() as connection:
        major = _server_major(connection)
        pg_dump = _tool("pg_dump", major)
        connection.rollback()  # the snapshot transaction must start with its isolation level
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables, applied = _counts(connection), _migrations(connection)
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            _environment(),
            _("pg_dump"),
        )
        connection.rollback()
    return tables, applied


def _restore_list(pg_restore: str, dump_path: Path, folder: Path) -> Path:
    """The dump's table of contents without the extensions' comments, which only their owner
    (a superuser) may set: leaving them out lets a database owner restore."""
    listing = subprocess.run([pg_restore, "--list", str(dump_path)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(_("the database dump in the archive cannot be read by pg_restore"))
    path = folder / "restore.list"
    path.write_text("".join(line + "\n" for line in listing.stdout.splitlines() if " COMMENT - EXTENSION " not in line))
    return path


@contextmanager
def _scratch_database() -> Iterator[str]:
    """A database created for one check and dropped afterwards, whatever happens; while it lives,
    its lock file in the backup folder is held, so that one left by a killed process is known."""
    drop_abandoned_scratch_databases()
    name = f"{SCRATCH_PREFIX}{secrets.token_hex(6)}"
    with locks.held(_scratch_lock(name)):
        with _connect(autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            _drop(name)


def drop_abandoned_scratch_databases() -> list[str]:
    """Drop the scratch databases whose check died (kill -9, a lost server): their lock file is
    there and held by nobody. One without a lock file is left alone: another machine's check."""
    with _connect() as connection:
        names = [row[0] for row in connection.execute(SCRATCH_DATABASES, [SCRATCH_PREFIX.replace("_", "\\_") + "%"])]
    dropped = []
    for name in names:
        lock = _scratch_lock(name)
        if locks.abandoned(lock):
            _drop(name)
            lock.unlink(missing_ok=True)
            log.warning("Dropped the scratch database %s, left by a verification that was stopped", name)
            dropped.append(name)
    return dropped


def _scratch_lock(name: str) -> Path:
    return config().folder / f".{name}.lock"


def _drop(name: str) -> None:
    with _connect(autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def check(dump_path: Path) -> Report:
    """pg_restore the dump into a scratch database and read what verification compares."""
    with _connect() as connection:
        pg_restore = _tool("pg_restore", _server_major(connection))
    with _scratch_database() as name:
        listing = _restore_list(pg_restore, dump_path, dump_path.parent)
        _run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--use-list={listing}", f"--dbname={name}", str(dump_path)],
            _environment(name),
            _("restoring the database dump into a scratch database"),
        )
        with _connect(name) as scratch:
            tables = _counts(scratch)
            values: set[str] = set()
            for table, column in file_columns():
                if table in tables:
                    query = sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {c} <> ''").format(
                        c=sql.Identifier(column), t=sql.Identifier(table)
                    )
                    values.update(row[0] for row in scratch.execute(query) if row[0])
            return Report(tables=tables, migrations=_migrations(scratch), file_values=values)


def restore(dump_path: Path, archived_tables: set[str]) -> None:
    """Replace the live database with the dump in one transaction (pg_restore --clean --single-transaction).
    Tables the archive does not have (made by later migrations) are dropped first, so that the
    restored database is exactly the archived one."""
    connections.close_all()
    with _connect(autocommit=True) as connection:
        pg_restore = _tool("pg_restore", _server_major(connection))
        extra = [row[0] for row in connection.execute(TABLES) if row[0] not in archived_tables]
        if extra:
            connection.execute(
                sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, extra)))
            )
    listing = _restore_list(pg_restore, dump_path, dump_path.parent)
    command = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run(
        [*command, f"--use-list={listing}", f"--dbname={_settings()['NAME']}", str(dump_path)],
        _environment(),
        _("restoring the database"),
    )
    connections.close_all()
