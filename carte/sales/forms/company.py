"""Forms of the company settings: legal entities, their images, rates and their import, taxes.

Parsing only: the services in carte.sales.services.company and .money check the rules and
give the messages shown beside the fields.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carte.sales.currencies import name_of
from carte.sales.models import LegalEntity
from carte.sales.queries.company import currencies_in_use, taxes_in_use
from carte.sales.services.company import PATTERNS, TEXTS


def _model_label(name: str):
    return LegalEntity._meta.get_field(name).verbose_name


class LegalEntityForm(forms.Form):
    """Every field of a legal entity, in the groups the page shows (`groups`)."""

    GROUPS = (
        (_("The company"), ("name", "legal_name", "tax_number", "vat_number", "registration_number")),
        (_("Addresses and contacts"), ("address", "postal_address", "phone", "email", "website")),
        (_("Bank"), ("bank_name", "bank_account", "bank_code", "bank_details")),
        (_("Signatures"), ("signatory_name", "signatory_title", "accountant_name")),
        (_("Documents"), ("default_currency", "default_tax", "language", "payment_days", *PATTERNS)),
    )
    HELP = {
        "name": _("How Carte names it in lists, for example “Carte Paris”."),
        "legal_name": _("The full legal name printed on documents, for example “Carte SAS”."),
        "default_currency": _("Offered first for its documents. Only currencies in use are listed."),
        "language": _("The language its documents are written in, unless one is chosen for a document."),
        "quote_pattern": _(
            "How numbers are made: {year} (2025), {yy} (25), {number}, or {number:04} for 0042. "
            "Numbers restart at 1 each year."
        ),
    }

    def __init__(self, *args, entity: LegalEntity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TEXTS:
            multiline = name in ("address", "postal_address", "bank_details")
            self.fields[name] = forms.CharField(
                label=_model_label(name),
                required=name in ("name", "legal_name"),
                max_length=LegalEntity._meta.get_field(name).max_length,
                widget=forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput(),
            )
        self.fields["email"].widget = forms.EmailInput()
        self.fields["default_currency"] = forms.ChoiceField(
            label=_model_label("default_currency"),
            choices=[(currency.code, f"{currency.code} — {name_of(currency)}") for currency in currencies_in_use()],
        )
        taxes = taxes_in_use()
        if entity is not None and entity.default_tax is not None and entity.default_tax not in taxes:
            taxes.append(entity.default_tax)  # archived since: shown, so the admin sees what to replace
        self.fields["default_tax"] = forms.ChoiceField(
            label=_model_label("default_tax"),
            required=False,
            choices=[("", _("No tax"))] + [(str(tax.pk), str(tax)) for tax in taxes],
        )
        self.fields["language"] = forms.ChoiceField(label=_model_label("language"), choices=settings.LANGUAGES)
        self.fields["payment_days"] = forms.IntegerField(label=_model_label("payment_days"), min_value=0, max_value=365)
        for name in PATTERNS:
            self.fields[name] = forms.CharField(label=_model_label(name), max_length=60)
        for name, text in self.HELP.items():
            self.fields[name].help_text = text

    @staticmethod
    def initial_for(entity: LegalEntity) -> dict:
        values = {name: getattr(entity, name) for name in (*TEXTS, "language", "payment_days", *PATTERNS)}
        return values | {"default_currency": entity.default_currency_id, "default_tax": entity.default_tax_id or ""}

    def groups(self) -> list[tuple[str, list]]:
        """(title, bound fields) for each group of the page."""
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def values(self) -> dict:
        """Keyword arguments for create_legal_entity / update_legal_entity."""
        return dict(self.cleaned_data)


class ImageForm(forms.Form):
    file = forms.FileField(
        label=_("Image file"),
        help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )


class CurrencySwitchForm(forms.Form):
    active = forms.BooleanField(required=False)


class RateForm(forms.Form):
    date = forms.CharField(
        label=_("date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("As 2024-01-31, 31.01.2024 or 31/01/2024."),
    )
    rate = forms.CharField(label=_("rate"), max_length=40, help_text=_("More than zero, at most 10 decimals."))


class RateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("At most 2 MB, UTF-8."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )


class TaxForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    rate = forms.CharField(label=_("rate, %"), max_length=10, help_text=_("From 0 to 100, at most 2 decimals."))
    included = forms.BooleanField(
        label=_("included in prices"),
        required=False,
        help_text=_("Prices that carry this tax already hold it (retail prices): the tax is taken out of them."),
    )

    @staticmethod
    def initial_for(tax) -> dict:
        return {"name": tax.name, "rate": plain(tax.rate), "included": tax.included}


def plain(number) -> str:
    """A Decimal without its trailing zeros, never in exponent form: 20.00 → "20", 5.50 → "5.5"."""
    return format(number.normalize(), "f") if number else "0"


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1
