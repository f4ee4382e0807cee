"""Our own side of a sale: the legal entities that sell, the currencies they sell in, and taxes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_PATTERNS = {
    "quote": "Q-{year}-{number:04}",
    "invoice": "INV-{year}-{number:04}",
    "contract": "C-{year}-{number:04}",
    "act": "ACT-{year}-{number:04}",
}


def company_file(instance, filename: str) -> str:
    """Uploaded logos, signatures and stamps are stored under generated names (see services.company)."""
    return f"company/{filename}"


class Currency(models.Model):
    """An ISO 4217 currency. Installations start with the common ones; admins switch them on.

    `digits` is the number of minor units (2 for EUR, 0 for JPY): amounts in this currency
    are rounded to it. One currency is the base of reports (`is_base`).
    """

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    digits = models.PositiveSmallIntegerField(_("minor units"), default=2)
    active = models.BooleanField(_("in use"), default=False)
    is_base = models.BooleanField(_("base currency"), default=False)

    class Meta:
        ordering = ["-active", "code"]
        constraints = [models.UniqueConstraint(fields=["is_base"], condition=Q(is_base=True), name="one_base_currency")]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self):
        return self.code


class Rate(models.Model):
    """How many units of `base` one unit of `currency` was worth on `date` (entered or imported)."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="rates", verbose_name=_("currency"))
    base = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="+", verbose_name=_("base currency"))
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=24, decimal_places=10)

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [models.UniqueConstraint(fields=["currency", "base", "date"], name="rate_per_day")]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self):
        return f"{self.currency_id}/{self.base_id} {self.date}: {self.rate}"


class Tax(models.Model):
    """A tax rate (VAT 20 %). `included`: prices carrying this tax already hold it (retail prices)."""

    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(_("rate, %"), max_digits=5, decimal_places=2)
    included = models.BooleanField(_("included in prices"), default=False)
    archived = models.BooleanField(_("archived"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("tax")
        verbose_name_plural = _("taxes")

    def __str__(self):
        return self.name


class LegalEntity(models.Model):
    """One of our own companies: the seller named on quotes, invoices, contracts and acts."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=50, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    address = models.TextField(_("legal address"), max_length=500, blank=True)
    postal_address = models.TextField(_("postal address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("account number (IBAN)"), max_length=60, blank=True)
    bank_code = models.CharField(_("bank code (BIC)"), max_length=30, blank=True)
    bank_details = models.TextField(_("other bank details"), max_length=500, blank=True)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's position"), max_length=200, blank=True)
    accountant_name = models.CharField(_("chief accountant"), max_length=200, blank=True)
    logo = models.FileField(_("logo"), upload_to=company_file, blank=True, max_length=200)
    signature = models.FileField(_("signature"), upload_to=company_file, blank=True, max_length=200)
    stamp = models.FileField(_("stamp"), upload_to=company_file, blank=True, max_length=200)
    default_currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("default currency")
    )
    default_tax = models.ForeignKey(
        Tax, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("default tax")
    )
    language = models.CharField(_("documents' language"), max_length=5, choices=settings.LANGUAGES, default="en")
    payment_days = models.PositiveSmallIntegerField(_("days to pay an invoice"), default=30)
    quote_pattern = models.CharField(_("quote numbers"), max_length=60, default=DEFAULT_PATTERNS["quote"])
    invoice_pattern = models.CharField(_("invoice numbers"), max_length=60, default=DEFAULT_PATTERNS["invoice"])
    contract_pattern = models.CharField(_("contract numbers"), max_length=60, default=DEFAULT_PATTERNS["contract"])
    act_pattern = models.CharField(_("act numbers"), max_length=60, default=DEFAULT_PATTERNS["act"])
    is_default = models.BooleanField(_("default"), default=False)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_entity")
        ]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self):
        return self.name

    def pattern_for(self, kind: str) -> str:
        return getattr(self, f"{kind}_pattern")
