"""Clients (companies and private persons), their phones and emails, contact links, and the timeline."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carte.core.phones import digits_of, to_e164


class ClientQuerySet(models.QuerySet):
    def companies(self):
        return self.filter(kind=Client.Kind.COMPANY)

    def persons(self):
        return self.filter(kind=Client.Kind.PERSON)


class Client(models.Model):
    """A company or a private person the company works with. The card in Carte is built around it.

    `name` is what lists show and sort by: a company's name, or a person's "First Last".
    `version` grows on every save so that two people editing the same card find out.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Private person")

    class Status(models.TextChoices):
        LEAD = "lead", _("Lead")
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        PARTNER = "partner", _("Partner")
        FORMER = "former", _("Former")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=300)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.LEAD)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_clients",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["name", "id"], name="client_name"),
            models.Index(fields=["owner", "name"], name="client_owner_name"),
            models.Index(fields=["status", "name"], name="client_status_name"),
            models.Index(fields=["kind", "name"], name="client_kind_name"),
            models.Index(fields=["-updated_at"], name="client_updated"),
            models.Index(fields=["-created_at"], name="client_created"),
        ]

    def __str__(self):
        return self.name

    def display_name(self) -> str:
        if self.kind == self.Kind.PERSON:
            return " ".join(part for part in (self.first_name, self.last_name) if part) or self.name
        return self.name


class Phone(models.Model):
    """A phone of a client: as typed, in E.164 when it parses, and as digits for fragment search."""

    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        MOBILE = "mobile", _("Mobile")
        HOME = "home", pgettext_lazy("phone kind", "Home")
        FAX = "fax", _("Fax")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WORK)
    number = models.CharField(_("number"), max_length=50)
    e164 = models.CharField(max_length=20, blank=True, db_index=True)
    digits = models.CharField(max_length=50, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.digits = digits_of(self.number)
        self.e164 = to_e164(self.number)
        super().save(*args, **kwargs)


class Email(models.Model):
    """An email address of a client, stored lower-cased so matching is exact and indexed."""

    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        PERSONAL = "personal", _("Personal")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WORK)
    address = models.EmailField(_("email"), db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")

    def __str__(self):
        return self.address

    def save(self, *args, **kwargs):
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)


class Contact(models.Model):
    """A private person acting as a contact of a company, with their role there."""

    company = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="companies")
    role = models.CharField(_("role"), max_length=150, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["company", "person"], name="contact_unique")]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self):
        return f"{self.person} @ {self.company}"


class TimelineEntry(models.Model):
    """One event on a client's card, written by the service of the app it comes from.

    One indexed table for all modules, read newest first by (client, at, id), so a card
    opens in constant time however long its history.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=30)
    summary = models.CharField(_("summary"), max_length=500)
    link = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at", "-id"], name="timeline_client_at"),
            models.Index(fields=["client", "kind", "-at", "-id"], name="timeline_client_kind_at"),
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self):
        return self.summary
