"""About two million timeline entries, spread very unevenly over the clients.

A handful of clients have tens of thousands of entries, a thousand or so have hundreds,
most have a few and some none: the benchmark opens both kinds of card to show that a
card costs the same whatever its history. The marker keeps the longest history and an
empty one that the benchmark's seller can see.
"""

import random

from bench import bulk
from bench.generate import NOW, ClientSeed, Load
from bench.steps.clients import ACTIVITY
from carte.clients.models import TimelineEntry

KINDS = {"call": 35, "email": 30, "meeting": 15, "note": 20}
# Shares of the timeline: a few very long histories, some long ones, the rest spread thin.
LONG_SHARE, BUSY_SHARE = 0.15, 0.25
CLIENTS_PER_LONG, CLIENTS_PER_BUSY = 30_000, 300


def timeline(load: Load) -> int:
    rng = load.random("timeline")
    lengths = _history_lengths(load, rng)
    names = _contact_names(load)
    actors = [staff.id for staff in load.employees]
    rows = (
        row
        for seed, length in zip(load.clients, lengths, strict=True)
        for row in _history(seed, length, rng, names.get(seed.id, [seed.name]), actors)
    )
    return bulk.insert(TimelineEntry, ("client", "at", "kind", "summary", "link", "actor"), rows)


def _history_lengths(load: Load, rng: random.Random) -> list[int]:
    """How many entries each client gets: exactly `size.timeline` in all, very unevenly."""
    clients, total = load.clients, load.size.timeline
    visible = _seller_department(load)
    order = rng.sample(range(len(clients)), len(clients))
    # The longest history goes to a client the seller sees, so the card scenario opens it.
    first_visible = next(position for position, index in enumerate(order) if clients[index].owner in visible)
    order.insert(0, order.pop(first_visible))
    long_count = max(1, len(clients) // CLIENTS_PER_LONG)
    busy_count = max(1, len(clients) // CLIENTS_PER_BUSY)
    long_total, busy_total = int(total * LONG_SHARE), int(total * BUSY_SHARE)
    rest = order[long_count + busy_count :]
    lengths = [0] * len(clients)
    for indexes, share, weights in (
        (order[:long_count], long_total, [1.0] * long_count),
        (order[long_count : long_count + busy_count], busy_total, [1.0] * busy_count),
        (rest, total - long_total - busy_total, [rng.expovariate(1.0) * ACTIVITY[clients[i].status] for i in rest]),
    ):
        for index, length in zip(indexes, _split(share, weights), strict=True):
            lengths[index] = length
    # The seller's longest history is the longest of all, and one of their cards has none.
    longest = max(range(len(clients)), key=lengths.__getitem__)
    lengths[order[0]], lengths[longest] = lengths[longest], lengths[order[0]]
    seen = [index for index in order[1:] if clients[index].owner in visible] or order[1:]
    empty = min(seen, key=lengths.__getitem__)
    lengths[order[0]], lengths[empty] = lengths[order[0]] + lengths[empty], 0
    load.info["longest_history"] = clients[order[0]].id
    load.info["empty_history"] = clients[empty].id
    return lengths


def _split(total: int, weights: list[float]) -> list[int]:
    """Whole parts of `total` in proportion to the weights, adding up to exactly `total`."""
    if not weights:
        return []
    whole = sum(weights) or 1.0
    parts = [int(total * weight / whole) for weight in weights]
    for index in range(total - sum(parts)):
        parts[index % len(parts)] += 1
    return parts


def _seller_department(load: Load) -> set[int]:
    """The employees whose clients the benchmark's seller sees: their department."""
    department = load.info["seller_department"]
    return {staff.id for staff in load.employees if staff.department == department}


def _contact_names(load: Load) -> dict[int, list[str]]:
    """Company id → the names of its contact persons, whom timeline entries mention."""
    names: dict[int, list[str]] = {}
    for seed in load.clients:
        for company in seed.employers:
            names.setdefault(company, []).append(seed.name)
    return names


def _history(seed: ClientSeed, length: int, rng: random.Random, names: list[str], actors: list[int]):
    if length == 0:
        return
    yield seed.id, seed.created, "created", "Card created", "", seed.owner
    span = NOW - seed.created
    kinds, weights = zip(*KINDS.items(), strict=True)
    summaries = seed.locale.summaries
    for kind in rng.choices(kinds, weights, k=length - 1):
        actor = seed.owner if rng.random() < 0.8 else rng.choice(actors)
        summary = rng.choice(summaries[kind]).format(name=rng.choice(names))
        yield seed.id, seed.created + span * rng.random(), kind, summary, "", actor
