"""Custom fields on client cards: admins define them; the card, the list filters and the API use them.

A field's `key` never changes once made (the API's `custom` and saved filters name fields by
key). A field with values keeps its kind, cannot lose a choice that cards still use (rename
the choice instead: the cards follow) and cannot be deleted, only archived, the same rule as
the reference lists. At most MAX_ACTIVE_FIELDS fields are in use at a time.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Case, Count, F, Max, Min, Value, When
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import CustomField, FieldValue
from carte.clients.queries.references import MODULE, custom_field_value_count, custom_fields
from carte.clients.services.cleaning import at_most, max_length
from carte.clients.services.ordering import ORDER_STEP, moved, put_in_order
from carte.core import audit, policy
from carte.core.errors import Conflict, Invalid

Action, Verb, Kind = policy.Action, audit.Verb, CustomField.Kind
FIELD_FIELDS = ["key", "label", "kind", "options", "currency", "required", "order", "archived"]
CHOICE_KINDS = (Kind.CHOICE, Kind.MULTICHOICE)
MAX_ACTIVE_FIELDS = 50
MAX_OPTIONS = 50
OPTION_LENGTH = 100
CURRENCY = re.compile(r"[A-Z]{3}")


def _snapshot(field: CustomField) -> dict:
    values = audit.snapshot(field, FIELD_FIELDS)
    values["options"] = "; ".join(field.options or [])
    return values


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


# ---------------------------------------------------------------------------------------------
# Checks: each returns the clean value or adds its messages to `errors`
# ---------------------------------------------------------------------------------------------


def _clean_label(label, errors: dict) -> str:
    label = " ".join(str(label or "").split())
    limit = max_length(CustomField, "label")
    if not label:
        errors["label"] = [_("Give the field a name.")]
    elif len(label) > limit:
        errors["label"] = [at_most(limit)]
    return label


def _clean_kind(kind, errors: dict) -> str:
    kind = str(kind or "")
    if kind not in Kind.values:
        errors["kind"] = [
            _("“%(kind)s” is not a kind of field. Choose one of: %(kinds)s.")
            % {"kind": kind[:30], "kinds": ", ".join(Kind.values)}
        ]
    return kind


def _clean_options(kind: str, options, errors: dict) -> list[str]:
    """The choices of a choice or multi-choice field: at least one, distinct, at most 50 of 100
    characters each; other kinds have none (whatever was given is dropped)."""
    if kind not in CHOICE_KINDS:
        return []
    if isinstance(options, str):
        options = options.splitlines()
    cleaned = [" ".join(str(option).split()) for option in options or ()]
    cleaned = [option for option in cleaned if option]
    problems = []
    if not cleaned:
        problems.append(_("Give at least one choice."))
    if len(cleaned) > MAX_OPTIONS:
        problems.append(_("At most %(limit)d choices.") % {"limit": MAX_OPTIONS})
    long = [option for option in cleaned if len(option) > OPTION_LENGTH]
    if long:
        problems.append(
            _("A choice has at most %(limit)d characters: “%(option)s…”.")
            % {"limit": OPTION_LENGTH, "option": long[0][:30]}
        )
    seen: set[str] = set()
    for option in cleaned:
        if option.casefold() in seen:
            problems.append(_("Each choice once: “%(option)s” is given twice.") % {"option": option[:OPTION_LENGTH]})
            break
        seen.add(option.casefold())
    if problems:
        errors["options"] = problems
    return cleaned


def _clean_currency(kind: str, currency, errors: dict) -> str:
    """An ISO 4217 code (EUR, USD, RUB…) for a money field; other kinds have none."""
    if kind != Kind.MONEY:
        return ""
    currency = str(currency or "").strip().upper()
    if not CURRENCY.fullmatch(currency):
        errors["currency"] = [_("Give the currency as its three-letter code, such as EUR, USD or RUB.")]
    return currency


def _clean_key(key, label: str, errors: dict) -> str:
    """The key given (a unique slug), or one made from the label, with -2, -3… when taken."""
    limit = max_length(CustomField, "key")
    taken = set(CustomField.objects.values_list("key", flat=True))
    if key not in (None, ""):
        key = str(key).strip()
        try:
            validate_slug(key)
        except ValidationError:
            errors["key"] = [_("Use Latin letters, digits, hyphens and underscores only.")]
            return key
        if len(key) > limit:
            errors["key"] = [at_most(limit)]
        elif key in taken:
            errors["key"] = [_("Another field already has the key “%(key)s”.") % {"key": key}]
        return key
    base = slugify(label)[:limit].strip("-_") or "field"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: limit - len(suffix)] + suffix
    return candidate


def _room_for_one_more(exclude: CustomField | None = None) -> None:
    active = custom_fields(archived=False).exclude(pk=exclude.pk if exclude else None).count()
    if active >= MAX_ACTIVE_FIELDS:
        raise Conflict(
            _("At most %(limit)d custom fields can be in use at a time; archive one first.")
            % {"limit": MAX_ACTIVE_FIELDS}
        )


# ---------------------------------------------------------------------------------------------
# Use cases
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_custom_field(
    *,
    actor,
    label: str,
    kind: str,
    options: Iterable[str] = (),
    currency: str = "",
    required: bool = False,
    key: str | None = None,
) -> CustomField:
    """Add a field to every client card, shown last. Every problem with the input is reported at once.

    `options` are the choices of a choice or multi-choice field; `currency` the ISO 4217 code of
    a money field. The key is made from the label unless given; it never changes.
    """
    _require(actor, Action.CREATE)
    errors: dict = {}
    label = _clean_label(label, errors)
    kind = _clean_kind(kind, errors)
    options = _clean_options(kind, options, errors)
    currency = _clean_currency(kind, currency, errors)
    key = _clean_key(key, label, errors)
    if errors:
        raise Invalid(errors=errors)
    _room_for_one_more()
    last = CustomField.objects.aggregate(last=Max("order"))["last"] or 0
    field = CustomField.objects.create(
        key=key,
        label=label,
        kind=kind,
        options=options,
        currency=currency,
        required=bool(required),
        order=last + ORDER_STEP,
    )
    audit.record(actor, Verb.CREATE, field, changes=audit.diff({}, _snapshot(field)))
    return field


def _clean_rename(field: CustomField, rename: dict, options: list[str], errors: dict) -> dict[str, str]:
    """{old choice: new choice}: each old one a current choice, each new one among the new choices."""
    cleaned = {}
    for old, new in (rename or {}).items():
        old, new = " ".join(str(old).split()), " ".join(str(new).split())
        if old not in field.options:
            errors.setdefault("rename", []).append(_("“%(option)s” is not a choice of this field.") % {"option": old})
        elif new not in options:
            errors.setdefault("rename", []).append(
                _("“%(option)s” is not among the new choices.") % {"option": new[:OPTION_LENGTH]}
            )
        elif old != new:
            cleaned[old] = new
    return cleaned


def _options_after_rename(field: CustomField, rename: dict) -> list[str]:
    """The current choices with the renamed ones in place (for a change that only renames)."""
    renamed = {" ".join(str(old).split()): " ".join(str(new).split()) for old, new in (rename or {}).items()}
    return list(dict.fromkeys(renamed.get(option, option) for option in field.options))


def _check_removed_options(field: CustomField, options: list[str], rename: dict[str, str]) -> None:
    """Refuse to drop a choice that cards still have (unless it is renamed): say which, and how many."""
    removed = [option for option in field.options if option not in options and option not in rename]
    if not removed:
        return
    used = (
        FieldValue.objects.filter(field=field, text__in=removed)
        .values("text")
        .annotate(cards=Count("client", distinct=True))
        .order_by("text")
    )
    if not used:
        return
    counts = ", ".join(
        ngettext("“%(option)s” (%(count)d card)", "“%(option)s” (%(count)d cards)", row["cards"])
        % {"option": row["text"], "count": row["cards"]}
        for row in used
    )
    raise Conflict(
        _("Cards still have these choices: %(choices)s. Rename them to another choice, or keep them.")
        % {"choices": counts},
        errors={"options": [_("Cards still have: %(choices)s.") % {"choices": counts}]},
    )


def _rename_values(field: CustomField, rename: dict[str, str]) -> None:
    """Give the cards that have a renamed choice the new one, in one UPDATE (swaps work too).

    A multi-choice card that had both names keeps one row of the new name.
    """
    if not rename:
        return
    FieldValue.objects.filter(field=field, text__in=list(rename)).update(
        text=Case(*(When(text=old, then=Value(new)) for old, new in rename.items()), default=F("text"))
    )
    if field.kind == Kind.MULTICHOICE:
        keep = (
            FieldValue.objects.filter(field=field, text__in=list(rename.values()))
            .values("client", "text")
            .annotate(keep=Min("id"), rows=Count("id"))
            .filter(rows__gt=1)
        )
        for row in keep:
            FieldValue.objects.filter(field=field, client=row["client"], text=row["text"]).exclude(
                pk=row["keep"]
            ).delete()


def _check_kind_change(field: CustomField, kind: str) -> None:
    if kind != field.kind and FieldValue.objects.filter(field=field).exists():
        raise Conflict(
            _("“%(label)s” has values on client cards: its kind cannot change. Add a new field instead.")
            % {"label": field.label},
            errors={"kind": [_("The kind cannot change while cards have values in this field.")]},
        )


@transaction.atomic
def update_custom_field(
    *,
    actor,
    field: CustomField,
    label: str | None = None,
    kind: str | None = None,
    options: Iterable[str] | None = None,
    rename: dict[str, str] | None = None,
    currency: str | None = None,
    required: bool | None = None,
    order: int | None = None,
    archived: bool | None = None,
) -> CustomField:
    """Change what is given (None: unchanged). Every problem with the input is reported at once.

    The kind changes only while no card has a value in the field. A choice that cards have can
    leave `options` only when `rename` maps it to one of the new choices: the cards then get
    the new one. `rename` alone renames choices in place. Changing a money field's currency
    does not convert the amounts.
    """
    _require(actor, Action.EDIT)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    before = _snapshot(field)
    errors: dict = {}
    new_label = field.label if label is None else _clean_label(label, errors)
    new_kind = field.kind if kind is None else _clean_kind(kind, errors)
    if options is None:
        options = _options_after_rename(field, rename or {})
    new_options = _clean_options(new_kind, options, errors)
    new_currency = _clean_currency(new_kind, field.currency if currency is None else currency, errors)
    renames = _clean_rename(field, rename or {}, new_options, errors) if new_kind in CHOICE_KINDS else {}
    if order is not None and (not isinstance(order, int) or order < 0):
        errors["order"] = [_("Give a position of 0 or more.")]
    if errors:
        raise Invalid(errors=errors)
    _check_kind_change(field, new_kind)
    if new_kind in CHOICE_KINDS and new_kind == field.kind:
        _check_removed_options(field, new_options, renames)
    if archived is False and field.archived:
        _room_for_one_more(exclude=field)
    field.label, field.kind, field.options, field.currency = new_label, new_kind, new_options, new_currency
    if required is not None:
        field.required = bool(required)
    if order is not None:
        field.order = order
    if archived is not None:
        field.archived = bool(archived)
    field.save()
    _rename_values(field, renames)
    changes = audit.diff(before, _snapshot(field))
    if renames:
        changes["renamed"] = [None, "; ".join(f"{old} → {new}" for old, new in renames.items())]
    if changes:
        audit.record(actor, Verb.UPDATE, field, changes=changes)
    return field


def archive_custom_field(*, actor, field: CustomField) -> CustomField:
    """Hide a field from cards, filters and the API's `custom`; its values stay, for a restore."""
    return update_custom_field(actor=actor, field=field, archived=True)


def restore_custom_field(*, actor, field: CustomField) -> CustomField:
    """Show an archived field again, with the values it had (within the limit of fields in use)."""
    return update_custom_field(actor=actor, field=field, archived=False)


@transaction.atomic
def reorder_custom_fields(*, actor, keys: list[str]) -> list[CustomField]:
    """Put the fields in the order of `keys`; fields not named keep their order after those named."""
    _require(actor, Action.EDIT)
    return put_in_order(
        actor=actor,
        records=list(custom_fields().select_for_update()),
        keys=keys,
        unknown=_("No such field: %(keys)s."),
        label=str(CustomField._meta.verbose_name_plural),
    )


def move_custom_field(*, actor, field: CustomField, step: int) -> list[CustomField]:
    """Move a field up (step -1) or down (step 1) the card, past archived fields too."""
    keys = moved(list(custom_fields().values_list("key", flat=True)), field.key, step)
    return reorder_custom_fields(actor=actor, keys=keys)


@transaction.atomic
def delete_custom_field(*, actor, field: CustomField) -> None:
    """Delete a field no card has a value in; a field with values is refused (archive it instead)."""
    _require(actor, Action.DELETE)
    count = custom_field_value_count(field)
    if count:
        raise Conflict(
            ngettext(
                "“%(label)s” has a value on %(count)d client card; archive it instead, so that it is no longer shown.",
                "“%(label)s” has values on %(count)d client cards; archive it instead, so that it is no longer shown.",
                count,
            )
            % {"label": field.label, "count": count}
        )
    before = _snapshot(field)
    audit.record(actor, Verb.DELETE, field, changes=audit.diff(before, dict.fromkeys(before)))
    field.delete()
