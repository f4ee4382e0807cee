"""Merging duplicate cards into one: the user picks each field's value, every related record moves over.

`merge_clients` keeps one card (the survivor) and deletes the others after moving to it
everything that pointed to them: phones, emails, tax ids, messengers and tags (united
without repeats), custom field values (chosen per field), contact links, timeline entries,
and the records of every other app through the merge hooks. It runs in one transaction:
when any step refuses or fails, a hook included, nothing at all has changed.

Merge hooks
-----------
An app whose records point to clients (deals, tasks, calls…) registers a hook from its
AppConfig.ready(), so that a merge moves its records without `clients` knowing the app:

    from carte.clients.services.merge import register_merge_hook

    def move_deals(survivor, others, actor):
        moved = Deal.objects.filter(client__in=others).update(client=survivor)
        return {"deals": moved}

    register_merge_hook(move_deals)

A hook is called as `hook(survivor, others, actor)` inside the merge's transaction, after
the rights were checked and before the other cards are deleted (a record still pointing
to one of them with on_delete=PROTECT makes the merge fail with Conflict; CASCADE would
silently delete it). It must move every record of its app that points to one of
`others`, may return {kind of record: how many moved} for the merge's summary, and may
raise a carte.core.errors refusal to stop the merge. It must not do anything a rollback
cannot undo (send mail, call a web service): schedule that with transaction.on_commit.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Field, Model, ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.clients import search
from carte.clients.models import Client, Contact, CustomField, Email, FieldValue, Messenger, Phone, TaxId, TimelineEntry
from carte.clients.services.cleaning import at_most
from carte.clients.services.clients import LONG_TEXT_LIMIT, SCALARS, card_values
from carte.clients.services.timeline import record_timeline
from carte.core import policy
from carte.core.audit import Verb, diff, record
from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound

MergeHook = Callable[[Client, list[Client], Any], Mapping[str, int] | None]

MAX_CARDS = 10
# The card's own fields whose value the user picks; the kind is the same on every merged card.
CHOSEN_SCALARS = [name for name in SCALARS if name != "kind"]
BOTH = "both"  # the notes of every card, one after the other
BOTH_FIELDS = frozenset({"notes"})
CUSTOM_PREFIX = "custom_"

_hooks: list[MergeHook] = []


def register_merge_hook(hook: MergeHook) -> None:
    """Have every merge call `hook(survivor, others, actor)` to move an app's records (see the module's doc)."""
    if hook not in _hooks:
        _hooks.append(hook)


def unregister_merge_hook(hook: MergeHook) -> None:
    """Stop calling a hook (tests, or an app that withdraws)."""
    if hook in _hooks:
        _hooks.remove(hook)


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the card kept, the cards merged into it ("Name (#id)") and how many records moved, by kind."""

    survivor: Client
    merged: list[str]
    moved: dict[str, int]


def choosable_fields(values: Iterable[Mapping[str, Any]]) -> list[str]:
    """The fields whose value the user picks: the card's own (but the kind) and the custom fields of these cards."""
    custom = dict.fromkeys(name for card in values for name in card if name.startswith(CUSTOM_PREFIX))
    return CHOSEN_SCALARS + list(custom)


def is_empty(value) -> bool:
    return value is None or value == ""


def default_sources(values: Mapping[int, Mapping[str, Any]], order: list[int]) -> dict[str, int]:
    """For each field, the card whose value is kept unless the user says otherwise.

    `values` are the cards' `card_values` by id and `order` their ids, the survivor first:
    the survivor's value, or when it is empty, the first other card's that is not.
    """
    return {
        name: next((pk for pk in order if not is_empty(values[pk].get(name))), order[0])
        for name in choosable_fields(values.values())
    }


def display_name(client: Client) -> str:
    """A card as the audit log and the timeline name it in a merge: "Acme (#12)"."""
    return f"{client.name} (#{client.pk})"


@transaction.atomic
def merge_clients(
    *,
    actor,
    survivor: Client,
    others: Iterable[Client],
    choices: Mapping[str, Any] | None = None,
    versions: Mapping[Any, Any] | None = None,
) -> MergeResult:
    """Merge `others` into `survivor`: keep the chosen values, move everything else over, delete the others.

    `choices` maps a field (any of SCALARS but the kind, or "custom_<key>") to the id of the
    card whose value to keep; "both" keeps the notes of every card. Fields not chosen keep
    the survivor's value, or the first other card's when the survivor's is empty. Lists
    are united without repeats (same normalized value); contact links, the timeline and,
    through the merge hooks, other apps' records move to the survivor.

    The actor must be allowed to edit the survivor and to delete every other card; all
    cards must be of the same kind. `versions` ({card id: version as read}), when given,
    makes a card changed since a Conflict. Everything is checked before anything is
    written, and everything happens in one transaction. The survivor's history records the
    changed fields and the merged cards; each merged card's history its deletion.
    """
    cards = _locked([survivor, *others])
    kept, removed = cards[0], cards[1:]
    check_merge_rights(actor, kept, removed)
    _check_kinds(cards)
    _check_versions(cards, versions)
    values = {card.pk: card_values(card) for card in cards}
    sources = _sources(choices or {}, values, [card.pk for card in cards])
    _take_scalars(kept, cards, sources)
    policy.require(actor, policy.Action.EDIT, kept)  # a chosen owner must leave the card theirs to edit

    moved = _move_records(kept, removed, sources)
    for hook in list(_hooks):
        for kind, count in (hook(kept, removed, actor) or {}).items():
            moved[kind] = moved.get(kind, 0) + count
    _delete(actor, kept, removed, values)

    kept.version += 1
    kept.updated_at = timezone.now()
    kept.save()
    merged = [display_name(card) for card in removed]
    changes = diff(values[kept.pk], card_values(kept)) | {"merged": [None, ", ".join(merged)]}
    record(actor, Verb.UPDATE, kept, changes=changes)
    for name in merged:
        record_timeline(client=kept, kind="merged", summary=_("Merged with %(name)s") % {"name": name}, actor=actor)
    search.refresh([kept])
    return MergeResult(kept, merged, moved)


def _locked(given: list[Client]) -> list[Client]:
    """The cards as stored, locked until the end of the transaction, in the order given."""
    ids = [card.pk for card in given]
    if len(ids) < 2:
        raise Invalid(_("Choose at least one other card to merge into this one."), errors={"others": [_("Required.")]})
    if len(set(ids)) != len(ids):
        raise Invalid(_("Choose each card once: the card kept cannot also be merged away."))
    if len(ids) > MAX_CARDS:
        raise Invalid(_("At most %(count)d cards can be merged at once.") % {"count": MAX_CARDS})
    found = Client.objects.select_for_update(of=("self",)).select_related("owner").in_bulk(ids)
    if len(found) != len(ids):
        raise NotFound()
    return [found[pk] for pk in ids]


def check_merge_rights(actor, kept: Client, removed: list[Client]) -> None:
    """NotAllowed unless the actor may edit the card kept and delete every other one."""
    policy.require(actor, policy.Action.EDIT, kept)
    for card in removed:
        if not policy.can(actor, policy.Action.DELETE, card):
            raise NotAllowed(
                _("Merging deletes the card of %(name)s, and you do not have the right to delete it.")
                % {"name": card.name}
            )


def _check_kinds(cards: list[Client]) -> None:
    if len({card.kind for card in cards}) > 1:
        message = _("A company and a private person cannot be merged: choose cards of the same kind.")
        raise Invalid(message, errors={"others": [message]})


def _check_versions(cards: list[Client], versions: Mapping[Any, Any] | None) -> None:
    if not versions:
        return
    try:
        read = {int(pk): int(version) for pk, version in versions.items()}
    except (TypeError, ValueError):
        raise Invalid(errors={"versions": [_("Give each card's version as a number.")]}) from None
    stale = [card.name for card in cards if card.pk in read and read[card.pk] != card.version]
    if stale:
        raise Conflict(
            _("%(names)s changed since you opened the merge. Check the values and merge again.")
            % {"names": ", ".join(stale)}
        )


def _sources(choices: Mapping[str, Any], values: Mapping[int, Mapping[str, Any]], order: list[int]) -> dict:
    """Field → the id of the card whose value is kept (or BOTH), from the user's choices and the defaults."""
    sources: dict[str, Any] = default_sources(values, order)
    errors: dict[str, list[str]] = {}
    for name, chosen in choices.items():
        if is_empty(chosen):
            continue
        if name not in sources:
            errors[str(name)[:80]] = [_("This field cannot be chosen in a merge.")]
        elif chosen == BOTH and name in BOTH_FIELDS:
            sources[name] = BOTH
        elif str(chosen).isdigit() and int(chosen) in order:
            sources[name] = int(chosen)
        else:
            errors[name] = [_("Choose one of the cards being merged.")]
    if errors:
        raise Invalid(errors=errors)
    return sources


def _take_scalars(kept: Client, cards: list[Client], sources: dict) -> None:
    """Put the chosen values of the card's own fields on the survivor (in memory; saved at the end)."""
    by_id = {card.pk: card for card in cards}
    for name in CHOSEN_SCALARS:
        source = sources[name]
        if source == BOTH:
            setattr(kept, name, _both(cards, name))
        elif source != kept.pk:
            attribute = cast(Field, Client._meta.get_field(name)).attname
            setattr(kept, attribute, getattr(by_id[source], attribute))
    if kept.kind == Client.Kind.PERSON and (kept.first_name or kept.last_name):
        kept.name = kept.display_name()  # lists show a person as "First Last", whichever cards those came from


def _both(cards: list[Client], name: str) -> str:
    texts = dict.fromkeys(text for text in (getattr(card, name).strip() for card in cards) if text)
    joined = "\n\n".join(texts)
    if len(joined) > LONG_TEXT_LIMIT:
        raise Invalid(errors={name: [at_most(LONG_TEXT_LIMIT)]})
    return joined


def _move_records(kept: Client, removed: list[Client], sources: dict) -> dict[str, int]:
    """Move to the survivor what belongs to the other cards; how many records moved, by kind."""
    ids = [card.pk for card in removed]
    moved = {
        "phones": _unite(Phone, kept, ids, lambda phone: phone.e164 or phone.digits or phone.number),
        "emails": _unite(Email, kept, ids, lambda email: email.address.lower()),
        "tax_ids": _unite(TaxId, kept, ids, lambda tax_id: (tax_id.kind, tax_id.normalized)),
        "messengers": _unite(Messenger, kept, ids, lambda m: (m.kind, m.handle.casefold().lstrip("@"))),
        "tags": _unite_tags(kept, ids),
    }
    _take_custom(kept, sources)
    moved["contacts"] = _move_contacts(kept, ids)
    moved["timeline"] = TimelineEntry.objects.filter(client_id__in=ids).update(client=kept)
    return moved


def _in_card_order(rows: Iterable, ids: list[int], attribute: str = "client_id") -> list:
    return sorted(rows, key=lambda row: (ids.index(getattr(row, attribute)), row.pk))


def _unite(model: type[Model], kept: Client, ids: list[int], key: Callable[[Any], Hashable]) -> int:
    """Move the other cards' rows of a list to the survivor, but those whose value it already has."""
    manager = model._default_manager
    seen = {key(row) for row in manager.filter(client=kept)}
    moving = []
    for row in _in_card_order(manager.filter(client_id__in=ids), ids):
        if key(row) not in seen:
            seen.add(key(row))
            moving.append(row.pk)
    return manager.filter(pk__in=moving).update(client=kept)


def _unite_tags(kept: Client, ids: list[int]) -> int:
    tagged = Client.tags.through.objects
    have = set(tagged.filter(client=kept).values_list("referencevalue_id", flat=True))
    adding = set(tagged.filter(client_id__in=ids).values_list("referencevalue_id", flat=True)) - have
    kept.tags.add(*adding)
    return len(adding)


def _take_custom(kept: Client, sources: dict) -> None:
    """Custom fields chosen from another card: the survivor's values are replaced by that card's."""
    taken = {
        name.removeprefix(CUSTOM_PREFIX): source
        for name, source in sources.items()
        if name.startswith(CUSTOM_PREFIX) and source != kept.pk
    }
    for field in CustomField.objects.filter(key__in=list(taken)):
        FieldValue.objects.filter(client=kept, field=field).delete()
        FieldValue.objects.filter(client_id=taken[field.key], field=field).update(client=kept)


def _move_contacts(kept: Client, ids: list[int]) -> int:
    """Move the other cards' contact links to the survivor; a person (or company) already linked keeps one link.

    The link kept takes the role of the dropped one when it has none. Timeline entries
    on the other end that link to a merged card now link to the survivor.
    """
    side, other = ("company", "person") if kept.is_company else ("person", "company")
    linked = {getattr(link, f"{other}_id"): link for link in Contact.objects.filter(**{side: kept})}
    moving, dropped, completed = [], [], []
    links = _in_card_order(Contact.objects.filter(**{f"{side}_id__in": ids}), ids, f"{side}_id")
    for link in links:
        existing = linked.get(getattr(link, f"{other}_id"))
        if existing is None:
            linked[getattr(link, f"{other}_id")] = link
            moving.append(link.pk)
            continue
        dropped.append(link.pk)
        if existing.role_id is None and link.role_id is not None:
            existing.role_id = link.role_id
            completed.append(existing)
    Contact.objects.filter(pk__in=dropped).delete()
    count = Contact.objects.filter(pk__in=moving).update(**{side: kept})
    Contact.objects.bulk_update(completed, ["role"])
    old_cards = [reverse("clients:card", args=[pk]) for pk in ids]
    TimelineEntry.objects.filter(client_id__in=list(linked), link__in=old_cards).update(
        link=reverse("clients:card", args=[kept.pk])
    )
    return count


def _delete(actor, kept: Client, removed: list[Client], values: Mapping[int, dict[str, Any]]) -> None:
    """Record each merged card's values in its history, then delete the cards (with what was not moved)."""
    into = display_name(kept)
    for card in removed:
        before = values[card.pk]
        record(actor, Verb.DELETE, card, changes=diff(before, dict.fromkeys(before)) | {"merged_into": [None, into]})
    try:
        Client.objects.filter(pk__in=[card.pk for card in removed]).delete()
    except ProtectedError:
        raise Conflict(
            _("Other records still refer to the merged cards and no module moved them; nothing was merged.")
        ) from None
