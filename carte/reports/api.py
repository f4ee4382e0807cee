"""The adoption figures in the REST API: the same queries as the page, scoped by the "reports" view right.

A seller ("own") gets their own figures and cards; a manager their department's; an
administrator everyone's. Bad filters answer 400 with the reason, per field.
"""

from django.http import HttpRequest
from ninja import Query, Router

from carte.core.api import paged
from carte.reports import queries
from carte.reports.schemas import AdoptionFilters, AdoptionOut, CompletenessFilters, CompletenessOut

router = Router(tags=["reports"])


def _employee(person) -> dict:
    return {
        "id": person.pk,
        "name": str(person),
        "username": person.get_username(),
        "active": person.is_active,
        "department": person.department_id,
        "department_name": person.department.name if person.department_id else None,
    }


def _figures(figures: queries.Figures) -> dict:
    return {name: getattr(figures, name) for name in ("active_days", *queries.FIGURES)}


def _totals(totals: queries.Totals) -> dict:
    return {name: getattr(totals, name) for name in ("cards", *queries.TOTALS)}


@router.get("/reports/adoption", response=AdoptionOut, summary="Adoption figures per employee and department")
def adoption(request: HttpRequest, filters: Query[AdoptionFilters]):
    """Logins, active days, records created and updated, tasks done on time and late, calls and deals
    moved over a period, per employee you may see and per department (as they are today)."""
    period = queries.read_period(days=filters.period, since=filters.since, until=filters.until)
    reach = queries.reach_of(request.user, filters.department)
    found = queries.adoption_for(request.user, period, reach)
    return {
        "period": {"since": period.since, "until": period.until, "days": period.days},
        "computed_at": found.freshness.activity_at,
        "first_day": found.freshness.first_day,
        "employees": [
            {"employee": _employee(row.employee), "figures": _figures(row.figures)} for row in found.employees
        ],
        "departments": [
            {
                "department": group.department.pk if group.department else None,
                "name": group.name,
                "employees": group.people,
                "figures": _figures(group.figures),
            }
            for group in found.departments
        ],
        "total": _figures(found.total),
    }


@router.get("/reports/completeness", response=CompletenessOut, summary="Completeness of the client cards")
def completeness(request: HttpRequest, filters: Query[CompletenessFilters]):
    """The latest snapshot of the cards owned by the employees you may see: totals, per department, and
    a page of the worst cards (those you may also see as clients)."""
    reach = queries.reach_of(request.user, filters.department)
    found = queries.completeness_for(request.user, reach, filters.page, filters.page_size)
    worst = found.worst
    return {
        "day": found.day,
        "computed_at": found.computed_at,
        "inactive_days": found.inactive_days,
        "totals": _totals(found.totals),
        "departments": [
            {
                "department": group.department.pk if group.department else None,
                "name": group.name,
                "totals": _totals(group.totals),
            }
            for group in found.departments
        ],
        "worst": paged(
            worst,
            [
                {
                    "client": gap.client_id,
                    "name": gap.client.name,
                    "owner": gap.owner_id,
                    "owner_name": str(gap.owner),
                    "no_owner": gap.no_owner,
                    "no_contact": gap.no_contact,
                    "no_next_task": gap.no_next_task,
                    "inactive": gap.inactive,
                    "gaps": gap.score,
                    "last_activity_at": gap.last_activity_at,
                }
                for gap in worst.items
            ],
        ),
    }
