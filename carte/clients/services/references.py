"""The reference lists ("directories"): adding, renaming, ordering, archiving and deleting values.

Admins edit the lists in Settings (types, statuses, sources, industries, contact roles, tags).
A value's `key` never changes once made: the API, the filters and saved segments name values
by key. A value in use cannot be deleted, only archived: cards keep it, new choices no longer
offer it. The status list always keeps one value that is not archived, since every client
needs a status.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import BUILTIN_VALUES, ReferenceValue
from carte.clients.queries.references import MODULE, is_builtin, list_label, uses_of, values_of
from carte.clients.services.cleaning import at_most, max_length
from carte.clients.services.ordering import ORDER_STEP, moved, put_in_order
from carte.core import audit, policy
from carte.core.errors import Conflict, Invalid

Action, Verb, List = policy.Action, audit.Verb, ReferenceValue.List
VALUE_FIELDS = ["list", "key", "label", "order", "archived"]


def seed_builtin_values() -> None:
    """Give each reference list without any value the built-in ones (labels shown translated).

    Runs after every migrate (and after a test database is flushed): a list added by an
    upgrade (lost reasons) gets its values, and a list that has values keeps exactly the
    ones its admins chose.
    """
    filled = set(ReferenceValue.objects.values_list("list", flat=True).distinct())
    ReferenceValue.objects.bulk_create(
        ReferenceValue(list=list_key, key=key, order=order * ORDER_STEP)
        for list_key, values in BUILTIN_VALUES.items()
        if list_key not in filled
        for order, key in enumerate(values, start=1)
    )


def on_post_migrate(sender, **kwargs) -> None:
    seed_builtin_values()


def _clean_label(reference_list: str, label, *, value: ReferenceValue | None = None) -> str:
    """A label given by an admin: required (except to give a built-in its translated name back),
    at most 100 characters, and not the label of another value of the same list."""
    label = " ".join(str(label or "").split())
    if not label:
        if value is not None and is_builtin(value):
            return ""
        raise Invalid(errors={"label": [_("Give the value a name.")]})
    limit = max_length(ReferenceValue, "label")
    if len(label) > limit:
        raise Invalid(errors={"label": [at_most(limit)]})
    others = values_of(reference_list).exclude(pk=value.pk if value else None)
    if any(str(other).casefold() == label.casefold() for other in others):
        raise Invalid(errors={"label": [_("The list already has a value named “%(label)s”.") % {"label": label}]})
    return label


def _free_key(reference_list: str, label: str, key) -> str:
    """The key of a new value: the one given (checked), or made from the label, with -2, -3… when taken."""
    limit = max_length(ReferenceValue, "key")
    taken = set(values_of(reference_list).values_list("key", flat=True))
    if key not in (None, ""):
        key = str(key).strip()
        try:
            validate_unicode_slug(key)
        except ValidationError:
            raise Invalid(errors={"key": [_("Use letters, digits, hyphens and underscores only.")]}) from None
        if len(key) > limit:
            raise Invalid(errors={"key": [at_most(limit)]})
        if key in taken:
            raise Invalid(errors={"key": [_("The list already has a value with the key “%(key)s”.") % {"key": key}]})
        return key
    base = slugify(label, allow_unicode=True)[:limit].strip("-_") or "value"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: limit - len(suffix)] + suffix
    return candidate


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


@transaction.atomic
def add_reference_value(*, actor, reference_list: str, label: str, key: str | None = None) -> ReferenceValue:
    """Add a value at the end of a list. The key is made from the label unless given; it never changes."""
    _require(actor, Action.CREATE)
    list_label(reference_list)
    label = _clean_label(reference_list, label)
    key = _free_key(reference_list, label, key)
    last = values_of(reference_list).aggregate(last=Max("order"))["last"] or 0
    value = ReferenceValue.objects.create(list=reference_list, key=key, label=label, order=last + ORDER_STEP)
    audit.record(actor, Verb.CREATE, value, changes=audit.diff({}, audit.snapshot(value, VALUE_FIELDS)))
    return value


def _save(actor, value: ReferenceValue, before: dict, fields: list[str]) -> ReferenceValue:
    value.save(update_fields=fields)
    changes = audit.diff(before, audit.snapshot(value, VALUE_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, value, changes=changes)
    return value


@transaction.atomic
def rename_reference_value(*, actor, value: ReferenceValue, label: str) -> ReferenceValue:
    """Change the label of a value; its key stays, so cards, filters and API users are unaffected.

    A built-in value that is renamed shows the admin's label in every language from then on;
    renaming it to nothing gives it back its built-in name, translated for each reader.
    """
    _require(actor, Action.EDIT)
    before = audit.snapshot(value, VALUE_FIELDS)
    value.label = _clean_label(value.list, label, value=value)
    return _save(actor, value, before, ["label"])


@transaction.atomic
def reorder_reference_values(*, actor, reference_list: str, keys: list[str]) -> list[ReferenceValue]:
    """Put a list's values in the order of `keys`; values not named keep their order after those named."""
    _require(actor, Action.EDIT)
    return put_in_order(
        actor=actor,
        records=list(values_of(reference_list).select_for_update()),
        keys=keys,
        unknown=_("Not in the list: %(keys)s."),
        label=list_label(reference_list),
    )


def move_reference_value(*, actor, value: ReferenceValue, step: int) -> list[ReferenceValue]:
    """Move a value up (step -1) or down (step 1) its list, past archived values too."""
    keys = moved(list(values_of(value.list).values_list("key", flat=True)), value.key, step)
    return reorder_reference_values(actor=actor, reference_list=value.list, keys=keys)


def _keep_one_status(value: ReferenceValue) -> None:
    """Every client needs a status: the status list keeps at least one value that is not archived."""
    if value.list != List.STATUS or value.archived:
        return
    if not values_of(List.STATUS, archived=False).exclude(pk=value.pk).exists():
        raise Conflict(_("The list of statuses needs at least one value that is not archived."))


@transaction.atomic
def archive_reference_value(*, actor, value: ReferenceValue) -> ReferenceValue:
    """Stop offering a value for new choices; the cards that have it keep it.

    Archiving the default status ("lead") makes the first status not archived the default.
    """
    _require(actor, Action.EDIT)
    _keep_one_status(value)
    before = audit.snapshot(value, VALUE_FIELDS)
    value.archived = True
    return _save(actor, value, before, ["archived"])


@transaction.atomic
def restore_reference_value(*, actor, value: ReferenceValue) -> ReferenceValue:
    """Offer an archived value for new choices again."""
    _require(actor, Action.EDIT)
    before = audit.snapshot(value, VALUE_FIELDS)
    value.archived = False
    return _save(actor, value, before, ["archived"])


@transaction.atomic
def update_reference_value(
    *, actor, value: ReferenceValue, label: str | None = None, archived: bool | None = None
) -> ReferenceValue:
    """Rename, archive or restore a value in one change (None: unchanged); all of it or nothing."""
    _require(actor, Action.EDIT)
    if label is not None:
        value = rename_reference_value(actor=actor, value=value, label=label)
    if archived is True and not value.archived:
        value = archive_reference_value(actor=actor, value=value)
    elif archived is False and value.archived:
        value = restore_reference_value(actor=actor, value=value)
    return value


def _in_use(value: ReferenceValue, count: int) -> Conflict:
    if value.list == List.CONTACT_ROLE:
        message = ngettext(
            "“%(label)s” is the role of %(count)d contact person; archive it instead, so it is no longer offered.",
            "“%(label)s” is the role of %(count)d contact persons; archive it instead, so it is no longer offered.",
            count,
        )
    else:
        message = ngettext(
            "“%(label)s” is used on %(count)d client card; archive it instead, so it is no longer offered.",
            "“%(label)s” is used on %(count)d client cards; archive it instead, so it is no longer offered.",
            count,
        )
    return Conflict(message % {"label": value, "count": count})


@transaction.atomic
def delete_reference_value(*, actor, value: ReferenceValue) -> None:
    """Delete a value nobody uses; a value in use is refused with Conflict (archive it instead).

    Saved segments that filter on the value simply stop matching it.
    """
    _require(actor, Action.DELETE)
    uses = uses_of(value)
    if uses.exists():
        raise _in_use(value, uses.count())
    _keep_one_status(value)
    before = audit.snapshot(value, VALUE_FIELDS)
    audit.record(actor, Verb.DELETE, value, changes=audit.diff(before, dict.fromkeys(before)))
    try:
        value.delete()
    except ProtectedError:
        # Another module's records point to it; raising rolls the audit entry back too.
        raise Conflict(_("Other records still use “%(label)s”; archive it instead.") % {"label": value}) from None
