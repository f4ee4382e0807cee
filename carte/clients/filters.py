"""The client list's parameters: one definition for the list screen, the REST API, segments, bulk actions and exports.

`read_filters(params)` reads the parameters of a request (a QueryDict, or a dict of values or
lists of values as the API and saved segments give them) into ClientCriteria, and
carte.clients.queries.lists turns criteria into the clients a user may see. Unknown parameters,
unknown keys and malformed numbers or dates are refused with Invalid (errors keyed by the
parameter), never ignored. ClientFilterForm shows the same parameters as the filter panel.

    q                               a name, phone, email… (the search engine)
    kind                            company, person
    status, type, source, industry  keys of reference values
    tags, tags_match                tag keys; any of them (default) or all of them
    owner                           employee ids, or "me" (whoever looks: a shared segment's "mine")
    department                      department ids of the owner
    created_from … updated_to       days (YYYY-MM-DD), both ends included
    birthday_month                  1 to 12
    has_phone, has_email            yes, no
    cf_<key>                        custom field: contains (text), one of (choices), yes/no, employee
    cf_<key>_exact                  text equal to
    cf_<key>_min, cf_<key>_max      number or money
    cf_<key>_from, cf_<key>_to      date
    ordering                        name, created, updated, status, type, owner; "-" for descending

Every filter but `ordering`, `q` and those of one value accepts several values (any of them).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import ErrorDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.accounts.models import Department
from carte.clients.models import Client, CustomField, ReferenceValue
from carte.core.errors import Invalid

# Public sort key → fields; each is backed by an index of Client starting with the same fields.
# Statuses, types and owners sort by their id (for the built-in statuses, their natural order),
# then by name: what an index gives without a join.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "created": ("created_at",),
    "updated": ("updated_at",),
    "status": ("status_id", "name"),
    "type": ("type_id", "name"),
    "owner": ("owner_id", "name"),
}
DEFAULT_SORT = "name"
SORT_LABELS = {
    "": gettext_lazy("Best match, then name"),  # searched lists rank matches; others go by name
    "name": gettext_lazy("Name A–Z"),
    "-name": gettext_lazy("Name Z–A"),
    "-updated": gettext_lazy("Recently updated"),
    "updated": gettext_lazy("Least recently updated"),
    "-created": gettext_lazy("Recently added"),
    "created": gettext_lazy("Oldest first"),
    "status": gettext_lazy("Status"),
    "type": gettext_lazy("Type"),
    "owner": gettext_lazy("Owner"),
}
REFERENCE_FILTERS = ("status", "type", "source", "industry")
MANY = ("kind", *REFERENCE_FILTERS, "tags", "owner", "department")
DAYS = ("created_from", "created_to", "updated_from", "updated_to")
ONE = ("q", "tags_match", *DAYS, "birthday_month", "has_phone", "has_email", "ordering")
# Parameters of the screens and the API that are not filters.
NOT_FILTERS = frozenset({"page", "page_size", "segment"})
CUSTOM_PREFIX = "cf_"
CUSTOM_SUFFIXES = ("_exact", "_min", "_max", "_from", "_to")
YES, NO = {"yes", "true", "on", "1"}, {"no", "false", "off", "0"}
Kind = CustomField.Kind
# The parameter endings of each kind of custom field ("": cf_<key> itself).
CUSTOM_PARAMETERS: dict[str, tuple[str, ...]] = {
    Kind.TEXT: ("", "_exact"),
    Kind.NUMBER: ("_min", "_max"),
    Kind.MONEY: ("_min", "_max"),
    Kind.DATE: ("_from", "_to"),
}
NUMBER_LIMIT = Decimal("1e16")


@dataclass(frozen=True)
class CustomCondition:
    """One custom field's filter: the FieldValue lookups one value row must satisfy together.

    `negate` asks for clients without such a row (a yes/no field's "no": not answered "yes").
    """

    field: CustomField
    lookups: dict
    negate: bool = False


@dataclass
class ClientCriteria:
    """What the list is asked for, checked and typed.

    Several values of one filter mean "any of them"; different filters must all hold. `owners`
    holds employee ids and "me". Dates are whole days in the user's time zone, both ends
    included. `params` are the parameters it was read from, cleaned: what a segment stores and
    what a link to the same list carries.
    """

    q: str = ""
    kinds: list[str] = field(default_factory=list)
    references: dict[str, list[ReferenceValue]] = field(default_factory=dict)
    tags: list[ReferenceValue] = field(default_factory=list)
    all_tags: bool = False
    owners: list = field(default_factory=list)
    departments: list[int] = field(default_factory=list)
    created: tuple[date | None, date | None] = (None, None)
    updated: tuple[date | None, date | None] = (None, None)
    birthday_month: int | None = None
    has_phone: bool | None = None
    has_email: bool | None = None
    custom: list[CustomCondition] = field(default_factory=list)
    ordering: str = ""  # "": best match first when searching, else DEFAULT_SORT
    params: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FilterChoices:
    """What the parameters may name, read once per request: reference values (archived ones too,
    old cards keep them) and the active custom fields."""

    references: dict[str, dict[str, ReferenceValue]]
    fields: list[CustomField]

    @classmethod
    def load(cls) -> "FilterChoices":
        """Two queries whatever the number of values and fields."""
        references: dict[str, dict[str, ReferenceValue]] = {name: {} for name in ReferenceValue.List.values}
        for value in ReferenceValue.objects.order_by("list", "order", "id"):
            references.setdefault(value.list, {})[value.key] = value
        return cls(references, list(CustomField.objects.filter(archived=False).order_by("order", "id")))

    def field(self, key: str) -> CustomField | None:
        return next((f for f in self.fields if f.key == key), None)


def reference_choices(reference_list: str, *, keep=None, values=None) -> list[tuple[str, str]]:
    """(key, label) of a reference list's values in use, plus `keep` (a card's archived value, or
    the keys a filter names); `values` when already read."""
    if values is None:
        values = ReferenceValue.objects.filter(list=reference_list).order_by("order", "id")
    kept = keep if isinstance(keep, (list, tuple, set)) else [keep]
    return [(value.key, str(value)) for value in values if not value.archived or value in kept or value.key in kept]


def _given(params: Mapping) -> dict[str, list[str]]:
    """Every parameter with its non-empty values, as stripped text."""
    getlist = getattr(params, "getlist", None)
    given: dict[str, list[str]] = {}
    for name in params:
        values = getlist(name) if getlist else params[name]
        if not isinstance(values, (list, tuple)):
            values = [values]
        texts = [str(value).strip() for value in values if value is not None and str(value).strip()]
        if texts:
            given[str(name)[:80]] = texts
    return given


def _refusal(name: str, message: str) -> Invalid:
    return Invalid(message, errors={name: [message]})


def _unknown_value(name: str, value: str, choices) -> Invalid:
    return _refusal(
        name,
        _("Unknown %(field)s “%(value)s”. Choose one of: %(values)s.")
        % {"field": name, "value": value[:60], "values": ", ".join(choices) or "—"},
    )


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refusal(
            name, _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"field": name, "value": value[:30]}
        ) from None


def _number(name: str, value: str) -> Decimal:
    try:
        number = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise _refusal(name, _("%(field)s: “%(value)s” is not a number.") % {"field": name, "value": value[:30]})
    return number


def _flag(name: str, value: str) -> bool:
    if value.lower() in YES | NO:
        return value.lower() in YES
    raise _refusal(name, _("%(field)s: answer yes or no, not “%(value)s”.") % {"field": name, "value": value[:30]})


def _ids(name: str, values: list[str], *, me: bool = False) -> list:
    """Whole numbers (or "me" where allowed)."""
    ids: list = []
    for value in values:
        if me and value == "me":
            ids.append("me")
        elif value.isdigit() and len(value) < 12:
            ids.append(int(value))
        else:
            expected = _("an employee number or “me”") if me else _("a number")
            raise _refusal(
                name,
                _("%(field)s: “%(value)s” is not %(expected)s.")
                % {"field": name, "value": value[:30], "expected": expected},
            )
    return ids


def _existing(name: str, model, ids: list) -> None:
    wanted = {pk for pk in ids if pk != "me"}
    if not wanted:
        return
    missing = wanted - set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing:
        raise _refusal(
            name,
            _("%(field)s: nothing has the number %(ids)s.")
            % {"field": name, "ids": ", ".join(map(str, sorted(missing)))},
        )


class _Reader:
    """Reads parameters one by one into criteria, collecting every refusal."""

    def __init__(self, choices: FilterChoices):
        self.choices = choices
        self.criteria = ClientCriteria()
        self.custom: dict[int, CustomCondition] = {}

    def read(self, name: str, values: list[str]) -> None:
        if name.startswith(CUSTOM_PREFIX):
            self._custom(name, values)
            return
        if name not in MANY and name not in ONE:
            raise _refusal(name, _("Unknown filter “%(name)s”.") % {"name": name})
        if name in ONE and len(values) > 1:
            raise _refusal(name, _("%(field)s takes one value.") % {"field": name})
        readers = {
            "q": self._q,
            "kind": self._kind,
            "tags": self._tags,
            "tags_match": self._tags_match,
            "owner": self._owner,
            "department": self._department,
            "birthday_month": self._birthday_month,
            "ordering": self._ordering,
        }
        if name in readers:
            readers[name](values)
        else:
            self._other(name, values)

    def _other(self, name: str, values: list[str]) -> None:
        criteria = self.criteria
        if name in REFERENCE_FILTERS:
            criteria.references[name] = [self._reference(name, name, value) for value in values]
        elif name in DAYS:
            day = _day(name, values[0])
            span = criteria.created if name.startswith("created") else criteria.updated
            span = (day, span[1]) if name.endswith("_from") else (span[0], day)
            setattr(criteria, name.split("_")[0], span)
        elif name in ("has_phone", "has_email"):
            setattr(criteria, name, _flag(name, values[0]))

    def _reference(self, name: str, reference_list: str, key: str) -> ReferenceValue:
        values = self.choices.references.get(reference_list, {})
        if key not in values:
            raise _unknown_value(name, key, [k for k, v in values.items() if not v.archived])
        return values[key]

    def _q(self, values: list[str]) -> None:
        self.criteria.q = values[0][:200]

    def _kind(self, values: list[str]) -> None:
        for value in values:
            if value not in Client.Kind.values:
                raise _unknown_value("kind", value, Client.Kind.values)
        self.criteria.kinds = values

    def _tags(self, values: list[str]) -> None:
        self.criteria.tags = [self._reference("tags", ReferenceValue.List.TAG, value) for value in values]

    def _tags_match(self, values: list[str]) -> None:
        if values[0] not in ("any", "all"):
            raise _unknown_value("tags_match", values[0], ["any", "all"])
        self.criteria.all_tags = values[0] == "all"

    def _owner(self, values: list[str]) -> None:
        self.criteria.owners = _ids("owner", values, me=True)
        _existing("owner", get_user_model(), self.criteria.owners)

    def _department(self, values: list[str]) -> None:
        self.criteria.departments = _ids("department", values)
        _existing("department", Department, self.criteria.departments)

    def _birthday_month(self, values: list[str]) -> None:
        if not values[0].isdigit() or not 1 <= int(values[0]) <= 12:
            raise _refusal("birthday_month", _("birthday_month: give a month from 1 to 12."))
        self.criteria.birthday_month = int(values[0])

    def _ordering(self, values: list[str]) -> None:
        if values[0].removeprefix("-") not in SORTS:
            raise _refusal(
                "ordering",
                _("Cannot sort by “%(key)s”. Choose one of: %(keys)s.")
                % {"key": values[0].removeprefix("-")[:60], "keys": ", ".join(sorted(SORTS))},
            )
        self.criteria.ordering = values[0]

    def _custom_field(self, name: str) -> tuple[CustomField, str]:
        """The field and the suffix a `cf_…` parameter names (a field's own key wins over a suffix)."""
        key = name.removeprefix(CUSTOM_PREFIX)
        found = self.choices.field(key)
        if found is not None:
            return found, ""
        for suffix in CUSTOM_SUFFIXES:
            if key.endswith(suffix) and (found := self.choices.field(key.removesuffix(suffix))):
                return found, suffix
        raise _refusal(name, _("Unknown filter “%(name)s”: there is no such custom field.") % {"name": name})

    def _custom(self, name: str, values: list[str]) -> None:
        custom_field, suffix = self._custom_field(name)
        lookups, negate = self._custom_lookups(name, custom_field, suffix, values)
        known = self.custom.get(custom_field.pk)
        if known is not None:
            lookups = known.lookups | lookups
        self.custom[custom_field.pk] = CustomCondition(custom_field, lookups, negate or bool(known and known.negate))

    def _custom_lookups(
        self, name: str, custom_field: CustomField, suffix: str, values: list[str]
    ) -> tuple[dict, bool]:
        kind = custom_field.kind
        several = kind in (Kind.CHOICE, Kind.MULTICHOICE, Kind.EMPLOYEE) and suffix == ""
        allowed = CUSTOM_PARAMETERS.get(kind, ("",))
        if suffix not in allowed:
            offered = ", ".join(f"{CUSTOM_PREFIX}{custom_field.key}{ending}" for ending in allowed)
            raise _refusal(
                name,
                _("Unknown filter “%(name)s”. This field is filtered with: %(names)s.")
                % {"name": name, "names": offered},
            )
        if len(values) > 1 and not several:
            raise _refusal(name, _("%(field)s takes one value.") % {"field": name})
        value = values[0]
        if kind == Kind.TEXT:
            return ({"text": value} if suffix == "_exact" else {"text__icontains": value}), False
        if kind in (Kind.NUMBER, Kind.MONEY):
            return {"number__gte" if suffix == "_min" else "number__lte": _number(name, value)}, False
        if kind == Kind.DATE:
            return {"date__gte" if suffix == "_from" else "date__lte": _day(name, value)}, False
        if kind == Kind.BOOLEAN:
            return {"flag": True}, not _flag(name, value)
        if kind == Kind.EMPLOYEE:
            ids = _ids(name, values, me=True)
            _existing(name, get_user_model(), ids)
            return {"employee_id__in": ids}, False
        for choice in values:
            if choice not in custom_field.options:
                raise _unknown_value(name, choice, [str(option) for option in custom_field.options])
        return {"text__in": values}, False


def read_filters(params: Mapping, choices: FilterChoices | None = None) -> ClientCriteria:
    """The criteria that list parameters ask for; Invalid (keyed by parameter) for everything wrong.

    `params` is a QueryDict or a dict of values or lists of values; empty values are no
    filter, and `page`, `page_size` and `segment` belong to the screens. `choices` may be
    given when already read for the page (two queries otherwise, when the parameters name
    reference values or custom fields).
    """
    given = {name: values for name, values in _given(params).items() if name not in NOT_FILTERS}
    needs_choices = any(name.startswith(CUSTOM_PREFIX) or name in (*REFERENCE_FILTERS, "tags") for name in given)
    reader = _Reader(choices or (FilterChoices.load() if needs_choices else FilterChoices({}, [])))
    messages: list[str] = []
    errors: dict[str, list[str]] = {}
    for name, values in given.items():
        try:
            reader.read(name, values)
        except Invalid as refused:
            messages.append(str(refused.message))
            errors.update(refused.errors)
    if errors:
        raise Invalid(" ".join(messages), errors=errors)
    reader.criteria.custom = list(reader.custom.values())
    reader.criteria.params = given
    return reader.criteria


def without(params: Mapping, names) -> dict[str, list[str]]:
    """The parameters but those named (a stale segment's filters, minus what no longer exists)."""
    return {name: values for name, values in _given(params).items() if name not in set(names)}


# --- the filter panel -------------------------------------------------------------------------------

YES_NO = [("", gettext_lazy("Any")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
MONTHS = [
    ("", gettext_lazy("Any")),
    *(
        (str(n), label)
        for n, label in enumerate(
            [
                gettext_lazy("January"),
                gettext_lazy("February"),
                gettext_lazy("March"),
                gettext_lazy("April"),
                gettext_lazy("May"),
                gettext_lazy("June"),
                gettext_lazy("July"),
                gettext_lazy("August"),
                gettext_lazy("September"),
                gettext_lazy("October"),
                gettext_lazy("November"),
                gettext_lazy("December"),
            ],
            start=1,
        )
    ),
]
MAIN_FIELDS = ("q", "status", "owner", "ordering")


def _checkboxes(label, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple)


def _day_field(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ClientFilterForm(forms.Form):
    """The list's filter panel: the parameters of this module as fields, to show what is asked.

    Only shown, never used to read the parameters (read_filters does that, for the API too);
    refusals are put beside their fields with core.htmx.show_refusal.
    """

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200, widget=forms.SearchInput)
    ordering = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=list(SORT_LABELS.items()))
    segment = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, choices: FilterChoices, owners=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        wanted = _given(self.data) if self.is_bound else {}
        references = {
            name: reference_choices(name, keep=wanted.get(name, []), values=choices.references.get(name, {}).values())
            for name in REFERENCE_FILTERS
        }
        tags = reference_choices(
            ReferenceValue.List.TAG, keep=wanted.get("tags", []), values=choices.references.get("tag", {}).values()
        )
        fields = self.fields
        fields["status"] = _checkboxes(gettext_lazy("Status"), references["status"])
        fields["owner"] = forms.MultipleChoiceField(
            label=gettext_lazy("Owner"),
            required=False,
            choices=[("me", _("Me")), *((str(e.pk), str(e)) for e in owners)],
        )
        fields["kind"] = _checkboxes(gettext_lazy("Kind"), Client.Kind.choices)
        fields["type"] = _checkboxes(gettext_lazy("Type"), references["type"])
        fields["source"] = _checkboxes(gettext_lazy("Source"), references["source"])
        fields["industry"] = _checkboxes(gettext_lazy("Industry"), references["industry"])
        fields["tags"] = _checkboxes(gettext_lazy("Tags"), tags)
        fields["tags_match"] = forms.ChoiceField(
            label=gettext_lazy("Clients with"),
            required=False,
            choices=[("any", _("any of these tags")), ("all", _("all of these tags"))],
        )
        fields["department"] = forms.MultipleChoiceField(
            label=gettext_lazy("Owner's department"),
            required=False,
            choices=[(str(d.pk), str(d)) for d in departments],
        )
        fields["created_from"] = _day_field(gettext_lazy("Added from"))
        fields["created_to"] = _day_field(gettext_lazy("Added until"))
        fields["updated_from"] = _day_field(gettext_lazy("Updated from"))
        fields["updated_to"] = _day_field(gettext_lazy("Updated until"))
        fields["birthday_month"] = forms.ChoiceField(label=gettext_lazy("Birthday in"), required=False, choices=MONTHS)
        fields["has_phone"] = forms.ChoiceField(label=gettext_lazy("Has a phone"), required=False, choices=YES_NO)
        fields["has_email"] = forms.ChoiceField(label=gettext_lazy("Has an email"), required=False, choices=YES_NO)
        for custom_field in choices.fields:
            fields.update(_custom_fields(custom_field, owners))
        if self.is_bound:
            # Shown, not validated: refusals come from read_filters (show_refusal adds them).
            self.cleaned_data = {}
            self._errors = ErrorDict()

    def main(self) -> list:
        """The fields always in view; the others fold under "More filters"."""
        return [self[name] for name in MAIN_FIELDS]

    def more(self) -> list:
        return [self[name] for name in self.fields if name not in MAIN_FIELDS and name != "segment"]


def _custom_fields(custom_field: CustomField, owners) -> dict[str, forms.Field]:
    """The filter fields of one custom field, named as its parameters."""
    name, label = f"{CUSTOM_PREFIX}{custom_field.key}", custom_field.label
    kind = custom_field.kind
    if kind == Kind.TEXT:
        return {
            name: forms.CharField(label=_("%(field)s contains") % {"field": label}, required=False),
            f"{name}_exact": forms.CharField(label=_("%(field)s is") % {"field": label}, required=False),
        }
    if kind in (Kind.NUMBER, Kind.MONEY):
        return {
            f"{name}_min": forms.DecimalField(label=_("%(field)s at least") % {"field": label}, required=False),
            f"{name}_max": forms.DecimalField(label=_("%(field)s at most") % {"field": label}, required=False),
        }
    if kind == Kind.DATE:
        return {
            f"{name}_from": _day_field(_("%(field)s from") % {"field": label}),
            f"{name}_to": _day_field(_("%(field)s until") % {"field": label}),
        }
    if kind == Kind.BOOLEAN:
        return {name: forms.ChoiceField(label=label, required=False, choices=YES_NO)}
    if kind == Kind.EMPLOYEE:
        people = [("me", _("Me")), *((str(e.pk), str(e)) for e in owners)]
        return {name: forms.MultipleChoiceField(label=label, required=False, choices=people)}
    options = [(str(option), str(option)) for option in custom_field.options]
    return {name: _checkboxes(label, options)}
