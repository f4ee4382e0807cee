"""Writing the audit log. Services call `record()` for every create, update and delete."""

from django.db import models

from carte.core.models import AuditEntry

Verb = AuditEntry.Verb


def snapshot(record: models.Model, fields: list[str]) -> dict:
    """The audited values of a record, as JSON-friendly text, to compare before and after."""
    values = {}
    for name in fields:
        value = getattr(record, name)
        if isinstance(value, models.Model):
            value = str(value)
        values[name] = value if value is None or isinstance(value, (bool, int)) else str(value)
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {name: [before.get(name), new] for name, new in after.items() if before.get(name) != new}


def record(actor, verb: str, target: models.Model | None = None, *, changes=None, address=None, label=""):
    """Add one entry to the audit log; `label` names the target when there is no record."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(str(actor) if actor is not None else "")[:200],  # a full name may be longer (150 + 150)
        verb=verb,
        model=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=(str(target) if target is not None else label)[:300],
        changes=changes or {},
        address=address,
    )
