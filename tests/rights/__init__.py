"""The rights matrix's building blocks, and its rows for the parts of Carte beyond accounts and clients.

tests/test_rights_matrix.py runs every row. A part of Carte adds its rows in a module of
this package: `ROWS` (a list of `row(...)`) and `records(world_records) -> dict` giving the
records its rows name ("@alices_deal"), made once per test process on top of the common world
(each test runs in a savepoint, so the world is the same for all).
"""

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

EVERYONE = {"ada", "mia", "alice", "bob", "charlie", "rita"}
ADMIN = {"ada"}
MANAGERS = {"ada", "mia"}
CREATORS = {"ada", "mia", "alice", "bob", "charlie"}
SEE_ALICES = {"ada", "mia", "alice", "bob", "rita"}
EDIT_ALICES = {"ada", "mia", "alice"}
SEGMENT_KEEPERS = {"ada", "alice"}  # the owner of Alice's segments and the administrator
NOT_CHARLIE = {"charlie"}


@dataclass
class World:
    """The records the rows act on: made once per test process, copied for each test."""

    people: dict
    records: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.record(name)
        except KeyError:
            raise AttributeError(name) from None

    def make_named(self, row) -> None:
        """Make the `Later` records a row names, before the test takes the database's state."""
        texts = [*row.args, *_texts(row.data), row.query]
        for text in texts:
            for name in re.findall(r"@(\w+)", str(text)):
                if name in self.records:
                    self.record(name)

    def record(self, name: str):
        """A record by name; one made `Later` is made now, the first time a row names it."""
        value = self.records[name]
        if isinstance(value, Later):
            value = self.records[name] = value.make()
        return value


@dataclass(frozen=True)
class Later:
    """A record too costly to make for every row (an uploaded file): made in the test whose row names it."""

    make: Callable[[], object]


@dataclass(frozen=True)
class Row:
    """One endpoint: `name` is a URL name (HTML) or "METHOD /api/v1/path" (API)."""

    name: str
    method: str
    allowed: frozenset
    hidden: frozenset = frozenset()
    args: tuple = ()
    data: dict | None = None
    query: str = ""

    @property
    def is_api(self) -> bool:
        return self.name.split(" ")[0] in {"GET", "POST", "PATCH", "PUT", "DELETE"}

    def url(self, world: World) -> str:
        values = [_resolve(world, arg) for arg in self.args]
        if self.is_api:
            path = self.name.split(" ", 1)[1]
            for value in values:
                path = path.replace(path[path.index("{") : path.index("}") + 1], str(value), 1)
            return path + self.query
        return reverse(self.name, args=values) + self.query

    def payload(self, world: World, persona: str):
        """The data to send; "@me" is the persona sending it."""
        data = self.data or {}
        return {key: _resolve(world, persona if value == "@me" else value) for key, value in data.items()}

    def __str__(self):
        return f"{self.method} {self.name} {'/'.join(self.args)}".strip()


def _resolve(world: World, value):
    """ "@name" (or a persona's name) is the id of a record of the world; anything else is itself."""
    if isinstance(value, list):
        return [_resolve(world, item) for item in value]
    if isinstance(value, str) and (value.startswith("@") or value in world.people):
        return world.record(value.removeprefix("@")).pk
    return value


def row(name, method="GET", allowed=EVERYONE, hidden=(), args=(), data=None, query=""):
    return Row(name, method, frozenset(allowed), frozenset(hidden), tuple(args), data, query)


def extensions() -> list:
    """The modules of this package, in name order."""
    return [importlib.import_module(f"{__name__}.{module.name}") for module in sorted(pkgutil.iter_modules(__path__))]


def _texts(data) -> list:
    """Every value of a row's data, lists and dicts opened."""
    if isinstance(data, dict):
        return [text for value in data.values() for text in _texts(value)]
    if isinstance(data, list | tuple):
        return [text for value in data for text in _texts(value)]
    return [data]
