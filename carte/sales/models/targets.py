"""Monthly sales targets that managers set for their people."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carte.core.money import AmountField


class Target(models.Model):
    """What an employee should win in a month: a number of deals and, optionally, an amount in the base currency.

    `month` is the first day of the month.
    """

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="sales_targets"
    )
    month = models.DateField(_("month"))
    deals = models.PositiveIntegerField(_("deals to win"), default=0)
    amount = AmountField(_("amount to win"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "employee_id"]
        constraints = [models.UniqueConstraint(fields=["employee", "month"], name="target_unique_per_month")]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")

    def __str__(self):
        return f"{self.employee} {self.month:%Y-%m}"
