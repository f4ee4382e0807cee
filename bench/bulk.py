"""Bulk loading for the benchmark's data set: explicit ids, fast connection settings, statistics.

The inserts themselves are carte.core.bulk's (COPY on PostgreSQL, executemany on SQLite).
The caller gives the primary keys (see `next_id`), so children can point at their parents
without reading anything back; `reset_sequences` then tells PostgreSQL where ids go on.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, connections, models
from django.db.models import Max

from carte.core.bulk import BATCH_SIZE, insert

__all__ = ["BATCH_SIZE", "analyze", "insert", "loading", "next_id", "reset_sequences"]


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of a table."""
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


@contextmanager
def loading():
    """A connection set for a bulk load: no waiting for the disk, a large cache for building indexes.

    The connection is closed afterwards, so the benchmark measures with the normal settings
    (a new connection runs the project's own init_command again). Inside a transaction (a
    test) it changes nothing.
    """
    if connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -1000000")  # in KiB: about 1 GB
            cursor.execute("PRAGMA temp_store = MEMORY")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
    try:
        yield
    finally:
        connections.close_all()


def reset_sequences(written: Iterable[type[models.Model]]) -> None:
    """After explicit ids, make PostgreSQL's sequences continue after the largest (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(written))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze() -> None:
    """Fresh planner statistics after a bulk load; PostgreSQL also gets its visibility map (VACUUM)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
