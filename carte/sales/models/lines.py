"""A priced line, shared by deals and documents: product, quantity, price, discount, tax and amounts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from carte.core.money import AmountField


class PricedLine(models.Model):
    """Quantity × unit price less the discount, with its tax; amounts are computed by the services.

    The product's name, unit and the tax's rate are copied onto the line: a document keeps
    what was sold even when the catalogue changes later.
    """

    position = models.PositiveIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        "sales.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = AmountField(_("quantity"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = AmountField(_("unit price"))
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=0)
    tax = models.ForeignKey(
        "sales.Tax", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tax")
    )
    tax_rate = models.DecimalField(_("tax rate, %"), max_digits=5, decimal_places=2, default=0)
    tax_included = models.BooleanField(_("tax included in price"), default=False)
    net = AmountField(_("amount before tax"), default=0)
    tax_amount = AmountField(_("tax amount"), default=0)
    total = AmountField(_("amount with tax"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.description
