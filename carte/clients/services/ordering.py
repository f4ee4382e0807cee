"""Putting the records of an ordered list (reference values, custom fields) in the order people choose.

Such records have a `key` and an `order`; orders go in steps of ORDER_STEP so that a new
record fits at the end without renumbering the others.
"""

from typing import Any

from carte.core import audit
from carte.core.errors import Invalid

ORDER_STEP = 10


def moved(keys: list[str], key: str, step: int) -> list[str]:
    """The keys with `key` moved `step` places (-1: up, 1: down), staying within the list."""
    keys = list(keys)
    position = keys.index(key)
    keys.insert(min(max(position + step, 0), len(keys) - 1), keys.pop(position))
    return keys


def put_in_order(*, actor, records: list[Any], keys: list[str], unknown: str, label: str) -> list:
    """Order `records` (locked by the caller) as `keys` say; those not named follow, in their order.

    `unknown` is the message for keys that name no record (with "%(keys)s"); a change of
    order is audited under `label`.
    """
    by_key = {record.key: record for record in records}
    missing = [str(key)[:60] for key in keys if key not in by_key]
    if missing:
        raise Invalid(errors={"keys": [unknown % {"keys": ", ".join(missing)[:300]}]})
    named = list(dict.fromkeys(keys))
    ordered = [by_key[key] for key in named] + [record for record in records if record.key not in named]
    for position, record in enumerate(ordered, start=1):
        record.order = position * ORDER_STEP
    if ordered:
        type(ordered[0])._default_manager.bulk_update(ordered, ["order"])
    before, after = [record.key for record in records], [record.key for record in ordered]
    if after != before:
        audit.record(actor, audit.Verb.UPDATE, label=label, changes={"order": [", ".join(before), ", ".join(after)]})
    return ordered
