"""Parsing what people type on the payment screens; the rules live in carte.sales.services.payments.

The amount stays text: the service reads it with the invoice currency's minor units and
names the field in its errors, so the form and the API refuse the same values the same way.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.core.listing import period_error
from carte.sales.models import Payment

REFERENCE_LENGTH: int = Payment._meta.get_field("reference").max_length or 100
NOTE_LENGTH: int = Payment._meta.get_field("note").max_length or 500


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PaymentForm(forms.Form):
    """Record a payment received for an invoice."""

    date = forms.DateField(label=_("Date"), widget=_date_input())
    amount = forms.CharField(label=_("Amount"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices, initial=Payment.Method.TRANSFER)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=REFERENCE_LENGTH)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_LENGTH)
    overpayment = forms.BooleanField(
        label=_("Overpayment: accept more than what is owed"),
        required=False,
        help_text=_("Tick it only when the client really paid more than the invoice asks."),
    )

    def __init__(self, *args, owed=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("date", timezone.localdate())
        if owed:
            kwargs["initial"].setdefault("amount", owed)
        super().__init__(*args, **kwargs)


class PaymentFilterForm(forms.Form):
    """The filters of the payments list; every field is optional."""

    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", _("Any")), *Payment.Method.choices])
    find = forms.CharField(label=_("Client or invoice"), required=False, max_length=100)
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        error = period_error(cleaned.get("date_from"), cleaned.get("date_to"))
        if error:
            self.add_error("date_to", error)
        return cleaned
