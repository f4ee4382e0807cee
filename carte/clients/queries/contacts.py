"""Reading contact links: a company's contact persons, a person's companies, and whom to link next."""

from carte.clients import search
from carte.clients.models import Client, Contact
from carte.clients.queries.clients import visible_clients
from carte.core import policy
from carte.core.errors import NotFound


def get_contact_for(actor, pk, action: str = policy.Action.VIEW) -> Contact:
    """A contact link, if the user may see its company (the link follows the company's rights)."""
    contacts = policy.visible(actor, Contact.objects.select_related("company__owner", "person__owner"))
    try:
        contact = contacts.get(pk=int(pk))
    except (Contact.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, contact)
    return contact


def contacts_of(actor, client: Client) -> list[Contact]:
    """A company's contact persons, or a person's companies, that the user may see.

    Both ends must be visible: a seller sees that their contact works for a company only
    if they may see that company.
    """
    policy.require(actor, policy.Action.VIEW, client)
    side = "company" if client.kind == Client.Kind.COMPANY else "person"
    other = "person" if side == "company" else "company"
    return list(
        Contact.objects.filter(**{side: client}, **{f"{other}__in": visible_clients(actor)})
        .select_related(side, f"{other}__owner")
        .order_by(f"{other}__name", "id")
    )


def count_contacts(actor, client: Client) -> int:
    side, other = ("company", "person") if client.kind == Client.Kind.COMPANY else ("person", "company")
    return Contact.objects.filter(**{side: client}, **{f"{other}__in": visible_clients(actor)}).count()


def link_candidates(actor, client: Client, text: str | None, limit: int = 20) -> list[Client]:
    """Clients that could be linked to this one as contacts: the other kind, visible, not yet linked."""
    text = (text or "").strip()
    if not text:
        return []
    if client.kind == Client.Kind.COMPANY:
        others = visible_clients(actor, clients=Client.objects.persons()).exclude(companies__company=client)
    else:
        others = visible_clients(actor, clients=Client.objects.companies()).exclude(contacts__person=client)
    return search.ranked(others, text, limit)
