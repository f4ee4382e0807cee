"""Deals: creating, changing, moving through the stages, pricing with lines, deleting. One function per use case.

The screens and the API call these functions with the acting employee as `actor` and keyword
arguments only. Each checks the rights first, then every value (all field errors reported
together), then writes inside one transaction: the deal, its stage history, an audit entry
and the client's timeline. Domain events ("deal.created", "deal.stage_changed") reach their
subscribers once the transaction commits.

Rules of a deal:
- its stage belongs to its pipeline; entering a won or lost stage sets `closed_at`, leaving
  one clears it; a lost deal names its reason (the "lost_reason" reference list);
- its probability follows the stage unless the owner set another one (a probability equal
  to the stage's is taken as following it); a won or lost deal takes its stage's;
- with lines its amount is the sum of the lines' totals; without, the amount entered;
- its contact person is a person linked to its client (or nobody).
"""

from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients.models import Client, Contact, ReferenceValue
from carte.clients.services.cleaning import reference_value
from carte.clients.services.timeline import record_timeline
from carte.core import events, policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Conflict, Invalid
from carte.core.money import parse_decimal
from carte.sales.models import (
    ClientPriceList,
    Currency,
    Deal,
    DealLine,
    LegalEntity,
    Pipeline,
    PriceList,
    SalesDocument,
    Stage,
    StageChange,
)
from carte.sales.services.lines import as_raw, clean_lines, currency_named, replace_lines, total_of
from carte.sales.services.values import optional_date, parse_probability

Action = policy.Action
Outcome = Stage.Outcome
TITLE_LENGTH = 300
NOTES_LENGTH = 5000
AUDITED = [
    "title",
    "client",
    "contact",
    "owner",
    "pipeline",
    "stage",
    "amount",
    "currency",
    "price_list",
    "expected_close",
    "probability",
    "source",
    "lost_reason",
    "notes",
]
# What update_deal changes; the stage and pipeline change through move_deal and change_pipeline.
EDITABLE = frozenset(AUDITED) - {"pipeline", "stage"}


def deal_url(deal: Deal) -> str:
    return reverse("sales:deal_detail", args=[deal.pk])


# Defaults


def default_pipeline() -> Pipeline | None:
    """Where new deals go unless told otherwise: the default pipeline, or the first one in use."""
    return Pipeline.objects.filter(archived=False).order_by("-is_default", "order", "id").first()


def first_stage(pipeline: Pipeline) -> Stage | None:
    """The stage a deal starts in: the pipeline's first open stage."""
    return Stage.objects.filter(pipeline=pipeline, outcome=Outcome.OPEN).order_by("order", "id").first()


def default_currency() -> Currency | None:
    """The currency of a new deal unless told otherwise: the base currency, our default company's, or any in use."""
    in_use = Currency.objects.filter(active=True)
    found = in_use.filter(is_base=True).first()
    if found is None:
        entity = LegalEntity.objects.filter(is_default=True, default_currency__active=True).first()
        found = entity.default_currency if entity else in_use.order_by("code").first()
    return found


# Reading and checking values


def _collect(errors: dict, check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except Invalid as refused:
        errors.update(refused.errors or {"__all__": [refused.message]})
        return None


def _title(value) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise Invalid(errors={"title": [_("A deal needs a title.")]})
    if len(title) > TITLE_LENGTH:
        raise Invalid(errors={"title": [_("At most %(count)d characters.") % {"count": TITLE_LENGTH}]})
    return title


def _notes(value) -> str:
    notes = str(value or "").strip()
    if len(notes) > NOTES_LENGTH:
        raise Invalid(errors={"notes": [_("At most %(count)d characters.") % {"count": NOTES_LENGTH}]})
    return notes


def _currency(value) -> Currency:
    if isinstance(value, Currency):
        value = value.code
    return currency_named(value)


def _price_list(value, currency: Currency | None) -> PriceList | None:
    if value in (None, ""):
        return None
    found = value if isinstance(value, PriceList) else PriceList.objects.filter(pk=str(value).strip() or 0).first()
    if found is None or (found.archived and not isinstance(value, PriceList)):
        raise Invalid(errors={"price_list": [_("This price list does not exist or is archived.")]})
    if currency is not None and found.currency_id != currency.pk:
        raise Invalid(
            errors={
                "price_list": [
                    _("This price list is in %(list)s and the deal in %(deal)s.")
                    % {"list": found.currency_id, "deal": currency.pk}
                ]
            }
        )
    return found


def _is_contact_of(client: Client, person: Client) -> bool:
    return Contact.objects.filter(company=client, person=person).exists()


def _check_contact(actor, deal: Deal, errors: dict) -> None:
    """The contact person must be a person linked to the deal's client, and one the actor may see."""
    contact = deal.contact
    if contact is None or deal.client_id is None:
        return
    if (
        contact.kind != Client.Kind.PERSON
        or not _is_contact_of(deal.client, contact)
        or not policy.can(actor, Action.VIEW, contact)
    ):
        errors["contact"] = [_("Choose one of the client's contact persons, or nobody.")]


def _check_lost_reason(deal: Deal, errors: dict) -> None:
    if deal.stage.outcome == Outcome.LOST and deal.lost_reason_id is None:
        errors["lost_reason"] = [_("Say why the deal was lost.")]
    elif deal.stage.outcome != Outcome.LOST and deal.lost_reason_id is not None:
        errors["lost_reason"] = [_("Only a lost deal has a reason for being lost.")]


def _set_fields(actor, deal: Deal, fields: dict, errors: dict) -> None:
    """Put the given values on the deal, each read and checked; problems go into `errors`."""
    if "client" in fields:
        client = fields["client"]
        if not isinstance(client, Client):
            errors["client"] = [_("Choose a client.")]
        else:
            policy.require(actor, Action.VIEW, client)
            deal.client = client
    if "title" in fields:
        deal.title = _collect(errors, _title, fields["title"]) or deal.title
    if "contact" in fields:
        deal.contact = fields["contact"] or None
    if "owner" in fields and fields["owner"] is not None:
        deal.owner = fields["owner"]
    if "currency" in fields and fields["currency"] not in (None, ""):
        found = _collect(errors, _currency, fields["currency"])
        if found is not None:
            deal.currency = found
    currency = deal.currency if deal.currency_id else None
    if "amount" in fields:
        digits = currency.digits if currency else 2
        amount = _collect(errors, parse_decimal, fields["amount"] or "0", "amount", digits=digits, minimum=0)
        deal.amount = deal.amount if amount is None else amount
    if "price_list" in fields:
        deal.price_list = _collect(errors, _price_list, fields["price_list"], currency)
    if "expected_close" in fields:
        deal.expected_close = _collect(errors, optional_date, fields["expected_close"], "expected_close")
    if "probability" in fields and fields["probability"] not in (None, ""):
        found = _collect(errors, parse_probability, fields["probability"])
        deal.probability = deal.probability if found is None else found
    if "source" in fields:
        current = deal.source if deal.pk else None
        deal.source = _collect(
            errors, reference_value, ReferenceValue.List.SOURCE, fields["source"], field="source", current=current
        )
    if "lost_reason" in fields:
        current = deal.lost_reason if deal.pk else None
        deal.lost_reason = _collect(
            errors,
            reference_value,
            ReferenceValue.List.LOST_REASON,
            fields["lost_reason"],
            field="lost_reason",
            current=current,
        )
    if "notes" in fields:
        notes = _collect(errors, _notes, fields["notes"])
        deal.notes = deal.notes if notes is None else notes


def _check_owner(deal: Deal, errors: dict, *, new_owner: bool) -> None:
    # A deal keeps working after its owner leaves; only a new owner must be an active employee.
    if deal.owner_id is None or (new_owner and not deal.owner.is_active):
        errors["owner"] = [_("Choose an active employee as owner.")]


def _check_stage(deal: Deal, errors: dict) -> None:
    if deal.stage_id is not None and deal.stage.pipeline_id != deal.pipeline_id:
        errors["stage"] = [_("This stage belongs to another pipeline.")]


# Creating


@transaction.atomic
def create_deal(
    *,
    actor,
    client: Client,
    title,
    owner=None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    contact: Client | None = None,
    currency=None,
    amount=None,
    price_list=None,
    expected_close=None,
    probability=None,
    source=None,
    lost_reason=None,
    notes="",
    lines: list[dict] | None = None,
) -> Deal:
    """Create a deal on a client the actor may see, owned by `owner` (the actor by default).

    The pipeline defaults to the default pipeline and the stage to its first open stage; the
    currency to the base currency; the probability to the stage's. With `lines` (dicts as
    carte.sales.services.lines.clean_lines reads them) the amount is their total.
    """
    deal = Deal(owner=owner or actor)
    policy.require(actor, Action.CREATE, deal)
    errors: dict = {}
    pipeline = pipeline or default_pipeline()
    if pipeline is None:
        raise Invalid(errors={"pipeline": [_("Create a pipeline first (Settings → Pipelines).")]})
    if pipeline.archived:
        errors["pipeline"] = [_("This pipeline is archived: choose another one.")]
    deal.pipeline = pipeline
    deal.stage = stage or first_stage(pipeline)  # type: ignore[assignment]
    if deal.stage is None:
        raise Invalid(errors={"stage": [_("This pipeline has no open stage.")]})
    currency = currency or default_currency()
    if currency is None:
        errors["currency"] = [_("Switch a currency on first (Settings → Currencies).")]
    fields = {
        "client": client,
        "title": title,
        "contact": contact,
        "currency": currency,
        "amount": amount,
        "price_list": price_list,
        "expected_close": expected_close,
        "probability": probability,
        "source": source,
        "lost_reason": lost_reason,
        "notes": notes,
    }
    _set_fields(actor, deal, fields, errors)
    if probability in (None, "") or deal.stage.is_closed:
        deal.probability = deal.stage.probability
    _check_stage(deal, errors)
    _check_owner(deal, errors, new_owner=True)
    _check_contact(actor, deal, errors)
    _check_lost_reason(deal, errors)
    priced = _collect(errors, clean_lines, lines, currency=deal.currency) if lines and deal.currency_id else None
    if errors:
        raise Invalid(errors=errors)
    now = timezone.now()
    deal.created_at = deal.stage_entered_at = now
    deal.closed_at = now if deal.stage.is_closed else None
    if priced:
        deal.amount = total_of(priced).total
    deal.save()
    if priced:
        replace_lines(DealLine, "deal", deal, priced)
    StageChange.objects.create(deal=deal, from_stage=None, to_stage=deal.stage, at=now, actor=actor)
    record(actor, Verb.CREATE, deal, changes=diff({}, snapshot(deal, AUDITED)))
    record_timeline(
        client=deal.client,
        kind="deal",
        summary=_("New deal: %(title)s") % {"title": deal.title},
        link=deal_url(deal),
        actor=actor,
        record=deal,
    )
    events.emit(
        "deal.created",
        actor=actor,
        deal_id=deal.pk,
        client_id=deal.client_id,
        owner_id=deal.owner_id,
        pipeline_id=deal.pipeline_id,
        stage_id=deal.stage_id,
    )
    if deal.stage.is_closed:
        _closed_on_timeline(actor, deal)
    return deal


# Changing


def _locked(deal: Deal) -> Deal:
    related = ("client", "contact", "owner", "pipeline", "stage", "currency", "source", "lost_reason", "price_list")
    return Deal.objects.select_for_update(of=("self",)).select_related(*related).get(pk=deal.pk)


def _check_version(current: Deal, version) -> None:
    if version is None:
        return
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise Invalid(errors={"version": [_("Send the version you read, as a number.")]}) from None
    if seen != current.version:
        raise Conflict(
            _("Someone else changed this deal while you were editing it. Check the current values and save again.")
        )


@transaction.atomic
def update_deal(*, actor, deal: Deal, version, **fields) -> Deal:
    """Change a deal's fields (any of EDITABLE); `version` is the one the user edited (Conflict when stale).

    The actor must be allowed to edit the deal before and after the change, so nobody hands a
    deal to someone outside their own scope. A deal with lines takes its amount from them: an
    amount that differs is refused. Changing the currency prices the lines again in it.
    Changing nothing writes nothing.
    """
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on a deal")
    current = _locked(deal)
    policy.require(actor, Action.EDIT, current)
    _check_version(current, version)
    before = snapshot(current, AUDITED)
    old_owner, old_currency, old_contact = current.owner_id, current.currency_id, current.contact_id
    lines = list(current.lines.all())
    errors: dict = {}
    _set_fields(actor, current, fields, errors)
    if lines and "amount" in fields and "amount" not in errors and current.amount != total_of_saved(lines):
        errors["amount"] = [_("This deal's amount is the total of its lines: change the lines instead.")]
    _check_owner(current, errors, new_owner=current.owner_id != old_owner)
    if current.contact_id != old_contact or "client" in fields:
        _check_contact(actor, current, errors)
    _check_lost_reason(current, errors)
    repriced = None
    if lines and current.currency_id != old_currency and "currency" not in errors:
        try:
            repriced = clean_lines([as_raw(line) for line in lines], currency=current.currency, kept=lines)
        except Invalid:
            errors["currency"] = [
                _("The lines' prices have more decimals than %(code)s has: change them first.")
                % {"code": current.currency_id}
            ]
    if errors:
        raise Invalid(errors=errors)
    policy.require(actor, Action.EDIT, current)
    if repriced is not None:
        replace_lines(DealLine, "deal", current, repriced)
        current.amount = total_of(repriced).total
    changes = diff(before, snapshot(current, AUDITED))
    if not changes:
        return current
    current.version += 1
    current.save()
    record(actor, Verb.UPDATE, current, changes=changes)
    return current


def total_of_saved(lines: list[DealLine]):
    """The total of saved lines (their stored, rounded totals)."""
    return sum((line.total for line in lines), start=0)


def _closed_on_timeline(actor, deal: Deal) -> None:
    if deal.stage.outcome == Outcome.WON:
        summary = _("Deal won: %(title)s") % {"title": deal.title}
    else:
        summary = _("Deal lost: %(title)s (%(reason)s)") % {"title": deal.title, "reason": deal.lost_reason}
    record_timeline(client=deal.client, kind="deal", summary=summary, link=deal_url(deal), actor=actor, record=deal)


def _enter_stage(actor, current: Deal, stage: Stage, lost_reason, errors: dict) -> None:
    """Put the deal in `stage` (in memory), following the rules of closing, reasons and probability."""
    old_stage = current.stage
    if stage.outcome == Outcome.LOST:
        current.lost_reason = _collect(
            errors,
            reference_value,
            ReferenceValue.List.LOST_REASON,
            lost_reason,
            field="lost_reason",
            current=current.lost_reason,
        )
        if current.lost_reason is None and "lost_reason" not in errors:
            errors["lost_reason"] = [_("Say why the deal was lost.")]
    else:
        current.lost_reason = None
    if stage.is_closed or current.probability == old_stage.probability:
        current.probability = stage.probability
    now = timezone.now()
    if stage.is_closed and (not old_stage.is_closed or stage.outcome != old_stage.outcome):
        current.closed_at = now
    elif not stage.is_closed:
        current.closed_at = None
    current.stage = stage
    current.stage_entered_at = now


def _after_move(actor, current: Deal, old_stage: Stage, before: dict) -> Deal:
    """Write a stage change: the deal, its history, the audit log, the timeline and the event."""
    current.version += 1
    current.save()
    StageChange.objects.create(
        deal=current, from_stage=old_stage, to_stage=current.stage, at=current.stage_entered_at, actor=actor
    )
    record(actor, Verb.UPDATE, current, changes=diff(before, snapshot(current, AUDITED)))
    if current.stage.is_closed:
        _closed_on_timeline(actor, current)
    else:
        record_timeline(
            client=current.client,
            kind="deal",
            summary=_("Deal “%(title)s” moved to %(stage)s") % {"title": current.title, "stage": current.stage.name},
            link=deal_url(current),
            actor=actor,
            record=current,
        )
    events.emit(
        "deal.stage_changed",
        actor=actor,
        deal_id=current.pk,
        from_stage_id=old_stage.pk,
        to_stage_id=current.stage_id,
        owner_id=current.owner_id,
        outcome=current.stage.outcome,
    )
    return current


@transaction.atomic
def move_deal(*, actor, deal: Deal, stage: Stage, lost_reason=None, version=None) -> Deal:
    """Move a deal to another stage of its pipeline; a lost stage needs `lost_reason` (a key of that list).

    Writes the stage history, sets `stage_entered_at`, sets or clears `closed_at`, and emits
    "deal.stage_changed". Moving a deal to the stage it is in changes nothing.
    """
    current = _locked(deal)
    policy.require(actor, Action.EDIT, current)
    _check_version(current, version)
    if stage.pipeline_id != current.pipeline_id:
        raise Invalid(
            _("This stage belongs to another pipeline."),
            errors={"stage": [_("This stage belongs to another pipeline.")]},
        )
    if stage.pk == current.stage_id:
        return current
    before, old_stage = snapshot(current, AUDITED), current.stage
    errors: dict = {}
    _enter_stage(actor, current, stage, lost_reason, errors)
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    return _after_move(actor, current, old_stage, before)


@transaction.atomic
def change_pipeline(
    *, actor, deal: Deal, pipeline: Pipeline, stage: Stage | None = None, lost_reason=None, version=None
) -> Deal:
    """Move a deal to another pipeline, into `stage` of it (its first open stage by default)."""
    current = _locked(deal)
    policy.require(actor, Action.EDIT, current)
    _check_version(current, version)
    if pipeline.archived and pipeline.pk != current.pipeline_id:
        raise Invalid(errors={"pipeline": [_("This pipeline is archived: choose another one.")]})
    stage = stage or first_stage(pipeline)
    if stage is None:
        raise Invalid(errors={"stage": [_("This pipeline has no open stage.")]})
    if stage.pipeline_id != pipeline.pk:
        raise Invalid(
            _("This stage belongs to another pipeline."),
            errors={"stage": [_("This stage belongs to another pipeline.")]},
        )
    if pipeline.pk == current.pipeline_id:
        return move_deal(actor=actor, deal=current, stage=stage, lost_reason=lost_reason)
    before, old_stage = snapshot(current, AUDITED), current.stage
    errors: dict = {}
    current.pipeline = pipeline
    _enter_stage(actor, current, stage, lost_reason, errors)
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    return _after_move(actor, current, old_stage, before)


@transaction.atomic
def set_lines(*, actor, deal: Deal, lines: list[dict], version=None) -> Deal:
    """Replace the deal's lines (dicts as clean_lines reads them); the amount becomes their total.

    With no lines left the amount stays as it was, for the owner to change. Every line is
    checked before anything is written: Invalid names the line and field ("lines.2.quantity").
    """
    current = _locked(deal)
    policy.require(actor, Action.EDIT, current)
    _check_version(current, version)
    old = list(current.lines.all())
    cleaned = clean_lines(lines, currency=current.currency, kept=old)
    before = {"lines": _lines_summary(len(old), total_of_saved(old), current), "amount": str(current.amount)}
    replace_lines(DealLine, "deal", current, cleaned)
    if cleaned:
        current.amount = total_of(cleaned).total
    after = {"lines": _lines_summary(len(cleaned), total_of(cleaned).total, current), "amount": str(current.amount)}
    current.version += 1
    current.save()
    record(actor, Verb.UPDATE, current, changes=diff(before, after) or {"lines": [before["lines"], after["lines"]]})
    return current


def _lines_summary(count: int, total, deal: Deal) -> str:
    summary = ngettext("%(count)d line, %(total)s %(currency)s", "%(count)d lines, %(total)s %(currency)s", count)
    return summary % {"count": count, "total": total, "currency": deal.currency_id}


# Deleting


@transaction.atomic
def delete_deal(*, actor, deal: Deal) -> None:
    """Delete a deal with its lines and history; refused while quotes, invoices or other documents point to it."""
    policy.require(actor, Action.DELETE, deal)
    current = _locked(deal)
    before = snapshot(current, AUDITED)
    record(actor, Verb.DELETE, current, changes=diff(before, dict.fromkeys(before)))
    record_timeline(
        client=current.client,
        kind="deal",
        summary=_("Deal deleted: %(title)s") % {"title": current.title},
        actor=actor,
        record=current,
    )
    try:
        current.delete()
    except ProtectedError:
        # Raising rolls the whole use case back, the audit and timeline entries included.
        raise Conflict(
            _(
                "Quotes, invoices or other documents were made from this deal: it cannot be deleted. "
                "Move it to a lost stage instead."
            )
        ) from None


# Merging clients: the deals, documents and price list of the merged cards move to the card kept


def move_merged_records(survivor: Client, others: list[Client], actor) -> dict[str, int]:
    """The clients merge hook: deals, sales documents and the client's price list follow the survivor.

    Called inside the merge's transaction, after its rights were checked (see
    carte.clients.services.merge). The survivor keeps its own price list when it has one.
    """
    ids = [other.pk for other in others]
    moved = {
        "deals": Deal.objects.filter(client_id__in=ids).update(client=survivor),
        "deal_contacts": Deal.objects.filter(contact_id__in=ids).update(contact=survivor),
        "sales_documents": SalesDocument.objects.filter(client_id__in=ids).update(client=survivor),
        "document_contacts": SalesDocument.objects.filter(contact_id__in=ids).update(contact=survivor),
        "price_lists": 0,
    }
    if not ClientPriceList.objects.filter(client=survivor).exists():
        taken = ClientPriceList.objects.filter(client_id__in=ids).order_by("client_id").first()
        if taken is not None:
            moved["price_lists"] = ClientPriceList.objects.filter(client_id=taken.client_id).update(client=survivor)
    return {kind: count for kind, count in moved.items() if count}
