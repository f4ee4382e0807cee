"""What every kind of imported record (a target) provides: its fields, and how a batch of rows is checked and saved.

The import service reads the file, turns each row into a `Row` (the texts of the mapped
columns, by field key) and hands the target batches of rows: `check` says what would
happen without writing anything (the preview and the dry run), `save` writes, inside the
batch's transaction, and both answer one `Outcome` per row. A target keeps what it looked
up for a batch, and what earlier rows of the same file created, in its `Context`, so a file
that names the same client twice does not create it twice.

A field that knows how to show a record's value (`text`) is also an export column: an
exported file maps back onto the same fields, which is what makes a round trip work.
"""

import heapq
import mmap
from array import array
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, ClassVar, NamedTuple

from django.db import models
from django.utils.functional import Promise


class Field(NamedTuple):
    """A field of a target that a column of the file can fill.

    `names`: other headers it is known by (English, French and Russian words, Google Contacts
    and Outlook headers), compared folded. `many`: a cell may hold several values (one per
    line, or separated by ";"), and several columns may be mapped to it. `joined`: several
    columns may be mapped to it, their texts kept whole (a street, a city). `text`: how an
    export shows a record's value in this column (None: not exported).
    """

    key: str
    label: str | Promise
    names: tuple[str, ...] = ()
    many: bool = False
    required: bool = False
    text: Callable[[Any], str] | None = None
    joined: bool = False  # one text that several columns may fill (an address in parts), never split


class Row(NamedTuple):
    """One row of the file: its number as a spreadsheet shows it, and the texts of mapped columns by field key.

    Empty cells are left out; a `many` field's texts are already split into single values.
    """

    number: int
    values: dict[str, list[str]]

    def first(self, key: str) -> str:
        """The field's (first) text, "" when the row has none."""
        texts = self.values.get(key)
        return texts[0] if texts else ""


@dataclass
class Options:
    """How the texts of a file are read and its rows saved, as the user chose them.

    `decimal` is the decimal mark of numbers ("1 234,56" with ","; spaces and the other mark
    are thousands separators). `date_order` is how 01/02/2024 reads: "dmy", "mdy" or "ymd".
    `duplicates`: a row matching an existing record (by one of `match_by`) is "skip"ped,
    "update"s it, or "create"s a new one anyway. `unknown_values` of a reference list
    (an industry, a stage…) are "create"d or "reject" the row. `owner` is the employee id
    given to rows that name no owner (None: the one who imports).
    """

    decimal: str = "."
    date_order: str = "dmy"
    duplicates: str = "skip"
    match_by: tuple[str, ...] = ("email", "phone", "tax_id", "external_id")
    unknown_values: str = "reject"
    owner: int | None = None

    DUPLICATES: ClassVar = ("skip", "update", "create")
    UNKNOWN_VALUES: ClassVar = ("create", "reject")
    DATE_ORDERS: ClassVar = ("dmy", "mdy", "ymd")
    DECIMALS: ClassVar = (".", ",")


@dataclass
class Outcome:
    """What happens (check) or happened (save) to one row.

    `outcome` is one of ImportRow.Outcome. `object_id` is the record created, updated or
    matched; `stamp` its version right after the save (undo leaves a record whose stamp
    moved); `before` what an update replaced, as `restore` takes it back; `message` why a
    row failed or was skipped; `shown` the row as it will be saved, label → text, for the preview.
    """

    number: int
    outcome: str
    object_id: int | None = None
    stamp: str = ""
    before: dict | None = None
    message: str = ""
    shown: dict[str, str] = field(default_factory=dict)
    also: list[int] = field(default_factory=list)  # other records the row created (a person's new company)


class SeenKeys:
    """A dry run's keys of the records it would create, for its later batches to match.

    A million-row file gives millions of keys: each is kept as its 8-byte hash in sorted
    arrays (a set of Python numbers would take seven times the memory). The newest wait in a
    small set; when it fills, it becomes a sorted array that swallows the arrays no larger than
    itself, as a binary counter carries, so each key is copied a few times in all and the
    arrays stay few. Each array has memory of its own (an anonymous map), given back to the
    system as soon as it is merged: arrays of growing sizes taken from the heap fragment it.
    Two different keys with the same 64-bit hash would match by mistake: in a dry run's
    estimate, a risk worth taking.
    """

    RECENT = 32_768

    def __init__(self):
        self.levels: list[memoryview] = []  # sorted hashes, the largest array first
        self.recent: set[int] = set()

    def add(self, key: Hashable) -> None:
        self.recent.add(hash(key))
        if len(self.recent) >= self.RECENT:
            level = _level(sorted(self.recent), len(self.recent))
            self.recent = set()
            while self.levels and len(self.levels[-1]) <= len(level):
                smaller = self.levels.pop()
                level = _level(heapq.merge(smaller, level), len(smaller) + len(level))
            self.levels.append(level)

    def update(self, keys: Iterable[Hashable]) -> None:
        for key in keys:
            self.add(key)

    def __contains__(self, key: Hashable) -> bool:
        hashed = hash(key)
        return hashed in self.recent or any(_holds(level, hashed) for level in self.levels)

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels) + len(self.recent)


def _level(hashes: Iterable[int], count: int) -> memoryview:
    """`count` sorted hashes as 8-byte numbers in a map of their own."""
    level = memoryview(mmap.mmap(-1, count * 8)).cast("q")
    hashes, at = iter(hashes), 0
    while chunk := array("q", islice(hashes, 65_536)):
        level[at : at + len(chunk)] = chunk
        at += len(chunk)
    return level


def _holds(level: memoryview, hashed: int) -> bool:
    at = bisect_left(level, hashed)
    return at < len(level) and level[at] == hashed


@dataclass
class Context:
    """What a target keeps between the batches of one file: who imports, the options, and caches.

    `created` maps the keys of records made by earlier rows (a SKU, an old id…) to their ids,
    so that later rows of the file match them; a dry run may keep its keys in `seen` instead,
    to stay small; `cache` is the target's own.
    `dry` is true for check runs: ids of records that would be created are then negative
    placeholders, never written.
    """

    actor: Any
    options: Options
    target_key: str
    dry: bool = False
    created: dict[tuple[str, str], int] = field(default_factory=dict)
    seen: SeenKeys = field(default_factory=SeenKeys)  # a dry run's keys of cards it would create
    cache: dict[str, Any] = field(default_factory=dict)
    placeholder: int = 0

    def next_placeholder(self) -> int:
        self.placeholder -= 1
        return self.placeholder


class Target:
    """A kind of record that can be imported; subclasses fill the class attributes and the methods."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    module: ClassVar[str]  # the policy module of its records: the "create" right is needed to import
    model: ClassVar[type[models.Model]]
    # What duplicates can be found by: key → label ("email" → "Email"); chosen in Options.match_by.
    match_keys: ClassVar[dict[str, str | Promise]] = {}
    # For exports of the records (see `export_fields`): what to read along, to run constant queries.
    select_related: ClassVar[tuple[str, ...]] = ()
    prefetch_related: ClassVar[tuple[str, ...]] = ()

    def fields(self) -> list[Field]:
        """Every field a column can be mapped to, custom fields included, in the order the mapping screen lists them."""
        raise NotImplementedError

    def export_fields(self) -> list[Field]:
        """The fields an export of these records writes, in order: those with a `text`."""
        return [f for f in self.fields() if f.text is not None]

    def mapping_errors(self, mapped: set[str]) -> list[str]:
        """What the mapped fields (keys) lack for rows to be saved, beyond required fields: messages."""
        return []

    def check(self, context: Context, rows: list[Row]) -> list[Outcome]:
        """What would happen to each row, without writing anything."""
        raise NotImplementedError

    def save(self, context: Context, rows: list[Row]) -> list[Outcome]:
        """Write the rows (called inside the batch's transaction); a failed row leaves nothing behind."""
        raise NotImplementedError

    def moved(self, ids_and_stamps: Iterable[tuple[int, str]]) -> set[int]:
        """The ids, among those given with their stamp after the import, of records changed (or gone) since."""
        raise NotImplementedError

    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        """Remove the records the import created and put back what it replaced (`before` of each updated id)."""
        raise NotImplementedError
