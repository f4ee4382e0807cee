"""Parsing what people type on the catalogue screens; the rules live in carte.sales.services.catalogue.

Choices (taxes, currencies, price lists) are given by the view from carte.sales.queries.catalogue;
the forms hand back ids and codes, which the views turn into records with the same queries the
API uses. Prices stay text: the service reads them with the currency's minor units.
"""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from carte.sales.models import PriceList, Product

NAME_LENGTH: int = Product._meta.get_field("name").max_length or 300
SKU_LENGTH: int = Product._meta.get_field("sku").max_length or 64
UNIT_LENGTH: int = Product._meta.get_field("unit").max_length or 20
DESCRIPTION_LENGTH: int = Product._meta.get_field("description").max_length or 2000
LIST_NAME_LENGTH: int = PriceList._meta.get_field("name").max_length or 100

# The units offered as suggestions (the field is free text).
UNIT_SUGGESTIONS = [_("pc"), _("h"), _("day"), _("kg"), _("m"), _("service")]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductForm(forms.Form):
    """A product's or a service's values."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices, initial=Product.Kind.PRODUCT)
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    sku = forms.CharField(
        label=_("SKU"),
        max_length=SKU_LENGTH,
        required=False,
        help_text=_("Your own reference for it. Optional; when given, no other product may have it."),
    )
    unit = forms.CharField(
        label=_("Unit"),
        max_length=UNIT_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"list": "unit-suggestions"}),
        help_text=_("How it is counted on a line: pc, h, day, kg, m, service…"),
    )
    tax = forms.ChoiceField(label=_("Tax"), required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the product's page. A new line takes the product's name, which can be changed there."),
    )

    def __init__(self, *args, taxes=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["tax"]).choices = [
            ("", _("No tax")),
            *((str(tax.pk), str(tax)) for tax in taxes),
        ]

    @staticmethod
    def initial_for(product: Product) -> dict:
        return {
            "kind": product.kind,
            "name": product.name,
            "sku": product.sku,
            "unit": product.unit,
            "tax": str(product.tax_id or ""),
            "description": product.description,
        }


class ProductFilterForm(forms.Form):
    """The filters of the product list; every field is optional."""

    q = forms.CharField(label=_("Name or SKU"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Product.Kind.choices])
    archived = forms.ChoiceField(
        label=_("Archived"),
        required=False,
        choices=[("no", _("Active only")), ("yes", _("Archived only")), ("all", _("Both"))],
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("sku", _("SKU")),
            ("-updated", _("Recently changed")),
            ("-name", _("Name, Z to A")),
        ],
    )


class PriceListForm(forms.Form):
    """A price list's values."""

    name = forms.CharField(label=_("Name"), max_length=LIST_NAME_LENGTH)
    currency = forms.ChoiceField(label=_("Currency"))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=_date_input())
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave the dates empty for a list valid at any time."),
    )
    is_default = forms.BooleanField(
        label=_("Default list"),
        required=False,
        help_text=_("Clients without a list of their own buy from the default list."),
    )

    def __init__(self, *args, currencies=(), currency_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["currency"]).choices = [
            (currency.code, f"{currency.code} · {currency.name}") for currency in currencies
        ]
        if currency_locked:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = _(
                "The currency cannot change once the list has prices: they are amounts in this currency."
            )

    @staticmethod
    def initial_for(price_list: PriceList) -> dict:
        return {
            "name": price_list.name,
            "currency": price_list.currency_id,
            "valid_from": price_list.valid_from,
            "valid_until": price_list.valid_until,
            "is_default": price_list.is_default,
        }


class PriceListFilterForm(forms.Form):
    archived = forms.ChoiceField(
        label=_("Archived"),
        required=False,
        choices=[("no", _("Active only")), ("yes", _("Archived only")), ("all", _("Both"))],
    )


class PriceRowFilterForm(forms.Form):
    """The filters of a price list's page."""

    q = forms.CharField(label=_("Name or SKU"), required=False, max_length=100)
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("all", _("All products")), ("priced", _("Priced products only"))],
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("name", _("Name")), ("sku", _("SKU")), ("price", _("Price")), ("-price", _("Price, highest first"))],
    )


class PriceForm(forms.Form):
    unit_price = forms.CharField(
        label=_("Unit price"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class ClientPriceListForm(forms.Form):
    price_list = forms.ChoiceField(label=_("Price list"), required=False)

    def __init__(self, *args, price_lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["price_list"]).choices = [
            ("", _("The default list")),
            *((str(item.pk), f"{item.name} ({item.currency_id})") for item in price_lists),
        ]
