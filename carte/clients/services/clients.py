"""Creating, changing and deleting clients with everything on their card.

A card's values are its fields (SCALARS) and its lists: phones, emails, tax ids, messengers,
tags and custom field values. Every change is checked whole (all field errors reported
together, nothing saved), audited field by field and written on the timeline.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import ProtectedError, Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients import search
from carte.clients.models import DEFAULT_STATUS, Client, Contact, Email, Messenger, Phone, ReferenceValue, TaxId
from carte.clients.services import cleaning, custom_values
from carte.clients.services.cleaning import at_most, max_length
from carte.clients.services.timeline import record_timeline
from carte.core import policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Conflict, Invalid
from carte.core.models import field_labels

# The card's own fields; all are audited.
TEXTS = ["name", "legal_name", "first_name", "middle_name", "last_name", "position"]
LONG_TEXTS = ["bank_details", "address_legal", "address_postal", "address_actual", "notes"]
REFERENCES = {
    "industry": ReferenceValue.List.INDUSTRY,
    "type": ReferenceValue.List.TYPE,
    "status": ReferenceValue.List.STATUS,
    "source": ReferenceValue.List.SOURCE,
}
SCALARS = ["kind", *TEXTS, "birthday", "website", *LONG_TEXTS, *REFERENCES, "owner"]
LISTS = ["phones", "emails", "tax_ids", "messengers", "tags"]
LONG_TEXT_LIMIT = 10_000
# What the search document is made of (carte.clients.search.document_of): other changes leave it be.
SEARCHED = {"name", "legal_name", "first_name", "middle_name", "last_name", "phones", "emails", "tax_ids"}


def _lines(kinds: type[TextChoices], items: Iterable) -> str:
    """A list as one audited value, as people read it: "Work: +33 6 12; Mobile: …"."""
    return "; ".join(f"{kinds(kind).label}: {value}" for kind, value in items)


def _shown_lists(phones, emails, tax_ids, messengers, tags) -> dict:
    return {
        "phones": _lines(Phone.Kind, ((p.kind, p.number) for p in phones)),
        "emails": _lines(Email.Kind, ((e.kind, e.address) for e in emails)),
        "tax_ids": _lines(TaxId.Kind, ((t.kind, t.value) for t in tax_ids)),
        "messengers": _lines(Messenger.Kind, ((m.kind, m.handle) for m in messengers)),
        "tags": ", ".join(sorted(str(tag) for tag in tags)),
    }


def card_values(client: Client) -> dict:
    """Everything on a card as text, to compare before and after a change (and to show a conflict)."""
    values = snapshot(client, SCALARS) | custom_values.custom_snapshot(client)
    if not client.pk:
        return values | _shown_lists((), (), (), (), ())
    return values | _shown_lists(
        client.phones.all(), client.emails.all(), client.tax_ids.all(), client.messengers.all(), client.tags.all()
    )


def default_status() -> ReferenceValue | None:
    statuses = ReferenceValue.objects.filter(list=ReferenceValue.List.STATUS, archived=False)
    return statuses.filter(key=DEFAULT_STATUS).first() or statuses.order_by("order", "id").first()


def _set_fields(client: Client, fields: dict, errors: dict) -> None:
    """Put the given field values on the client, read and checked; problems go into `errors`."""
    for name, value in fields.items():
        if value is None and name in ("status", "owner"):
            # Required: a card left without one could not even be read back to check it.
            errors[name] = [_("Choose a status.") if name == "status" else _("Choose an active employee as owner.")]
            continue
        try:
            if name in REFERENCES:
                value = cleaning.reference_value(
                    REFERENCES[name], value, field=name, current=getattr(client, name) if client.pk else None
                )
            elif name == "birthday":
                value = cleaning.clean_birthday(value)
            elif name == "website":
                value = cleaning.clean_website(value)
            elif value is None and name not in ("kind", "owner"):
                value = ""  # the API's null for a text: empty
            elif isinstance(value, str):
                value = value.strip()
        except Invalid as exc:
            errors.update(exc.errors)
            continue
        setattr(client, name, value)


def _validate(client: Client, errors: dict, *, new_owner: bool) -> None:
    """The rules a client must satisfy before it is saved; field errors go into `errors`."""
    if client.kind not in Client.Kind.values:
        errors["kind"] = [_("Choose a company or a private person.")]
    if client.kind == Client.Kind.PERSON and (client.first_name or client.last_name):
        # Lists show and sort persons by name: keep it "First Last" whenever those are known.
        client.name = client.display_name()
    if not client.name:
        errors["name"] = [_("A client needs a name.")]
    if client.status_id is None and "status" not in errors:
        errors["status"] = [_("Choose a status.")]
    # A card keeps working after its owner leaves; only a new owner must be an active employee.
    if client.owner_id is None or (new_owner and not client.owner.is_active):
        errors["owner"] = [_("Choose an active employee as owner.")]
    for field in TEXTS + ["website"]:
        limit = max_length(Client, field)
        if len(getattr(client, field)) > limit:
            errors[field] = [at_most(limit)]
    for field in LONG_TEXTS:
        if len(getattr(client, field)) > LONG_TEXT_LIMIT:
            errors[field] = [at_most(LONG_TEXT_LIMIT)]


def _clean_lists(lists: dict, errors: dict, *, current_tags=()) -> dict:
    """The given lists (phones, emails…) cleaned; None for those not given. Problems go into `errors`."""
    cleaners = {
        "phones": cleaning.clean_phones,
        "emails": cleaning.clean_emails,
        "tax_ids": cleaning.clean_tax_ids,
        "messengers": cleaning.clean_messengers,
        "tags": lambda tags: cleaning.reference_values(
            ReferenceValue.List.TAG, tags, field="tags", current=current_tags
        ),
    }
    cleaned = {}
    for name, clean in cleaners.items():
        if lists.get(name) is None:
            continue
        try:
            cleaned[name] = clean(lists[name])
        except Invalid as exc:
            errors.update(exc.errors or {name: [exc.message]})
    return cleaned


def _clean_custom(custom, errors: dict, *, client: Client | None = None) -> dict:
    try:
        return custom_values.clean_custom(custom, creating=client is None, client=client)
    except Invalid as exc:
        errors.update(exc.errors)
        return {}


def _planned(before: dict, client: Client, lists: dict, custom: dict) -> dict:
    """The card's values as they will be once the change is written."""
    shown = _shown_lists(*(lists.get(name, ()) for name in LISTS))
    return (
        before
        | snapshot(client, SCALARS)
        | {name: shown[name] for name in LISTS if name in lists}
        | custom_values.cleaned_snapshot(custom)
    )


def _write_lists(client: Client, lists: dict, custom: dict) -> None:
    """Replace the given lists of the client (those absent from `lists` stay as they are)."""
    if "phones" in lists:
        client.phones.all().delete()
        for phone in lists["phones"]:
            Phone(client=client, number=phone.number, kind=phone.kind).save()  # save() fills e164 and digits
    if "emails" in lists:
        client.emails.all().delete()
        for email in lists["emails"]:
            Email(client=client, address=email.address, kind=email.kind).save()
    if "tax_ids" in lists:
        client.tax_ids.all().delete()
        TaxId.objects.bulk_create(
            TaxId(client=client, kind=t.kind, value=t.value, normalized=cleaning.normalized_tax_id(t.value))
            for t in lists["tax_ids"]
        )
    if "messengers" in lists:
        client.messengers.all().delete()
        Messenger.objects.bulk_create(
            Messenger(client=client, kind=m.kind, handle=m.handle) for m in lists["messengers"]
        )
    if "tags" in lists:
        client.tags.set(lists["tags"])
    custom_values.write_custom(client, custom)


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(SCALARS)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on a client")


def _changed_fields(changes: dict) -> str:
    return ", ".join(field_labels(Client._meta.label_lower, list(changes)).values())


@transaction.atomic
def create_client(
    *,
    actor,
    kind: str = Client.Kind.COMPANY,
    owner=None,
    status=None,
    phones: Iterable = (),
    emails: Iterable = (),
    tax_ids: Iterable = (),
    messengers: Iterable = (),
    tags: Iterable = (),
    custom: dict | None = None,
    **fields,
) -> Client:
    """Create a client owned by `owner` (the actor by default) with everything on its card.

    `fields` are any of SCALARS (texts, `birthday`, `website`, and reference values by key:
    `industry`, `type`, `source`; `status` defaults to "lead"); `tags` are tag keys, `custom`
    maps custom field keys to values. The actor must be allowed to create this very client:
    an "own"-scope seller may only create clients they own themselves.
    """
    _check_fields(fields)
    client = Client(kind=kind, owner=owner or actor)
    policy.require(actor, policy.Action.CREATE, client)
    errors: dict = {}
    _set_fields(client, {"status": status or default_status(), **fields}, errors)
    _validate(client, errors, new_owner=True)
    lists = _clean_lists(
        {"phones": phones, "emails": emails, "tax_ids": tax_ids, "messengers": messengers, "tags": tags}, errors
    )
    custom_cleaned = _clean_custom(custom, errors)
    if errors:
        raise Invalid(errors=errors)
    client.created_at = client.updated_at = timezone.now()
    client.save()
    _write_lists(client, lists, custom_cleaned)
    search.refresh([client])
    record(actor, Verb.CREATE, client, changes=diff({}, card_values(client)))
    record_timeline(client=client, kind="created", summary=_("Card created"), actor=actor)
    return client


def _conflict(current: Client, wanted: dict) -> Conflict:
    """The refusal when the card changed since it was opened, with the current values beside theirs."""
    now = card_values(current)
    errors = {
        field: [_("The card now says “%(value)s”.") % {"value": now.get(field) or ""}]
        for field, value in wanted.items()
        if now.get(field) != value
    }
    return Conflict(
        _("Someone else changed this card while you were editing it. Check the current values and save again."),
        errors=errors,
    )


@transaction.atomic
def update_client(
    *,
    actor,
    client: Client,
    version: int,
    phones: Iterable | None = None,
    emails: Iterable | None = None,
    tax_ids: Iterable | None = None,
    messengers: Iterable | None = None,
    tags: Iterable | None = None,
    custom: dict | None = None,
    **fields,
) -> Client:
    """Change a client's fields (any of SCALARS), and replace the lists given (None: unchanged).

    `custom` changes only the custom fields it names. `version` is the version the user
    edited; when the card changed since, Conflict tells which fields now differ from what
    they typed. The actor must be allowed to edit the client before and after the change,
    so nobody hands a client to someone outside their own scope. Changing nothing writes nothing.
    """
    _check_fields(fields)
    current = Client.objects.select_for_update(of=("self",)).select_related("owner").get(pk=client.pk)
    policy.require(actor, policy.Action.EDIT, current)
    before, old_owner, old_kind = card_values(current), current.owner_id, current.kind
    errors: dict = {}
    _set_fields(current, fields, errors)
    given = {"phones": phones, "emails": emails, "tax_ids": tax_ids, "messengers": messengers, "tags": tags}
    lists = _clean_lists(given, errors, current_tags=list(current.tags.all()))
    custom_cleaned = _clean_custom(custom, errors, client=current)
    after = _planned(before, current, lists, custom_cleaned)
    if int(version) != current.version:
        theirs = {name: value for name, value in after.items() if value != before.get(name)}
        current.refresh_from_db()
        if not theirs:  # they want what the card already says: nothing to save, nothing to overwrite
            return current
        raise _conflict(current, theirs)
    _validate(current, errors, new_owner=current.owner_id != old_owner)
    if errors:
        raise Invalid(errors=errors)
    policy.require(actor, policy.Action.EDIT, current)
    _check_kind_change(current, old_kind)
    changes = diff(before, _planned(before, current, lists, custom_cleaned))
    if not changes:
        return current
    _write_lists(current, {name: value for name, value in lists.items() if name in changes}, custom_cleaned)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    if SEARCHED & set(changes):
        search.refresh([current])
    record(actor, Verb.UPDATE, current, changes=changes)
    summary = _("Changed: %(fields)s") % {"fields": _changed_fields(changes)}
    record_timeline(client=current, kind="updated", summary=summary, actor=actor)
    return current


def _check_kind_change(client: Client, old_kind: str) -> None:
    """A company with contact persons (or a person who is a contact) keeps its kind: the links need both."""
    if client.kind != old_kind and Contact.objects.filter(Q(company=client) | Q(person=client)).exists():
        raise Invalid(errors={"kind": [_("Remove the contact links first: each joins a company and a person.")]})


@transaction.atomic
def delete_client(*, actor, client: Client) -> None:
    """Delete a client with its lists, contact links and timeline; the audit log keeps its values.

    Refused with Conflict while records of other modules (deals, invoices…) still point to it.
    """
    policy.require(actor, policy.Action.DELETE, client)
    values = card_values(client)
    record(actor, Verb.DELETE, client, changes=diff(values, dict.fromkeys(values)))
    try:
        client.delete()
    except ProtectedError:
        # Raising rolls the whole use case back, audit entry included.
        raise Conflict(_("Other records still refer to this client; remove or move them first.")) from None
