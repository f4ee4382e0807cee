"""The first-run wizard's forms: parsing only; carte.knowledge.services.setup checks the rules."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carte.accounts.models import TIME_ZONES, Role
from carte.sales.currencies import name_of
from carte.sales.models import LegalEntity

INVITATION_ROWS = 3


def _limit(name: str) -> int | None:
    return LegalEntity._meta.get_field(name).max_length


class CompanyForm(forms.Form):
    name = forms.CharField(
        label=_("Company name"),
        max_length=_limit("name"),
        help_text=_("How Carte names your company in lists, for example “Carte Paris”."),
    )
    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=_limit("legal_name"),
        help_text=_("The full legal name printed on documents, for example “Carte SAS”."),
    )
    address = forms.CharField(
        label=_("Legal address"), max_length=_limit("address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label=_("Email"), max_length=_limit("email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=_limit("phone"), required=False)

    @staticmethod
    def initial_for(entity: LegalEntity | None) -> dict:
        if entity is None:
            return {}
        return {name: getattr(entity, name) for name in ("name", "legal_name", "address", "email", "phone")}


class MoneyForm(forms.Form):
    currency = forms.ChoiceField(
        label=_("Base currency"),
        help_text=_("Reports add every amount up in it. Other currencies can be switched on later."),
    )
    tax_rate = forms.CharField(
        label=_("Default tax rate, %"),
        required=False,
        max_length=20,
        help_text=_("Optional: the rate most of your sales carry, for example 20. Leave it empty to decide later."),
    )

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [
            (currency.code, f"{currency.code} — {name_of(currency)}") for currency in currencies
        ]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("Yours from now on, and the one new employees start with (each can change theirs)."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(zone, zone) for zone in TIME_ZONES],
        help_text=_("Where the company works: tasks, calls and reminders are shown in it."),
    )


class TeamForm(forms.Form):
    """A few rows of people to invite: first name, last name, email address and role; empty rows are left out."""

    def __init__(self, *args, roles=(), default_role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("No role yet"))] + [(str(role.pk), str(role)) for role in roles]
        for row in range(INVITATION_ROWS):
            self.fields[f"first_name_{row}"] = forms.CharField(label=_("First name"), required=False, max_length=150)
            self.fields[f"last_name_{row}"] = forms.CharField(label=_("Last name"), required=False, max_length=150)
            self.fields[f"email_{row}"] = forms.EmailField(label=_("Email"), required=False, max_length=254)
            self.fields[f"role_{row}"] = forms.ChoiceField(
                label=_("Role"), required=False, choices=choices, initial=str(default_role.pk) if default_role else ""
            )

    def rows(self) -> list[list]:
        """The bound fields of each row, for the template."""
        return [
            [self[f"{name}_{row}"] for name in ("first_name", "last_name", "email", "role")]
            for row in range(INVITATION_ROWS)
        ]

    def people(self) -> list[dict]:
        """The rows with a name or an address, as the service takes them (role as an id or None)."""
        people = []
        for row in range(INVITATION_ROWS):
            person = {
                name: self.cleaned_data.get(f"{name}_{row}") or "" for name in ("first_name", "last_name", "email")
            }
            if any(person.values()):
                people.append(person | {"role": self.cleaned_data.get(f"role_{row}") or None})
        return people
