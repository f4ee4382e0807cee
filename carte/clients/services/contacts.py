"""Linking private persons to companies as their contacts, with their role there."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from carte.clients.models import Client, Contact, ReferenceValue
from carte.clients.services.cleaning import reference_value
from carte.clients.services.timeline import record_timeline
from carte.core import policy
from carte.core.audit import Verb, record
from carte.core.errors import Invalid


def _card_url(client: Client) -> str:
    return reverse("clients:card", args=[client.pk])


@transaction.atomic
def link_contact(*, actor, company: Client, person: Client, role=None) -> Contact:
    """Make a private person a contact of a company, with their role there (a contact role key).

    The actor edits the company's list of contacts, so they need "edit" on the company and
    must see the person.
    """
    contact = Contact(company=company, person=person)
    policy.require(actor, policy.Action.EDIT, contact)
    policy.require(actor, policy.Action.VIEW, person)
    if company.kind != Client.Kind.COMPANY or person.kind != Client.Kind.PERSON:
        raise Invalid(_("A contact links a private person to a company."))
    contact.role = reference_value(ReferenceValue.List.CONTACT_ROLE, role, field="role")
    if Contact.objects.filter(company=company, person=person).exists():
        raise Invalid(_("%(person)s is already a contact of %(company)s.") % {"person": person, "company": company})
    contact.save()
    record(
        actor,
        Verb.CREATE,
        contact,
        changes={"company": [None, str(company)], "person": [None, str(person)], "role": [None, _role(contact)]},
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
            "role": [_role(contact), None],
        },
    )
    _timeline_both(contact, actor, _("Contact person removed: %(person)s"), _("No longer a contact of %(company)s"))
    contact.delete()


def _role(contact: Contact) -> str | None:
    return str(contact.role) if contact.role_id else None


def _timeline_both(contact: Contact, actor, on_company: str, on_person: str) -> None:
    names = {"person": contact.person.name, "company": contact.company.name}
    role = f" ({contact.role})" if contact.role_id else ""
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
