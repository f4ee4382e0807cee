"""Parsing the onboarding screens' input: the list's filter, starting one, a first task, the switch, moving a row."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carte.knowledge.models import FirstTask
from carte.knowledge.queries.onboarding import FINISHED, IN_PROGRESS
from carte.knowledge.services.onboarding import DESCRIPTION_LENGTH, MAX_DAYS


class OnboardingFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All")), (IN_PROGRESS, pgettext_lazy("onboarding", "In progress")), (FINISHED, _("Finished"))],
    )


class StartOnboardingForm(forms.Form):
    """The employee to start an onboarding for, among those the user may start one for."""

    employee = forms.ModelChoiceField(
        label=_("Employee"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose an employee who has no onboarding yet.")},
    )

    def __init__(self, *args, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees
        self.fields["employee"].label_from_instance = lambda employee: (
            f"{employee} — {employee.department}" if employee.department else str(employee)
        )


class FirstTaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=FirstTask._meta.get_field("title").max_length)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=DESCRIPTION_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    days = forms.IntegerField(
        label=_("Due after (days)"),
        min_value=0,
        max_value=MAX_DAYS,
        initial=3,
        help_text=_("Counted from the start of the onboarding; the task is due at 10:00 that day."),
    )


class SwitchForm(forms.Form):
    enabled = forms.BooleanField(label=_("Start an onboarding for every new employee"), required=False)


class DirectionForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1
