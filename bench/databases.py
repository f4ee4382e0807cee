"""The databases the benchmark runs on: an SQLite file under var/bench/ and a PostgreSQL `carte_bench`.

They are kept apart from the user's own database (var/carte.sqlite3 or CARTE_DATABASE_URL):
each run of a database happens in a child process whose CARTE_* variables point at the bench
database only, and a database is dropped or deleted only when its name says "bench".
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "carte_bench.sqlite3"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/carte_bench"
MAINTENANCE_DATABASE = "postgres"
CONNECT_TIMEOUT = 3


class Unusable(Exception):
    """A bench database cannot be used; the message is one line."""


@dataclass(frozen=True)
class Database:
    """One database the benchmark measures, by the name `make bench DB=…` uses."""

    name: str
    url: str

    @property
    def database_name(self) -> str:
        return Path(urlsplit(self.url).path).name

    def environment(self) -> dict[str, str]:
        """The variables of the child process that measures this database (Django reads them at start)."""
        return {
            **os.environ,
            "CARTE_DATABASE_URL": self.url,
            "CARTE_VAR_DIR": str(BENCH_DIR),
            "CARTE_DEBUG": "0",
            "CARTE_ALLOWED_HOSTS": "testserver",
            "CARTE_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "carte.settings",
        }

    def check_name(self) -> None:
        """Refuse any database whose name does not say "bench": the benchmark drops and rebuilds it."""
        if "bench" not in self.database_name:
            raise Unusable(f"{self.url} is not a bench database (its name must contain 'bench').")

    def problem(self) -> str | None:
        """Why this database cannot be reached now, or None."""
        if self.name == "sqlite":
            return None
        import psycopg

        try:
            psycopg.connect(self._maintenance_url(), connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None

    def exists(self) -> bool:
        if self.name == "sqlite":
            return SQLITE_PATH.exists()
        with self._maintenance() as connection:
            row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database_name]).fetchone()
        return row is not None

    def create(self) -> None:
        """An empty database (the SQLite file is created by the first connection)."""
        self.check_name()
        if self.name == "sqlite":
            SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
            return
        from psycopg import sql

        with self._maintenance() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database_name)))

    def drop(self) -> None:
        """Delete the bench database with all its data (never another database: see check_name)."""
        self.check_name()
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
            return
        from psycopg import sql

        with self._maintenance() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.database_name))
            )

    def _maintenance_url(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{MAINTENANCE_DATABASE}"))

    def _maintenance(self):
        import psycopg

        return psycopg.connect(self._maintenance_url(), autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def all_databases() -> dict[str, Database]:
    """SQLite and PostgreSQL, the latter at CARTE_BENCH_POSTGRES_URL."""
    return {
        "sqlite": Database("sqlite", f"sqlite:///{SQLITE_PATH}"),
        "postgres": Database("postgres", os.environ.get("CARTE_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL),
    }
