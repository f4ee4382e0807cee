"""The import screens: the list, the upload, the mapping with its preview, the dry run, the progress and the report.

One page per import (`import_detail`) shows what its status calls for: the mapping while it
is being set up (with the dry run's report once there is one), a progress bar while a job
works on it (polled by htmx every second), the report once it has run. Every action posts
to a small view that calls one service and comes back to that page.
"""

from itertools import islice

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.clients.queries.clients import owner_choices
from carte.clients.views.lists import page_numbers
from carte.core import policy
from carte.core.errors import Conflict, DomainError, Invalid
from carte.core.htmx import is_fragment, refusal_text, show_refusal
from carte.transfer import queries, readers
from carte.transfer.forms import (
    LayoutForm,
    MappingForm,
    SavedMappingForm,
    SaveMappingForm,
    UploadForm,
    mapping_initial,
)
from carte.transfer.models import Import, ImportRow
from carte.transfer.running import STALLED_AFTER
from carte.transfer.services import imports as services
from carte.transfer.services import mapping as mappings
from carte.transfer.targets import target

PAGE_SIZE = 50
SAMPLES = 2
Status = Import.Status
# What the preview says will happen to a row.
WILL = {
    "created": gettext_lazy("Will be created"),
    "updated": gettext_lazy("Will update"),
    "skipped": gettext_lazy("Will be skipped"),
    "failed": gettext_lazy("Will fail"),
}


# The list and the upload


@require_GET
def import_list(request):
    """The imports the user may see, newest first."""
    page = queries.import_page(request.user, request.GET.get("page"), PAGE_SIZE)
    labels = {item.key: item.label for item in queries.import_targets(request.user)}
    for source in page.items:
        source.target_label = labels.get(source.target, source.target)
        source.working = source.status in queries.WORKING
    context = {
        "page": page,
        "page_numbers": page_numbers(page),
        "can_import": bool(labels),
    }
    return render(request, "transfer/import_list.html", context)


@require_http_methods(["GET", "POST"])
def import_new(request):
    """Choose what the file holds and upload it; the mapping screen follows. ?target= preselects the kind."""
    targets = queries.import_targets(request.user)
    if not targets:
        policy.require(request.user, policy.Action.CREATE, Import(owner=request.user))
        raise Invalid(_("You may not create any of the records an import writes."))
    form = UploadForm(request.POST or None, request.FILES or None, targets=targets)
    if request.method == "GET" and request.GET.get("target") in {item.key for item in targets}:
        form.fields["target"].initial = request.GET["target"]
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            source = services.upload(
                actor=request.user, target_key=form.cleaned_data["target"], file=upload, file_name=upload.name
            )
        except Invalid as refused:
            show_refusal(form, refused)
        else:
            return redirect("transfer:import_detail", pk=source.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "transfer/import_new.html", {"form": form}, status=status)


# One import's page


def _samples(source: Import) -> tuple[list[list[str]], str]:
    """The first rows of the file (for the columns' sample values), and what stopped the reading if anything did."""
    try:
        rows = readers.rows(services.path_of(source), services.layout_of(source))
        return [cells for _number, cells in islice(rows, SAMPLES)], ""
    except DomainError as refused:
        return [], refusal_text(refused)


def _mapping_context(request, source: Import, form: MappingForm | None = None, **extra) -> dict:
    """What the mapping screen shows: how the file was read, each column with samples and a field, the options."""
    chosen = target(source.target)
    fields = chosen.fields()
    layout = services.layout_of(source)
    if form is None:
        form = MappingForm(
            initial=mapping_initial(source.mapping, services.options_of(source), source.columns),
            columns=source.columns,
            fields=fields,
            chosen_target=chosen,
            employees=owner_choices(request.user),
        )
    samples, read_error = _samples(source)
    columns = [
        (index, header, [row[index] for row in samples if index < len(row) and row[index]], select)
        for (index, select), header in zip(form.column_fields(), source.columns, strict=True)
    ]
    saved = list(queries.mappings_of(request.user, source.target))
    context = {
        "layout": layout,
        "layout_form": extra.pop("layout_form", None) or LayoutForm(layout=layout),
        "form": form,
        "columns": columns,
        "read_error": read_error,
        "saved_mappings": saved,
        "saved_form": SavedMappingForm(mappings=saved),
        "save_form": extra.pop("save_form", None) or SaveMappingForm(),
        "preview": None,
    }
    return context | extra


def _report_context(request, source: Import) -> dict:
    """The counts and a page of the journal: the failed and skipped rows of a dry run, any rows of a run."""
    checking = queries.shown_phase(source) == "check"
    outcome = request.GET.get("outcome", "") or ("problems" if checking else "")
    page = queries.journal_page(source, outcome=outcome, number=request.GET.get("page"), size=PAGE_SIZE)
    return {
        "counts": queries.counts_of(source),
        "journal": page,
        "page_numbers": page_numbers(page),
        "outcome": outcome,
        "outcomes": [] if checking else [("", _("All")), *ImportRow.Outcome.choices],
    }


def _context(request, source: Import, **extra) -> dict:
    done, total = queries.progress_of(source)
    stalled = (
        source.status == Status.RUNNING
        and source.heartbeat_at is not None
        and source.heartbeat_at < timezone.now() - STALLED_AFTER
    )
    context = {
        "source": source,
        "target_label": target(source.target).label,
        "working": source.status in queries.WORKING,
        "done": done,
        "total": total,
        "can_change": policy.can(request.user, policy.Action.CREATE, source),
        "can_undo": source.status in (Status.DONE, Status.FAILED)
        and policy.can(request.user, policy.Action.DELETE, source),
        "can_resume": (source.status == Status.FAILED or stalled)
        and policy.can(request.user, policy.Action.CREATE, source),
        "setting_up": source.status in (Status.UPLOADED, Status.CHECKED),
        "ran": queries.shown_phase(source) == "run",
    }
    if context["setting_up"] and context["can_change"]:
        context |= _mapping_context(request, source, **extra)
    if source.status in (Status.CHECKED, *queries.RAN) and source.status not in queries.WORKING:
        context |= _report_context(request, source)
    return context | extra


@require_GET
def import_detail(request, pk):
    """The import's page, as its status calls for; an htmx request for another page of the journal gets the journal."""
    source = queries.get_import_for(request.user, pk)
    if is_fragment(request) and ("page" in request.GET or "outcome" in request.GET):
        return render(request, "transfer/import_journal.html", _report_context(request, source) | {"source": source})
    return render(request, "transfer/import_detail.html", _context(request, source))


@require_GET
def import_progress(request, pk):
    """The progress bar, polled while a job works; once it is over, the page is loaded again to show the result."""
    source = queries.get_import_for(request.user, pk)
    if source.status in queries.WORKING and is_fragment(request):
        return render(request, "transfer/import_progress.html", _context(request, source))
    if is_fragment(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("transfer:import_detail", pk=source.pk)


@require_POST
def import_layout(request, pk):
    """Read the file another way (encoding, delimiter, sheet, header row)."""
    source = queries.get_import_for(request.user, pk, policy.Action.CREATE)
    form = LayoutForm(request.POST, layout=services.layout_of(source))
    if form.is_valid():
        try:
            services.change_layout(actor=request.user, source=source, **form.layout())
        except Invalid as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, _("The file was read again; check the mapping."))
            return redirect("transfer:import_detail", pk=source.pk)
    return render(request, "transfer/import_detail.html", _context(request, source, layout_form=form), status=422)


def _mapping_form(request, source: Import) -> MappingForm:
    chosen = target(source.target)
    return MappingForm(
        request.POST,
        columns=source.columns,
        fields=chosen.fields(),
        chosen_target=chosen,
        employees=owner_choices(request.user),
    )


def _apply_saved(request, source: Import):
    """Show the mapping a saved one gives this file (by header); nothing is kept until the next step."""
    form = SavedMappingForm(request.POST, mappings=queries.mappings_of(request.user, source.target))
    if not form.is_valid() or not form.cleaned_data["saved"]:
        messages.error(request, _("Choose a saved mapping."))
        return redirect("transfer:import_detail", pk=source.pk)
    saved = queries.get_mapping_for(request.user, form.cleaned_data["saved"])
    chosen = target(source.target)
    applied = mappings.suggest(source.target, source.columns, saved.fields)
    mapping_form = MappingForm(
        initial=mapping_initial(applied, services.options_of(source), source.columns),
        columns=source.columns,
        fields=chosen.fields(),
        chosen_target=chosen,
        employees=owner_choices(request.user),
    )
    messages.success(
        request, _("The mapping “%(name)s” is applied: check it, then preview or import.") % {"name": saved.name}
    )
    return render(request, "transfer/import_detail.html", _context(request, source, form=mapping_form))


def _preview_rows(request, source: Import) -> list[dict]:
    shown = services.preview(actor=request.user, source=source)
    return [
        {"outcome": outcome, "will": WILL.get(outcome.outcome, ""), "cells": cells} for cells, outcome in shown.rows
    ]


@require_POST
def import_mapping(request, pk):
    """The mapping form's buttons: "preview", "save" (the mapping, by name), "check" (the dry run), "run",
    and "apply" (a saved mapping)."""
    source = queries.get_import_for(request.user, pk, policy.Action.CREATE)
    action = request.POST.get("action", "preview")
    if action == "apply":
        return _apply_saved(request, source)
    form = _mapping_form(request, source)
    save_form = SaveMappingForm(request.POST if action == "save" else None)
    refused = not form.is_valid()
    if not refused:
        try:
            if form.changes(source.mapping, services.options_of(source)):
                source = services.configure(
                    actor=request.user, source=source, mapping=form.mapping(), options=form.options()
                )
            if action == "save":
                name = request.POST.get("name", "")
                saved = mappings.save_mapping(actor=request.user, source=source, name=name)
                messages.success(request, _("Mapping “%(name)s” saved.") % {"name": saved.name})
                return redirect("transfer:import_detail", pk=source.pk)
            elif action == "check":
                services.start_check(actor=request.user, source=source)
                return redirect("transfer:import_detail", pk=source.pk)
            elif action == "run":
                services.start_run(actor=request.user, source=source)
                return redirect("transfer:import_detail", pk=source.pk)
        except Invalid as error:
            show_refusal(save_form if "name" in error.errors else form, error)
            refused = True
    preview = None if refused or action != "preview" else _preview_rows(request, source)
    context = _context(request, source, form=form, save_form=save_form, preview=preview, fragment=is_fragment(request))
    status = 422 if refused else 200
    if is_fragment(request):
        return render(request, "transfer/import_preview.html", context, status=status)
    return render(request, "transfer/import_detail.html", context, status=status)


def _act(request, pk, action: str, start, done_message: str):
    """Call one service on the import; a refusal (Conflict: records changed since…) is shown on its page."""
    source = queries.get_import_for(request.user, pk, action)
    try:
        start(actor=request.user, source=source)
    except (Conflict, Invalid) as refused:
        messages.error(request, refusal_text(refused))
    else:
        messages.success(request, done_message)
    return redirect("transfer:import_detail", pk=source.pk)


@require_POST
def import_run(request, pk):
    """Run the import as it is mapped (the dry run report's "Import" button)."""
    return _act(request, pk, policy.Action.CREATE, services.start_run, _("The import has started."))


@require_POST
def import_resume(request, pk):
    return _act(request, pk, policy.Action.CREATE, services.resume, _("The import goes on after its last saved rows."))


@require_POST
def import_undo(request, pk):
    return _act(request, pk, policy.Action.DELETE, services.start_undo, _("The import is being undone."))


@require_GET
def import_report(request, pk):
    """The report as a CSV file: every journal row with its outcome, reason and record."""
    source = queries.get_import_for(request.user, pk)
    response = StreamingHttpResponse(
        queries.report_csv(source, base_url=f"{request.scheme}://{request.get_host()}"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{queries.report_name(source)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def mapping_delete(request, pk):
    """Delete one of the user's saved mappings; back to the import it was offered on (?next=)."""
    mapping = queries.get_mapping_for(request.user, pk)
    mappings.delete_mapping(actor=request.user, mapping=mapping)
    messages.success(request, _("Mapping “%(name)s” deleted.") % {"name": mapping.name})
    source = request.POST.get("import", "")
    if source.isdecimal():
        return redirect(reverse("transfer:import_detail", args=[int(source)]))
    return redirect("transfer:import_list")
