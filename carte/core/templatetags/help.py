"""`{% help_link "clients" %}`: the help link of a module's screen, beside its heading.

It leads to the route the knowledge app registered (carte.core.navigation.help_route), which
opens the article written for that module. No query: the address is built by `reverse`, and
the reader's rights were read already for the menu of the same page.
"""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from carte.core import navigation, policy

register = template.Library()


@register.simple_tag(takes_context=True)
def help_link(context, module: str) -> str:
    """A "Help" link for the module's screen; nothing when no help is installed or the reader may not read it."""
    route = navigation.help_route
    if not route:
        return ""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if navigation.help_module and policy.scope(user, navigation.help_module, policy.Action.VIEW) == policy.Scope.NONE:
        return ""
    try:
        address = reverse(route, args=[module])
    except NoReverseMatch:
        return ""
    return format_html(
        '<a class="help-link" href="{}" title="{}" data-help-for="{}">'
        '<span aria-hidden="true">?</span><span class="visually-hidden">{}</span></a>',
        address,
        _("Help on this screen"),
        module,
        _("Help on this screen"),
    )
