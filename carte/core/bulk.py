"""Many rows into one table, the fastest way each database takes them, without building model instances.

PostgreSQL gets COPY, SQLite one prepared INSERT run by executemany over large batches:
both are several times faster than bulk_create, because no model instance is built and no
statement compiled per row. Rows give values per model field, in the order the caller names
the fields (a foreign key takes the id); dates, times and JSON are converted exactly as the
ORM converts them. Used by the benchmark's data generator and by imports, for the rows
whose ids nobody reads back (a client's phones, its timeline entry).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from itertools import islice

from django.db import connection, models

BATCH_SIZE = 20_000
CONVERTED = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField, models.UUIDField)


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


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for rows the caller then inserts itself (inside its transaction).

    PostgreSQL draws them from the table's sequence. SQLite takes those after the largest: a
    write transaction there holds the database's only write lock from its start (Carte's
    connections begin IMMEDIATE), so no other writer can take them meanwhile.
    """
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        assert connection.in_atomic_block, "ids are reserved inside the transaction that uses them"
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608 - names from the model
        first = (cursor.fetchone()[0] or 0) + 1
        return list(range(first, first + count))
