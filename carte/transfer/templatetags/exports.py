"""The Export control of the list screens: `{% load exports %}{% export_control "deals" %}` inside a list's results;
and their Import button, `{% import_link "clients" _("Import clients") %}`, shown to who may import.

Placed in the results (which htmx renders again on every change of the filters), it always
carries the filters and sort the list shows, read from the request; the client list also
passes its columns (`keys`). Only who holds the list's export right sees it.
"""

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from carte.core import policy
from carte.transfer.exports.lists import LISTS
from carte.transfer.exports.writers import DELIMITERS, ENCODINGS
from carte.transfer.models import Import

register = template.Library()


def control_context(user, list_key: str, params: QueryDict, keys=()) -> dict | None:
    """What a list's Export control shows, or None when the employee may not export that list."""
    kind = LISTS[list_key]
    if not policy.can(user, policy.Action.EXPORT, kind.model):
        return None
    shown = params.copy()
    for name in ("page", "page_size"):
        shown.pop(name, None)
    return {
        "list_key": list_key,
        "filter": shown.urlencode(),
        "formats": kind.formats,
        "column_choices": kind.column_choices,
        "with_contacts": list_key == "clients" and policy.can(user, policy.Action.EXPORT, LISTS["contacts"].model),
        "keys": [str(key) for key in keys or ()],
        "delimiters": [("tab" if value == "\t" else value, label) for value, label in DELIMITERS.items()],
        "encodings": list(ENCODINGS.items()),
    }


@register.inclusion_tag("transfer/export_control.html", takes_context=True)
def export_control(context, list_key: str, keys=None):
    request = context["request"]
    return {
        "control": control_context(request.user, list_key, request.GET, keys),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def import_link(context, target_key: str, label: str):
    """A button to import records of this kind, for who holds the imports right ("" for anyone else)."""
    if not policy.can(context["request"].user, policy.Action.CREATE, Import):
        return ""
    url = reverse("transfer:import_new") + f"?target={target_key}"
    return format_html('<a class="btn" href="{}">{}</a>', url, label)
