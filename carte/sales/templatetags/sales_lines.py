"""Template helpers of the deals screens: the line editor's rows, amounts in their currency, durations."""

from datetime import timedelta
from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.core.money import shown
from carte.sales.forms.lines import Editor, editor_rows

register = template.Library()


@register.simple_tag
def line_editor(lines, errors=None, currency=None) -> Editor:
    """`{% line_editor lines errors currency as editor %}`: the rows of sales/lines/editor.html."""
    return editor_rows(lines, errors if isinstance(errors, dict) else {}, currency)


@register.filter
def money(amount, currency=None) -> str:
    """`{{ deal.amount|money:deal.currency }}`: "1,250.00 EUR" in the reader's language.

    `currency` is a Currency (its digits are used) or a code (two decimals).
    """
    if amount is None or amount == "":
        return ""
    return shown(Decimal(amount), getattr(currency, "digits", 2), getattr(currency, "code", currency or ""))


@register.filter
def duration(value) -> str:
    """A time span as people say it: "3 days 4 h", "2 h 5 min", "12 min", "less than a minute"."""
    if not isinstance(value, timedelta):
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        shown = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        return f"{shown} {_('%(count)d h') % {'count': hours}}" if hours and days < 10 else shown
    if hours:
        shown = _("%(count)d h") % {"count": hours}
        return f"{shown} {_('%(count)d min') % {'count': minutes}}" if minutes else shown
    if minutes:
        return _("%(count)d min") % {"count": minutes}
    return _("less than a minute")
