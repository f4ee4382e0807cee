"""The lists an employee can export: each one's records, as its screen filters and sorts them, and its columns.

An exported list is exactly what its screen shows: the records come from the list's own query
(`clients_for`, `deals_for`, `tasks_for`, `calls_for`, `products_for`) fed with the screen's
parameters, read by the list's own parser, then narrowed to what the actor may *export*
(`policy.visible(actor, records, Action.EXPORT)`), which can be less than what they may see.
The columns are those the screen shows, as (key, label, value); a value is a text, a number,
a date or a time, written by carte.transfer.exports.writers as each format wants it.

The client list offers two sets of columns: the list's (the columns the employee chose for the
screen, or those of the segment), or every field of the card (the import target's export fields,
so that an exported file imports back unchanged).
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Model, Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.calls.forms import CallFilterForm
from carte.calls.models import Call
from carte.calls.queries import calls_for
from carte.clients.filters import FilterChoices, read_filters
from carte.clients.models import Client, Contact
from carte.clients.queries.clients import owner_choices
from carte.clients.queries.lists import cell_text, clients_for, read_columns, saved_columns, with_columns
from carte.core import policy
from carte.core.errors import Invalid
from carte.planner.models import Task
from carte.planner.queries.tasks import read_criteria as task_criteria
from carte.planner.queries.tasks import tasks_for
from carte.sales.models import Deal, Product
from carte.sales.queries.catalogue import products_for
from carte.sales.queries.deals import deals_for
from carte.sales.queries.deals import read_criteria as deal_criteria
from carte.transfer.exports.client_columns import client_rows

EXPORT = policy.Action.EXPORT
Value = str | int | Decimal | date | datetime | bool | None


@dataclass(frozen=True)
class Column:
    """One column of an exported file: its key, its header, and how a record's cell is read."""

    key: str
    label: str | Promise
    value: Callable[[Any], Value]


@dataclass
class Layout:
    """The columns of one export, and what to read along with the records so that no row costs a query.

    `rows`, when given, reads the cells of the records itself, a chunk of `chunk_size` at a time
    (instead of the columns' `value` on each record that `prepare` read with what it needs).
    """

    columns: list[Column]
    prepare: Callable[[QuerySet], QuerySet] = field(default=lambda records: records)
    rows: Callable[[QuerySet, int], Iterator[list]] | None = None


@dataclass(frozen=True)
class ColumnChoice:
    """Which columns: the list's ("list"; `keys` as the screen shows them, none: the saved ones) or "all" fields."""

    columns: str = "list"
    keys: tuple[str, ...] = ()


class ExportList:
    """A list that can be exported; each subclass reuses its screen's query and parser."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    model: ClassVar[type[Model]]
    formats: ClassVar[tuple[str, ...]] = ("csv", "xlsx")
    column_choices: ClassVar[tuple[str, ...]] = ("list",)

    def records(self, actor, params: Mapping) -> QuerySet:
        """The records the screen shows with these parameters that the actor may export, in the screen's order."""
        raise NotImplementedError

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        raise NotImplementedError


def _text(value) -> str:
    return "" if value is None else str(value)


def _amount(deal: Deal) -> Decimal:
    """The amount rounded as its currency writes it (two decimals for EUR, none for JPY)."""
    return deal.amount.quantize(Decimal(1).scaleb(-deal.currency.digits))


# --- clients and contacts ----------------------------------------------------------------------------


class ClientsList(ExportList):
    key = "clients"
    label = gettext_lazy("Clients")
    model = Client
    formats = ("csv", "xlsx", "vcard")
    column_choices = ("list", "all")

    def records(self, actor, params: Mapping) -> QuerySet:
        return clients_for(actor, read_filters(params), EXPORT)

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        if choice.columns == "all":
            return self._card_fields()
        fields = FilterChoices.load().fields
        chosen = read_columns(choice.keys, fields) if choice.keys else saved_columns(actor, fields)
        columns = [Column(column.key, str(column.label), _cell(column)) for column in chosen]
        return Layout(
            columns,
            lambda records: with_columns(records, chosen),
            rows=lambda records, chunk_size: client_rows(records, chosen, chunk_size),
        )

    def _card_fields(self) -> Layout:
        """Every field of the card, as the clients import target writes and reads them (a round trip)."""
        from carte.transfer.targets import target  # the targets load the domain services: only when asked

        clients = target("clients")
        columns = [Column(f.key, f.label, f.text) for f in clients.export_fields() if f.text is not None]
        return Layout(
            columns,
            lambda records: records.select_related(*clients.select_related).prefetch_related(*clients.prefetch_related),
        )

    def for_vcard(self, actor, records: QuerySet) -> QuerySet:
        """The clients with what a vCard writes: phones, emails, tags, and a person's companies the actor may see."""
        companies = policy.visible_through(actor, Contact.objects.select_related("company"), "company", Client)
        return records.prefetch_related(
            "phones",
            "emails",
            "tags",
            Prefetch("companies", queryset=companies.order_by("company__name", "id"), to_attr="shown_companies"),
        )


def _cell(column) -> Callable[[Client], str]:
    return lambda client: cell_text(client, column)


class ContactsList(ExportList):
    """The contact persons of the companies the client list finds (or of one company: `company`).

    A link is exported when the actor may export both its company and its person.
    """

    key = "contacts"
    label = gettext_lazy("Contact persons")
    model = Contact

    def records(self, actor, params: Mapping) -> QuerySet:
        filters = {name: values for name, values in _lists(params).items() if name != "company"}
        company = (_lists(params).get("company") or [""])[-1].strip()
        links = policy.visible_through(
            actor, policy.visible(actor, Contact.objects.all(), EXPORT), "person", Client, EXPORT
        )
        if company:
            if not company.isdigit() or len(company) > 12:
                raise Invalid(errors={"company": [_("Give a client number.")]})
            links = links.filter(company_id=int(company))
        if filters or not company:
            companies = clients_for(actor, read_filters(filters), EXPORT).filter(kind=Client.Kind.COMPANY)
            links = links.filter(company__in=companies.order_by().values("pk"))
        return links.order_by("company__name", "company_id", "person__name", "id")

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        columns = [
            Column("company", gettext_lazy("Company"), lambda link: link.company.name),
            Column("person", gettext_lazy("Contact person"), lambda link: link.person.name),
            Column("role", gettext_lazy("Role"), lambda link: _text(link.role)),
            Column("position", gettext_lazy("Position"), lambda link: link.person.position),
            Column("phone", gettext_lazy("Phone"), lambda link: _joined(p.number for p in link.person.phones.all())),
            Column("email", gettext_lazy("Email"), lambda link: _joined(e.address for e in link.person.emails.all())),
        ]
        return Layout(
            columns,
            lambda links: links.select_related("company", "person", "role").prefetch_related(
                "person__phones", "person__emails"
            ),
        )


def _joined(values) -> str:
    return "; ".join(value for value in values if value)


def _lists(params: Mapping) -> dict[str, list[str]]:
    """Parameters as {name: [values]}, from a QueryDict or a dict of values or lists."""
    if hasattr(params, "lists"):
        return {name: list(values) for name, values in params.lists()}
    return {
        name: [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        for name, value in params.items()
    }


# --- deals, tasks, calls, products ----------------------------------------------------------------


class DealsList(ExportList):
    key = "deals"
    label = gettext_lazy("Deals")
    model = Deal

    def records(self, actor, params: Mapping) -> QuerySet:
        return deals_for(actor, deal_criteria(params, actor), EXPORT)

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        return Layout(
            [
                Column("title", gettext_lazy("Title"), lambda deal: deal.title),
                Column("client", gettext_lazy("Client"), lambda deal: deal.client.name),
                Column("pipeline", gettext_lazy("Pipeline"), lambda deal: deal.pipeline.name),
                Column("stage", gettext_lazy("Stage"), lambda deal: deal.stage.name),
                Column("amount", gettext_lazy("Amount"), _amount),
                Column("currency", gettext_lazy("Currency"), lambda deal: deal.currency_id),
                Column("expected_close", gettext_lazy("Expected close"), lambda deal: deal.expected_close),
                Column("probability", gettext_lazy("Probability, %"), lambda deal: deal.probability),
                Column("owner", gettext_lazy("Owner"), lambda deal: str(deal.owner)),
                Column("updated", gettext_lazy("Updated"), lambda deal: deal.updated_at),
            ]
        )


def _due(task: Task) -> date | datetime:
    """An all-day task is due on a day, the others at a time (the writers show it in the reader's zone)."""
    return task.due_at.date() if task.all_day else task.due_at


class TasksList(ExportList):
    key = "tasks"
    label = gettext_lazy("Tasks")
    model = Task

    def records(self, actor, params: Mapping) -> QuerySet:
        return policy.visible(actor, tasks_for(actor, task_criteria(params, actor)), EXPORT)

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        return Layout(
            [
                Column("due", gettext_lazy("When"), _due),
                Column("title", gettext_lazy("Task"), lambda task: task.title),
                Column("kind", gettext_lazy("Kind"), lambda task: str(task.get_kind_display())),
                Column("status", gettext_lazy("Status"), lambda task: str(task.get_status_display())),
                Column("priority", gettext_lazy("Priority"), lambda task: str(task.get_priority_display())),
                Column("client", gettext_lazy("Client"), lambda task: task.client.name if task.client else ""),
                Column("deal", gettext_lazy("Deal"), lambda task: task.deal.title if task.deal else ""),
                Column("assignee", gettext_lazy("Assignee"), lambda task: str(task.assignee)),
            ]
        )


class CallsList(ExportList):
    key = "calls"
    label = gettext_lazy("Calls")
    model = Call

    def records(self, actor, params: Mapping) -> QuerySet:
        form = CallFilterForm(params, employees=owner_choices(actor))
        if not form.is_valid():
            errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
            raise Invalid(_("Please correct the filters."), errors=errors)
        return policy.visible(actor, calls_for(actor, form.criteria()), EXPORT)

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        return Layout(
            [
                Column("started", gettext_lazy("When"), lambda call: call.started_at),
                Column("direction", gettext_lazy("Direction"), lambda call: str(call.get_direction_display())),
                Column("number", gettext_lazy("Number"), lambda call: call.number),
                Column("client", gettext_lazy("Client"), lambda call: call.client.name if call.client else ""),
                Column("employee", gettext_lazy("Employee"), lambda call: str(call.employee or call.extension)),
                Column("status", gettext_lazy("Status"), lambda call: str(call.get_status_display())),
                Column("duration", gettext_lazy("Duration (seconds)"), lambda call: call.duration),
                Column("result", gettext_lazy("Result"), lambda call: call.result),
            ]
        )


class ProductsList(ExportList):
    key = "products"
    label = gettext_lazy("Products")
    model = Product

    def records(self, actor, params: Mapping) -> QuerySet:
        get = params.get
        products = products_for(
            actor,
            text=get("q") or "",
            kind=get("kind") or "",
            archived=get("archived") or "no",
            ordering=get("ordering") or "name",
        )
        return policy.visible(actor, products, EXPORT)

    def layout(self, actor, choice: ColumnChoice) -> Layout:
        return Layout(
            [
                Column("name", gettext_lazy("Name"), lambda product: product.name),
                Column("sku", gettext_lazy("SKU"), lambda product: product.sku),
                Column("kind", gettext_lazy("Kind"), lambda product: str(product.get_kind_display())),
                Column("unit", gettext_lazy("Unit"), lambda product: product.unit),
                Column("tax", gettext_lazy("Tax"), lambda product: _text(product.tax)),
                Column("archived", gettext_lazy("Archived"), lambda product: product.archived),
                Column("description", gettext_lazy("Description"), lambda product: product.description),
                Column("updated", gettext_lazy("Changed"), lambda product: product.updated_at),
            ]
        )


LISTS: dict[str, ExportList] = {
    kind.key: kind for kind in (ClientsList(), ContactsList(), DealsList(), TasksList(), CallsList(), ProductsList())
}


def export_list_of(key: str) -> ExportList:
    """The exportable list of this key; Invalid naming the lists for an unknown one."""
    try:
        return LISTS[str(key)]
    except KeyError:
        raise Invalid(
            _("Unknown list “%(key)s”. Choose one of: %(keys)s.") % {"key": str(key)[:40], "keys": ", ".join(LISTS)},
            errors={"list": [_("Not one of the choices.")]},
        ) from None
