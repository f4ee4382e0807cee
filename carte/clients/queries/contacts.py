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


def contacts_of(actor, client: Client, limit: int | None = None) -> list[Contact]:
    """A company's contact persons, or a person's companies, that the user may see (the first `limit`).

    Both ends must be visible: a seller sees that their contact works for a company only
    if they may see that company.
    """
    policy.require(actor, policy.Action.VIEW, client)
    side, other = _sides(client)
    links = _links(actor, client).select_related(side, f"{other}__owner", "role").order_by(f"{other}__name", "id")
    return list(links[:limit] if limit is not None else links)


def count_contacts(actor, client: Client) -> int:
    return _links(actor, client).count()


def _sides(client: Client) -> tuple[str, str]:
    """(this client's side of a contact link, the other side)."""
    return ("company", "person") if client.kind == Client.Kind.COMPANY else ("person", "company")


def _links(actor, client: Client):
    """The client's contact links whose other end the user may see."""
    side, other = _sides(client)
    return policy.visible_through(actor, Contact.objects.filter(**{side: client}), other, Client)


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
