"""Reading pipelines and stages: everyone reads them (the board and the deal forms need them).

The settings screens show, beside each stage, how many deals it holds: one aggregate query for
every pipeline at once.
"""

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.sales.models import Deal, Pipeline, Stage

MODULE = "sales_settings"
Outcome = Stage.Outcome
OUTCOME_ORDER = {Outcome.OPEN: 0, Outcome.WON: 1, Outcome.LOST: 2}


def board_order(stages) -> list[Stage]:
    """Stages as the board shows them: the open ones in their order, then won, then lost."""
    return sorted(stages, key=lambda stage: (OUTCOME_ORDER.get(stage.outcome, 3), stage.order, stage.pk))


def _with_stages(pipelines: QuerySet) -> QuerySet:
    return pipelines.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))


def pipelines_in_use() -> list[Pipeline]:
    """The pipelines deals may go to (not archived), default first then in order, with their stages."""
    return list(_with_stages(Pipeline.objects.filter(archived=False).order_by("-is_default", "order", "id")))


def pipelines_for_settings(user) -> list[Pipeline]:
    """Every pipeline (archived last) with its stages, each stage with `deal_count`: two queries in all.

    The counts are of the deals the user may see, as everywhere else.
    """
    policy.require_in_module(user, MODULE, policy.Action.VIEW, policy.Scope.OWN)
    pipelines = list(_with_stages(Pipeline.objects.order_by("archived", "order", "id")))
    counts = dict(
        policy.visible(user, Deal.objects.order_by())
        .values_list("stage_id")
        .annotate(count=Count("id"))
        .values_list("stage_id", "count")
    )
    for pipeline in pipelines:
        for stage in pipeline.stages.all():
            stage.deal_count = counts.get(stage.pk, 0)  # type: ignore[attr-defined]
        pipeline.deal_count = sum(stage.deal_count for stage in pipeline.stages.all())  # type: ignore[attr-defined]
    return pipelines


def get_pipeline(pk) -> Pipeline:
    """A pipeline by id, NotFound when there is none."""
    try:
        return _with_stages(Pipeline.objects.all()).get(pk=int(pk))
    except (Pipeline.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def get_stage(pk) -> Stage:
    """A stage by id with its pipeline, NotFound when there is none."""
    try:
        return Stage.objects.select_related("pipeline").get(pk=int(pk))
    except (Stage.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def stage_named(pk, field: str = "stage") -> Stage:
    """The stage a form or payload names by id; Invalid naming `field` when there is none."""
    try:
        return Stage.objects.select_related("pipeline").get(pk=int(str(pk)))
    except (Stage.DoesNotExist, TypeError, ValueError):
        raise Invalid(errors={field: [_("This stage does not exist.")]}) from None


def pipeline_named(pk, field: str = "pipeline") -> Pipeline:
    """The pipeline a form or payload names by id; Invalid naming `field` when there is none."""
    try:
        return Pipeline.objects.get(pk=int(str(pk)))
    except (Pipeline.DoesNotExist, TypeError, ValueError):
        raise Invalid(errors={field: [_("This pipeline does not exist.")]}) from None


def stage_choices(pipeline: Pipeline) -> list[Stage]:
    """The stages of a pipeline in board order (uses the prefetched stages when there are)."""
    return board_order(pipeline.stages.all())


def merge_targets(stage: Stage) -> list[Stage]:
    """The stages that may take over a deleted stage's deals: same pipeline, same outcome."""
    return list(
        Stage.objects.filter(pipeline_id=stage.pipeline_id, outcome=stage.outcome)
        .exclude(pk=stage.pk)
        .order_by("order")
    )
