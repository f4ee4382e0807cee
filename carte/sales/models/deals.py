"""Pipelines, their stages, and the deals that move through them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client, ReferenceValue
from carte.core.money import AmountField
from carte.sales.models.catalogue import PriceList
from carte.sales.models.company import Currency
from carte.sales.models.lines import PricedLine


class Pipeline(models.Model):
    """A way of selling (new business, renewals…) with its own ordered stages."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self):
        return self.name


class Stage(models.Model):
    """A column of a pipeline. Won and lost stages end a deal; open ones keep it on the board."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=0)
    colour = models.CharField(_("colour"), max_length=7, default="#6b7280")
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        ordering = ["pipeline", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class Deal(models.Model):
    """A sale in progress with a client: its stage, amount, lines and chances.

    `amount` is the sum of the lines' totals when the deal has lines, or what the owner
    entered. `stage_entered_at` is when it reached its current stage (for time in stage);
    `closed_at` is set on reaching a won or lost stage. `version` guards concurrent edits.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="deals", verbose_name=_("client"))
    contact = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_deals",
        verbose_name=_("contact person"),
    )
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals", verbose_name=_("owner")
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    amount = AmountField(_("amount"), default=0)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency"))
    price_list = models.ForeignKey(
        PriceList, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("price list")
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=0)
    source = models.ForeignKey(
        ReferenceValue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"list": ReferenceValue.List.SOURCE},
        verbose_name=_("source"),
    )
    lost_reason = models.ForeignKey(
        ReferenceValue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"list": ReferenceValue.List.LOST_REASON},
        verbose_name=_("reason lost"),
    )
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The board: one stage's deals in board order, and its totals per currency.
            models.Index(fields=["stage", "expected_close", "id"], name="deal_stage_close"),
            models.Index(fields=["stage", "owner", "expected_close"], name="deal_stage_owner"),
            models.Index(fields=["stage", "currency", "amount"], name="deal_stage_totals"),
            # The won and lost columns: the deals closed in the period, out of years of them.
            models.Index(fields=["stage", "closed_at"], name="deal_stage_closed"),
            # The list, the client card and the workspace strip.
            models.Index(fields=["client", "-created_at"], name="deal_client"),
            models.Index(fields=["owner", "closed_at", "expected_close"], name="deal_owner_open"),
            # The workspace strip: one person's open deals, nearest expected close first.
            models.Index(fields=["owner", "expected_close", "id"], condition=Q(closed_at=None), name="deal_owner_next"),
            models.Index(fields=["-updated_at", "-id"], name="deal_updated"),
            models.Index(fields=["expected_close", "id"], name="deal_close"),
            models.Index(fields=["closed_at"], name="deal_closed"),
        ]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")

    def __str__(self):
        return self.title


class DealLine(PricedLine):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")

    class Meta(PricedLine.Meta):
        indexes = [models.Index(fields=["deal", "position"], name="deal_line_position")]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")


class StageChange(models.Model):
    """A deal's move from one stage to another: the stage history, and time spent in each stage."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deal", "at", "id"], name="stage_change_deal"),
            models.Index(fields=["at"], name="stage_change_at"),  # a day's moves, for the adoption figures
        ]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage history")

    def __str__(self):
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
