"""Every change to clients: one function per use case, rights checked first, audited, on the timeline.

The HTML views and the REST API call these same functions. Each takes the acting employee
as `actor` and keyword arguments only; each refusal raises a carte.core.errors exception
before anything is written.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import Client, Contact, Email, Phone, TimelineEntry
from carte.clients.queries import MIN_PHONE_DIGITS
from carte.core import policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Conflict, Invalid
from carte.core.models import field_label
from carte.core.phones import digits_of

# The fields a person edits on the card; all are audited.
EDITABLE = ["kind", "name", "first_name", "last_name", "position", "status", "owner", "notes"]


def _max_length(model: type[models.Model], name: str) -> int:
    """The length limit of a text field, as the database enforces it."""
    return cast(models.CharField, model._meta.get_field(name)).max_length or 0


SUMMARY_LENGTH = _max_length(TimelineEntry, "summary")


class PhoneData(NamedTuple):
    """A phone as given by a form or the API."""

    number: str
    kind: str = Phone.Kind.WORK


class EmailData(NamedTuple):
    """An email address as given by a form or the API."""

    address: str
    kind: str = Email.Kind.WORK


def _card_url(client: Client) -> str:
    return reverse("clients:card", args=[client.pk])


def _lines(items: Iterable) -> str:
    """Phones or emails as one audited value: "work: +33 6 12; mobile: …"."""
    return "; ".join(f"{kind}: {value}" for value, kind in items)


def _audited(client: Client) -> dict:
    """The values compared before and after a change, phones and emails included."""
    values = snapshot(client, EDITABLE)
    values["phones"] = _lines((p.number, p.kind) for p in client.phones.all()) if client.pk else ""
    values["emails"] = _lines((e.address, e.kind) for e in client.emails.all()) if client.pk else ""
    return values


def _as(kind: type, item):
    """Accept a PhoneData/EmailData, a plain tuple or a dict (as the API parses it)."""
    if isinstance(item, kind):
        return item
    return kind(**item) if isinstance(item, dict) else kind(*item)


def _clean_phones(phones: Iterable) -> list[PhoneData]:
    cleaned, errors = [], []
    for phone in phones:
        phone = _as(PhoneData, phone)
        number = phone.number.strip()
        if phone.kind not in Phone.Kind.values:
            errors.append(_("“%(kind)s” is not a kind of phone.") % {"kind": phone.kind})
        elif len(digits_of(number)) < MIN_PHONE_DIGITS:
            errors.append(_("“%(number)s” is not a phone number.") % {"number": number})
        else:
            cleaned.append(PhoneData(number, phone.kind))
    if errors:
        raise Invalid(errors={"phones": errors})
    return cleaned


def _clean_emails(emails: Iterable) -> list[EmailData]:
    cleaned, errors = [], []
    for email in emails:
        email = _as(EmailData, email)
        address = email.address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("“%(address)s” is not an email address.") % {"address": address})
            continue
        if email.kind not in Email.Kind.values:
            errors.append(_("“%(kind)s” is not a kind of email.") % {"kind": email.kind})
        else:
            cleaned.append(EmailData(address, email.kind))
    if errors:
        raise Invalid(errors={"emails": errors})
    return cleaned


def _at_most(limit: int) -> str:
    return ngettext("At most %(limit)d character.", "At most %(limit)d characters.", limit) % {"limit": limit}


def _validate(client: Client, *, new_owner: bool = True) -> None:
    """The rules a client must satisfy before it is saved; field errors in one Invalid."""
    errors = {}
    if client.kind not in Client.Kind.values:
        errors["kind"] = [_("Choose a company or a private person.")]
    if client.status not in Client.Status.values:
        errors["status"] = [_("Not one of the statuses.")]
    if client.kind == Client.Kind.PERSON and (client.first_name or client.last_name):
        # Lists show and sort persons by name: keep it "First Last" whenever those are known.
        client.name = client.display_name()
    if not client.name:
        errors["name"] = [_("A client needs a name.")]
    # A card keeps working after its owner leaves; only a new owner must be an active employee.
    if client.owner_id is None or (new_owner and not client.owner.is_active):
        errors["owner"] = [_("Choose an active employee as owner.")]
    for field in ("name", "first_name", "last_name", "position"):
        limit = _max_length(Client, field)
        if len(getattr(client, field)) > limit:
            errors[field] = [_at_most(limit)]
    if errors:
        raise Invalid(errors=errors)


def _check_kind_change(client: Client, old_kind: str) -> None:
    """A company with contact persons (or a person who is a contact) keeps its kind: the links need both."""
    if client.kind != old_kind and Contact.objects.filter(Q(company=client) | Q(person=client)).exists():
        raise Invalid(errors={"kind": [_("Remove the contact links first: each joins a company and a person.")]})


def _replace_phones(client: Client, phones: list[PhoneData]) -> None:
    client.phones.all().delete()
    for phone in phones:
        Phone(client=client, number=phone.number, kind=phone.kind).save()  # save() fills e164 and digits


def _replace_emails(client: Client, emails: list[EmailData]) -> None:
    client.emails.all().delete()
    for email in emails:
        Email(client=client, address=email.address, kind=email.kind).save()


def _changed_fields(changes: dict) -> str:
    return ", ".join(field_label(Client._meta.label_lower, name) for name in changes)


@transaction.atomic
def record_timeline(*, client: Client, kind: str, summary: str, link: str = "", actor=None, at: datetime | None = None):
    """Add an entry to a client's timeline. For other apps' services, which have checked rights already.

    `kind` should be registered with carte.clients.card.register_timeline_kind so the card
    can label and filter it; `link` is the URL of the record the entry is about.
    """
    return TimelineEntry.objects.create(
        client=client,
        kind=kind,
        summary=summary[:SUMMARY_LENGTH],
        link=link,
        actor=actor if actor is not None and actor.pk else None,
        at=at or timezone.now(),
    )


@transaction.atomic
def create_client(
    *,
    actor,
    kind: str = Client.Kind.COMPANY,
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    position: str = "",
    status: str = Client.Status.LEAD,
    owner=None,
    notes: str = "",
    phones: Iterable = (),
    emails: Iterable = (),
) -> Client:
    """Create a client owned by `owner` (the actor by default), with its phones and emails.

    The actor must be allowed to create this very client: an "own"-scope seller may only
    create clients they own themselves.
    """
    client = Client(
        kind=kind,
        name=name.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        position=position.strip(),
        status=status,
        owner=owner or actor,
        notes=notes,
    )
    policy.require(actor, policy.Action.CREATE, client)
    _validate(client)
    phones, emails = _clean_phones(phones), _clean_emails(emails)
    client.created_at = client.updated_at = timezone.now()
    client.save()
    _replace_phones(client, phones)
    _replace_emails(client, emails)
    record(actor, Verb.CREATE, client, changes=diff({}, _audited(client)))
    record_timeline(client=client, kind="created", summary=_("Card created"), actor=actor)
    return client


def _conflict(current: Client, wanted: dict) -> Conflict:
    """The refusal when the card changed since it was opened, with the current values beside theirs."""
    now = _audited(current)
    errors = {
        field: [_("The card now says “%(value)s”.") % {"value": now[field] or ""}]
        for field, value in wanted.items()
        if now[field] != value
    }
    return Conflict(
        _("Someone else changed this card while you were editing it. Check the current values and save again."),
        errors=errors,
    )


@transaction.atomic
def update_client(
    *, actor, client: Client, version: int, phones: Iterable | None = None, emails: Iterable | None = None, **fields
) -> Client:
    """Change a client's fields (any of EDITABLE), and replace its phones or emails when given.

    `version` is the version the user edited; when the card changed since, Conflict tells
    which fields now differ from what they typed. The actor must be allowed to edit the
    client before and after the change, so nobody hands a client to someone outside their
    own scope. Changing nothing writes nothing.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_client() cannot change {', '.join(sorted(unknown))}")
    current = Client.objects.select_for_update(of=("self",)).select_related("owner").get(pk=client.pk)
    policy.require(actor, policy.Action.EDIT, current)
    before, old_owner = _audited(current), current.owner_id
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) and name != "notes" else value)
    phones = _clean_phones(phones) if phones is not None else None
    emails = _clean_emails(emails) if emails is not None else None
    after = snapshot(current, EDITABLE) | {
        "phones": before["phones"] if phones is None else _lines(phones),
        "emails": before["emails"] if emails is None else _lines(emails),
    }
    if int(version) != current.version:
        theirs = {name: after[name] for name in [*fields, "phones", "emails"] if after[name] != before[name]}
        current.refresh_from_db()
        if not theirs:  # they want what the card already says: nothing to save, nothing to overwrite
            return current
        raise _conflict(current, theirs)
    policy.require(actor, policy.Action.EDIT, current)
    _validate(current, new_owner=current.owner_id != old_owner)
    _check_kind_change(current, before["kind"])
    changes = diff(before, snapshot(current, EDITABLE) | {k: after[k] for k in ("phones", "emails")})
    if not changes:
        return current
    if phones is not None and "phones" in changes:
        _replace_phones(current, phones)
    if emails is not None and "emails" in changes:
        _replace_emails(current, emails)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    record(actor, Verb.UPDATE, current, changes=changes)
    summary = _("Changed: %(fields)s") % {"fields": _changed_fields(changes)}
    record_timeline(client=current, kind="updated", summary=summary, actor=actor)
    return current


@transaction.atomic
def delete_client(*, actor, client: Client) -> None:
    """Delete a client with its phones, emails, contact links and timeline; the audit log keeps its values.

    Refused with Conflict while records of other modules (deals, invoices…) still point to it.
    """
    policy.require(actor, policy.Action.DELETE, client)
    values = _audited(client)
    record(actor, Verb.DELETE, client, changes=diff(values, dict.fromkeys(values)))
    try:
        client.delete()
    except ProtectedError:
        # Raising rolls the whole use case back, audit entry included.
        raise Conflict(_("Other records still refer to this client; remove or move them first.")) from None


@transaction.atomic
def add_note(*, actor, client: Client, text: str) -> TimelineEntry:
    """Write a note on a client's timeline; whoever may edit the client may add notes."""
    policy.require(actor, policy.Action.EDIT, client)
    text = (text or "").strip()
    if not text:
        raise Invalid(errors={"text": [_("Write something first.")]})
    if len(text) > SUMMARY_LENGTH:
        raise Invalid(errors={"text": [_at_most(SUMMARY_LENGTH)]})
    entry = record_timeline(client=client, kind="note", summary=text, actor=actor)
    record(actor, Verb.CREATE, entry, changes={"client": [None, str(client)], "note": [None, text]})
    return entry


@transaction.atomic
def link_contact(*, actor, company: Client, person: Client, role: str = "") -> Contact:
    """Make a private person a contact of a company, with their role there.

    The actor edits the company's list of contacts, so they need "edit" on the company and
    must see the person.
    """
    contact = Contact(company=company, person=person, role=role.strip())
    policy.require(actor, policy.Action.EDIT, contact)
    policy.require(actor, policy.Action.VIEW, person)
    if company.kind != Client.Kind.COMPANY or person.kind != Client.Kind.PERSON:
        raise Invalid(_("A contact links a private person to a company."))
    if Contact.objects.filter(company=company, person=person).exists():
        raise Invalid(_("%(person)s is already a contact of %(company)s.") % {"person": person, "company": company})
    contact.save()
    record(
        actor,
        Verb.CREATE,
        contact,
        changes={"company": [None, str(company)], "person": [None, str(person)], "role": [None, contact.role]},
    )
    _timeline_both(contact, actor, _("Contact person added: %(person)s"), _("Became a contact of %(company)s"))
    return contact


@transaction.atomic
def unlink_contact(*, actor, contact: Contact) -> None:
    """Remove a person from a company's contacts (both cards stay)."""
    policy.require(actor, policy.Action.EDIT, contact)
    record(
        actor,
        Verb.DELETE,
        contact,
        changes={
            "company": [str(contact.company), None],
            "person": [str(contact.person), None],
            "role": [contact.role, None],
        },
    )
    _timeline_both(contact, actor, _("Contact person removed: %(person)s"), _("No longer a contact of %(company)s"))
    contact.delete()


def _timeline_both(contact: Contact, actor, on_company: str, on_person: str) -> None:
    names = {"person": contact.person.name, "company": contact.company.name}
    role = f" ({contact.role})" if contact.role else ""
    record_timeline(
        client=contact.company,
        kind="contact",
        summary=on_company % names + role,
        link=_card_url(contact.person),
        actor=actor,
    )
    record_timeline(
        client=contact.person,
        kind="contact",
        summary=on_person % names + role,
        link=_card_url(contact.company),
        actor=actor,
    )
