"""Settings screens of the clients app: the reference lists ("directories") and the custom fields.

Parse, call one service or query, render. The reference lists page works without JavaScript
(each action posts and comes back to the page); with htmx, actions replace the list in place
and a value is renamed inline. Refusals from the services (NotAllowed, Conflict…) are shown
by carte.core.middleware, or beside the form fields they concern.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carte.clients import queries, services
from carte.clients.models import CustomField, ReferenceValue
from carte.clients.queries.references import MODULE, custom_field_value_count, is_builtin, list_label
from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import is_fragment, show_refusal

Action = policy.Action
RENAME_ARROWS = ("→", "->", "=>")

# ---------------------------------------------------------------------------------------------
# Forms (parsing only: the services check the rules)
# ---------------------------------------------------------------------------------------------


class ReferenceValueForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("name"), max_length=100)
    key = forms.CharField(
        label=gettext_lazy("key"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Made from the name when left empty. It never changes: the API and saved filters use it."
        ),
    )


class RenameForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("name"), max_length=100, required=False)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class CustomFieldForm(forms.Form):
    """A custom field's definition; choices one per line, renamed choices as “old → new” lines."""

    label = forms.CharField(label=gettext_lazy("name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=CustomField.Kind.choices)
    options = forms.CharField(
        label=gettext_lazy("choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("For a choice or several-choices field: one choice per line, in the order shown."),
    )
    rename = forms.CharField(
        label=gettext_lazy("renamed choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "To rename a choice that cards already have, write “old name → new name” (or ->) on a line and put "
            "the new name among the choices: the cards follow. A choice that cards have cannot simply be removed."
        ),
    )
    currency = forms.CharField(
        label=gettext_lazy("currency"),
        max_length=3,
        required=False,
        help_text=gettext_lazy("For a money field: the three-letter code, such as EUR, USD or RUB."),
    )
    required = forms.BooleanField(label=gettext_lazy("required on new cards"), required=False)
    key = forms.CharField(
        label=gettext_lazy("key"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "The field's name in the API and in imports. Made from the name when left empty; it never changes."
        ),
    )

    def __init__(self, *args, field: CustomField | None = None, has_values: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if field is None:
            del self.fields["rename"]
        else:
            del self.fields["key"]
        if has_values:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("The kind cannot change while cards have values in this field.")

    @staticmethod
    def initial_for(field: CustomField) -> dict:
        return {
            "label": field.label,
            "kind": field.kind,
            "options": "\n".join(field.options or []),
            "currency": field.currency,
            "required": field.required,
        }

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def clean_rename(self) -> dict[str, str]:
        renames = {}
        for line in self.cleaned_data["rename"].splitlines():
            if not line.strip():
                continue
            arrow = next((arrow for arrow in RENAME_ARROWS if arrow in line), None)
            if arrow is None:
                raise forms.ValidationError(_("Write each renamed choice as “old name → new name”."))
            old, new = line.split(arrow, 1)
            renames[old.strip()] = new.strip()
        return renames

    def values(self) -> dict:
        """Keyword arguments for create_custom_field / update_custom_field."""
        return {name: value for name, value in self.cleaned_data.items() if name in self.fields}


# ---------------------------------------------------------------------------------------------
# Reference lists
# ---------------------------------------------------------------------------------------------


def _list_url(reference_list: str) -> str:
    return f"{reverse('clients:reference_lists')}?{urlencode({'list': reference_list})}"


def _lists_context(request, reference_list: str, *, form=None, editing: str = "", rename_form=None) -> dict:
    values = queries.values_with_usage(request.user, reference_list)
    return {
        "lists": [(key, label) for key, label in ReferenceValue.List.choices],
        "current": reference_list,
        "current_label": list_label(reference_list),
        "rows": [_row(value) for value in values],
        "form": form or ReferenceValueForm(),
        "editing": editing,
        "rename_form": rename_form,
        "may_create": policy.can_in_module(request.user, MODULE, Action.CREATE),
        "may_edit": policy.can_in_module(request.user, MODULE, Action.EDIT),
        "may_delete": policy.can_in_module(request.user, MODULE, Action.DELETE),
        "is_status": reference_list == ReferenceValue.List.STATUS,
        "fragment": is_fragment(request),
    }


def _row(value: ReferenceValue) -> dict:
    return {"value": value, "builtin": is_builtin(value)}


def _render_lists(request, reference_list: str, *, status: int = 200, **context):
    template = "clients/settings/reference_lists.html"
    if is_fragment(request):
        template += "#values"
    response = render(request, template, _lists_context(request, reference_list, **context), status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def reference_lists(request):
    """The reference lists page, one list at a time (?list=status)."""
    reference_list = request.GET.get("list") or ReferenceValue.List.values[0]
    return _render_lists(request, reference_list)


def _done(request, reference_list: str, message: str = ""):
    """After an action: the list again (htmx) or back to the page (a plain form post)."""
    if message:
        messages.success(request, message)
    if is_fragment(request):
        return _render_lists(request, reference_list)
    return redirect(_list_url(reference_list))


def _refused(request, reference_list: str, error: Conflict):
    """A Conflict for a plain post comes back to the page as a message; htmx shows the error fragment."""
    if is_fragment(request):
        raise error
    messages.error(request, error.message)
    return redirect(_list_url(reference_list))


@require_POST
def reference_value_add(request, reference_list):
    policy.require_in_module(request.user, MODULE, Action.CREATE)
    list_label(reference_list)
    form = ReferenceValueForm(request.POST)
    if form.is_valid():
        try:
            value = services.add_reference_value(actor=request.user, reference_list=reference_list, **form.cleaned_data)
        except Invalid as error:
            show_refusal(form, error)
        else:
            return _done(request, reference_list, _("“%(label)s” has been added.") % {"label": value})
    return _render_lists(request, reference_list, form=form, status=400)


def reference_value_rename(request, reference_list, key):
    """GET shows the row as a small form (inline with htmx); POST saves the new name."""
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    value = queries.get_reference_value(reference_list, key)
    form = RenameForm(request.POST or None, initial={"label": value.label}, auto_id=f"id_rename_{value.pk}_%s")
    form.fields["label"].widget.attrs["placeholder"] = str(value)
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_reference_value(actor=request.user, value=value, label=form.cleaned_data["label"])
        except Invalid as error:
            show_refusal(form, error)
        else:
            if is_fragment(request):
                return _row_response(request, value, reference_list)
            messages.success(request, _("The value has been renamed to “%(label)s”.") % {"label": value})
            return redirect(_list_url(reference_list))
    status = 400 if form.errors else 200
    if is_fragment(request):
        return _row_response(request, value, reference_list, form=form, status=status)
    return _render_lists(request, reference_list, editing=value.key, rename_form=form, status=status)


def _row_response(request, value: ReferenceValue, reference_list: str, *, form=None, status: int = 200):
    value = next(row for row in queries.values_with_usage(request.user, reference_list) if row.pk == value.pk)
    context = {
        "row": _row(value),
        "current": reference_list,
        "editing": value.key if form is not None else "",
        "rename_form": form,
        "may_edit": policy.can_in_module(request.user, MODULE, Action.EDIT),
        "may_delete": policy.can_in_module(request.user, MODULE, Action.DELETE),
        "row_alone": True,
    }
    response = render(request, "clients/settings/reference_lists.html#value-row", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def reference_value_archive(request, reference_list, key):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    value = queries.get_reference_value(reference_list, key)
    try:
        services.archive_reference_value(actor=request.user, value=value)
    except Conflict as error:
        return _refused(request, reference_list, error)
    return _done(request, reference_list, _("“%(label)s” is archived: it is no longer offered.") % {"label": value})


@require_POST
def reference_value_restore(request, reference_list, key):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    value = queries.get_reference_value(reference_list, key)
    services.restore_reference_value(actor=request.user, value=value)
    return _done(request, reference_list, _("“%(label)s” is offered again.") % {"label": value})


@require_POST
def reference_value_delete(request, reference_list, key):
    policy.require_in_module(request.user, MODULE, Action.DELETE)
    value = queries.get_reference_value(reference_list, key)
    try:
        services.delete_reference_value(actor=request.user, value=value)
    except Conflict as error:
        return _refused(request, reference_list, error)
    return _done(request, reference_list, _("“%(label)s” has been deleted.") % {"label": value})


@require_POST
def reference_value_move(request, reference_list, key):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    value = queries.get_reference_value(reference_list, key)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move_reference_value(actor=request.user, value=value, step=form.step())
    return _done(request, reference_list)


# ---------------------------------------------------------------------------------------------
# Custom fields
# ---------------------------------------------------------------------------------------------


def custom_field_list(request):
    context = {
        "fields": queries.custom_fields_with_counts(request.user),
        "may_create": policy.can_in_module(request.user, MODULE, Action.CREATE),
        "may_edit": policy.can_in_module(request.user, MODULE, Action.EDIT),
        "may_delete": policy.can_in_module(request.user, MODULE, Action.DELETE),
    }
    return render(request, "clients/settings/custom_fields.html", context)


def _field_form_page(request, form, save, *, field=None, value_count: int = 0, saved: str):
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form)
        except (Invalid, Conflict) as error:
            show_refusal(form, error)
        else:
            messages.success(request, saved % {"label": record.label})
            return redirect("clients:custom_fields")
    context = {"form": form, "field": field, "value_count": value_count}
    return render(request, "clients/settings/custom_field_form.html", context, status=400 if form.errors else 200)


def custom_field_create(request):
    policy.require_in_module(request.user, MODULE, Action.CREATE)
    form = CustomFieldForm(request.POST or None)
    return _field_form_page(
        request,
        form,
        lambda form: services.create_custom_field(actor=request.user, **form.values()),
        saved=_("The field “%(label)s” has been added to every client card."),
    )


def custom_field_edit(request, key):
    policy.require_in_module(request.user, MODULE, Action.EDIT)
    field = queries.get_custom_field(key)
    value_count = custom_field_value_count(field)
    form = CustomFieldForm(
        request.POST or None, initial=CustomFieldForm.initial_for(field), field=field, has_values=bool(value_count)
    )
    return _field_form_page(
        request,
        form,
        lambda form: services.update_custom_field(actor=request.user, field=field, **form.values()),
        field=field,
        value_count=value_count,
        saved=_("The field “%(label)s” has been saved."),
    )


def _field_action(request, key, action: str, act, saved: str):
    """Run one action on a field (POST), then back to the list with a message (or the refusal)."""
    policy.require_in_module(request.user, MODULE, action)
    field = queries.get_custom_field(key)
    try:
        act(field)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        if saved:
            messages.success(request, saved % {"label": field.label})
    return redirect("clients:custom_fields")


@require_POST
def custom_field_archive(request, key):
    return _field_action(
        request,
        key,
        Action.EDIT,
        lambda field: services.archive_custom_field(actor=request.user, field=field),
        _("“%(label)s” is archived: cards no longer show it; its values are kept."),
    )


@require_POST
def custom_field_restore(request, key):
    return _field_action(
        request,
        key,
        Action.EDIT,
        lambda field: services.restore_custom_field(actor=request.user, field=field),
        _("“%(label)s” is shown on cards again."),
    )


@require_POST
def custom_field_delete(request, key):
    return _field_action(
        request,
        key,
        Action.DELETE,
        lambda field: services.delete_custom_field(actor=request.user, field=field),
        _("The field “%(label)s” has been deleted."),
    )


@require_POST
def custom_field_move(request, key):
    form = MoveForm(request.POST)
    step = form.step() if form.is_valid() else 0
    return _field_action(
        request,
        key,
        Action.EDIT,
        lambda field: services.move_custom_field(actor=request.user, field=field, step=step),
        "",
    )
