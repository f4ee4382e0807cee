"""Monthly sales targets in the REST API: read the team's month, set one person's target.

Amounts are strings in the base currency ("20000.00"), never numbers.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from carte.core.money import rounded
from carte.sales.queries import targets as queries
from carte.sales.queries.company import base_currency
from carte.sales.services import targets as services

router = Router(tags=["targets"])


class TargetOut(Schema):
    employee_id: int
    employee: str
    month: date = Field(description="The first day of the month.")
    deals: int = Field(description="Deals to win; 0 when no target is set.")
    amount: str | None = Field(description="Amount to win in the base currency, or null.")
    won_deals: int
    won_amount: str | None = Field(description="Won in the base currency; null when a currency has no rate.")
    currency: str = Field(description="The base currency.")


class TargetIn(Schema):
    employee_id: int
    month: date = Field(description="Any day of the month (YYYY-MM-DD).")
    deals: int = 0
    amount: str | None = Field(None, description='In the base currency: "20000.00"; null for none.')


def _text(amount, digits: int) -> str | None:
    return None if amount is None else str(rounded(amount, digits))


def _out(row: queries.TargetRow, month: date) -> TargetOut:
    base = base_currency()
    return TargetOut(
        employee_id=row.employee.pk,
        employee=str(row.employee),
        month=month,
        deals=row.target.deals if row.target else 0,
        amount=_text(row.target.amount, base.digits) if row.target else None,
        won_deals=row.won.deals,
        won_amount=_text(row.won.amount, base.digits),
        currency=base.code,
    )


@router.get("/targets", response=list[TargetOut], summary="The month's targets of the employees you may see")
def list_targets(request: HttpRequest, month: date | None = None):
    """Each employee whose deals you may see: their target for the month (default: this one) and what they won."""
    month = (month or queries.this_month()).replace(day=1)
    return [_out(row, month) for row in queries.target_rows(request.user, month)]


@router.put("/targets", response=TargetOut, summary="Set an employee's target for a month")
def set_target(request: HttpRequest, payload: TargetIn):
    """Managers set targets for their department's people; 0 deals and no amount removes the target."""
    employee = get_object_or_404(get_user_model(), pk=payload.employee_id, is_active=True)
    services.set_target(
        actor=request.user, employee=employee, month=payload.month, deals=payload.deals, amount=payload.amount
    )
    month = payload.month.replace(day=1)
    row = next(row for row in queries.target_rows(request.user, month) if row.employee.pk == employee.pk)
    return _out(row, month)
