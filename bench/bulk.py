"""Many rows into one table, the fastest way each database takes them.

PostgreSQL gets COPY, SQLite one prepared INSERT run by executemany over large batches:
both are several times faster than bulk_create for millions of rows, because no model
instance is built. Rows give values per model field, in the order the caller names the
fields; dates, times and JSON are converted exactly as the ORM converts them.

The caller gives the primary keys (see `next_id`), so children can point at their parents
without reading anything back; `reset_sequences` then tells PostgreSQL where ids go on.
"""

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC
from itertools import islice

from django.core.management.color import no_style
from django.db import connection, connections, models
from django.db.models import Max

BATCH_SIZE = 20_000
CONVERTED = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField, models.UUIDField)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of a table."""
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write the rows (one value per named field; a foreign key takes the id) and answer how many."""
    meta = [model._meta.get_field(name) for name in fields]
    columns = [field.column for field in meta]
    converted = [(index, _converter(field)) for index, field in enumerate(meta) if isinstance(field, CONVERTED)]
    if converted:
        rows = (_converted(row, converted) for row in rows)
    if connection.vendor == "postgresql":
        return _copy(model._meta.db_table, columns, rows)
    return _execute_many(model._meta.db_table, columns, rows)


def _converter(field: models.Field) -> Callable:
    """How the ORM turns a value of this field into what the database takes."""
    if isinstance(field, models.DateTimeField) and connection.vendor == "sqlite" and connection.timezone == UTC:
        # What adapt_datetimefield_value answers for a UTC time, without its time zone arithmetic
        # (a third of the time of two million timeline entries).
        return lambda value: (
            str(value.replace(tzinfo=None))
            if value is not None and value.tzinfo is UTC
            else (field.get_db_prep_save(value, connection))
        )
    return lambda value: field.get_db_prep_save(value, connection)


def _converted(row: Sequence, converted: list[tuple[int, Callable]]) -> list:
    values = list(row)
    for index, convert in converted:
        values[index] = convert(values[index])
    return values


def _copy(table: str, columns: list[str], rows: Iterable[Sequence]) -> int:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(column) for column in columns)
    )
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _execute_many(table: str, columns: list[str], rows: Iterable[Sequence]) -> int:
    quote = connection.ops.quote_name
    # Table and column names come from the models' metadata, never from input.
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(table), ", ".join(quote(column) for column in columns), ", ".join(["%s"] * len(columns))
    )
    count = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH_SIZE)):
            cursor.executemany(statement, batch)
            count += len(batch)
    return count


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
