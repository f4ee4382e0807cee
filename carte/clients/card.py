"""The client card as a frame that other apps fill: tabs and timeline kinds, registered at start-up.

An app adds itself to the card from its AppConfig.ready() without editing `clients`:

    card.register_tab("deals", _("Deals"), "sales/card_tab.html", context=deals_tab, order=30,
                      count=open_deal_count, module="sales")
    card.register_timeline_kind("deal", _("Deal"), model=Deal)
    card.register_fact("owes", _("Owes"), value=owes_text, order=10, module="payments")

`context(request, client)` returns the tab template's context (the client, the request and
the user are always there); `count(request, client)`, when given, is the small number shown
beside the label. Both run only for a client the user may view, and must read through the
policy themselves for their own records. Each should cost a bounded number of queries.
Facts are short lines in the header (what the client owes): `value(request, client)` gives
the text, or None to show nothing. A timeline kind registered with a model is about records
of that model: its entries are shown only to readers who may see the record.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import NotFound

TabContext = Callable[[HttpRequest, Client], dict]
TabCount = Callable[[HttpRequest, Client], int | None]


@dataclass(frozen=True)
class Tab:
    """One tab of the card; shown to users who hold "view" in `module` (any user when None)."""

    key: str
    label: str
    template: str
    context: TabContext | None = None
    order: int = 100
    count: TabCount | None = None
    module: str | None = None

    def shown_to(self, user) -> bool:
        return self.module is None or policy.scope(user, self.module, policy.Action.VIEW) != policy.Scope.NONE


@dataclass(frozen=True)
class ShownTab:
    """A tab as one card page shows it: with its count for this client and whether it is open."""

    tab: Tab
    count: int | None
    active: bool

    @property
    def key(self) -> str:
        return self.tab.key

    @property
    def label(self) -> str:
        return self.tab.label


_tabs: dict[str, Tab] = {}
_timeline_kinds: dict[str, str] = {}


def register_tab(
    key: str,
    label,
    template: str,
    context: TabContext | None = None,
    order: int = 100,
    count: TabCount | None = None,
    *,
    module: str | None = None,
) -> None:
    """Add a tab to every client card; registering the same key again replaces it."""
    _tabs[key] = Tab(key, label, template, context, order, count, module)


def unregister_tab(key: str) -> None:
    """Remove a tab (tests, or an app that withdraws its tab)."""
    _tabs.pop(key, None)


def tabs() -> list[Tab]:
    """Every registered tab, in display order."""
    return sorted(_tabs.values(), key=lambda tab: (tab.order, tab.key))


def tab_for(user, key: str) -> Tab:
    """The tab with this key, if the user may open it; NotFound otherwise (an unknown ?tab= is a 404)."""
    tab = _tabs.get(key)
    if tab is None or not tab.shown_to(user):
        raise NotFound(_("This card has no such tab."))
    return tab


def default_tab() -> Tab:
    return tabs()[0]


def tabs_for(request: HttpRequest, client: Client, active: Tab) -> list[ShownTab]:
    """The tabs of one card for the requesting user, with their counts."""
    return [
        ShownTab(tab, tab.count(request, client) if tab.count else None, tab.key == active.key)
        for tab in tabs()
        if tab.shown_to(request.user)
    ]


def tab_context(request: HttpRequest, client: Client, tab: Tab) -> dict:
    """What the tab's template needs, from the tab's own context callable."""
    return tab.context(request, client) if tab.context else {}


# Facts: short lines in the card's header ("Owes 1,250.00 EUR"), filled by other apps

FactValue = Callable[[HttpRequest, Client], str | None]


@dataclass(frozen=True)
class Fact:
    """A line of the card's header; `value(request, client)` gives its text, None to show nothing.

    Shown to users who hold "view" in `module` (any user when None); the callable reads through
    the policy itself and should cost one or two queries.
    """

    key: str
    label: str
    value: FactValue
    order: int = 100
    module: str | None = None

    def shown_to(self, user) -> bool:
        return self.module is None or policy.scope(user, self.module, policy.Action.VIEW) != policy.Scope.NONE


@dataclass(frozen=True)
class ShownFact:
    key: str
    label: str
    text: str


_facts: dict[str, Fact] = {}


def register_fact(key: str, label, value: FactValue, order: int = 100, module: str | None = None) -> None:
    """Add a fact to every card's header; registering the same key again replaces it."""
    _facts[key] = Fact(key, label, value, order, module)


def unregister_fact(key: str) -> None:
    _facts.pop(key, None)


def facts_for(request: HttpRequest, client: Client) -> list[ShownFact]:
    """The facts of one card for the requesting user, in order, without those that have nothing to say."""
    shown = []
    for fact in sorted(_facts.values(), key=lambda fact: (fact.order, fact.key)):
        if not fact.shown_to(request.user):
            continue
        text = fact.value(request, client)
        if text:
            shown.append(ShownFact(fact.key, str(fact.label), text))
    return shown


@dataclass(frozen=True)
class TimelineRecord:
    """What the entries of a kind are about: a record of `model` whose `field` is the entry's record_id."""

    model: type[models.Model]
    field: str = "pk"


_timeline_records: dict[str, TimelineRecord] = {}


def register_timeline_kind(kind: str, label, model: type[models.Model] | None = None, *, field: str = "pk") -> None:
    """Name a kind of timeline entry so the card can label and filter it.

    With `model`, the entries of this kind are about a record of that model (the one whose
    `field` equals the entry's record_id, its pk by default): a reader sees them only if the
    policy lets them see that record. Without, they follow the client alone.
    """
    _timeline_kinds[kind] = label
    if model is None:
        _timeline_records.pop(kind, None)
    else:
        _timeline_records[kind] = TimelineRecord(model, field)


def timeline_records() -> dict[str, TimelineRecord]:
    """kind → what its entries are about, for the kinds registered with a model."""
    return dict(_timeline_records)


def timeline_kinds() -> dict[str, str]:
    """kind → label of every registered timeline kind."""
    return dict(_timeline_kinds)


def timeline_kind_label(kind: str) -> str:
    """The label of a kind; an entry from a module no longer installed shows its raw kind."""
    return _timeline_kinds.get(kind, kind)
