"""The benchmark's data set: sizes, the generation steps, and the marker that lets a run reuse it.

A data set is built by steps run in the order of bench.steps.STEPS (employees, clients,
phones, …). A step is a function of the `Load` that writes its rows with bench.bulk and
answers how many it wrote; adding one is a few lines and a line in STEPS:

    def tasks(load: Load) -> int:
        rng = load.random("tasks")
        rows = ((c.id, "Call back", NOW + timedelta(days=rng.randrange(30))) for c in load.clients)
        return bulk.insert(Task, ("client", "title", "due"), rows)

Everything is deterministic: each step draws from its own `random.Random` seeded with the
data set's seed and the step's name (adding a step changes no other step's data), Faker
instances are seeded too, and every time is counted back from the fixed `NOW`.

When the data set is written, a marker row records the generator version, the size, the
seed and the migrations it was built on. The next run reuses the data set when the first
three match, so a second `make bench` starts measuring at once; new migrations are applied
to it in place (as an upgrade would), while a new GENERATOR_VERSION rebuilds it.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from faker import Faker

from bench import bulk

# Bump when the generated data changes: existing data sets are then rebuilt.
GENERATOR_VERSION = 4
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
MARKER_TABLE = "bench_dataset"


@dataclass(frozen=True)
class Size:
    """How much data: the *medium* set is 100,000 companies, 200,000 persons, 2,000,000 timeline entries,
    300,000 deals with 1,000,000 lines, 10,000 of them open on the board, 20,000 tasks and a
    department's week of 500."""

    name: str
    companies: int
    persons: int
    timeline: int
    deals: int = 0
    deal_lines: int = 0
    board_deals: int = 0
    tasks: int = 0  # planner tasks over two years, for everyone
    week_tasks: int = 0  # occurrences in the first department's sample week (the week calendar)

    @property
    def clients(self) -> int:
        return self.companies + self.persons


SIZES = {
    "tiny": Size(
        "tiny",
        companies=8,
        persons=12,
        timeline=300,
        deals=60,
        deal_lines=200,
        board_deals=20,
        tasks=200,
        week_tasks=120,
    ),
    "small": Size(
        "small",
        companies=10_000,
        persons=20_000,
        timeline=200_000,
        deals=30_000,
        deal_lines=100_000,
        board_deals=1_000,
        tasks=2_000,
        week_tasks=500,
    ),
    "medium": Size(
        "medium",
        companies=100_000,
        persons=200_000,
        timeline=2_000_000,
        deals=300_000,
        deal_lines=1_000_000,
        board_deals=10_000,
        tasks=20_000,
        week_tasks=500,
    ),
}


class ClientSeed:
    """What later steps need to know of a generated client, kept small (there are 300,000).

    `phones`, `emails` and `tax_ids` hold the rows of the client's parts until their steps
    write them (they are needed earlier, for the search document).
    """

    __slots__ = (
        "id", "kind", "locale", "name", "legal_name", "first", "middle", "last", "status", "owner", "created",
        "domain", "employers", "phones", "emails", "tax_ids",
    )  # fmt: skip

    def __init__(self, **values):
        self.legal_name = self.first = self.middle = self.last = self.domain = ""
        self.employers: list[int] = []
        self.phones: list = []
        self.emails: list = []
        self.tax_ids: list = []
        for name, value in values.items():
            setattr(self, name, value)


@dataclass
class Load:
    """The data set being written, shared by the steps: its size, seed, and what earlier steps made.

    `info` is kept in the marker: the scenarios find there whom to log in as and which
    records are the extremes (the longest history, an empty card).
    """

    size: Size
    seed: int
    employees: list = field(default_factory=list)  # bench.steps.accounts.Staff, in id order
    references: dict[str, dict[str, int]] = field(default_factory=dict)  # list → key → id
    custom_fields: list = field(default_factory=list)
    clients: list[ClientSeed] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    _fakers: dict[str, Faker] = field(default_factory=dict)

    def random(self, purpose: str) -> random.Random:
        """The random source of one step: the same sequence for the same seed, whatever other steps do."""
        return random.Random(f"{self.seed}:{purpose}")

    def faker(self, locale: str, purpose: str) -> Faker:
        """A Faker for one locale and one step, seeded like `random`."""
        key = f"{locale}:{purpose}"
        if key not in self._fakers:
            fake = Faker(locale)
            fake.seed_instance(f"{self.seed}:{key}")
            self._fakers[key] = fake
        return self._fakers[key]


@dataclass(frozen=True)
class Step:
    """One step of a build: a name for the progress lines and a function that writes rows."""

    name: str
    run: Callable[[Load], int]


@dataclass
class Generation:
    """What a build wrote and how long each step took."""

    size: str
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 1)


def build(size: Size, seed: int = 1, report: Callable[[str], None] = lambda line: None) -> Generation:
    """Write the whole data set into the current (empty, migrated) database, step by step.

    Each step commits on its own, so a long build shows its progress; an interrupted one
    leaves no marker and is rebuilt from scratch the next time.
    """
    from bench.steps import STEPS

    load = Load(size=size, seed=seed)
    generation = Generation(size=size.name, seed=seed, info=load.info)
    with bulk.loading():
        for each in STEPS:
            started = time.perf_counter()
            with transaction.atomic():
                rows = each.run(load)
            generation.seconds[each.name] = round(time.perf_counter() - started, 2)
            generation.rows[each.name] = rows
            report(f"  {each.name:<16} {rows:>10,} rows  {generation.seconds[each.name]:>7.1f} s")
    return generation


def finish(generation: Generation, report: Callable[[str], None] = lambda line: None) -> None:
    """After a build: planner statistics (ANALYZE; VACUUM ANALYZE on PostgreSQL), then the marker."""
    started = time.perf_counter()
    bulk.analyze()
    generation.seconds["analyze"] = round(time.perf_counter() - started, 2)
    report(f"  {'analyze':<16} {'':>10}       {generation.seconds['analyze']:>7.1f} s")
    write_marker(generation)


# --- the marker ---------------------------------------------------------------------


def migrations_fingerprint() -> list[str]:
    """The latest migration of each app on disk."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes())


def _made_by(size: Size, seed: int) -> dict:
    return {"generator": GENERATOR_VERSION, "size": size.name, "seed": seed}


def write_marker(generation: Generation, built_at: str | None = None) -> None:
    """Record what the database holds: the generator, size and seed, the migrations, the build."""
    marker = {
        **_made_by(SIZES[generation.size], generation.seed),
        "migrations": migrations_fingerprint(),
        "generation": asdict(generation),
        "built_at": built_at or datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - a constant table name
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (id, body) VALUES (1, %s)", [json.dumps(marker)])  # noqa: S608


def read_marker() -> dict | None:
    """The marker of the data set in the current database, or None when there is none."""
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608 - a constant table name
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def same_data(marker: dict | None, size: Size, seed: int) -> bool:
    """Whether the database holds what this generator would write (whatever migrations came since)."""
    return marker is not None and all(marker.get(key) == value for key, value in _made_by(size, seed).items())


def reusable(marker: dict | None, size: Size, seed: int) -> bool:
    """Whether the data set can be measured as it is: the same data, on the migrations of the code."""
    return same_data(marker, size, seed) and marker is not None and marker.get("migrations") == migrations_fingerprint()


def migrate_in_place(marker: dict) -> None:
    """Bring a reused data set to the code's migrations, as an upgrade would, and note it in the marker.

    New indexes are built on the existing rows; a change to what the generator writes bumps
    GENERATOR_VERSION instead, which rebuilds the data set.
    """
    call_command("migrate", interactive=False, verbosity=0)
    bulk.analyze()
    generation = Generation(**marker["generation"])
    write_marker(generation, built_at=marker["built_at"])
