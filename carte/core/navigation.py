"""What the workspace shows around the work area (menu, actions, progress, search), filled by the apps.

The workspace is the top layer and may import every app, but an app never imports the
workspace: each registers its menu entry, its quick actions and its "my progress" figures
here, in its AppConfig.ready(). A module that is not installed is simply absent.
"""

from collections.abc import Callable
from dataclasses import dataclass

from carte.core import policy


@dataclass(frozen=True)
class Link:
    """A menu entry or an action-bar button, shown when the user holds `action` in `module`."""

    key: str
    label: str
    url_name: str
    module: str
    action: str = policy.Action.VIEW
    icon: str = ""
    order: int = 100
    shortcut: str = ""

    def allowed(self, user) -> bool:
        return policy.scope(user, self.module, self.action) != policy.Scope.NONE


@dataclass(frozen=True)
class Figure:
    """One line of the "my progress" panel: done out of planned (planned may be None), a detail line, a link."""

    label: str
    done: int
    planned: int | None = None
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class SearchHit:
    """One result of the global search: what it is, its name, a detail line and where it opens."""

    kind: str
    title: str
    detail: str
    url: str


SearchProvider = Callable[[object, str, int], list[SearchHit]]


@dataclass(frozen=True)
class StripSource:
    """A band of cards under the action bar (the user's open deals): `items(user)` gives the cards."""

    key: str
    label: str
    items: Callable[[object], list[SearchHit]]
    order: int = 100


menu: list[Link] = []
actions: list[Link] = []
settings_pages: list[Link] = []
progress_sources: list[Callable[[object], list[Figure]]] = []
search_providers: list[SearchProvider] = []
strips: list[StripSource] = []


def _add(links: list[Link], link: Link) -> None:
    links[:] = sorted([item for item in links if item.key != link.key] + [link], key=lambda item: item.order)


def add_menu(link: Link) -> None:
    _add(menu, link)


def add_action(link: Link) -> None:
    _add(actions, link)


def add_settings_page(link: Link) -> None:
    _add(settings_pages, link)


def add_progress(source: Callable[[object], list[Figure]]) -> None:
    if source not in progress_sources:
        progress_sources.append(source)


def add_strip(source: StripSource) -> None:
    strips[:] = sorted([item for item in strips if item.key != source.key] + [source], key=lambda item: item.order)


def add_search(provider: SearchProvider) -> None:
    """A provider answers (user, text, limit) with hits the user may see (it applies the policy)."""
    if provider not in search_providers:
        search_providers.append(provider)


# The route of the modules' help links ({% help_link "clients" %}, carte/core/templatetags/help.py): the
# knowledge app names it, so core never imports the knowledge app. None: no help links are shown.
help_route: str | None = None
help_module: str | None = None  # the module whose view right the reader needs to follow the link


def set_help_route(url_name: str | None, module: str | None = None) -> None:
    """Name the view that opens a module's help (it takes the module key), and the module it belongs to."""
    global help_route, help_module
    help_route, help_module = url_name, module


def visible_links(links: list[Link], user) -> list[Link]:
    return [link for link in links if link.allowed(user)]
