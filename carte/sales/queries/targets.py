"""Monthly sales targets beside what each employee won: the targets screen and the "my progress" figure."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.money import AmountField, rounded, shown
from carte.core.navigation import Figure
from carte.sales.models import Deal, Stage, Target
from carte.sales.queries.company import base_currency, rate_on

Action, Scope = policy.Action, policy.Scope


def may_set_targets(user) -> bool:
    """Setting targets is a manager's work: "edit" on deals with department scope or wider."""
    return policy.can_in_module(user, "deals", Action.EDIT, Scope.DEPARTMENT)


@dataclass(frozen=True)
class Won:
    """What someone won in a month: deals, and their amount in the base currency (None when a rate is missing)."""

    deals: int = 0
    amount: Decimal | None = Decimal(0)


@dataclass(frozen=True)
class TargetRow:
    employee: object
    target: Target | None
    won: Won

    @property
    def share(self) -> int | None:
        """Per cent of the deals target reached, for the bar."""
        if not self.target or not self.target.deals:
            return None
        return min(100, round(100 * self.won.deals / self.target.deals))


def company_zone() -> ZoneInfo:
    """Months of targets are the company's (CARTE_TIME_ZONE), whoever looks: everyone counts the same deals."""
    return ZoneInfo(settings.TIME_ZONE)


def this_month() -> date:
    return timezone.localdate(timezone=company_zone()).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of a month and of the next one, in the company's time zone."""
    start = datetime.combine(month.replace(day=1), time(0), tzinfo=company_zone())
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def won_in_month(owner_ids: list[int], month: date) -> dict[int, Won]:
    """Deals won in the month by each owner: one grouped query, amounts converted at the month's last known rate."""
    start, end = month_bounds(month)
    groups = (
        Deal.objects.filter(
            owner_id__in=owner_ids, stage__outcome=Stage.Outcome.WON, closed_at__gte=start, closed_at__lt=end
        )
        .order_by()
        .values("owner_id", "currency_id")
        .annotate(count=Count("id"), total=Sum("amount", output_field=AmountField()))
    )
    base = base_currency()
    day = min(timezone.localdate(timezone=company_zone()), (end - timedelta(days=1)).date())
    rates: dict[str, Decimal | None] = {}
    found: dict[int, Won] = {}
    for group in groups:
        code = group["currency_id"]
        if code not in rates:
            rates[code] = rate_on(code, day)
        rate, earlier = rates[code], found.get(group["owner_id"], Won())
        amount = None
        if rate is not None and earlier.amount is not None:
            amount = earlier.amount + rounded((group["total"] or Decimal(0)) * rate, base.digits)
        found[group["owner_id"]] = Won(earlier.deals + group["count"], amount)
    return found


def _team_of(user):
    """The active employees whose deals the user may see: themselves, their department or everyone."""
    employees = get_user_model().objects.filter(is_active=True).select_related("department")
    granted = policy.scope(user, "deals", Action.VIEW)
    if granted == Scope.ALL:
        return employees
    if granted == Scope.DEPARTMENT and user.department_id:
        return employees.filter(department_id=user.department_id)
    if granted == Scope.NONE:
        return employees.none()
    return employees.filter(pk=user.pk)


def target_rows(user, month: date) -> list[TargetRow]:
    """The targets screen: each employee the user may see, their target for the month and what they won (3 queries)."""
    month = month.replace(day=1)
    team = list(_team_of(user))
    ids = [employee.pk for employee in team]
    targets = {target.employee_id: target for target in Target.objects.filter(employee_id__in=ids, month=month)}
    won = won_in_month(ids, month)
    return [TargetRow(employee, targets.get(employee.pk), won.get(employee.pk, Won())) for employee in team]


def monthly_progress(user) -> list[Figure]:
    """The "my progress" figure: deals won this month against the user's target, the amount beside it."""
    if user is None or not user.is_authenticated or policy.scope(user, "deals", Action.VIEW) == Scope.NONE:
        return []
    month = this_month()
    won = won_in_month([user.pk], month).get(user.pk, Won())
    target = Target.objects.filter(employee=user, month=month).first()
    detail = ""
    if target and target.amount is not None and won.amount is not None:
        base = base_currency()
        detail = _("%(won)s of %(target)s") % {
            "won": shown(won.amount, base.digits, base.code),
            "target": shown(target.amount, base.digits, base.code),
        }
    return [Figure(_("Deals won this month"), won.deals, target.deals if target and target.deals else None, detail)]
