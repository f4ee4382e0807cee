"""Parsing the adoption page's filters; the rules (presets, the longest period, the departments
one may choose) live in carte.reports.queries, the same for the page and the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carte.reports.queries import PRESETS

CUSTOM = "custom"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AdoptionFilterForm(forms.Form):
    """The period (a preset or custom dates) and the department; every field is optional."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[*((str(days), _("Last %(days)s days") % {"days": days}) for days in PRESETS), (CUSTOM, _("Custom"))],
    )
    since = forms.DateField(label=_("From"), required=False, widget=_date_input())
    until = forms.DateField(label=_("To"), required=False, widget=_date_input())
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All")), *((str(each.pk), each.name) for each in departments)]
        if len(departments) < 2:
            del self.fields["department"]  # one department or none: nothing to choose

    def criteria(self) -> dict:
        """What queries.read_period and queries.reach_of take: custom dates only with "Custom" (or dates alone)."""
        data = self.cleaned_data
        custom = data.get("period") == CUSTOM or (not data.get("period") and (data.get("since") or data.get("until")))
        return {
            "days": None if custom or not data.get("period") else int(data["period"]),
            "since": data.get("since") if custom else None,
            "until": data.get("until") if custom else None,
            "department": data.get("department"),
        }
