"""Parsing what people type on the client screens; the rules themselves live in services."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client, Email, Phone
from carte.clients.services import EmailData, PhoneData

SORT_LABELS = {
    "name": _("Name"),
    "-updated": _("Recently updated"),
    "-created": _("Recently added"),
    "status": _("Status"),
}


class ClientFilterForm(forms.Form):
    """The list's filter bar; values are checked again by queries.clients_visible_to."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.SearchInput)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Client.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Client.Status.choices]
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    ordering = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            *((str(employee.pk), str(employee)) for employee in owners),
        ]

    def filters(self) -> dict:
        return {name: self.cleaned_data.get(name) or None for name in ("q", "kind", "status", "owner", "ordering")}


class ClientForm(forms.Form):
    """The fields of a client card; `version` carries the version being edited."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Client.Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=300,
        help_text=_("For a private person, made of the first and last name when they are given."),
    )
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    position = forms.CharField(label=_("Position"), required=False, max_length=150)
    status = forms.ChoiceField(label=_("Status"), choices=Client.Status.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Client.objects.none(), empty_label=None)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    @staticmethod
    def initial_from(client: Client) -> dict:
        fields = ("kind", "name", "first_name", "last_name", "position", "status", "notes", "version")
        return {name: getattr(client, name) for name in fields} | {"owner": client.owner_id}

    def fields_for_service(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class PhoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Phone.Kind.choices)
    number = forms.CharField(label=_("Phone"), max_length=50, required=False)


class EmailForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Email.Kind.choices)
    address = forms.EmailField(label=_("Email"), required=False)


PhoneFormSet = formset_factory(PhoneForm, extra=2, can_delete=True)
EmailFormSet = formset_factory(EmailForm, extra=2, can_delete=True)


def phones_from(formset) -> list[PhoneData]:
    """The phones kept in a valid formset: rows with a number and not marked for deletion."""
    return [
        PhoneData(row.cleaned_data["number"], row.cleaned_data["kind"])
        for row in formset
        if row.cleaned_data.get("number") and not row.cleaned_data.get("DELETE")
    ]


def emails_from(formset) -> list[EmailData]:
    return [
        EmailData(row.cleaned_data["address"], row.cleaned_data["kind"])
        for row in formset
        if row.cleaned_data.get("address") and not row.cleaned_data.get("DELETE")
    ]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(forms.Form):
    """Link the card's client to another one: `other` is the person (on a company's card) or the company."""

    other = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.CharField(label=_("Role"), required=False, max_length=150)
