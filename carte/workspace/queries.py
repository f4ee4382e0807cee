"""Reads for the workspace: the registry entries a user may follow, the home overview, the global search.

The workspace is the top layer: it may read every app, and reads the others' registries in
carte.core.navigation rather than naming their screens, so a module that is absent is simply
not shown.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import Client, TimelineEntry
from carte.clients.queries import clients_visible_to, readable_entries
from carte.core import navigation, policy
from carte.core.errors import Invalid

SEARCH_MIN_LENGTH = 2
SEARCH_DEFAULT_LIMIT = 20
SEARCH_MAX_LIMIT = 50
HOME_ROWS = 10

# The icons of carte/static/carte/icons.svg; a link naming another gets none (the quick-access
# panel then shows a neutral dot).
ICONS = frozenset(
    {
        "home", "clients", "deals", "tasks", "calendar", "calls", "mail", "documents", "processes",
        "reports", "knowledge", "import", "backups", "employees", "settings", "plus", "search", "dot",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """A menu entry, action or settings page the user may follow, with its address resolved."""

    key: str
    label: str
    url: str
    icon: str
    shortcut: str
    module: str
    action: str
    current: bool = False


def entries_for(user, links: list[navigation.Link]) -> list[Entry]:
    """The links of a registry that this user holds the right for, in the registry's order."""
    return [
        Entry(
            key=link.key,
            label=link.label,
            url=reverse(link.url_name),
            icon=link.icon if link.icon in ICONS else "",
            shortcut=link.shortcut,
            module=link.module,
            action=link.action,
        )
        for link in navigation.visible_links(links, user)
    ]


def action_for(user, module: str, action: str) -> Entry | None:
    """The action-bar entry that does `action` in `module` (say, "New client"), if the user may."""
    return next(
        (entry for entry in entries_for(user, navigation.actions) if (entry.module, entry.action) == (module, action)),
        None,
    )


def progress_for(user) -> list[navigation.Figure]:
    """The "my progress" figures of every module, in the order the modules registered."""
    if not _signed_in(user):
        return []
    return [figure for source in navigation.progress_sources for figure in source(user)]


@dataclass(frozen=True)
class Strip:
    """A band of cards under the action bar, such as the user's open deals."""

    key: str
    label: str
    items: list[navigation.SearchHit]


def strips_for(user) -> list[Strip]:
    """The strips (such as the open deals) that have something to show this user; empty ones are not shown."""
    if not _signed_in(user):
        return []
    strips = []
    for source in navigation.strips:
        items = list(source.items(user))
        if items:
            strips.append(Strip(key=source.key, label=source.label, items=items))
    return strips


def _signed_in(user) -> bool:
    # Sources count the user's own work: an anonymous visitor (login page, 404) has none.
    return user is not None and user.is_authenticated


@dataclass(frozen=True)
class Overview:
    """What the home page shows first: recently updated clients and the latest timeline entries."""

    clients: list[Client]
    timeline: list[TimelineEntry]


def overview_for(user) -> Overview:
    """The home page's rows for a user: two queries (three with the user's rights) whatever the data."""
    # The list's own filter, newest changes first; the home rows show no phone or email.
    clients = clients_visible_to(user, ordering="-updated").prefetch_related(None)[:HOME_ROWS]
    timeline = (
        readable_entries(user, policy.visible(user, TimelineEntry.objects.all()))
        .select_related("client", "actor")
        .order_by("-at", "-id")[:HOME_ROWS]
    )
    return Overview(clients=list(clients), timeline=list(timeline))


@dataclass(frozen=True)
class HitGroup:
    kind: str
    hits: list[navigation.SearchHit] = field(default_factory=list)


def search_everything(user, text: str, limit: int = SEARCH_DEFAULT_LIMIT) -> list[navigation.SearchHit]:
    """Ask every search provider for at most `limit` hits each; each provider applies the policy.

    Raises Invalid with a message for the user when the text is empty or too short to search.
    """
    text = text.strip()
    if not text:
        raise Invalid(_("Type a name, a phone number or an email to search."))
    if len(text) < SEARCH_MIN_LENGTH:
        raise Invalid(
            ngettext(
                "Type at least %(count)d character to search.",
                "Type at least %(count)d characters to search.",
                SEARCH_MIN_LENGTH,
            )
            % {"count": SEARCH_MIN_LENGTH}
        )
    limit = min(max(1, limit), SEARCH_MAX_LIMIT)
    return [hit for provider in navigation.search_providers for hit in provider(user, text, limit)[:limit]]


def grouped_by_kind(hits: list[navigation.SearchHit]) -> list[HitGroup]:
    """Hits grouped by kind, the groups in the order their first hit came."""
    groups: dict[str, HitGroup] = {}
    for hit in hits:
        groups.setdefault(str(hit.kind), HitGroup(kind=str(hit.kind))).hits.append(hit)
    return list(groups.values())
