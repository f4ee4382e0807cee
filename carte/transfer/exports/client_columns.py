"""The client list's columns for an export of many thousand clients: read as plain values, a chunk at a time.

The list screen reads a page of clients as model instances with their related rows prefetched
(carte.clients.queries.lists: `with_columns`, `cell_text`). For 100,000 clients that costs more
in building objects than in the database: here each chunk of KEY_CHUNK clients is one query of
the columns' values, plus one query per related list (phones, emails, tags, tax ids, custom
field values), grouped by client in memory, and the cells are the same texts `cell_text` gives
(tests/transfer/test_exports.py compares the two on every column).
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from itertools import islice

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from carte.clients.models import Client, Email, FieldValue, Phone, ReferenceValue, TaxId
from carte.clients.queries.lists import Column, custom_text

# The client's own fields each column reads.
FIELDS = {
    "name": ("name",),
    "kind": ("kind",),
    "status": ("status_id",),
    "type": ("type_id",),
    "source": ("source_id",),
    "industry": ("industry_id",),
    "owner": ("owner_id",),
    "created": ("created_at",),
    "updated": ("updated_at",),
    "website": ("website",),
}
REFERENCES = ("status", "type", "source", "industry")


def _joined(values) -> str:
    return "; ".join(value for value in values if value)


def _grouped(pairs) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for client_id, value in pairs:
        grouped[client_id].append(value)
    return grouped


class _Chunk:
    """What the chosen columns read beside the clients' own fields, for one chunk of client ids."""

    def __init__(self, ids: list[int], keys: set[str], custom: list[int], labels: dict[int, str]):
        def related(model, *fields):
            return model.objects.filter(client_id__in=ids).order_by("id").values_list("client_id", *fields)

        self.phones = _grouped(related(Phone, "number")) if "phone" in keys else {}
        self.emails = _grouped(related(Email, "address")) if "email" in keys else {}
        self.tags: dict[int, list] = {}
        if "tags" in keys:
            tagged = Client.tags.through.objects.filter(client_id__in=ids).order_by("id")
            pairs = tagged.values_list("client_id", "referencevalue_id")
            self.tags = {pk: [labels.get(tag, "") for tag in tags] for pk, tags in _grouped(pairs).items()}
        self.tax_ids: dict[int, list] = {}
        if "tax_id" in keys:
            kinds = {value: str(label) for value, label in TaxId.Kind.choices}
            rows = related(TaxId, "kind", "value")
            self.tax_ids = _grouped((pk, f"{kinds.get(kind, kind)} {value}") for pk, kind, value in rows)
        self.custom: dict[tuple[int, int], list[FieldValue]] = defaultdict(list)
        if custom:
            values = FieldValue.objects.filter(client_id__in=ids, field_id__in=custom).select_related("employee")
            for row in values.order_by("id"):
                self.custom[(row.client_id, row.field_id)].append(row)


def _readers(columns: list[Column], names: list[str], references: dict[int, str], owners: dict) -> list[Callable]:
    """One function (values of a client, its chunk) → text per column, in the columns' order."""
    at = {name: index + 1 for index, name in enumerate(names)}  # 0 is the id
    kinds = {value: str(label) for value, label in Client.Kind.choices}
    readers: list[Callable] = []
    for column in columns:
        key = column.key
        if column.field is not None:
            field = column.field
            readers.append(lambda row, chunk, field=field: custom_text(field, chunk.custom.get((row[0], field.pk), [])))
        elif key in REFERENCES:
            index = at[f"{key}_id"]
            readers.append(lambda row, chunk, index=index: references.get(row[index], ""))
        elif key == "kind":
            readers.append(lambda row, chunk, index=at["kind"]: kinds.get(row[index], row[index]))
        elif key == "owner":
            readers.append(lambda row, chunk, index=at["owner_id"]: owners[row[index]])
        elif key in ("phone", "email", "tags", "tax_id"):
            attribute = {"phone": "phones", "email": "emails", "tags": "tags", "tax_id": "tax_ids"}[key]
            readers.append(lambda row, chunk, attribute=attribute: _joined(getattr(chunk, attribute).get(row[0], ())))
        else:
            readers.append(lambda row, chunk, index=at[FIELDS[key][0]]: row[index])
    return readers


def client_rows(clients: QuerySet, columns: list[Column], chunk_size: int) -> Iterator[list]:
    """The cells of the chosen columns for every client of `clients`, in its order.

    Times are left as times (the writers show them in the reader's zone, as the list does).
    """
    keys = {column.key for column in columns}
    names = list(dict.fromkeys(name for column in columns for name in FIELDS.get(column.key, ())))
    custom = [column.field.pk for column in columns if column.field is not None]
    labels = {value.pk: str(value) for value in ReferenceValue.objects.all()}
    owners: dict = {}
    values = clients.values_list("pk", *names).iterator(chunk_size=chunk_size)
    while chunk := list(islice(values, chunk_size)):
        if "owner" in keys:
            wanted = {row[names.index("owner_id") + 1] for row in chunk} - set(owners)
            owners.update((e.pk, str(e)) for e in get_user_model().objects.filter(pk__in=wanted))
        readers = _readers(columns, names, labels, owners)
        related = _Chunk([row[0] for row in chunk], keys, custom, labels)
        for row in chunk:
            yield [read(row, related) for read in readers]
