"""The database of the running Carte, whichever kind: dump, scratch check, live restore."""

from pathlib import Path

from django.db import connections

from carte.backups import postgres, sqlite
from carte.backups.scratch import Report

MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def kind() -> str:
    """ "sqlite" or "postgresql": the database Carte runs on."""
    return connections["default"].vendor


def member() -> str:
    return MEMBERS[kind()]


def dump(target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    return (sqlite if kind() == "sqlite" else postgres).dump(target)


def check(database: str, dump_path: Path) -> Report:
    return (sqlite if database == "sqlite" else postgres).check(dump_path)


def restore(dump_path: Path, archived_tables: set[str]) -> None:
    if kind() == "sqlite":
        sqlite.restore(dump_path)
    else:
        postgres.restore(dump_path, archived_tables)
