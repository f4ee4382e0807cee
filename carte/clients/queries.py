"""Reads of clients, scoped to the user through the access policy.

The HTML list, the REST list and the global search all go through `clients_visible_to` /
`_matching`, so they filter the same way and never show a record the policy hides.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients.models import Client, Contact, Email, Phone, TimelineEntry
from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import Page, ordered, page_of
from carte.core.models import AuditEntry
from carte.core.navigation import Figure, SearchHit
from carte.core.phones import digits_of

# Public sort key → field; each is backed by an index on Client.
SORTS = {"name": "name", "created": "created_at", "updated": "updated_at", "status": "status"}
DEFAULT_SORT = "name"
MIN_PHONE_DIGITS = 3
TIMELINE_PAGE = 30
MAX_TIMELINE_PAGE = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _visible(actor, action: str = policy.Action.VIEW, clients: QuerySet | None = None) -> QuerySet:
    return policy.visible(actor, Client.objects.all() if clients is None else clients, action)


def _choice(field: str, value: str | None, choices) -> str | None:
    """A filter value checked against its choices; an unknown one is refused, never ignored."""
    if not value:
        return None
    if value not in choices.values:
        raise Invalid(
            _("Unknown %(field)s “%(value)s”. Choose one of: %(values)s.")
            % {"field": field, "value": value, "values": ", ".join(choices.values)},
            errors={field: [_("Not one of the choices.")]},
        )
    return value


def _owner_id(actor, owner) -> int | None:
    """The owner filter: an employee id, or "me"."""
    if owner in (None, ""):
        return None
    if owner == "me":
        return actor.pk
    try:
        return int(owner)
    except (TypeError, ValueError):
        raise Invalid(
            _("The owner filter must be an employee number or “me”, not “%(value)s”.") % {"value": owner},
            errors={"owner": [_("Not an employee number.")]},
        ) from None


def _phone_lookup(text: str) -> Q | None:
    """Phones matching a typed fragment, whether it was typed nationally or internationally.

    "0612" and "+33 6 12" both find "06 12 34 56 78" and "+33 6 12 34 56 78": the bare
    digits are matched anywhere, and a fragment with a prefix (national "0", or "+"/"00")
    is also matched against the start of the E.164 form.
    """
    digits = digits_of(text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    lookup = Q(digits__contains=digits)
    stripped = text.strip()
    if stripped.startswith("+"):
        lookup |= Q(e164__startswith=f"+{digits}")
    elif digits.startswith("00"):
        lookup |= Q(e164__startswith=f"+{digits[2:]}")
    elif digits.startswith("0"):
        country = phonenumbers.country_code_for_region(settings.PHONE_REGION)
        if country:
            lookup |= Q(e164__startswith=f"+{country}{digits[1:]}")
    return lookup


def _matching(queryset: QuerySet, text: str | None) -> QuerySet:
    """Clients whose name, a phone or an email contains the fragment (case-insensitive)."""
    text = (text or "").strip()
    if not text:
        return queryset
    found = Q(name__icontains=text)
    found |= Q(Exists(Email.objects.filter(client=OuterRef("pk"), address__contains=text.lower())))
    phones = _phone_lookup(text)
    if phones is not None:
        found |= Q(Exists(Phone.objects.filter(phones, client=OuterRef("pk"))))
    return queryset.filter(found)


def clients_visible_to(actor, *, q=None, kind=None, status=None, owner=None, ordering=None) -> QuerySet:
    """The clients this user may see, filtered and sorted; the one filter of the list screen and the API.

    Unknown kinds, statuses, owners or sort keys raise Invalid with a message naming the
    accepted values. Owner, phones and emails come along in a constant number of queries.
    """
    clients = _visible(actor)
    if kind := _choice("kind", kind, Client.Kind):
        clients = clients.filter(kind=kind)
    if status := _choice("status", status, Client.Status):
        clients = clients.filter(status=status)
    if (owner_id := _owner_id(actor, owner)) is not None:
        clients = clients.filter(owner_id=owner_id)
    clients = _matching(clients, q)
    clients = ordered(clients, ordering, SORTS, DEFAULT_SORT)
    return clients.select_related("owner").prefetch_related("phones", "emails")


def get_client_for(actor, pk, action: str = policy.Action.VIEW) -> Client:
    """The client with this id, if the user may see it and do `action` to it.

    NotFound when it does not exist or is not visible (the two are indistinguishable on
    purpose); NotAllowed when it is visible but the action is not allowed.
    """
    try:
        client = _visible(actor).select_related("owner").get(pk=int(pk))
    except (Client.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, client)
    return client


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


def phones_and_emails(client: Client) -> tuple[list[Phone], list[Email]]:
    """The client's phones and emails, read once per request however many parts of the card show them."""
    prefetch_related_objects([client], "phones", "emails")
    return list(client.phones.all()), list(client.emails.all())


def contacts_of(actor, client: Client) -> list[Contact]:
    """A company's contact persons, or a person's companies, that the user may see.

    Both ends must be visible: a seller sees that their contact works for a company only
    if they may see that company.
    """
    policy.require(actor, policy.Action.VIEW, client)
    side = "company" if client.kind == Client.Kind.COMPANY else "person"
    other = "person" if side == "company" else "company"
    return list(
        Contact.objects.filter(**{side: client}, **{f"{other}__in": _visible(actor)})
        .select_related(side, f"{other}__owner")
        .order_by(f"{other}__name", "id")
    )


def count_contacts(actor, client: Client) -> int:
    side, other = ("company", "person") if client.kind == Client.Kind.COMPANY else ("person", "company")
    return Contact.objects.filter(**{side: client}, **{f"{other}__in": _visible(actor)}).count()


def link_candidates(actor, client: Client, text: str | None, limit: int = 20) -> list[Client]:
    """Clients that could be linked to this one as contacts: the other kind, visible, not yet linked."""
    text = (text or "").strip()
    if not text:
        return []
    if client.kind == Client.Kind.COMPANY:
        others = _visible(actor, clients=Client.objects.persons()).exclude(companies__company=client)
    else:
        others = _visible(actor, clients=Client.objects.companies()).exclude(contacts__person=client)
    return list(_matching(others, text).order_by("name", "id")[:limit])


def history_of(actor, client: Client, page=1, size=20) -> Page:
    """The audit log entries of one client, newest first, a page at a time.

    Readable by whoever may view the client: the card's history follows the client's
    rights, not the "audit" module's (which governs the whole log).
    """
    policy.require(actor, policy.Action.VIEW, client)
    entries = AuditEntry.objects.filter(model=Client._meta.label_lower, object_id=str(client.pk)).order_by("-at", "-id")
    return page_of(entries, page, size)


@dataclass(frozen=True)
class TimelinePage:
    """A page of a card's timeline; `next_cursor` fetches the older entries (None at the end)."""

    entries: list[TimelineEntry]
    next_cursor: str | None


def _cursor_of(entry: TimelineEntry) -> str:
    return f"{(entry.at - EPOCH) // timedelta(microseconds=1)}.{entry.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, pk = (int(part) for part in cursor.split("."))
    except (AttributeError, ValueError):
        raise Invalid(
            _("“%(value)s” is not a timeline position.") % {"value": cursor},
            errors={"before": [_("Not a timeline position.")]},
        ) from None
    return EPOCH + timedelta(microseconds=micros), pk


def timeline_for(actor, client: Client, *, kind=None, before=None, limit=TIMELINE_PAGE) -> TimelinePage:
    """The client's timeline newest first, `limit` entries older than the `before` cursor.

    Keyset paging on (at, id) over the (client, at, id) index: every page costs the same
    whatever the length of the history, unlike an OFFSET.
    """
    policy.require(actor, policy.Action.VIEW, client)
    limit = max(1, min(int(limit), MAX_TIMELINE_PAGE))
    entries = TimelineEntry.objects.filter(client=client)
    if kind:
        entries = entries.filter(kind=kind)
    if before:
        at, pk = _parse_cursor(before)
        entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(entries.select_related("actor").order_by("-at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelinePage(rows, _cursor_of(rows[-1]) if more else None)


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
    return " · ".join(part for part in (client.position, client.get_status_display(), str(client.owner)) if part)


def search_hits(user, text: str, limit: int = 10) -> list[SearchHit]:
    """The global search's client results: companies and persons by name, phone or email fragment.

    A contact person's detail line names the companies they work for, among those the
    user may see. Two queries whatever the data size.
    """
    if not (text or "").strip():
        return []
    clients = list(_matching(_visible(user), text).select_related("owner").order_by("name", "id")[:limit])
    persons = [c.pk for c in clients if c.kind == Client.Kind.PERSON]
    companies: dict[int, list[Contact]] = {}
    if persons:
        links = Contact.objects.filter(person_id__in=persons, company__in=_visible(user)).select_related("company")
        for link in links.order_by("company__name", "id"):
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
    """The user's own figures for the "my progress" panel, in one query."""
    if user is None or not user.is_authenticated:
        return []
    now = timezone.localtime()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    counts = Client.objects.filter(owner=user).aggregate(
        added=Count("pk", filter=Q(created_at__gte=month)),
        updated=Count("pk", filter=Q(updated_at__gte=day)),
    )
    return [
        Figure(_("Clients added this month"), counts["added"]),
        Figure(_("Cards updated today"), counts["updated"]),
    ]
