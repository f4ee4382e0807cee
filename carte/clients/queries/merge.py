"""Reading what a merge of client cards would do, for the merge screen and the API.

The screen shows the cards side by side: for each field whose values differ, the value of
every card, the one a merge keeps by default preselected (the same rule as
services.merge.merge_clients); the lists every card brings; and how many contact links and
timeline entries each card would hand over to the card kept.
"""

from dataclasses import dataclass, field

from django.db.models import Count, prefetch_related_objects
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from carte.clients.models import Client, Contact, CustomField, TimelineEntry
from carte.clients.queries.clients import CARD_LISTS, CARD_REFERENCES, visible_clients
from carte.clients.queries.duplicates import likely_duplicates
from carte.clients.search import find_clients
from carte.clients.services.clients import LISTS, card_values
from carte.clients.services.merge import (
    BOTH_FIELDS,
    CUSTOM_PREFIX,
    MAX_CARDS,
    check_merge_rights,
    choosable_fields,
    default_sources,
)
from carte.core import policy
from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.core.models import field_label


@dataclass(frozen=True)
class Option:
    """One card's value of a field, and whether the merge keeps it unless told otherwise."""

    card: Client
    text: str
    chosen: bool


@dataclass(frozen=True)
class FieldChoice:
    """A field whose value differs between the cards: the user picks which to keep (`both` for notes)."""

    key: str
    label: str
    options: list[Option]
    both: bool = False


@dataclass(frozen=True)
class CardLists:
    """One list (phones, emails…) as each card has it; the merge keeps them all, without repeats."""

    label: str
    texts: list[str]


@dataclass(frozen=True)
class CardSummary:
    """What one card would hand over to the card kept."""

    card: Client
    contacts: int
    timeline: int


@dataclass(frozen=True)
class MergePlan:
    """The merge screen's content: the cards (the survivor first-chosen), the choices and what moves.

    `problem` says why these cards cannot be merged (different kinds, only one card);
    empty when they can.
    """

    cards: list[Client]
    survivor: Client | None
    choices: list[FieldChoice] = field(default_factory=list)
    lists: list[CardLists] = field(default_factory=list)
    summaries: list[CardSummary] = field(default_factory=list)
    problem: str = ""


def merge_ids(values) -> list[int]:
    """Card ids as a screen sends them (repeated `ids`), in order, without repeats; junk is refused."""
    ids: list[int] = []
    for value in values:
        if not str(value).strip().isdigit():
            raise Invalid(_("“%(value)s” is not a card number.") % {"value": str(value)[:20]})
        if int(value) not in ids:
            ids.append(int(value))
    if len(ids) > MAX_CARDS:
        raise Invalid(_("At most %(count)d cards can be merged at once.") % {"count": MAX_CARDS})
    return ids


def clients_to_merge(actor, ids: list[int]) -> list[Client]:
    """The cards with these ids in the order given (repeats kept), if the user sees every one; else NotFound."""
    found = visible_clients(actor).select_related(*CARD_REFERENCES).in_bulk(set(ids))
    if any(pk not in found for pk in ids):
        raise NotFound()
    return [found[pk] for pk in ids]


def _labels(keys: list[str]) -> dict[str, str]:
    custom = [key.removeprefix(CUSTOM_PREFIX) for key in keys if key.startswith(CUSTOM_PREFIX)]
    labels = {f"{CUSTOM_PREFIX}{f.key}": f.label for f in CustomField.objects.filter(key__in=custom)}
    return {key: labels.get(key) or capfirst(field_label(Client._meta.label_lower, key)) for key in keys}


def _choices(cards: list[Client], values: dict[int, dict]) -> list[FieldChoice]:
    defaults = default_sources(values, [card.pk for card in cards])
    differing = [
        name
        for name in choosable_fields(values.values())
        if len({str(values[card.pk].get(name) or "") for card in cards}) > 1
    ]
    labels = _labels(differing)
    return [
        FieldChoice(
            key=name,
            label=labels[name],
            options=[Option(card, str(values[card.pk].get(name) or ""), defaults[name] == card.pk) for card in cards],
            both=name in BOTH_FIELDS,
        )
        for name in differing
    ]


def _summaries(cards: list[Client]) -> list[CardSummary]:
    ids = [card.pk for card in cards]
    timeline = dict(
        TimelineEntry.objects.filter(client_id__in=ids).values_list("client_id").annotate(count=Count("id"))
    )
    side = "company" if cards[0].is_company else "person"
    contacts = dict(
        Contact.objects.filter(**{f"{side}_id__in": ids}).values_list(f"{side}_id").annotate(count=Count("id"))
    )
    return [CardSummary(card, contacts.get(card.pk, 0), timeline.get(card.pk, 0)) for card in cards]


def merge_plan(actor, ids: list[int], survivor=None) -> MergePlan:
    """What merging these cards would do, `survivor` (an id) kept, the first card by default.

    NotFound when a card is not visible to the user; NotAllowed when the user may not merge
    them (edit the card kept, delete the others). A bounded number of queries per card,
    and at most MAX_CARDS cards.
    """
    cards = clients_to_merge(actor, ids)
    if not policy.can(actor, policy.Action.DELETE, Client):
        raise NotAllowed(_("Merging deletes cards, and you do not have the right to delete clients."))
    if not cards:
        return MergePlan(cards, None, problem=_("Choose the cards to merge."))
    kept = next((card for card in cards if str(card.pk) == str(survivor)), cards[0])
    cards = [kept, *(card for card in cards if card != kept)]
    check_merge_rights(actor, kept, cards[1:])
    if len(cards) < 2:
        return MergePlan(cards, kept, problem=_("Add at least one other card to merge into this one."))
    if len({card.kind for card in cards}) > 1:
        return MergePlan(cards, kept, problem=_("A company and a private person cannot be merged."))
    prefetch_related_objects(cards, *CARD_LISTS)
    values = {card.pk: card_values(card) for card in cards}
    lists = [
        CardLists(capfirst(field_label(Client._meta.label_lower, name)), [values[card.pk][name] for card in cards])
        for name in LISTS
        if any(values[card.pk][name] for card in cards)
    ]
    return MergePlan(cards, kept, _choices(cards, values), lists, _summaries(cards))


def merge_candidates(actor, plan: MergePlan, text: str | None, limit: int = 10) -> list[Client]:
    """Cards the user could add to the merge: found by a search text, of the same kind, not in it yet."""
    if not (text or "").strip():
        return []
    taken = {card.pk for card in plan.cards}
    kind = plan.cards[0].kind if plan.cards else None
    found = find_clients(actor, text, limit + len(taken))
    return [client for client in found if client.pk not in taken and kind in (None, client.kind)][:limit]


def merge_suggestions(actor, plan: MergePlan, limit: int = 5) -> list:
    """Likely duplicates of the card kept, of the same kind and not in the merge yet, to add in one click."""
    kept = plan.survivor
    if kept is None:
        return []
    found = likely_duplicates(
        actor,
        name=kept.name,
        phones=[phone.number for phone in kept.phones.all()],
        emails=[email.address for email in kept.emails.all()],
        tax_ids=[tax_id.value for tax_id in kept.tax_ids.all()],
        exclude=[card.pk for card in plan.cards],
        limit=limit,
    )
    return [duplicate for duplicate in found if duplicate.client.kind == kept.kind]
