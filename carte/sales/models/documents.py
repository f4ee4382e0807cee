"""Quotes, invoices, contracts and acts, numbered per legal entity and year without gaps."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client
from carte.core.money import AmountField
from carte.sales.models.company import Currency, LegalEntity
from carte.sales.models.deals import Deal
from carte.sales.models.lines import PricedLine


class SalesDocument(models.Model):
    """A document we issue to a client, usually from a deal: its lines were copied and may be edited.

    The number is given when the document is created, inside the same transaction as the
    counter it comes from, so numbers never skip; a document is cancelled, never deleted.
    `paid` is the sum of the invoice's payments, kept by the payment services.
    """

    class Kind(models.TextChoices):
        QUOTE = "quote", _("Quote")
        INVOICE = "invoice", _("Invoice")
        CONTRACT = "contract", _("Contract")
        ACT = "act", _("Act")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SIGNED = "signed", _("Signed")
        UNPAID = "unpaid", _("Unpaid")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number in the year"))
    legal_entity = models.ForeignKey(
        LegalEntity, on_delete=models.PROTECT, related_name="documents", verbose_name=_("legal entity")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="sales_documents", verbose_name=_("client")
    )
    contact = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact person")
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="documents", verbose_name=_("deal")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales_documents", verbose_name=_("owner")
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    net = AmountField(_("amount before tax"), default=0)
    tax_amount = AmountField(_("tax"), default=0)
    total = AmountField(_("total"), default=0)
    paid = AmountField(_("paid"), default=0)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    template = models.ForeignKey(
        "documents.DocumentTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    file = models.FileField(_("file"), upload_to="documents/%Y/", blank=True, max_length=200)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "kind", "year", "sequence"], name="document_sequence"),
            models.UniqueConstraint(fields=["legal_entity", "kind", "number"], name="document_number"),
        ]
        indexes = [
            models.Index(fields=["client", "-date", "-id"], name="document_client"),
            models.Index(fields=["deal", "-date"], name="document_deal"),
            models.Index(fields=["owner", "-date"], name="document_owner"),
            models.Index(fields=["kind", "status", "due_date"], name="document_status_due"),
            models.Index(fields=["-date", "-id"], name="document_date"),
        ]
        verbose_name = _("sales document")
        verbose_name_plural = _("sales documents")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def owed(self):
        """What is still to be paid on an issued invoice (never below zero)."""
        if self.kind != self.Kind.INVOICE or self.status in (self.Status.DRAFT, self.Status.CANCELLED):
            return 0
        return max(self.total - self.paid, 0)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in (self.Status.UNPAID, self.Status.PARTLY_PAID)
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class DocumentLine(PricedLine):
    document = models.ForeignKey(SalesDocument, on_delete=models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        indexes = [models.Index(fields=["document", "position"], name="document_line_position")]
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")


class NumberSequence(models.Model):
    """The last number given to one kind of document of one legal entity in one year.

    Locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's single writer) while a document takes
    the next number, so concurrent creations queue instead of colliding or skipping.
    """

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SalesDocument.Kind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["legal_entity", "kind", "year"], name="one_sequence")]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.legal_entity_id} {self.kind} {self.year}: {self.last}"
