"""Setting the monthly sales targets of a team."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.audit import Verb, record
from carte.core.errors import Invalid, NotAllowed
from carte.core.money import parse_decimal
from carte.sales.models import Target
from carte.sales.queries.company import base_currency
from carte.sales.queries.targets import may_set_targets

MOST_DEALS = 10_000


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _deals(value) -> int:
    try:
        deals = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise Invalid(errors={"deals": [_("Enter a whole number of deals.")]}) from None
    if not 0 <= deals <= MOST_DEALS:
        raise Invalid(errors={"deals": [_("Enter 0 to %(most)d deals.") % {"most": MOST_DEALS}]})
    return deals


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return parse_decimal(value, "amount", digits=base_currency().digits, minimum=Decimal(0))


@transaction.atomic
def set_target(*, actor, employee, month: date, deals=0, amount=None) -> Target | None:
    """Set what `employee` should win in the month of `month`: a number of deals and an amount in the base currency.

    Managers set targets for the people their "edit deals" right reaches with department scope or
    wider; nobody sets their own as a seller. A target of no deals and no amount is removed (None).
    """
    target = Target(employee=employee, month=first_of_month(month))
    if not may_set_targets(actor) or not policy.can(actor, policy.Action.EDIT, target):
        raise NotAllowed(_("Only managers set sales targets, for the people of their department."))
    deals, amount = _gather(deals, amount)
    current = Target.objects.select_for_update().filter(employee=employee, month=target.month).first()
    before = {"deals": current.deals, "amount": str(current.amount)} if current else {}
    if not deals and amount is None:
        if current:
            current.delete()
            record(actor, Verb.DELETE, current, changes={"target": [str(current), None]})
        return None
    target = current or target
    target.deals, target.amount, target.set_by = deals, amount, actor
    target.save()
    after = {"deals": deals, "amount": str(amount)}
    changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    record(actor, Verb.UPDATE if current else Verb.CREATE, target, changes=changes)
    return target


def _gather(deals, amount) -> tuple[int, Decimal | None]:
    """Both values read, or one Invalid naming every bad field."""
    errors: dict = {}
    parsed_deals, parsed_amount = 0, None
    try:
        parsed_deals = _deals(deals)
    except Invalid as refused:
        errors.update(refused.errors)
    try:
        parsed_amount = _amount(amount)
    except Invalid as refused:
        errors.update(refused.errors)
    if errors:
        raise Invalid(errors=errors)
    return parsed_deals, parsed_amount
