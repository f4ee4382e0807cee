"""The catalogue: products and services, and the price lists that price them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carte.clients.models import Client
from carte.core.money import AmountField
from carte.sales.models.company import Currency, Tax


class Product(models.Model):
    """Something we sell: a product or a service, with its SKU, unit and usual tax."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", pgettext_lazy("product kind", "Service")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    tax = models.ForeignKey(
        Tax, on_delete=models.PROTECT, null=True, blank=True, related_name="products", verbose_name=_("tax")
    )
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["sku"], condition=~Q(sku=""), name="product_sku")]
        indexes = [models.Index(fields=["name", "id"], name="product_name")]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return self.name


class PriceList(models.Model):
    """Prices in one currency for a kind of customer (retail, wholesale…), valid between two dates."""

    name = models.CharField(_("name"), max_length=100)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    archived = models.BooleanField(_("archived"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_price_list")
        ]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self):
        return self.name


class Price(models.Model):
    """The price of one product in one price list, in the list's currency."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    unit_price = AmountField(_("unit price"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self):
        return f"{self.product_id} @ {self.price_list_id}: {self.unit_price}"


class ClientPriceList(models.Model):
    """The price list a client buys from by default (the sales side of the card; clients knows nothing of it)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, primary_key=True, related_name="+")
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="clients")

    class Meta:
        verbose_name = _("client's price list")
        verbose_name_plural = _("clients' price lists")

    def __str__(self):
        return f"{self.client_id}: {self.price_list_id}"
