"""Gap-free document numbers: one counter per legal entity, kind of document and year.

`next_number` must run inside the transaction that creates the document. It locks the
counter's row (SELECT … FOR UPDATE on PostgreSQL; SQLite has a single writer and Carte opens
its transactions IMMEDIATE), so concurrent creations queue one behind the other; when a
creation fails its transaction rolls back, the counter with it, and the next document takes
the number it did not use. Documents are never deleted (they are cancelled), so the numbers
of a year run 1, 2, 3… without a hole.
"""

from datetime import date

from django.db import IntegrityError, transaction

from carte.sales.models import LegalEntity, NumberSequence
from carte.sales.services.patterns import format_number


def next_number(legal_entity: LegalEntity, kind: str, day: date) -> tuple[int, int, str]:
    """(year, sequence, number) for the next document of this kind of this entity dated `day`.

    Must be called inside `transaction.atomic` (the counter stays locked until it commits).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that creates the document")
    year = day.year
    counter = _locked_counter(legal_entity, kind, year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return year, counter.last, format_number(legal_entity.pattern_for(kind), year=year, number=counter.last)


def _locked_counter(legal_entity: LegalEntity, kind: str, year: int) -> NumberSequence:
    """The counter's row, locked; made at the first document of the year.

    Two first documents of a year may both find no row and both insert one: the loser's
    insert fails on the unique constraint (inside a savepoint, so its transaction goes on)
    and it then waits for the winner's row like any later creation.
    """
    counters = NumberSequence.objects.select_for_update()
    key = {"legal_entity": legal_entity, "kind": kind, "year": year}
    found = counters.filter(**key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return NumberSequence.objects.create(**key)
    except IntegrityError:
        return counters.get(**key)
