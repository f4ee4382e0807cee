"""Which field each column of a file fills: suggested from the headers, checked, saved for the next file.

A header is recognised when, folded (no case, no accents), it is a field's key, its label
in English, French or Russian, or one of the other names the field lists (Google Contacts
and Outlook headers among them): a label in the user's language first, then the rest, and
a vCard's column (in any language) last. A field that takes one value is suggested for the
first such column only. A saved mapping applies by header, whatever the columns' order.
"""

from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from carte.core.errors import Invalid
from carte.core.search import fold
from carte.transfer.models import Import, Mapping
from carte.transfer.readers import vcard
from carte.transfer.targets import target
from carte.transfer.targets.base import Field, Target

MAX_MAPPING_NAME = 100


def names_of(field: Field) -> set[str]:
    """Every folded header this field is recognised by."""
    names = {fold(field.key.replace("_", " "), None), fold(field.key, None)}
    names |= {fold(name, None) for name in field.names}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(fold(str(field.label), None))
    return names - {""}


@cache
def _vcard_names() -> dict[str, str]:
    """The columns Carte gives a vCard, folded, in every language → folded in English, as fields know them."""
    names = {}
    for _key, label in vcard.COLUMNS:
        with translation.override("en"):
            english = fold(str(label), None)
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names[fold(str(label), None)] = english
    return names


def suggest(target_key: str, columns: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """{column index as text: field key} for the columns whose header (or saved mapping) names a field."""
    fields = target(target_key).fields()
    known = {field.key for field in fields}
    # A field's label in the user's language comes first (the first field of a label wins): it is the header
    # Carte's own exports write, and the same word may name another field in another language ("Type" is
    # the kind of client in French, "Other" a tax id's kind).
    lookup: dict[str, Field] = {fold(str(field.label), None): field for field in reversed(fields)}
    for field in fields:
        for name in names_of(field):
            lookup.setdefault(name, field)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(columns):
        key = (saved or {}).get(header)
        folded = fold(header, None)
        chosen = next((f for f in fields if f.key == key), None) if key in known else None
        chosen = chosen or lookup.get(folded) or lookup.get(_vcard_names().get(folded, ""))
        if chosen is None or (chosen.key in taken and not (chosen.many or chosen.joined)):
            continue
        mapping[str(index)] = chosen.key
        taken.add(chosen.key)
    return mapping


def checked_mapping(source: Import, mapping: dict) -> dict[str, str]:
    """The mapping as given (column index → field key, "" for a column left out), checked against file and target.

    Raises Invalid naming what is wrong: an unknown column or field, a single-value field
    mapped twice, a required field not mapped.
    """
    chosen_target: Target = target(source.target)
    fields = {field.key: field for field in chosen_target.fields()}
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    for index, key in (mapping or {}).items():
        if not key:
            continue
        if not str(index).isdecimal() or int(index) >= len(source.columns):
            errors.append(_("There is no column %(index)s in the file.") % {"index": str(index)[:10]})
        elif key not in fields:
            errors.append(_("“%(key)s” is not a field you can import.") % {"key": str(key)[:60]})
        else:
            cleaned[str(int(index))] = key
    counted: dict[str, int] = {}
    for key in cleaned.values():
        counted[key] = counted.get(key, 0) + 1
    errors += [
        _("“%(field)s” can only take one column.") % {"field": fields[key].label}
        for key, count in counted.items()
        if count > 1 and not (fields[key].many or fields[key].joined)
    ]
    errors += [
        _("Choose the column for “%(field)s”.") % {"field": field.label}
        for field in fields.values()
        if field.required and field.key not in counted
    ]
    errors += chosen_target.mapping_errors(set(counted))
    if errors:
        raise Invalid(_("Check the mapping."), errors={"mapping": errors})
    return cleaned


def save_mapping(*, actor, source: Import, name: str) -> Mapping:
    """Keep the import's mapping under a name, by header, to apply it to the next file of the same shape."""
    name = (name or "").strip()
    if not name:
        raise Invalid(errors={"name": [_("Give the mapping a name.")]})
    if len(name) > MAX_MAPPING_NAME:
        raise Invalid(errors={"name": [_("At most %(limit)d characters.") % {"limit": MAX_MAPPING_NAME}]})
    fields = {
        source.columns[int(index)]: key for index, key in source.mapping.items() if int(index) < len(source.columns)
    }
    try:
        with transaction.atomic():
            mapping, _created = Mapping.objects.update_or_create(
                owner=actor, target=source.target, name=name, defaults={"fields": fields}
            )
    except IntegrityError:
        raise Invalid(errors={"name": [_("You already have a mapping of this name.")]}) from None
    return mapping


def delete_mapping(*, actor, mapping: Mapping) -> None:
    Mapping.objects.filter(pk=mapping.pk, owner=actor).delete()
