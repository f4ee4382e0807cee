"""Creating many clients at once (an import): the same rules as `create_client`, a few statements per batch.

A `NewCard` holds a card's values already read: scalars, lists, tags, custom values and the
companies a person is a contact of. `card_errors` checks one card as `create_client` would,
without touching the database; `create_cards` writes a batch of checked cards with one
insert per table, their search documents computed in memory and a timeline entry each.
The caller (the import) holds the transaction and decides which cards to write.
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients import search
from carte.clients.models import Client, Contact, CustomField, Email, FieldValue, Messenger, Phone, TaxId, TimelineEntry
from carte.clients.services.cleaning import EmailData, MessengerData, PhoneData, TaxIdData, normalized_tax_id
from carte.clients.services.clients import LONG_TEXT_LIMIT, LONG_TEXTS, TEXTS, _validate
from carte.clients.services.timeline import SUMMARY_LENGTH
from carte.core import bulk, policy
from carte.core.phones import digits_of, to_e164

CLIENT_COLUMNS = [field.attname for field in Client._meta.concrete_fields]
VALUE_COLUMNS = ("client", "field", "text", "number", "date", "flag", "employee")


@dataclass
class NewCard:
    """A client to create, its values read and cleaned (references and owner as objects)."""

    fields: dict
    phones: list[PhoneData] = field(default_factory=list)
    emails: list[EmailData] = field(default_factory=list)
    tax_ids: list[TaxIdData] = field(default_factory=list)
    messengers: list[MessengerData] = field(default_factory=list)
    tags: list = field(default_factory=list)
    custom: dict[CustomField, list[dict]] = field(default_factory=dict)
    companies: list = field(default_factory=list)  # ids of the companies a person is a contact of
    made: int | None = None  # the id of the client, once created (or a placeholder for a dry run)
    built: Client | None = None

    def client(self) -> Client:
        """The unsaved client these values make (made once: check it, then save it)."""
        if self.built is not None:
            return self.built
        client = self.built = Client(**self.fields)
        if client.kind == Client.Kind.PERSON and (client.first_name or client.last_name):
            client.name = client.display_name()
        return client


def card_errors(actor, card: NewCard) -> dict[str, list[str]]:
    """What keeps this card from being created by this actor, by field; {} when nothing does."""
    client = card.client()
    for name in TEXTS + LONG_TEXTS + ["website"]:
        if getattr(client, name) is None:
            setattr(client, name, "")
    errors: dict[str, list[str]] = {}
    _validate(client, errors, new_owner=True)
    if not errors and not policy.can(actor, policy.Action.CREATE, client):
        errors["owner"] = [_("You may not create clients for %(owner)s.") % {"owner": client.owner}]
    if card.companies and client.kind != Client.Kind.PERSON:
        errors["kind"] = [_("Only a private person can be a contact of a company.")]
    for custom_field, rows in card.custom.items():
        if custom_field.required and not rows:
            errors[f"custom_{custom_field.key}"] = [_("This field is required.")]
    return errors


def _document(client: Client, card: NewCard) -> str:
    """The search document, as carte.clients.search.document_of would compute it from the saved rows."""
    phones = [form for phone in card.phones for form in search.phone_forms(phone.number, to_e164(phone.number))]
    return search.document_from(
        client,
        emails=[email.address for email in card.emails],
        tax_ids=[normalized_tax_id(tax_id.value) for tax_id in card.tax_ids],
        phone_forms=phones,
    )


def create_cards(actor, cards: list[NewCard], *, summary: str) -> list[Client]:
    """Write checked cards (see `card_errors`) in one insert per table; answer the clients in the same order.

    Each gets a timeline entry saying where it came from (`summary`, e.g. the file's name).
    Runs inside the caller's transaction.
    """
    now = timezone.now()
    clients = []
    for card in cards:
        client = card.client()
        for name in LONG_TEXTS:
            setattr(client, name, (getattr(client, name) or "")[:LONG_TEXT_LIMIT])
        client.created_at = client.updated_at = now
        client.search_document = _document(client, card)
        clients.append(client)
    for client, pk in zip(clients, bulk.reserve_ids(Client, len(clients)), strict=True):
        client.pk = pk
    with search.indexed_together() as index:
        bulk.insert(Client, CLIENT_COLUMNS, [[getattr(client, name) for name in CLIENT_COLUMNS] for client in clients])
        index([client.pk for client in clients])
    _write_lists(list(zip(clients, cards, strict=True)))
    summary = summary[:SUMMARY_LENGTH]
    bulk.insert(
        TimelineEntry,
        ("client", "kind", "summary", "link", "actor", "at"),
        [(client.pk, "created", summary, "", actor.pk, now) for client in clients],
    )
    return clients


def _write_lists(made: list[tuple[Client, NewCard]]) -> None:
    """The cards' lists, one insert per table, as rows of values (no model instance: a batch has thousands)."""
    lists: dict[tuple[type[models.Model], tuple[str, ...]], list[tuple]] = {
        (Phone, ("client", "kind", "number", "e164", "digits")): [
            (client.pk, p.kind, p.number, to_e164(p.number), digits_of(p.number))
            for client, card in made
            for p in card.phones
        ],
        (Email, ("client", "kind", "address")): [
            (client.pk, e.kind, e.address) for client, card in made for e in card.emails
        ],
        (TaxId, ("client", "kind", "value", "normalized")): [
            (client.pk, t.kind, t.value, normalized_tax_id(t.value)) for client, card in made for t in card.tax_ids
        ],
        (Messenger, ("client", "kind", "handle")): [
            (client.pk, m.kind, m.handle) for client, card in made for m in card.messengers
        ],
        (FieldValue, VALUE_COLUMNS): [
            (client.pk, f.pk, row.get("text", ""), row.get("number"), row.get("date"), row.get("flag"), _pk(row))
            for client, card in made
            for f, rows in card.custom.items()
            for row in rows
        ],
        (Contact, ("company", "person")): [(company, client.pk) for client, card in made for company in card.companies],
        (Client.tags.through, ("client", "referencevalue")): [
            (client.pk, tag.pk) for client, card in made for tag in card.tags
        ],
    }
    for (model, columns), rows in lists.items():
        if rows:
            bulk.insert(model, columns, rows)


def _pk(row: dict) -> int | None:
    employee = row.get("employee")
    return employee.pk if employee is not None else None
