"""Reading calls and telephony settings, scoped to the user through the access policy.

A call follows the employee who took or made it (carte.calls.permissions); a call nobody's
extension matched is reached with the scope "all" only. Connections and their event journal
are settings: the "telephony" module (administrators by default).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.calls.models import Call, CallEvent, Connection
from carte.clients.models import Client, Phone, TimelineEntry
from carte.clients.queries import readable_entries
from carte.core import policy
from carte.core.errors import NotFound
from carte.core.listing import Page, page_of
from carte.core.navigation import Figure
from carte.core.phones import digits_of
from carte.planner.recurrence import zone_of

CALL_RELATIONS = ("client", "employee")
JOURNAL_SIZE = 100
POPUP_TIMELINE = 3
Status = Call.Status
Direction = Call.Direction


def calls_visible_to(user, action: str = policy.Action.VIEW) -> QuerySet:
    """The calls the user may act on (view by default)."""
    return policy.visible(user, Call.objects.all(), action)


@dataclass(frozen=True)
class CallCriteria:
    """The filters of the call log (screen and API); dates are days in the user's time zone."""

    direction: str = ""
    status: str = ""
    employee: int | None = None
    client: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    find: str = ""


def _day_start(user, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone_of(user))


def calls_for(user, criteria: CallCriteria | None = None) -> QuerySet:
    """Calls the user may see, newest first, with what a row shows (a constant number of queries).

    `find` is a fragment of the number (digits) or of the client's name.
    """
    criteria = criteria or CallCriteria()
    calls = calls_visible_to(user).select_related(*CALL_RELATIONS)
    if criteria.direction:
        calls = calls.filter(direction=criteria.direction)
    if criteria.status:
        calls = calls.filter(status=criteria.status)
    if criteria.employee:
        calls = calls.filter(employee_id=criteria.employee)
    if criteria.client:
        calls = calls.filter(client_id=criteria.client)
    if criteria.date_from:
        calls = calls.filter(started_at__gte=_day_start(user, criteria.date_from))
    if criteria.date_to:
        calls = calls.filter(started_at__lt=_day_start(user, criteria.date_to + timedelta(days=1)))
    text = " ".join((criteria.find or "").split())
    if text:
        found = Q(client__name__icontains=text)
        digits = digits_of(text)
        if digits:
            found |= Q(number__contains=digits) | Q(from_number__contains=digits) | Q(to_number__contains=digits)
        calls = calls.filter(found)
    return calls.order_by("-started_at", "-id")


def call_page(user, criteria: CallCriteria | None, number=1, size=None) -> Page:
    return page_of(calls_for(user, criteria), number, size)


def get_call_for(actor, pk, action: str = policy.Action.VIEW) -> Call:
    """The call with this id if the user may see it (NotFound otherwise) and do `action` to it."""
    try:
        call = (
            calls_visible_to(actor)
            .select_related("client__owner", "employee", "callback_task", "connection")
            .get(pk=int(pk))
        )
    except (Call.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, call)
    return call


def client_calls(user, client: Client, number=1, size=20) -> Page:
    """A page of one client's calls the user may see, newest first (the card's Calls tab)."""
    calls = calls_visible_to(user).filter(client=client).select_related("employee").order_by("-started_at", "-id")
    return page_of(calls, number, size)


def client_call_count(user, client: Client) -> int:
    return calls_visible_to(user).filter(client=client).count()


def visible_client_ids(user, ids: set[int]) -> set[int]:
    """Which of these clients the user may open (one query; none for no ids)."""
    if not ids:
        return set()
    return set(policy.visible(user, Client.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def client_is_visible(user, client_id: int | None) -> bool:
    """May the user open this client's card? (False for no client.)"""
    if client_id is None:
        return False
    return policy.visible(user, Client.objects.filter(pk=client_id)).exists()


# The live pop-up of a ringing call


@dataclass
class Popup:
    """What the pop-up of a call shows: the caller's card (when the user may see it) or the number."""

    call: Call
    client: Client | None
    phones: list[Phone]
    companies: list[Client]
    timeline: list[TimelineEntry]
    open_deals: int | None


def _open_deals(user, client: Client) -> int | None:
    """How many open deals of the client the user may see; None when the user does not see deals."""
    if policy.scope(user, "deals", policy.Action.VIEW) == policy.Scope.NONE:
        return None
    from carte.sales.queries.deals import open_deal_count  # sales sits below calls

    return open_deal_count(user, client)


def popup_for(user, call: Call) -> Popup:
    """The pop-up's content, a bounded number of queries: the caller's card if the user may see it,
    its phones, the companies a person works for, the last entries of its timeline, its open deals."""
    client = call.client if call.client_id and client_is_visible(user, call.client_id) else None
    if client is None:
        return Popup(call, None, [], [], [], None)
    phones = list(client.phones.all()[:5])
    companies = [
        link.company
        for link in client.companies.select_related("company").order_by("company__name")[:3]
        if policy.can(user, policy.Action.VIEW, link.company)
    ]
    entries = readable_entries(user, TimelineEntry.objects.filter(client=client))
    timeline = list(entries.order_by("-at", "-id")[:POPUP_TIMELINE])
    return Popup(call, client, phones, companies, timeline, _open_deals(user, client))


# "My progress"


def calls_today(user) -> list[Figure]:
    """ "Calls today: 7 — 4 in · 2 out · 1 missed", the user's own calls since midnight in their zone (one query)."""
    if user is None or not user.is_authenticated:
        return []
    if policy.scope(user, "calls", policy.Action.VIEW) == policy.Scope.NONE:
        return []
    start = _day_start(user, timezone.localtime(timezone.now(), zone_of(user)).date())
    counts = Call.objects.filter(employee=user, started_at__gte=start).aggregate(
        total=Count("id"),
        incoming=Count("id", filter=Q(direction=Direction.INCOMING)),
        outgoing=Count("id", filter=Q(direction=Direction.OUTGOING)),
        missed=Count("id", filter=Q(direction=Direction.INCOMING, status__in=(Status.MISSED, Status.BUSY))),
    )
    detail = " · ".join(
        [
            ngettext("%(count)d in", "%(count)d in", counts["incoming"]) % {"count": counts["incoming"]},
            ngettext("%(count)d out", "%(count)d out", counts["outgoing"]) % {"count": counts["outgoing"]},
            ngettext("%(count)d missed", "%(count)d missed", counts["missed"]) % {"count": counts["missed"]},
        ]
    )
    return [Figure(_("Calls today"), counts["total"], None, detail)]


# Telephony settings


def connections_for(user) -> list[Connection]:
    """Every connection, for those who hold "view" in telephony (all scope); NotAllowed otherwise."""
    policy.require_in_module(user, "telephony", policy.Action.VIEW)
    return list(policy.visible(user, Connection.objects.all()).order_by("-active", "name", "id"))


def get_connection_for(actor, pk, action: str = policy.Action.VIEW) -> Connection:
    """The connection with this id if the user may see telephony settings; NotFound otherwise."""
    try:
        connection = policy.visible(actor, Connection.objects.all()).get(pk=int(pk))
    except (Connection.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, connection)
    return connection


def journal_of(connection: Connection, outcome: str = "", size: int = JOURNAL_SIZE) -> list[CallEvent]:
    """The latest events a connection sent (the newest first), optionally of one outcome."""
    events = CallEvent.objects.filter(connection=connection)
    if outcome:
        events = events.filter(outcome=outcome)
    return list(events.select_related("call").order_by("-received_at", "-id")[:size])
