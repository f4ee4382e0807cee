"""Changing or exporting many clients at once: a selection, or every client a filter finds.

A change goes through update_client for each client, so each obeys the same rules as a
change made on its card (the actor may edit the client, and may still edit it once changed:
nobody hands a client to someone outside their scope), and each is audited and written on
the timeline. Clients are changed in batches of BATCH_SIZE, each batch in one transaction:
when any client of a batch is refused, the batch changes nothing and the report names each
refused client with the reason. A whole filter reaches the matching clients the actor may
edit (or export): the others are not theirs to act on.

An export is a CSV file (UTF-8 with a byte order mark, for spreadsheets) of the chosen
columns, produced row by row as it is sent, with every cell that a spreadsheet would take
for a formula made inert. It needs the "export" right and reaches only what its scope
allows; it is audited once: who, how many rows, which filter, which columns.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients.filters import ClientCriteria
from carte.clients.models import Client, ReferenceValue
from carte.clients.queries.clients import visible_clients
from carte.clients.queries.lists import Column, cell_text, clients_for, with_columns
from carte.clients.services import cleaning
from carte.clients.services.clients import update_client
from carte.core import policy
from carte.core.audit import Verb, diff, record
from carte.core.cells import neutralized
from carte.core.errors import DomainError, Invalid, NotAllowed, NotFound

BATCH_SIZE = 500
EXPORT_CHUNK = 1000
MAX_LISTED = 20


class BulkAction(models.TextChoices):
    SET_STATUS = "set_status", gettext_lazy("Set the status")
    ASSIGN_OWNER = "assign_owner", gettext_lazy("Assign an owner")
    ADD_TAG = "add_tag", gettext_lazy("Add a tag")
    REMOVE_TAG = "remove_tag", gettext_lazy("Remove a tag")


@dataclass(frozen=True)
class Refusal:
    """A client a bulk change was refused for: `status` is the refusal's (404 out of sight, 403…)."""

    client_id: int
    name: str
    reason: str
    status: int


@dataclass
class BulkReport:
    """What a bulk change did: `done` clients changed (or already as asked), `held_back` clients
    left unchanged because another client of their batch was refused, and each refusal."""

    action: str
    total: int = 0
    done: int = 0
    held_back: int = 0
    refused: list[Refusal] = field(default_factory=list)

    @property
    def status(self) -> int:
        """200 when every client was done; otherwise 404 when every refused client was out of
        sight, else the first other refusal's status (403 not allowed, 400 invalid, 409 conflict)."""
        if not self.refused:
            return 200
        others = [refusal.status for refusal in self.refused if refusal.status != NotFound.status]
        return others[0] if others else NotFound.status


def client_ids(ids: Iterable) -> list[int]:
    """Client numbers as given by a form or the API, once each, in the order given."""
    numbers: list[int] = []
    for value in ids:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 12:
            raise Invalid(
                _("“%(value)s” is not a client number.") % {"value": text[:30]},
                errors={"ids": [_("Give client numbers.")]},
            )
        numbers.append(int(text))
    return list(dict.fromkeys(numbers))


def _reference(reference_list: str, value, name: str, *, archived_too: bool = False) -> ReferenceValue:
    if value in (None, ""):
        raise Invalid(errors={name: [_("Choose a value.")]})
    if archived_too:
        found = ReferenceValue.objects.filter(list=reference_list, key=str(value)[:60]).first()
        if found is not None:
            return found
    found = cleaning.reference_value(reference_list, value, field=name)
    assert found is not None
    return found


def _owner(value):
    employee = get_user_model().objects.filter(pk=int(value), is_active=True).first() if str(value).isdigit() else None
    if employee is None:
        raise Invalid(
            _("No active employee has the number %(pk)s.") % {"pk": str(value)[:30]},
            errors={"owner": [_("Choose an active employee as owner.")]},
        )
    return employee


def _plan(action: str, value) -> tuple[Callable[[Client], dict], str]:
    """The update_client arguments an action gives each client, and its value as people read it.

    The value is checked once, up front: Invalid when it names nothing usable.
    """
    if action == BulkAction.SET_STATUS:
        status = _reference(ReferenceValue.List.STATUS, value, "status")
        return (lambda client: {"status": status}), str(status)
    if action == BulkAction.ASSIGN_OWNER:
        owner = _owner(value)
        return (lambda client: {"owner": owner}), str(owner)
    if action == BulkAction.ADD_TAG:
        tag = _reference(ReferenceValue.List.TAG, value, "tag")
        return (lambda client: {"tags": [*client.tags.all(), tag]}), str(tag)
    if action == BulkAction.REMOVE_TAG:
        tag = _reference(ReferenceValue.List.TAG, value, "tag", archived_too=True)
        return (lambda client: {"tags": [kept for kept in client.tags.all() if kept.pk != tag.pk]}), str(tag)
    raise Invalid(
        _("Unknown action “%(action)s”. Choose one of: %(actions)s.")
        % {"action": str(action)[:40], "actions": ", ".join(BulkAction.values)},
        errors={"action": [_("Not one of the choices.")]},
    )


def describe_change(*, actor, action: str, value) -> str:
    """What a bulk change will do, in words ("Set the status: Customer"), its value checked.

    NotAllowed for someone who may change no client at all; Invalid for a wrong value.
    """
    policy.require(actor, policy.Action.EDIT, Client)
    shown = _plan(action, value)[1]
    return _("%(action)s: %(value)s") % {"action": BulkAction(action).label, "value": shown}


def _reason(refused: DomainError) -> str:
    """A refusal in one sentence: its field messages when it has some, else its message."""
    details = [str(message) for messages in refused.errors.values() for message in messages]
    return " ".join(details) if details else str(refused.message)


def _out_of_sight(pk: int) -> Refusal:
    return Refusal(pk, _("Client #%(id)s") % {"id": pk}, str(NotFound.title), NotFound.status)


def _change_batch(actor, ids: list[int], change: Callable[[Client], dict], report: BulkReport) -> None:
    """Change one batch in one transaction, or nothing of it when any client is refused."""
    refused: list[Refusal] = []
    with transaction.atomic():
        found = {
            client.pk: client
            for client in visible_clients(actor, clients=Client.objects.filter(pk__in=ids)).prefetch_related("tags")
        }
        for pk in ids:
            client = found.get(pk)
            if client is None:
                refused.append(_out_of_sight(pk))
                continue
            try:
                update_client(actor=actor, client=client, version=client.version, **change(client))
            except DomainError as refusal:
                refused.append(Refusal(pk, client.name, _reason(refusal), refusal.status))
        if refused:
            transaction.set_rollback(True)
    report.refused.extend(refused)
    if refused:
        report.held_back += len(ids) - len(refused)
    else:
        report.done += len(ids)


def targets(actor, *, ids: Iterable | None = None, criteria: ClientCriteria | None = None, action: str) -> list[int]:
    """The clients a bulk use case acts on: the ids given, or the matching clients the actor may `action`."""
    if ids is not None:
        return client_ids(ids)
    if criteria is None:
        raise Invalid(
            _("Choose some clients, or apply the action to the whole filter."), errors={"ids": [_("Nothing chosen.")]}
        )
    return list(clients_for(actor, criteria, action).values_list("pk", flat=True))


def change_clients(
    *, actor, action: str, value, ids: Iterable | None = None, criteria: ClientCriteria | None = None
) -> BulkReport:
    """Set the status, assign an owner, add or remove a tag on the clients given by `ids`, or on
    every client matching `criteria` that the actor may edit.

    The value (a status or tag key, an employee id) is checked first: Invalid changes nothing.
    Then each batch of BATCH_SIZE clients is changed whole or not at all; the report says how
    many were done, how many held back, and names each refused client. A client out of the
    actor's sight is refused by its number only, never by its name.
    """
    policy.require(actor, policy.Action.EDIT, Client)
    change = _plan(action, value)[0]
    chosen = targets(actor, ids=ids, criteria=criteria, action=policy.Action.EDIT)
    report = BulkReport(action=action, total=len(chosen))
    for start in range(0, len(chosen), BATCH_SIZE):
        _change_batch(actor, chosen[start : start + BATCH_SIZE], change, report)
    return report


# --- export -------------------------------------------------------------------------------------


class _Line:
    """What csv.writer writes to: it hands each written row back."""

    def write(self, text: str) -> str:
        return text


@dataclass
class ClientExport:
    """An export ready to send: its row count (without the header), file name and lines of CSV."""

    count: int
    filename: str
    lines: Iterator[str]


def _exportable(actor, ids: list[int]) -> QuerySet:
    """The chosen clients, when the actor may export every one of them; otherwise a refusal naming them."""
    clients = visible_clients(actor, policy.Action.EXPORT, Client.objects.filter(pk__in=ids))
    missing = set(ids) - set(clients.values_list("pk", flat=True))
    if missing:
        seen = list(visible_clients(actor, clients=Client.objects.filter(pk__in=missing)).order_by("name")[:MAX_LISTED])
        if not seen:
            raise NotFound()
        raise NotAllowed(
            _("You may not export these clients: %(names)s.") % {"names": ", ".join(client.name for client in seen)}
        )
    return clients.order_by("name", "id")


def _lines(clients: QuerySet, columns: list[Column], header: list[str]) -> Iterator[str]:
    """The CSV, row by row, in the language and time zone of the request that asked for it."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([neutralized(label) for label in header])
    language, zone = translation.get_language(), timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        for client in clients.iterator(chunk_size=EXPORT_CHUNK):
            yield writer.writerow([neutralized(cell_text(client, column)) for column in columns])


def export_clients(
    *, actor, columns: list[Column], ids: Iterable | None = None, criteria: ClientCriteria | None = None
) -> ClientExport:
    """The chosen clients (`ids`), or those matching `criteria` that the actor may export, as CSV.

    Needs the "export" right: chosen clients beyond its scope are refused (NotAllowed names
    them; NotFound when none is even visible), a filter reaches only what the scope allows.
    Audited once, before the first row is sent.
    """
    policy.require(actor, policy.Action.EXPORT, Client)
    if ids is not None:
        chosen = client_ids(ids)
        clients = _exportable(actor, chosen)
        described = urlencode({"ids": ",".join(map(str, chosen[:MAX_LISTED]))})
    else:
        criteria = criteria or ClientCriteria()
        clients = clients_for(actor, criteria, policy.Action.EXPORT)
        described = urlencode(criteria.params, doseq=True)
    count = clients.count()
    keys = [column.key for column in columns]
    record(
        actor,
        Verb.EXPORT,
        label=_("Clients export"),
        changes=diff({}, {"rows": count, "filters": described, "columns": ", ".join(keys)}),
    )
    filename = f"clients-{date.today().isoformat()}.csv"
    header = [str(column.label) for column in columns]
    return ClientExport(count, filename, _lines(with_columns(clients, columns), columns, header))
