"""Clients (companies and private persons), their phones and emails, contact links, and the timeline."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carte.core.phones import digits_of, to_e164


class ReferenceValue(models.Model):
    """A value of one of the reference lists ("directories") admins edit in Settings.

    `key` is stable (the API and filters use it); `label` is the admin's wording. Built-in
    values keep an empty label and show their name in the reader's language until an admin
    renames them. A value in use is archived rather than deleted: old cards keep it, new
    choices no longer offer it.
    """

    class List(models.TextChoices):
        TYPE = "type", _("Client types")
        STATUS = "status", _("Statuses")
        SOURCE = "source", _("Sources")
        INDUSTRY = "industry", _("Industries")
        CONTACT_ROLE = "contact_role", _("Contact roles")
        TAG = "tag", _("Tags")
        LOST_REASON = "lost_reason", _("Reasons for lost deals")

    list = models.CharField(_("list"), max_length=20, choices=List.choices)
    key = models.SlugField(_("key"), max_length=60, allow_unicode=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["list", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["list", "key"], name="reference_value_key")]
        verbose_name = _("reference value")
        verbose_name_plural = _("reference values")

    def __str__(self):
        return str(self.label or BUILTIN_VALUES.get(self.list, {}).get(self.key, self.key))


# The values a new installation starts with, by list and key (migration 0002 writes them).
BUILTIN_VALUES = {
    ReferenceValue.List.TYPE: {
        "client": _("Client"),
        "supplier": _("Supplier"),
        "reseller": _("Reseller"),
        "competitor": _("Competitor"),
    },
    ReferenceValue.List.STATUS: {
        "lead": _("Lead"),
        "prospect": _("Prospect"),
        "customer": _("Customer"),
        "partner": _("Partner"),
        "former": _("Former"),
    },
    ReferenceValue.List.SOURCE: {
        "website": _("Website"),
        "referral": _("Referral"),
        "cold_call": _("Cold call"),
        "exhibition": _("Exhibition"),
        "advertising": _("Advertising"),
    },
    ReferenceValue.List.INDUSTRY: {
        "retail": _("Retail"),
        "manufacturing": _("Manufacturing"),
        "construction": _("Construction"),
        "it": _("Information technology"),
        "services": _("Services"),
        "finance": _("Finance"),
        "healthcare": _("Healthcare"),
        "education": _("Education"),
        "transport": _("Transport and logistics"),
        "hospitality": _("Hotels and restaurants"),
    },
    ReferenceValue.List.CONTACT_ROLE: {
        "decision_maker": _("Decision maker"),
        "accountant": _("Accountant"),
        "purchaser": _("Purchaser"),
        "technical": _("Technical contact"),
        "assistant": _("Assistant"),
    },
    ReferenceValue.List.TAG: {"vip": _("VIP")},
    ReferenceValue.List.LOST_REASON: {
        "price": _("Price too high"),
        "competitor": _("Chose a competitor"),
        "no_budget": _("No budget"),
        "no_decision": _("No decision"),
        "timing": _("Bad timing"),
    },
}
DEFAULT_STATUS = "lead"


def _reference(verbose_name, reference_list: str, *, null: bool = True) -> models.ForeignKey:
    """A client's link to one reference list; values in use are protected from deletion."""
    return models.ForeignKey(
        ReferenceValue,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        limit_choices_to={"list": reference_list},
    )


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

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=300)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    bank_details = models.TextField(_("bank details"), blank=True)
    address_legal = models.TextField(_("legal address"), blank=True)
    address_postal = models.TextField(_("postal address"), blank=True)
    address_actual = models.TextField(_("actual address"), blank=True)
    industry = _reference(_("industry"), ReferenceValue.List.INDUSTRY)
    type = _reference(_("type"), ReferenceValue.List.TYPE)
    status = _reference(_("status"), ReferenceValue.List.STATUS, null=False)
    source = _reference(_("source"), ReferenceValue.List.SOURCE)
    tags = models.ManyToManyField(
        ReferenceValue,
        verbose_name=_("tags"),
        blank=True,
        related_name="tagged_clients",
        limit_choices_to={"list": ReferenceValue.List.TAG},
    )
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
    search_document = models.TextField(blank=True, default="", editable=False)  # see carte.clients.search

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
            models.Index(fields=["type", "name"], name="client_type_name"),
            models.Index(fields=["source", "name"], name="client_source_name"),
            models.Index(fields=["industry", "name"], name="client_industry_name"),
            models.Index(fields=["-updated_at"], name="client_updated"),
            models.Index(fields=["-created_at"], name="client_created"),
            # The list's filters combined with its date sorts, its counts, and "my progress".
            models.Index(fields=["owner", "-updated_at"], name="client_owner_updated"),
            models.Index(fields=["owner", "-created_at"], name="client_owner_created"),
            models.Index(fields=["status", "-updated_at"], name="client_status_updated"),
            models.Index(fields=["status", "-created_at"], name="client_status_created"),
            models.Index(fields=["status", "owner"], name="client_status_owner"),
        ]

    def __str__(self):
        return self.name

    def display_name(self) -> str:
        if self.kind == self.Kind.PERSON:
            return " ".join(part for part in (self.first_name, self.last_name) if part) or self.name
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY


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


class TaxId(models.Model):
    """A typed tax or registration id of a client (VAT, SIRET, INN…), normalized for matching."""

    class Kind(models.TextChoices):
        VAT = "vat", _("VAT number")
        SIRET = "siret", "SIRET"
        SIREN = "siren", "SIREN"
        INN = "inn", pgettext_lazy("Russian tax id", "INN")
        KPP = "kpp", pgettext_lazy("Russian tax id", "KPP")
        OGRN = "ogrn", pgettext_lazy("Russian tax id", "OGRN")
        EIN = "ein", "EIN"
        OTHER = "other", _("Other id")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tax_ids")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("tax id"), max_length=50)
    normalized = models.CharField(max_length=50, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tax id")
        verbose_name_plural = _("tax ids")

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class Messenger(models.Model):
    """A messenger account of a client: the handle as the client gave it."""

    class Kind(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        SIGNAL = "signal", "Signal"
        VIBER = "viber", "Viber"
        SKYPE = "skype", "Skype"
        WECHAT = "wechat", "WeChat"
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="messengers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    handle = models.CharField(_("account"), max_length=150)

    class Meta:
        ordering = ["id"]
        verbose_name = _("messenger")
        verbose_name_plural = _("messengers")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.handle}"


class Contact(models.Model):
    """A private person acting as a contact of a company, with their role there."""

    company = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="companies")
    role = _reference(_("role"), ReferenceValue.List.CONTACT_ROLE)

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
    # The id of the record the entry is about, in the model its kind was registered with
    # (carte.clients.card): readers see the entry only if they may see that record.
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at", "-id"], name="timeline_client_at"),
            models.Index(fields=["client", "kind", "-at", "-id"], name="timeline_client_kind_at"),
            # The home page's latest entries across clients: without it, every entry was read and sorted.
            models.Index(fields=["-at", "-id"], name="timeline_at"),
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self):
        return self.summary


class CustomField(models.Model):
    """A field admins add to every client card; it shows on the card, in the list filters and the API.

    Values live in FieldValue, one row per value, so every kind of field is filtered through an
    index. `options` are the choices of a choice or multi-choice field, in display order.
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", pgettext_lazy("field kind", "Number")
        MONEY = "money", _("Money")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        MULTICHOICE = "multichoice", _("Several choices")
        BOOLEAN = "boolean", _("Yes / no")
        EMPLOYEE = "employee", _("Employee")

    key = models.SlugField(_("key"), max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    options = models.JSONField(_("choices"), default=list, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self):
        return self.label

    def shown_number(self, number) -> str:
        """A number as people write it: money with its two decimals, other numbers without trailing zeros.

        The database gives every number back with four decimals; the same value must read the
        same before and after it is stored, or saving a card unchanged would look like a change.
        """
        if number is None:
            return ""
        if self.kind == self.Kind.MONEY:
            return f"{number:.2f}"
        return f"{number.normalize():f}" if number else "0"


class FieldValue(models.Model):
    """One value of a custom field on a client; the column used depends on the field's kind.

    text: text, choice and multi-choice (one row per chosen option); number: number and money;
    date: date; flag: yes/no; employee: link to an employee.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    text = models.CharField(max_length=1000, blank=True)
    number = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    flag = models.BooleanField(null=True, blank=True)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["client", "field"], name="field_value_client"),
            models.Index(fields=["field", "text"], name="field_value_text"),
            models.Index(fields=["field", "number"], name="field_value_number"),
            models.Index(fields=["field", "date"], name="field_value_date"),
            models.Index(fields=["field", "flag"], name="field_value_flag"),
            models.Index(fields=["field", "employee"], name="field_value_employee"),
        ]
        verbose_name = _("custom field value")
        verbose_name_plural = _("custom field values")

    def __str__(self):
        return f"{self.field}: {self.text or self.number or self.date or self.flag or self.employee}"


class Segment(models.Model):
    """A saved filter of the client list (with its columns): private to its owner, or shared with everyone.

    Sharing a segment shares the question, not the answers: each user who opens it sees only
    the clients they may see.
    """

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="segments")
    shared = models.BooleanField(_("shared with everyone"), default=False)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"], name="segment_owner_name")]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name


class ListLayout(models.Model):
    """The columns an employee chose for the client list."""

    employee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(_("columns"), default=list)

    class Meta:
        verbose_name = _("list layout")
        verbose_name_plural = _("list layouts")

    def __str__(self):
        return f"{self.employee}: {', '.join(self.columns)}"
