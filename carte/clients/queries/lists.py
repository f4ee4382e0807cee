"""The client list: its criteria applied to the clients a user may see, its sorts and its columns.

carte.clients.filters reads the parameters of a request (or of a saved segment) into
ClientCriteria; this module turns them into a queryset scoped by the access policy. Sorts and
filters read indexes of Client, Phone, Email, the tags table and FieldValue (custom field
conditions are Exists() subqueries on FieldValue, whose indexes start with (client, field) and
(field, value)); only "contains" texts and the birthday month are checked row by row, within
what the other criteria left. A page reads its columns' related rows in one query per chosen
list column, whatever the number of clients shown.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients import search
from carte.clients.filters import DEFAULT_SORT, SORTS, ClientCriteria, CustomCondition, read_filters
from carte.clients.models import Client, CustomField, Email, FieldValue, ListLayout, Phone, ReferenceValue
from carte.clients.queries.clients import matching, visible_clients
from carte.core import policy
from carte.core.errors import Invalid


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _within(name: str, days: tuple[date | None, date | None]) -> Q:
    """A date range on a timestamp as bounds on the indexed column (never `__date`, which hides the index)."""
    start, end = days
    condition = Q()
    if start:
        condition &= Q(**{f"{name}__gte": _day_start(start)})
    if end:
        condition &= Q(**{f"{name}__lt": _day_start(end + timedelta(days=1))})
    return condition


def _owner_ids(actor, owners: list) -> list[int]:
    return [actor.pk if owner == "me" else owner for owner in owners]


def _tagged(tags: list[ReferenceValue]) -> Exists:
    tagged = Client.tags.through.objects.filter(client_id=OuterRef("pk"), referencevalue_id__in=[t.pk for t in tags])
    return Exists(tagged)


def _custom(actor, condition: CustomCondition) -> Q:
    lookups = dict(condition.lookups)
    if "employee_id__in" in lookups:
        lookups["employee_id__in"] = _owner_ids(actor, lookups["employee_id__in"])
    rows = FieldValue.objects.filter(client_id=OuterRef("pk"), field_id=condition.field.pk, **lookups)
    return ~Q(Exists(rows)) if condition.negate else Q(Exists(rows))


def _conditions(actor, criteria: ClientCriteria) -> Q:
    """Every criterion as one filter on Client (the text search comes apart: it has its own engine)."""
    found = Q()
    if criteria.kinds:
        found &= Q(kind__in=criteria.kinds)
    for name, values in criteria.references.items():
        if values:
            found &= Q(**{f"{name}_id__in": [value.pk for value in values]})
    if criteria.tags and criteria.all_tags:
        for tag in criteria.tags:
            found &= Q(_tagged([tag]))
    elif criteria.tags:
        found &= Q(_tagged(criteria.tags))
    if criteria.owners:
        found &= Q(owner_id__in=_owner_ids(actor, criteria.owners))
    if criteria.departments:
        found &= Q(owner__department_id__in=criteria.departments)
    found &= _within("created_at", criteria.created) & _within("updated_at", criteria.updated)
    if criteria.birthday_month:
        found &= Q(birthday__month=criteria.birthday_month)
    for wanted, model in ((criteria.has_phone, Phone), (criteria.has_email, Email)):
        if wanted is not None:
            exists = Q(Exists(model.objects.filter(client_id=OuterRef("pk"))))
            found &= exists if wanted else ~exists
    for condition in criteria.custom:
        found &= _custom(actor, condition)
    return found


def sorted_clients(clients: QuerySet, ordering: str | None) -> QuerySet:
    """Sort by one of SORTS ("-" for descending), then by id so that pages never overlap."""
    value = (ordering or DEFAULT_SORT).strip()
    key = value.removeprefix("-")
    if key not in SORTS:
        raise Invalid(
            _("Cannot sort by “%(key)s”. Choose one of: %(keys)s.")
            % {"key": key[:60], "keys": ", ".join(sorted(SORTS))},
            errors={"ordering": [_("Not one of the choices.")]},
        )
    sign = "-" if value.startswith("-") else ""
    return clients.order_by(*(f"{sign}{name}" for name in (*SORTS[key], "id")))


def clients_for(actor, criteria: ClientCriteria, action: str = policy.Action.VIEW) -> QuerySet:
    """The clients this user may `action` (view, export…) that meet the criteria, sorted.

    The one query behind the list screen, the API list, segments, bulk actions and exports.
    """
    clients = matching(visible_clients(actor, action).filter(_conditions(actor, criteria)), criteria.q)
    if criteria.q and criteria.q.strip() and not criteria.ordering:
        # Searched without a chosen sort: best matches first, as the search box does. Also far
        # cheaper than walking the name index past thousands of matches for a common fragment.
        return search.by_relevance(clients, criteria.q)
    return sorted_clients(clients, criteria.ordering)


def clients_visible_to(actor, **params) -> QuerySet:
    """The clients this user may see, filtered and sorted by list parameters given as keywords.

    `clients_visible_to(user, status="customer", owner="me", ordering="-updated")`: any
    parameter of carte.clients.filters, a value or a list of values. Unknown parameters or
    values raise Invalid naming what is accepted. Owner, status, phones and emails come along.
    """
    criteria = read_filters(params)
    return clients_for(actor, criteria).select_related("owner", "status").prefetch_related("phones", "emails")


# --- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the list (and of an export): what it reads besides the client row itself."""

    key: str
    label: object
    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    field: CustomField | None = None


COLUMNS = [
    Column("name", gettext_lazy("Name")),
    Column("kind", gettext_lazy("Kind")),
    Column("status", gettext_lazy("Status"), related=("status",)),
    Column("type", gettext_lazy("Type"), related=("type",)),
    Column("source", gettext_lazy("Source"), related=("source",)),
    Column("industry", gettext_lazy("Industry"), related=("industry",)),
    Column("owner", gettext_lazy("Owner"), related=("owner",)),
    Column("phone", gettext_lazy("Phone"), prefetch=("phones",)),
    Column("email", gettext_lazy("Email"), prefetch=("emails",)),
    Column("tags", gettext_lazy("Tags"), prefetch=("tags",)),
    Column("created", gettext_lazy("Created")),
    Column("updated", gettext_lazy("Updated")),
    Column("tax_id", gettext_lazy("Tax id"), prefetch=("tax_ids",)),
    Column("website", gettext_lazy("Website")),
]
DEFAULT_COLUMNS = ["name", "kind", "status", "owner", "phone", "email", "updated"]
# Long texts no column shows: left in the database when a page or an export reads clients.
UNLISTED = ("search_document", "notes", "bank_details", "address_legal", "address_postal", "address_actual")
CUSTOM_PREFIX = "cf_"


def available_columns(fields: list[CustomField] | None = None) -> list[Column]:
    """Every column the list offers, in the order the table shows them: the card's, then custom fields."""
    if fields is None:
        fields = list(CustomField.objects.filter(archived=False).order_by("order", "id"))
    custom = [Column(f"{CUSTOM_PREFIX}{f.key}", f.label, field=f) for f in fields]
    return [*COLUMNS, *custom]


def read_columns(keys, fields: list[CustomField] | None = None) -> list[Column]:
    """The chosen columns, checked, in display order; the name always comes first (it opens the card).

    Invalid names the unknown keys; a custom field archived since the choice was saved is left
    out quietly by `columns_of` (an old layout keeps working), not here.
    """
    offered = {column.key: column for column in available_columns(fields)}
    wanted = {str(key) for key in keys if str(key)}
    unknown = sorted(wanted - set(offered))
    if unknown:
        raise Invalid(
            _("Unknown column “%(keys)s”. Choose among: %(choices)s.")
            % {"keys": ", ".join(unknown)[:200], "choices": ", ".join(offered)},
            errors={"columns": [_("Not one of the choices.")]},
        )
    return [column for column in offered.values() if column.key in wanted or column.key == "name"]


def columns_of(keys, fields: list[CustomField]) -> list[Column]:
    """Saved columns as they can be shown now: keys that no longer exist are dropped."""
    offered = {column.key for column in available_columns(fields)}
    return read_columns([key for key in keys if key in offered], fields)


def saved_columns(actor, fields: list[CustomField]) -> list[Column]:
    """The columns this employee chose for the list (the defaults until they choose)."""
    layout = ListLayout.objects.filter(employee=actor).first() if actor.pk else None
    return columns_of(layout.columns if layout else DEFAULT_COLUMNS, fields)


def with_columns(clients: QuerySet, columns: list[Column]) -> QuerySet:
    """Clients with what the chosen columns show, read in one query per related list (none per client).

    Custom columns read the values of the chosen fields only, into `custom_values` (by field id).
    """
    clients = clients.defer(*UNLISTED)
    related = [name for column in columns for name in column.related]
    prefetch: list = [name for column in columns for name in column.prefetch]
    custom = [column.field.pk for column in columns if column.field is not None]
    if custom:
        values = FieldValue.objects.filter(field_id__in=custom).select_related("employee").order_by("id")
        prefetch.append(Prefetch("field_values", queryset=values, to_attr="chosen_values"))
    return clients.select_related(*related).prefetch_related(*prefetch)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def custom_text(field: CustomField, rows: list[FieldValue]) -> str:
    """A custom field's value as text for a cell or an export ("" when empty)."""
    parts = []
    for row in rows:
        if field.kind == CustomField.Kind.NUMBER and row.number is not None:
            parts.append(f"{row.number.normalize():f}")
        elif field.kind == CustomField.Kind.MONEY and row.number is not None:
            parts.append(f"{row.number:.2f} {field.currency}".strip())
        elif field.kind == CustomField.Kind.DATE and row.date is not None:
            parts.append(row.date.isoformat())
        elif field.kind == CustomField.Kind.BOOLEAN and row.flag is not None:
            parts.append(str(_("yes") if row.flag else _("no")))
        elif field.kind == CustomField.Kind.EMPLOYEE and row.employee is not None:
            parts.append(str(row.employee))
        else:
            parts.append(row.text)
    return "; ".join(part for part in parts if part)


def _custom_cells(client: Client, columns: list[Column]) -> list[str]:
    rows: dict[int, list[FieldValue]] = {}
    for row in getattr(client, "chosen_values", []):
        rows.setdefault(row.field_id, []).append(row)
    return [custom_text(column.field, rows.get(column.field.pk, [])) for column in columns if column.field is not None]


def with_cells(clients: list[Client], columns: list[Column]) -> list[Client]:
    """Put on each client what the table shows besides its fields, worked out once per page:
    `kind_label`, `first_phone`, `first_email` and `custom_cells` (texts in column order)."""
    kinds = {value: str(label) for value, label in Client.Kind.choices}
    shown = {column.key for column in columns}
    for client in clients:
        vars(client).update(
            kind_label=kinds.get(client.kind, client.kind),
            first_phone=next(iter(client.phones.all()), None) if "phone" in shown else None,
            first_email=next(iter(client.emails.all()), None) if "email" in shown else None,
            custom_cells=_custom_cells(client, columns),
        )
    return clients


def _joined(values) -> str:
    return "; ".join(str(value) for value in values if str(value))


def cell_text(client: Client, column: Column) -> str:
    """One column of one client as text (an export's cell); lists are joined with "; "."""
    if column.field is not None:
        return custom_text(
            column.field, [r for r in getattr(client, "chosen_values", []) if r.field_id == column.field.pk]
        )
    texts = {
        "name": lambda: client.name,
        "kind": lambda: str(client.get_kind_display()),
        "status": lambda: str(client.status),
        "type": lambda: str(client.type or ""),
        "source": lambda: str(client.source or ""),
        "industry": lambda: str(client.industry or ""),
        "owner": lambda: str(client.owner),
        "phone": lambda: _joined(phone.number for phone in client.phones.all()),
        "email": lambda: _joined(email.address for email in client.emails.all()),
        "tags": lambda: _joined(client.tags.all()),
        "created": lambda: _local(client.created_at),
        "updated": lambda: _local(client.updated_at),
        "tax_id": lambda: _joined(f"{tax.get_kind_display()} {tax.value}" for tax in client.tax_ids.all()),
        "website": lambda: client.website,
    }
    return texts[column.key]()
