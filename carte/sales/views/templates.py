"""Settings → Document templates: list, upload, download, delete; the built-in ones as a starting point."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.htmx import save_posted
from carte.core.uploads import attachment
from carte.sales.forms.documents import TemplateUploadForm
from carte.sales.models import SalesDocument
from carte.sales.queries import documents as queries
from carte.sales.services import templates as services


def _list_context(request, form=None) -> dict:
    may_edit = queries.may_edit_templates(request.user)
    return {
        "templates": list(services.visible_templates(request.user)),
        "may_edit": may_edit,
        "may_delete": policy.can_in_module(request.user, "sales_settings", policy.Action.DELETE),
        "form": form if form is not None else (TemplateUploadForm() if may_edit else None),
        "kinds": SalesDocument.Kind.choices,
    }


@require_GET
def template_list(request):
    return render(request, "sales/documents/templates.html", _list_context(request))


@require_http_methods(["GET", "POST"])
def template_upload(request):
    """Upload a template: it is filled once with sample values, and refused with the problem named."""
    policy.require_in_module(request.user, "sales_settings", policy.Action.EDIT)
    if request.method == "GET":
        return redirect("sales:template_list")
    form = TemplateUploadForm(request.POST, request.FILES)
    saved = save_posted(request, form, lambda: services.upload_template(actor=request.user, **form.cleaned_data))
    if saved:
        template = saved.value
        messages.success(request, _("Template “%(name)s” added.") % {"name": template.name})
        return redirect("sales:template_list")
    return render(request, "sales/documents/templates.html", _list_context(request, form), status=422)


@require_GET
def template_file(request, pk):
    template = queries.get_template_for(request.user, pk)
    try:
        file = services.uploaded_file(request.user, template)
    except OSError:
        raise NotFound(_("The file of this template is missing.")) from None
    return attachment(file.content, file.filename, file.kind)


@require_POST
def template_delete(request, pk):
    template = queries.get_template_for(request.user, pk)
    if services.delete_template(actor=request.user, template=template):
        messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    else:
        messages.success(
            request,
            _("Template “%(name)s” archived: documents made with it keep it.") % {"name": template.name},
        )
    return redirect("sales:template_list")


@require_GET
def template_builtin(request, kind, format):
    """A built-in template as a file to start from (HTML: one self-contained page; DOCX: a Word document)."""
    policy.require_in_module(request.user, "sales_settings", policy.Action.VIEW)
    try:
        file = services.builtin_file(kind, format)
    except Invalid:
        raise NotFound() from None
    return attachment(file.content, file.filename, file.kind)
