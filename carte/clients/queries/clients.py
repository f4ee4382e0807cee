"""Reading clients: a card, owners to choose, search hits and progress figures (the list: queries.lists)."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients import search
from carte.clients.models import Client, Contact, CustomField, Email, FieldValue, Phone
from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import Page, page_of
from carte.core.models import AuditEntry
from carte.core.navigation import Figure, SearchHit

CARD_REFERENCES = ("owner", "status", "industry", "type", "source")
CARD_LISTS = ("phones", "emails", "tax_ids", "messengers", "tags", "field_values")


def _card_lists() -> tuple:
    """The prefetches of a card's lists; custom values come with their field and employee (one query)."""
    values = FieldValue.objects.select_related("field", "employee")
    return (*CARD_LISTS[:-1], Prefetch("field_values", queryset=values))


def visible_clients(actor, action: str = policy.Action.VIEW, clients: QuerySet | None = None) -> QuerySet:
    return policy.visible(actor, Client.objects.all() if clients is None else clients, action)


def matching(queryset: QuerySet, text: str | None) -> QuerySet:
    """Clients found by a search text: name, legal name, phone, email or tax id fragment (carte.clients.search)."""
    return search.matching(queryset, text)


def with_card_lists(clients: QuerySet) -> QuerySet:
    """Clients with everything the API shows of each, in a constant number of queries."""
    return clients.select_related(*CARD_REFERENCES).prefetch_related(*_card_lists())


def get_client_for(actor, pk, action: str = policy.Action.VIEW) -> Client:
    """The client with this id, if the user may see it and do `action` to it.

    NotFound when it does not exist or is not visible (the two are indistinguishable on
    purpose); NotAllowed when it is visible but the action is not allowed.
    """
    try:
        client = visible_clients(actor).select_related(*CARD_REFERENCES).get(pk=int(pk))
    except (Client.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, client)
    return client


def phones_and_emails(client: Client) -> tuple[list[Phone], list[Email]]:
    """The client's phones and emails, read once per request however many parts of the card show them."""
    prefetch_card(client)
    return list(client.phones.all()), list(client.emails.all())


def prefetch_card(client: Client) -> Client:
    """Everything a card shows next to its fields, read once per request: lists, tags, references, custom values."""
    prefetched = getattr(client, "_prefetched_objects_cache", {})
    if not all(name in prefetched for name in CARD_LISTS):
        prefetch_related_objects([client], *_card_lists())
    return client


def custom_values_of(client: Client) -> dict:
    """The client's custom field values by field key, as the API gives them (from the card's prefetch)."""
    values: dict = {}
    for row in client.field_values.all():
        field = row.field
        if field.archived:
            continue
        if field.kind == CustomField.Kind.MULTICHOICE:
            values.setdefault(field.key, []).append(row.text)
        elif field.kind in (CustomField.Kind.NUMBER, CustomField.Kind.MONEY):
            values[field.key] = field.shown_number(row.number)
        elif field.kind == CustomField.Kind.DATE and row.date is not None:
            values[field.key] = row.date.isoformat()
        elif field.kind == CustomField.Kind.BOOLEAN:
            values[field.key] = row.flag
        elif field.kind == CustomField.Kind.EMPLOYEE:
            values[field.key] = row.employee_id
        else:
            values[field.key] = row.text
    return values


def history_of(actor, client: Client, page=1, size=20) -> Page:
    """The audit log entries of one client, newest first, a page at a time.

    Readable by whoever may view the client: the card's history follows the client's
    rights, not the "audit" module's (which governs the whole log).
    """
    policy.require(actor, policy.Action.VIEW, client)
    entries = AuditEntry.objects.filter(model=Client._meta.label_lower, object_id=str(client.pk)).order_by("-at", "-id")
    return page_of(entries, page, size)


def owner_choices(actor) -> QuerySet:
    """Active employees, for the list's owner filter."""
    employees = get_user_model().objects.filter(is_active=True)
    return policy.visible(actor, employees).order_by("first_name", "last_name", "username")


def assignable_owners(actor, action: str = policy.Action.CREATE, current=None) -> QuerySet:
    """Active employees this user may make the owner of a client they create (or edit).

    Asks the policy about a would-be client for each employee, so the choices offered are
    exactly what the service will accept. `current` (the present owner) is always kept.
    """
    employees = get_user_model().objects.filter(is_active=True).select_related("department")
    allowed = [e.pk for e in employees if policy.can(actor, action, Client(owner=e))]
    if current is not None:
        allowed.append(current.pk)
    return get_user_model().objects.filter(pk__in=allowed).order_by("first_name", "last_name", "username")


def employee_by_id(pk) -> object:
    """An active employee to make owner; Invalid when there is none (the service checks the right)."""
    employee = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if employee is None:
        raise Invalid(_("No active employee has the number %(pk)s.") % {"pk": pk}, errors={"owner": [_("Unknown.")]})
    return employee


def _kind_label(client: Client, companies: list[Contact]) -> str:
    if companies:
        return str(_("Contact person"))
    return str(client.get_kind_display())


def _detail(client: Client, companies: list[Contact]) -> str:
    if companies:
        return ", ".join(
            _("%(role)s at %(company)s") % {"role": link.role, "company": link.company.name}
            if link.role
            else link.company.name
            for link in companies
        )
    return " · ".join(part for part in (client.position, str(client.status), str(client.owner)) if part)


def search_hits(user, text: str, limit: int = 10) -> list[SearchHit]:
    """The global search's client results, best first: by name, phone, email or tax id fragment.

    A contact person's detail line names the companies they work for, among those the
    user may see. At most three queries whatever the data size.
    """
    clients = search.find_clients(user, text, limit)
    persons = [c.pk for c in clients if c.kind == Client.Kind.PERSON]
    companies: dict[int, list[Contact]] = {}
    if persons:
        links = policy.visible_through(user, Contact.objects.filter(person_id__in=persons), "company", Client)
        for link in links.select_related("company", "role").order_by("company__name", "id"):
            companies.setdefault(link.person_id, []).append(link)
    return [
        SearchHit(
            kind=_kind_label(client, companies.get(client.pk, [])),
            title=client.name,
            detail=_detail(client, companies.get(client.pk, [])),
            url=reverse("clients:card", args=[client.pk]),
        )
        for client in clients
    ]


def progress_of(user) -> list[Figure]:
    """The user's own figures for the "my progress" panel.

    Two counts, each read from an (owner, date) index, rather than one pass over all the
    user's clients: an owner of thousands of cards would pay for that on every page.
    """
    if user is None or not user.is_authenticated:
        return []
    now = timezone.localtime()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    mine = Client.objects.filter(owner=user)
    return [
        Figure(_("Clients added this month"), mine.filter(created_at__gte=day.replace(day=1)).count()),
        Figure(_("Cards updated today"), mine.filter(updated_at__gte=day).count()),
    ]
