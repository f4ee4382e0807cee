"""Parsing what people type on the call screens; the rules live in carte.calls.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.calls.models import Call, Connection
from carte.calls.queries import CallCriteria
from carte.calls.services.calls import NOTES_LENGTH, RESULT_LENGTH
from carte.core.listing import period_error


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CallFilterForm(forms.Form):
    """The filters of the call log; every field is optional."""

    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("Any")), *Call.Direction.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Call.Status.choices])
    employee = forms.ModelChoiceField(
        label=_("Employee"), required=False, queryset=get_user_model().objects.none(), empty_label=_("Anyone")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())
    find = forms.CharField(label=_("Client or number"), required=False, max_length=100)
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, employees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if employees is not None:
            self.fields["employee"].queryset = employees

    def clean(self):
        cleaned = super().clean()
        error = period_error(cleaned.get("date_from"), cleaned.get("date_to"))
        if error:
            self.add_error("date_to", error)
        return cleaned

    def criteria(self) -> CallCriteria:
        """The filters as the call log's query takes them (the screen and the exports); call once valid."""
        data = self.cleaned_data
        return CallCriteria(
            direction=data["direction"] or "",
            status=data["status"] or "",
            employee=data["employee"].pk if data["employee"] else None,
            client=data["client"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            find=data["find"] or "",
        )


class CallNotesForm(forms.Form):
    """What was said and what came of it."""

    result = forms.CharField(label=_("Result"), required=False, max_length=RESULT_LENGTH)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )


class CallLogForm(forms.Form):
    """A call made outside the phone system, logged by hand."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[(Call.Direction.OUTGOING, _("Outgoing")), (Call.Direction.INCOMING, _("Incoming"))],
        initial=Call.Direction.OUTGOING,
    )
    number = forms.CharField(label=_("Number"), required=False, max_length=50)
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    started_at = forms.DateTimeField(
        label=_("Started at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    status = forms.ChoiceField(
        label=_("How it went"),
        choices=[(value, label) for value, label in Call.Status.choices if value not in ("ringing", "in_progress")],
        initial=Call.Status.ANSWERED,
    )
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0, max_value=24 * 60, initial=0)
    seconds = forms.IntegerField(label=_("Seconds"), required=False, min_value=0, max_value=59, initial=0)
    result = forms.CharField(label=_("Result"), required=False, max_length=RESULT_LENGTH)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict:
        """The cleaned values as carte.calls.services.log_call takes them (the client is looked up by the view)."""
        data = self.cleaned_data
        return {
            "direction": data["direction"],
            "number": data["number"],
            "started_at": data["started_at"],
            "duration": (data["minutes"] or 0) * 60 + (data["seconds"] or 0),
            "status": data["status"],
            "notes": data["notes"],
            "result": data["result"],
        }


class ConnectionForm(forms.Form):
    """A telephony connection's settings; the secret is made and shown by Carte, never typed."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Connection.Kind.choices, initial=Connection.Kind.WEBHOOK)
    key = forms.SlugField(
        label=_("Key"),
        max_length=50,
        required=False,
        help_text=_("Part of the webhook address; made from the name when left empty."),
    )
    originate_url = forms.URLField(
        label=_("Address that places calls"),
        required=False,
        assume_scheme="https",
        help_text=_("Webhook: Carte posts click-to-call requests here, signed like the events."),
    )
    ami_host = forms.CharField(label=_("AMI host"), required=False, max_length=200)
    ami_port = forms.IntegerField(label=_("AMI port"), min_value=1, max_value=65535, initial=5038)
    ami_username = forms.CharField(label=_("AMI user"), required=False, max_length=100)
    ami_password = forms.CharField(
        label=_("AMI password"),
        required=False,
        max_length=100,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )
    ami_context = forms.CharField(label=_("Dial plan context"), required=False, max_length=100, initial="from-internal")
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
