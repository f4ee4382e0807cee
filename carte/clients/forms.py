"""Parsing what people type on the client screens; the rules themselves live in services.

The client form has every field of a card and one field per active custom field
(`custom_<key>`, the name the service's errors use). The card's Overview edits the same
fields a group at a time: SECTIONS name the groups, and a section's form is the client form
cut down to that group's fields, so both send the service the same values.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from carte.clients.filters import reference_choices
from carte.clients.models import Client, CustomField, Email, Messenger, Phone, ReferenceValue, TaxId
from carte.clients.services import EmailData, MessengerData, PhoneData, TaxIdData
from carte.clients.services.clients import LONG_TEXT_LIMIT

List, Kind = ReferenceValue.List, CustomField.Kind
NO_CHOICE = [("", "—")]
REFERENCE_FIELDS = {"type": List.TYPE, "status": List.STATUS, "source": List.SOURCE, "industry": List.INDUSTRY}
# The form fields the service takes as they are (the lists, tags and custom values go apart).
SCALAR_FIELDS = [
    "kind",
    "name",
    "legal_name",
    "first_name",
    "middle_name",
    "last_name",
    "birthday",
    "position",
    "website",
    "bank_details",
    "address_legal",
    "address_postal",
    "address_actual",
    *REFERENCE_FIELDS,
    "owner",
    "notes",
]


def custom_name(field: CustomField) -> str:
    """The form field of a custom field; the service keys its errors the same way."""
    return f"custom_{field.key}"


def _text(label, limit: int, **options) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=limit, **options)


def _long_text(label, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=LONG_TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": rows})
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientForm(forms.Form):
    """Every field of a client card; `version` carries the version being edited.

    Values stay as typed (reference values by key, dates and numbers as text): the service
    reads and checks them, so the form, the inline editing and the API report the same errors.
    """

    kind = forms.ChoiceField(label=_("Kind"), choices=Client.Kind.choices)
    name = _text(
        _("Name"), 300, help_text=_("For a private person, made of the first and last name when they are given.")
    )
    legal_name = _text(_("Legal name"), 300)
    bank_details = _long_text(_("Bank details"))
    address_legal = _long_text(_("Legal address"), rows=2)
    first_name = _text(_("First name"), 150)
    middle_name = _text(_("Middle name"), 150)
    last_name = _text(_("Last name"), 150)
    birthday = forms.CharField(label=_("Birthday"), required=False, max_length=10, widget=_date_input())
    position = _text(_("Position"), 150)
    website = _text(_("Website"), 300, widget=forms.TextInput(attrs={"inputmode": "url", "placeholder": "example.com"}))
    address_postal = _long_text(_("Postal address"), rows=2)
    address_actual = _long_text(_("Actual address"), rows=2)
    type = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(label=_("Status"))
    source = forms.ChoiceField(label=_("Source"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple)
    owner = forms.ChoiceField(label=_("Owner"))
    notes = _long_text(_("Notes"), rows=4)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        client: Client | None = None,
        owners=None,
        references: list[ReferenceValue] = (),
        custom_fields: list[CustomField] = (),
        employees=(),
        only: "Section | None" = None,
        **kwargs,
    ):
        """`references` are the values of the reference lists (read once), `employees` those an
        employee field offers; `only` keeps the fields of one section of the card."""
        super().__init__(*args, **kwargs)
        self.client = client
        if only is not None:
            for name in list(self.fields):
                if name not in only.fields and name != "version":
                    del self.fields[name]
            custom_fields = custom_fields if only.custom else ()
        self.custom_fields = list(custom_fields)
        self._offer_references(references)
        if "owner" in self.fields:
            # Read once: a model choice field would read the employees again for each use of its choices.
            self.owners = {str(employee.pk): employee for employee in owners}
            self.fields["owner"].choices = [(pk, str(employee)) for pk, employee in self.owners.items()]
        for field in self.custom_fields:
            self.fields[custom_name(field)] = _custom_field(field, client, employees)

    def _offer_references(self, references) -> None:
        client = self.client
        for name, reference_list in REFERENCE_FIELDS.items():
            if name in self.fields:
                values = [value for value in references if value.list == reference_list]
                offered = reference_choices(reference_list, keep=getattr(client, name, None), values=values)
                self.fields[name].choices = offered if name == "status" else NO_CHOICE + offered
        if "tags" in self.fields:
            tags = [value for value in references if value.list == List.TAG]
            current = list(client.tags.all()) if client else []
            self.fields["tags"].choices = reference_choices(List.TAG, keep=current, values=tags)

    @staticmethod
    def initial_from(client: Client) -> dict:
        """The card's values as the form shows them (lists come in their formsets)."""
        initial = {name: getattr(client, name) for name in SCALAR_FIELDS if name not in REFERENCE_FIELDS}
        initial |= {name: getattr(client, f"{name}_id") and getattr(client, name).key for name in REFERENCE_FIELDS}
        initial |= {"owner": client.owner_id, "version": client.version, "birthday": client.birthday or ""}
        initial["tags"] = [tag.key for tag in client.tags.all()]
        return initial | custom_initial(client)

    def values_for_service(self, *, changed_custom_only: bool = False) -> dict:
        """The cleaned values as create_client / update_client take them (lists apart).

        When editing, only the custom fields the user changed are sent: a value no longer
        offered (a removed choice, an employee who left) stays on the card as it is.
        """
        data = self.cleaned_data
        values = {name: data[name] for name in SCALAR_FIELDS if name in self.fields}
        if "owner" in values:
            values["owner"] = self.owners[values["owner"]]
        if "tags" in self.fields:
            values["tags"] = data["tags"]
        if self.custom_fields:
            values["custom"] = {
                field.key: data[custom_name(field)]
                for field in self.custom_fields
                if not changed_custom_only or custom_name(field) in self.changed_data
            }
        return values


# Custom fields


def number_text(field: CustomField, number: Decimal) -> str:
    """A stored number as an input shows it: money with its cents, other numbers without trailing zeros."""
    if field.kind == Kind.MONEY:
        return f"{number:.2f}"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def custom_initial(client: Client) -> dict:
    """{custom_<key>: value as the form shows it} from the card's custom values (prefetched)."""
    initial: dict = {}
    for row in client.field_values.all():
        field, name = row.field, custom_name(row.field)
        if field.kind == Kind.MULTICHOICE:
            initial.setdefault(name, []).append(row.text)
        elif field.kind in (Kind.NUMBER, Kind.MONEY):
            initial[name] = number_text(field, row.number) if row.number is not None else ""
        elif field.kind == Kind.DATE:
            initial[name] = row.date.isoformat() if row.date else ""
        elif field.kind == Kind.BOOLEAN:
            initial[name] = "" if row.flag is None else ("true" if row.flag else "false")
        elif field.kind == Kind.EMPLOYEE:
            initial[name] = str(row.employee_id or "")
        else:
            initial[name] = row.text
    return initial


def _current_custom(client: Client | None, field: CustomField) -> list:
    return [row for row in client.field_values.all() if row.field_id == field.pk] if client else []


def _option_choices(field: CustomField, client: Client | None) -> list[tuple[str, str]]:
    """The field's options, plus a value the card has that is no longer one of them (kept as it is)."""
    options = list(field.options)
    options += [row.text for row in _current_custom(client, field) if row.text not in options]
    return [(option, option) for option in options]


def _employee_choices(field: CustomField, client: Client | None, employees) -> list[tuple[str, str]]:
    choices = [(str(employee.pk), str(employee)) for employee in employees]
    offered = {pk for pk, _label in choices}
    for row in _current_custom(client, field):
        if row.employee_id and str(row.employee_id) not in offered:
            choices.append((str(row.employee_id), str(row.employee)))
    return NO_CHOICE + choices


def _custom_field(field: CustomField, client: Client | None, employees) -> forms.Field:
    """The form field for a custom field, its widget chosen by the field's kind; the service checks the value."""
    label = field.label
    if field.kind == Kind.TEXT:
        return forms.CharField(label=label, required=False, max_length=1000)
    if field.kind in (Kind.NUMBER, Kind.MONEY):
        step = "0.01" if field.kind == Kind.MONEY else "any"
        widget = forms.NumberInput(attrs={"step": step, "inputmode": "decimal"})
        form_field = forms.CharField(label=label, required=False, max_length=40, widget=widget)
        form_field.unit = field.currency if field.kind == Kind.MONEY else ""
        return form_field
    if field.kind == Kind.DATE:
        return forms.CharField(label=label, required=False, max_length=10, widget=_date_input())
    if field.kind == Kind.CHOICE:
        return forms.ChoiceField(label=label, required=False, choices=NO_CHOICE + _option_choices(field, client))
    if field.kind == Kind.MULTICHOICE:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=_option_choices(field, client),
            widget=forms.CheckboxSelectMultiple,
        )
    if field.kind == Kind.BOOLEAN:
        return forms.ChoiceField(
            label=label, required=False, choices=[*NO_CHOICE, ("true", _("Yes")), ("false", _("No"))]
        )
    return forms.ChoiceField(label=label, required=False, choices=_employee_choices(field, client, employees))


# The card's lists: one formset each


class PhoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Phone.Kind.choices)
    number = forms.CharField(label=_("Phone"), max_length=50, required=False)


class EmailForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Email.Kind.choices)
    address = forms.EmailField(label=_("Email"), required=False)


class TaxIdForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaxId.Kind.choices)
    value = forms.CharField(label=_("Tax id"), max_length=50, required=False)


class MessengerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Messenger"), choices=Messenger.Kind.choices)
    handle = forms.CharField(label=_("Account"), max_length=150, required=False)


@dataclass(frozen=True)
class CardList:
    """One list of a card as a formset: a row without its `value` adds nothing."""

    formset: type
    value: str
    data: type
    legend: str


CARD_LISTS = {
    "phones": CardList(formset_factory(PhoneForm, extra=2, can_delete=True), "number", PhoneData, _("Phones")),
    "emails": CardList(formset_factory(EmailForm, extra=2, can_delete=True), "address", EmailData, _("Emails")),
    "tax_ids": CardList(formset_factory(TaxIdForm, extra=1, can_delete=True), "value", TaxIdData, _("Tax ids")),
    "messengers": CardList(
        formset_factory(MessengerForm, extra=1, can_delete=True), "handle", MessengerData, _("Messengers")
    ),
}


def list_formsets(names, data=None, client: Client | None = None) -> dict:
    """The formsets of the named lists, filled with the card's rows (prefetched) when editing.

    A list the submitted form does not hold (no management data) is not sent: it stays as it is.
    """
    formsets = {}
    for name in names:
        if data is not None and f"{name}-TOTAL_FORMS" not in data:
            continue
        spec = CARD_LISTS[name]
        rows = getattr(client, name).all() if client else []
        initial = [{"kind": row.kind, spec.value: getattr(row, spec.value)} for row in rows]
        formsets[name] = spec.formset(data, prefix=name, initial=initial)
        formsets[name].legend = spec.legend
    return formsets


def rows_from(name: str, formset) -> list:
    """The rows kept in a valid formset (with a value, not ticked for deletion), as the service takes them."""
    spec = CARD_LISTS[name]
    return [
        spec.data(**{spec.value: row.cleaned_data[spec.value], "kind": row.cleaned_data["kind"]})
        for row in formset
        if row.cleaned_data.get(spec.value) and not row.cleaned_data.get("DELETE")
    ]


# The groups of the Overview, each edited on its own


@dataclass(frozen=True)
class Section:
    """A group of the card's Overview: its form fields, its lists, and the kind of card that has it."""

    key: str
    label: str
    fields: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    kind: str | None = None
    custom: bool = False

    def applies_to(self, client: Client) -> bool:
        return self.kind is None or self.kind == client.kind


SECTIONS = {
    section.key: section
    for section in (
        Section(
            "contact",
            _("Contact details"),
            ("website", "address_postal", "address_actual"),
            ("phones", "emails", "messengers"),
        ),
        Section(
            "company",
            _("Company details"),
            ("name", "legal_name", "bank_details", "address_legal"),
            ("tax_ids",),
            kind=Client.Kind.COMPANY,
        ),
        Section(
            "person",
            _("Person details"),
            ("first_name", "middle_name", "last_name", "birthday", "position"),
            kind=Client.Kind.PERSON,
        ),
        Section("classification", _("Classification"), ("type", "status", "source", "industry", "tags", "owner")),
        Section("custom", _("More about this client"), custom=True),
        Section("notes", _("Notes"), ("notes",)),
    )
}


def sections_of(client: Client) -> list[Section]:
    """The Overview's groups for this kind of card, in display order."""
    return [section for section in SECTIONS.values() if section.applies_to(client)]


class NoteForm(forms.Form):
    # A fixed id: the card's "Add a note" action jumps to it.
    text = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "id": "note-text"}))


class ContactForm(forms.Form):
    """Link the card's client to another one: `other` is the person (on a company's card) or the company."""

    other = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args, roles=None, **kwargs):
        """`roles`: the contact role values when already read."""
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = NO_CHOICE + reference_choices(List.CONTACT_ROLE, values=roles)
