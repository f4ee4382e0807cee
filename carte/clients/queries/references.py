"""Reads of the reference lists ("directories") and of the custom field definitions.

Every employee may read the values and the fields (the card's form and the API's `custom`
need them); only those who hold the "directories" right see how much each is used, on the
settings screens.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Func, IntegerField, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from carte.clients.models import BUILTIN_VALUES, Client, Contact, CustomField, FieldValue, ReferenceValue
from carte.core import policy
from carte.core.errors import NotFound

MODULE = "directories"
MERGE_LABELS = {"merged": gettext_lazy("Merged cards"), "merged_into": gettext_lazy("Merged into")}
List = ReferenceValue.List

# Where each list's values are used: (model, lookup from that model to the value).
USAGE: dict[str, tuple[type[Model], str]] = {
    List.STATUS: (Client, "status"),
    List.TYPE: (Client, "type"),
    List.SOURCE: (Client, "source"),
    List.INDUSTRY: (Client, "industry"),
    List.TAG: (Client, "tags"),
    List.CONTACT_ROLE: (Contact, "role"),
}


@dataclass(frozen=True)
class ReferenceList:
    """One reference list with its values (in display order), for the API and the settings tabs."""

    key: str
    label: str
    values: list


def list_label(reference_list: str) -> str:
    """The translated name of a list ("Statuses"); NotFound for a list that does not exist."""
    if reference_list not in List.values:
        raise NotFound()
    return str(List(reference_list).label)


def is_builtin(value: ReferenceValue) -> bool:
    """Is this one of the values a new installation starts with (shown translated until renamed)?"""
    return value.key in BUILTIN_VALUES.get(List(value.list), {})


def uses_of(value: ReferenceValue) -> QuerySet:
    """The records (clients, or contact links for contact roles) that use a value.

    A list another module uses (reasons for lost deals) counts none here: that module's records
    protect the values they use, and deleting one of those is refused when it happens.
    """
    if value.list not in USAGE:
        return ReferenceValue.objects.none()
    model, lookup = USAGE[value.list]
    return model._default_manager.filter(**{lookup: value})


def _usage_count(reference_list: str) -> Coalesce:
    """A subquery counting, for each value of the list, the records that use it."""
    model, lookup = USAGE[reference_list]
    uses = (
        model._default_manager.filter(**{lookup: OuterRef("pk")})
        .order_by()
        .annotate(count=Func(F("pk"), function="COUNT"))
        .values("count")
    )
    return Coalesce(Subquery(uses, output_field=IntegerField()), Value(0))


def values_of(reference_list: str, *, archived: bool = True) -> QuerySet:
    """The values of one list in display order; without the archived ones when `archived` is False."""
    list_label(reference_list)
    values = ReferenceValue.objects.filter(list=reference_list)
    if not archived:
        values = values.filter(archived=False)
    return values.order_by("order", "id")


def values_with_usage(actor, reference_list: str) -> list[ReferenceValue]:
    """The values of one list, each with `usage` (how many records use it), in one query.

    For the settings screen: only those who hold the "directories" view right may read it.
    """
    policy.require_in_module(actor, MODULE, policy.Action.VIEW)
    return list(values_of(reference_list).annotate(usage=_usage_count(reference_list)))


def reference_lists() -> list[ReferenceList]:
    """Every list with all its values (archived ones included, flagged), in one query."""
    by_list: dict[str, list] = {key: [] for key in List.values}
    for value in ReferenceValue.objects.order_by("list", "order", "id"):
        by_list.setdefault(value.list, []).append(value)
    return [ReferenceList(key, str(List(key).label), values) for key, values in by_list.items()]


def reference_list(reference_list: str) -> ReferenceList:
    """One list with all its values; NotFound for a list that does not exist."""
    return ReferenceList(reference_list, list_label(reference_list), list(values_of(reference_list)))


def get_reference_value(reference_list: str, key: str) -> ReferenceValue:
    """One value of a list by key; NotFound when there is none."""
    value = values_of(reference_list).filter(key=str(key)[:60]).first()
    if value is None:
        raise NotFound()
    return value


def custom_fields(*, archived: bool = True) -> QuerySet:
    """The custom field definitions in display order; without the archived ones when `archived` is False."""
    fields = CustomField.objects.all()
    if not archived:
        fields = fields.filter(archived=False)
    return fields.order_by("order", "id")


def custom_fields_with_counts(actor) -> QuerySet:
    """Every custom field with `value_count`: how many clients have a value in it (one query).

    For the settings screen: only those who hold the "directories" view right may read it.
    """
    policy.require_in_module(actor, MODULE, policy.Action.VIEW)
    return custom_fields().annotate(value_count=Count("values__client", distinct=True))


def get_custom_field(key: str) -> CustomField:
    """One custom field by key (archived or not); NotFound when there is none."""
    field = CustomField.objects.filter(key=str(key)[:60]).first()
    if field is None:
        raise NotFound()
    return field


def custom_field_value_count(field: CustomField) -> int:
    """How many clients have a value in this field."""
    return FieldValue.objects.filter(field=field).values("client").distinct().count()


def change_labels(names) -> dict[str, str]:
    """What the audit log's names of client changes that are no model field are called, in one query.

    Custom fields are recorded as `custom_<key>`; a merge records `merged` and `merged_into`.
    """
    labels = {name: str(label) for name, label in MERGE_LABELS.items() if name in names}
    keys = {name.removeprefix("custom_"): name for name in names if name.startswith("custom_")}
    if keys:
        labels |= {keys[field.key]: field.label for field in CustomField.objects.filter(key__in=list(keys))}
    return labels
