"""Pipelines and their stages (Settings → Pipelines): one function per use case.

A pipeline always keeps at least one open stage, one won stage and one lost stage, so a deal
can always move on and end. Exactly one pipeline is the default (new deals go there unless
said otherwise); it cannot be archived. A stage that holds deals, or that deals went through,
is deleted by merging it into another stage of the same pipeline with the same outcome: its
deals move there and its history follows, all at once or not at all. Changes need the
"sales_settings" module's rights (the administrator by default) and are audited.
"""

import re

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.core import events, policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Conflict, Invalid
from carte.sales.models import Deal, Pipeline, Stage, StageChange
from carte.sales.services.values import parse_probability

MODULE = "sales_settings"
NAME_LENGTH = 100
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PIPELINE_FIELDS = ["name", "order", "is_default", "archived"]
STAGE_FIELDS = ["name", "order", "probability", "colour", "outcome"]
Outcome = Stage.Outcome

# The stages a new installation starts with: (name, probability, outcome, colour).
SEED_STAGES = [
    ("New", 10, Outcome.OPEN, "#64748b"),
    ("Qualified", 25, Outcome.OPEN, "#2563eb"),
    ("Proposal", 50, Outcome.OPEN, "#7c3aed"),
    ("Negotiation", 75, Outcome.OPEN, "#d97706"),
    ("Won", 100, Outcome.WON, "#16a34a"),
    ("Lost", 0, Outcome.LOST, "#dc2626"),
]
# The stages a pipeline created without any starts with: the fewest a pipeline needs.
FIRST_STAGES = [SEED_STAGES[0], SEED_STAGES[4], SEED_STAGES[5]]


def _seed_names() -> dict[str, str]:
    """The seeded names, marked for translation here (gettext must see the literals)."""
    return {
        "Sales": _("Sales"),
        "New": _("New"),
        "Qualified": _("Qualified"),
        "Proposal": _("Proposal"),
        "Negotiation": _("Negotiation"),
        "Won": _("Won"),
        "Lost": _("Lost"),
    }


def seed_pipeline() -> Pipeline | None:
    """The "Sales" pipeline of a new installation, named in its language; nothing when any pipeline exists."""
    if Pipeline.objects.exists():
        return None
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        names = _seed_names()
        pipeline = Pipeline.objects.create(name=names["Sales"], order=1, is_default=True)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=names[name], order=order, probability=chance, outcome=outcome, colour=colour)
            for order, (name, chance, outcome, colour) in enumerate(SEED_STAGES, start=1)
        )
    return pipeline


# Checking what people type


def _name(value, field: str = "name") -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise Invalid(errors={field: [_("Give it a name.")]})
    if len(name) > NAME_LENGTH:
        raise Invalid(errors={field: [_("At most %(count)d characters.") % {"count": NAME_LENGTH}]})
    return name


def _colour(value) -> str:
    colour = str(value or "").strip()
    if not COLOUR.fullmatch(colour):
        raise Invalid(errors={"colour": [_("Enter a colour as #rrggbb, such as #2563eb.")]})
    return colour.lower()


def _outcome(value) -> str:
    if value not in Outcome.values:
        raise Invalid(errors={"outcome": [_("Choose open, won or lost.")]})
    return value


def _collect(errors: dict, check, *args):
    try:
        return check(*args)
    except Invalid as refused:
        errors.update(refused.errors)
        return None


def check_outcomes(outcomes) -> None:
    """Invalid unless the outcomes hold an open, a won and a lost stage: what every pipeline needs."""
    missing = {Outcome.OPEN, Outcome.WON, Outcome.LOST} - set(outcomes)
    if missing:
        raise Invalid(
            _("A pipeline needs at least one open stage, one won stage and one lost stage."),
            errors={"outcome": [_("A pipeline needs at least one open stage, one won stage and one lost stage.")]},
        )


# Pipelines


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


def _set_default(pipeline: Pipeline) -> None:
    Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


@transaction.atomic
def create_pipeline(*, actor, name, is_default: bool = False, stages: list[dict] | None = None) -> Pipeline:
    """A new pipeline, last in order. `stages` ({name, probability, colour, outcome}) default to New, Won and Lost.

    The first pipeline of an installation, or one created as default, becomes the default.
    """
    _require(actor, policy.Action.CREATE)
    name = _name(name)
    wanted = stages if stages is not None else _first_stages()
    cleaned, errors = [], {}
    for index, stage in enumerate(wanted):
        try:
            cleaned.append(_clean_stage(stage))
        except Invalid as refused:
            errors.update({f"stages.{index}.{key}": value for key, value in refused.errors.items()})
    if errors:
        raise Invalid(errors=errors)
    check_outcomes(stage["outcome"] for stage in cleaned)
    last = Pipeline.objects.aggregate(last=Max("order"))["last"] or 0
    is_default = bool(is_default) or not Pipeline.objects.filter(is_default=True).exists()
    pipeline = Pipeline.objects.create(name=name, order=last + 1, is_default=is_default)
    if is_default:
        _set_default(pipeline)
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, order=order, **stage) for order, stage in enumerate(cleaned, start=1)
    )
    record(actor, Verb.CREATE, pipeline, changes=diff({}, snapshot(pipeline, PIPELINE_FIELDS)))
    return pipeline


def _first_stages() -> list[dict]:
    names = _seed_names()
    return [
        {"name": names[name], "probability": chance, "outcome": outcome, "colour": colour}
        for name, chance, outcome, colour in FIRST_STAGES
    ]


def _clean_stage(stage: dict) -> dict:
    errors: dict = {}
    cleaned = {
        "name": _collect(errors, _name, stage.get("name")),
        "probability": _collect(errors, parse_probability, stage.get("probability", 0)),
        "colour": _collect(errors, _colour, stage.get("colour") or "#6b7280"),
        "outcome": _collect(errors, _outcome, stage.get("outcome") or Outcome.OPEN),
    }
    if errors:
        raise Invalid(errors=errors)
    return cleaned


def _locked_pipeline(pipeline: Pipeline) -> Pipeline:
    return Pipeline.objects.select_for_update().get(pk=pipeline.pk)


@transaction.atomic
def update_pipeline(*, actor, pipeline: Pipeline, name=None, is_default: bool | None = None) -> Pipeline:
    """Rename a pipeline, or make it the default (the former default stops being one).

    A pipeline stops being the default only by making another one the default.
    """
    _require(actor, policy.Action.EDIT)
    current = _locked_pipeline(pipeline)
    before = snapshot(current, PIPELINE_FIELDS)
    if name is not None:
        current.name = _name(name)
    if is_default and not current.is_default:
        if current.archived:
            raise Invalid(errors={"is_default": [_("An archived pipeline cannot be the default: restore it first.")]})
        current.is_default = True
        _set_default(current)
    elif is_default is False and current.is_default:
        raise Invalid(errors={"is_default": [_("Make another pipeline the default instead.")]})
    changes = diff(before, snapshot(current, PIPELINE_FIELDS))
    if changes:
        current.save()
        record(actor, Verb.UPDATE, current, changes=changes)
    return current


@transaction.atomic
def archive_pipeline(*, actor, pipeline: Pipeline, archived: bool = True) -> Pipeline:
    """Archive a pipeline (no new deals, off the board's choices; its deals stay) or restore it."""
    _require(actor, policy.Action.EDIT)
    current = _locked_pipeline(pipeline)
    if archived and current.is_default:
        raise Conflict(_("The default pipeline cannot be archived: make another pipeline the default first."))
    if current.archived != archived:
        current.archived = archived
        current.save(update_fields=["archived"])
        record(actor, Verb.UPDATE, current, changes={"archived": [not archived, archived]})
    return current


@transaction.atomic
def delete_pipeline(*, actor, pipeline: Pipeline) -> None:
    """Delete a pipeline that never held a deal; one with deals is archived instead."""
    _require(actor, policy.Action.DELETE)
    current = _locked_pipeline(pipeline)
    if current.is_default:
        raise Conflict(_("The default pipeline cannot be deleted: make another pipeline the default first."))
    if Deal.objects.filter(pipeline=current).exists():
        raise Conflict(_("This pipeline holds deals: archive it instead, its deals stay as they are."))
    record(actor, Verb.DELETE, current, changes=diff(snapshot(current, PIPELINE_FIELDS), {}))
    current.delete()


@transaction.atomic
def reorder_pipelines(*, actor, pipeline_ids: list) -> list[Pipeline]:
    """Put the pipelines in this order (every pipeline, each once)."""
    _require(actor, policy.Action.EDIT)
    pipelines = list(Pipeline.objects.select_for_update().order_by("order", "id"))
    ordered = _in_order(pipelines, pipeline_ids, "pipelines", _("Name every pipeline once."))
    _renumber(ordered)
    record(actor, Verb.UPDATE, None, label=_("Order of the pipelines"), changes=_order_change(pipelines, ordered))
    return ordered


def move_pipeline(*, actor, pipeline: Pipeline, step: int) -> list[Pipeline]:
    """Move a pipeline one place up (step -1) or down (+1) in the list."""
    ids = list(Pipeline.objects.order_by("order", "id").values_list("pk", flat=True))
    return reorder_pipelines(actor=actor, pipeline_ids=_moved(ids, pipeline.pk, step))


def _moved(ids: list, pk, step: int) -> list:
    index = ids.index(pk)
    target = min(max(index + step, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return ids


def _in_order(records: list, ids: list, field: str, message: str) -> list:
    by_id = {record.pk: record for record in records}
    try:
        wanted = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        raise Invalid(errors={field: [message]}) from None
    if sorted(wanted) != sorted(by_id):
        raise Invalid(message, errors={field: [message]})
    return [by_id[pk] for pk in wanted]


def _renumber(records: list) -> None:
    for order, item in enumerate(records, start=1):
        item.order = order
    if records:
        type(records[0]).objects.bulk_update(records, ["order"])


def _order_change(before: list, after: list) -> dict:
    return {"order": [", ".join(str(item) for item in before), ", ".join(str(item) for item in after)]}


# Stages


def _pipeline_outcomes(pipeline: Pipeline, *, without=None, changed=None) -> list[str]:
    """The outcomes of the pipeline's stages, leaving out the stage `without` or with `changed` (stage, outcome)."""
    outcomes = []
    for stage in Stage.objects.filter(pipeline=pipeline):
        if without is not None and stage.pk == without.pk:
            continue
        if changed is not None and stage.pk == changed[0].pk:
            outcomes.append(changed[1])
        else:
            outcomes.append(stage.outcome)
    return outcomes


@transaction.atomic
def add_stage(*, actor, pipeline: Pipeline, name, probability=0, colour="#6b7280", outcome=Outcome.OPEN) -> Stage:
    """A new stage at the end of the pipeline's open stages (before won and lost), or at the end for won/lost."""
    _require(actor, policy.Action.EDIT)
    current = _locked_pipeline(pipeline)
    values = _clean_stage({"name": name, "probability": probability, "colour": colour, "outcome": outcome})
    stages = list(current.stages.order_by("order", "id"))
    position = len(stages)
    if values["outcome"] == Outcome.OPEN:
        position = next((index for index, stage in enumerate(stages) if stage.is_closed), len(stages))
    stage = Stage.objects.create(pipeline=current, order=0, **values)
    stages.insert(position, stage)
    _renumber(stages)
    record(
        actor, Verb.CREATE, stage, changes=diff({}, snapshot(stage, STAGE_FIELDS)) | {"pipeline": [None, str(current)]}
    )
    return stage


@transaction.atomic
def update_stage(*, actor, stage: Stage, name=None, probability=None, colour=None, outcome=None) -> Stage:
    """Change a stage's name, probability, colour or outcome (those given).

    The outcome of a stage that holds deals stays: their closing dates and reasons depend on it.
    """
    _require(actor, policy.Action.EDIT)
    _locked_pipeline(stage.pipeline)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    before = snapshot(current, STAGE_FIELDS)
    errors: dict = {}
    if name is not None:
        current.name = _collect(errors, _name, name) or current.name
    if probability is not None:
        found = _collect(errors, parse_probability, probability)
        current.probability = current.probability if found is None else found
    if colour is not None:
        current.colour = _collect(errors, _colour, colour) or current.colour
    if outcome is not None and outcome != current.outcome:
        new = _collect(errors, _outcome, outcome)
        if new is not None:
            if Deal.objects.filter(stage=current).exists():
                errors["outcome"] = [
                    _("Deals are in this stage: move them to another stage before changing its outcome.")
                ]
            else:
                check_outcomes(_pipeline_outcomes(current.pipeline, changed=(current, new)))
                current.outcome = new
    if errors:
        raise Invalid(errors=errors)
    changes = diff(before, snapshot(current, STAGE_FIELDS))
    if changes:
        current.save()
        record(actor, Verb.UPDATE, current, changes=changes)
    return current


@transaction.atomic
def reorder_stages(*, actor, pipeline: Pipeline, stage_ids: list) -> list[Stage]:
    """Put the pipeline's stages in this order (every stage of the pipeline, each once)."""
    _require(actor, policy.Action.EDIT)
    current = _locked_pipeline(pipeline)
    stages = list(current.stages.order_by("order", "id"))
    ordered = _in_order(stages, stage_ids, "stages", _("Name every stage of this pipeline once."))
    _renumber(ordered)
    record(actor, Verb.UPDATE, current, changes=_order_change(stages, ordered))
    return ordered


def move_stage(*, actor, stage: Stage, step: int) -> list[Stage]:
    """Move a stage one place up (step -1) or down (+1) in its pipeline."""
    ids = list(Stage.objects.filter(pipeline_id=stage.pipeline_id).order_by("order", "id").values_list("pk", flat=True))
    return reorder_stages(actor=actor, pipeline=stage.pipeline, stage_ids=_moved(ids, stage.pk, step))


def stage_usage(stage: Stage) -> tuple[int, bool]:
    """(how many deals are in the stage, whether any deal's history passes through it)."""
    deals = Deal.objects.filter(stage=stage).count()
    history = StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
    return deals, history


@transaction.atomic
def delete_stage(*, actor, stage: Stage, move_to: Stage | None = None) -> int:
    """Delete a stage; how many deals moved.

    A stage that holds deals, or that deals went through, is merged into `move_to` (another
    stage of the same pipeline with the same outcome): its deals move there and its history
    entries name that stage instead. Without `move_to` such a stage is refused with a message
    asking for one. The pipeline must keep an open, a won and a lost stage.
    """
    _require(actor, policy.Action.DELETE)
    _locked_pipeline(stage.pipeline)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    check_outcomes(_pipeline_outcomes(current.pipeline, without=current))
    deals, history = stage_usage(current)
    if (deals or history) and move_to is None:
        message = ngettext(
            "This stage holds %(count)d deal: choose the stage to move it to.",
            "This stage holds %(count)d deals: choose the stage to move them to.",
            deals,
        ) % {"count": deals}
        if not deals:
            message = _("Deals went through this stage: choose the stage that takes over its history.")
        raise Invalid(message, errors={"move_to": [message]})
    moved = 0
    if move_to is not None:
        _check_target(current, move_to)
        moved = _merge_into(actor, current, move_to)
    record(
        actor,
        Verb.DELETE,
        current,
        changes=diff(snapshot(current, STAGE_FIELDS), {}) | ({"moved_to": [None, str(move_to)]} if move_to else {}),
    )
    current.delete()
    return moved


def _check_target(stage: Stage, target: Stage) -> None:
    if target.pk == stage.pk:
        raise Invalid(errors={"move_to": [_("Choose another stage than the one deleted.")]})
    if target.pipeline_id != stage.pipeline_id:
        raise Invalid(errors={"move_to": [_("This stage belongs to another pipeline.")]})
    if target.outcome != stage.outcome:
        raise Invalid(errors={"move_to": [_("Choose a stage with the same outcome (open, won or lost).")]})


def _merge_into(actor, stage: Stage, target: Stage) -> int:
    """Move the stage's deals and history to `target`; the deals' probability follows unless set by hand."""
    deals = list(Deal.objects.select_for_update().filter(stage=stage).values_list("pk", "owner_id", "probability"))
    moved = Deal.objects.filter(pk__in=[pk for pk, _owner, _chance in deals])
    values = {"stage": target, "version": F("version") + 1, "updated_at": timezone.now()}
    moved.filter(probability=stage.probability).update(**values, probability=target.probability)
    moved.exclude(probability=stage.probability).update(**values)
    StageChange.objects.filter(from_stage=stage).update(from_stage=target)
    StageChange.objects.filter(to_stage=stage).update(to_stage=target)
    for pk, owner_id, _chance in deals:
        events.emit(
            "deal.stage_changed",
            actor=actor,
            deal_id=pk,
            from_stage_id=stage.pk,
            to_stage_id=target.pk,
            owner_id=owner_id,
            outcome=target.outcome,
        )
    return len(deals)
