"""Settings → Pipelines: the pipelines and their stages (module "sales_settings").

Every employee who holds "view" in sales settings sees the page; changes take the module's
rights, which the services check (the administrator by default). Each action posts and comes
back to the list with a message; forms re-render with their errors beside the fields.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from carte.core import policy
from carte.core.errors import Conflict, DomainError, Invalid
from carte.core.htmx import save_posted
from carte.sales.forms.deals import DirectionForm, PipelineForm, StageDeleteForm, StageForm
from carte.sales.queries import pipelines as queries
from carte.sales.services import pipelines as services

MODULE = queries.MODULE
Action = policy.Action


def _may(user, action: str) -> bool:
    return policy.can_in_module(user, MODULE, action)


def _back(anchor: str = ""):
    return redirect(f"{reverse('sales:pipeline_list')}{anchor}")


def pipeline_list(request):
    user = request.user
    context = {
        "pipelines": queries.pipelines_for_settings(user),
        "may_create": _may(user, Action.CREATE),
        "may_edit": _may(user, Action.EDIT),
        "may_delete": _may(user, Action.DELETE),
        "outcomes": queries.Outcome.choices,
    }
    return render(request, "sales/pipelines/list.html", context)


def _refused(request, error: DomainError):
    messages.error(request, error.message if not error.errors else next(iter(error.errors.values()))[0])
    return _back()


def pipeline_create(request):
    policy.require_in_module(request.user, MODULE, Action.CREATE)
    form = PipelineForm(request.POST if request.method == "POST" else None)
    saved = save_posted(request, form, lambda: services.create_pipeline(actor=request.user, **form.cleaned_data))
    if saved:
        pipeline = saved.value
        messages.success(request, _("Pipeline %(name)s created: add its stages.") % {"name": pipeline.name})
        return _back(f"#pipeline-{pipeline.pk}")
    return render(request, "sales/pipelines/pipeline_form.html", {"form": form}, status=400 if form.errors else 200)


def pipeline_edit(request, pk):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    pipeline = queries.get_pipeline(pk)
    initial = {"name": pipeline.name, "is_default": pipeline.is_default}
    form = PipelineForm(request.POST if request.method == "POST" else None, initial=initial)
    if save_posted(
        request, form, lambda: services.update_pipeline(actor=request.user, pipeline=pipeline, **form.cleaned_data)
    ):
        messages.success(request, _("Pipeline saved."))
        return _back(f"#pipeline-{pipeline.pk}")
    context = {"form": form, "pipeline": pipeline}
    return render(request, "sales/pipelines/pipeline_form.html", context, status=400 if form.errors else 200)


@require_POST
def pipeline_archive(request, pk):
    pipeline = queries.get_pipeline(pk)
    try:
        services.archive_pipeline(actor=request.user, pipeline=pipeline, archived=True)
    except (Conflict, Invalid) as refused:
        return _refused(request, refused)
    messages.success(request, _("Pipeline %(name)s archived.") % {"name": pipeline.name})
    return _back()


@require_POST
def pipeline_restore(request, pk):
    pipeline = queries.get_pipeline(pk)
    services.archive_pipeline(actor=request.user, pipeline=pipeline, archived=False)
    messages.success(request, _("Pipeline %(name)s restored.") % {"name": pipeline.name})
    return _back(f"#pipeline-{pipeline.pk}")


@require_POST
def pipeline_delete(request, pk):
    pipeline = queries.get_pipeline(pk)
    try:
        services.delete_pipeline(actor=request.user, pipeline=pipeline)
    except (Conflict, Invalid) as refused:
        return _refused(request, refused)
    messages.success(request, _("Pipeline %(name)s deleted.") % {"name": pipeline.name})
    return _back()


@require_POST
def pipeline_move(request, pk):
    pipeline = queries.get_pipeline(pk)
    form = DirectionForm(request.POST)
    if form.is_valid():
        services.move_pipeline(actor=request.user, pipeline=pipeline, step=form.step())
    return _back(f"#pipeline-{pipeline.pk}")


def stage_create(request, pk):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    pipeline = queries.get_pipeline(pk)
    form = StageForm(request.POST if request.method == "POST" else None)
    if save_posted(
        request, form, lambda: services.add_stage(actor=request.user, pipeline=pipeline, **form.cleaned_data)
    ):
        messages.success(request, _("Stage added."))
        return _back(f"#pipeline-{pipeline.pk}")
    context = {"form": form, "pipeline": pipeline}
    return render(request, "sales/pipelines/stage_form.html", context, status=400 if form.errors else 200)


def stage_edit(request, pk):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    stage = queries.get_stage(pk)
    form = StageForm(request.POST if request.method == "POST" else None, initial=StageForm.initial_for(stage))
    if save_posted(request, form, lambda: services.update_stage(actor=request.user, stage=stage, **form.cleaned_data)):
        messages.success(request, _("Stage saved."))
        return _back(f"#pipeline-{stage.pipeline_id}")
    context = {"form": form, "pipeline": stage.pipeline, "stage": stage}
    return render(request, "sales/pipelines/stage_form.html", context, status=400 if form.errors else 200)


@require_POST
def stage_move(request, pk):
    stage = queries.get_stage(pk)
    form = DirectionForm(request.POST)
    if form.is_valid():
        services.move_stage(actor=request.user, stage=stage, step=form.step())
    return _back(f"#pipeline-{stage.pipeline_id}")


def stage_delete(request, pk):
    """Delete a stage; one holding deals (or in their history) merges into a stage chosen here."""
    policy.require_in_module(request.user, MODULE, Action.DELETE)
    stage = queries.get_stage(pk)
    deals, history = services.stage_usage(stage)
    form = StageDeleteForm(request.POST if request.method == "POST" else None, targets=queries.merge_targets(stage))
    saved = save_posted(
        request, form, lambda: services.delete_stage(actor=request.user, stage=stage, move_to=form.target())
    )
    if saved:
        moved = saved.value
        if moved:
            messages.success(
                request,
                ngettext(
                    "Stage %(name)s deleted; %(count)d deal moved.",
                    "Stage %(name)s deleted; %(count)d deals moved.",
                    moved,
                )
                % {"name": stage.name, "count": moved},
            )
        else:
            messages.success(request, _("Stage %(name)s deleted.") % {"name": stage.name})
        return _back(f"#pipeline-{stage.pipeline_id}")
    context = {"form": form, "stage": stage, "deal_count": deals, "has_history": history}
    return render(request, "sales/pipelines/stage_delete.html", context, status=400 if form.errors else 200)
