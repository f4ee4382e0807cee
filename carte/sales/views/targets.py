"""The sales targets screen: each employee's monthly target beside what they won."""

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.core.errors import Conflict, Invalid
from carte.core.htmx import refusal_text
from carte.sales.queries import targets as queries
from carte.sales.queries.company import base_currency
from carte.sales.services import targets as services


def _month(text: str | None) -> date:
    """ "2026-11" → 1 November 2026; the current month for anything else."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return queries.this_month()


def _shifted(month: date, by: int) -> str:
    index = month.year * 12 + month.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@require_GET
def target_list(request):
    month = _month(request.GET.get("month"))
    context = {
        "month": month,
        "previous": _shifted(month, -1),
        "next": _shifted(month, 1),
        "rows": queries.target_rows(request.user, month),
        "may_set": queries.may_set_targets(request.user),
        "base": base_currency(),
    }
    return render(request, "sales/targets/list.html", context)


@require_POST
def target_set(request):
    month = _month(request.POST.get("month"))
    employee = get_object_or_404(get_user_model(), pk=request.POST.get("employee") or 0, is_active=True)
    try:
        services.set_target(
            actor=request.user,
            employee=employee,
            month=month,
            deals=request.POST.get("deals"),
            amount=request.POST.get("amount"),
        )
    except (Invalid, Conflict) as refused:
        messages.error(
            request, _("%(employee)s: %(problem)s") % {"employee": employee, "problem": refusal_text(refused)}
        )
    else:
        messages.success(request, _("The target of %(employee)s is saved.") % {"employee": employee})
    return redirect(f"{reverse('sales:target_list')}?month={month:%Y-%m}")
