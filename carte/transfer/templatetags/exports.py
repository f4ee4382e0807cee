"""The Export control of the list screens: `{% load exports %}{% export_control "deals" %}` inside a list's results.

Placed in the results (which htmx renders again on every change of the filters), it always
carries the filters and sort the list shows, read from the request; the client list also
passes its columns (`keys`). Only who holds the list's export right sees it.
"""

from django import template
from django.http import QueryDict

from carte.core import policy
from carte.transfer.exports.lists import LISTS
from carte.transfer.exports.writers import DELIMITERS, ENCODINGS

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
