"""The shapes of the adoption figures in the REST API (answers and filters; the rules live in queries)."""

from datetime import date, datetime

from ninja import Field, Schema

from carte.core.api import PageOut
from carte.reports.queries import WORST_PAGE_SIZE


class AdoptionFilters(Schema):
    period: int | None = Field(None, description="The last 7, 30 or 90 days, today included (30 by default).")
    since: date | None = Field(None, description="YYYY-MM-DD, included: a custom period (with or without `until`).")
    until: date | None = Field(None, description="YYYY-MM-DD, included; today when left out of a custom period.")
    department: int | None = Field(None, description="A department's id: only its employees.")


class CompletenessFilters(Schema):
    department: int | None = Field(None, description="A department's id: only the cards its employees own.")
    page: int = 1
    page_size: int = WORST_PAGE_SIZE


class FiguresOut(Schema):
    logins: int
    active_days: int = Field(description="Days with a login or any of the other figures; summed over people.")
    created: int = Field(description="Records created (audit log).")
    updated: int = Field(description="Records updated (audit log).")
    tasks_on_time: int
    tasks_late: int
    calls: int
    deals_moved: int


class AdoptionEmployeeOut(Schema):
    id: int
    name: str
    username: str
    active: bool
    department: int | None
    department_name: str | None


class EmployeeFiguresOut(Schema):
    employee: AdoptionEmployeeOut
    figures: FiguresOut


class DepartmentFiguresOut(Schema):
    department: int | None = Field(description="The department's id; null for the employees without one.")
    name: str
    employees: int
    figures: FiguresOut


class PeriodOut(Schema):
    since: date
    until: date
    days: int | None = Field(description="The preset asked for; null for a custom period.")


class AdoptionOut(Schema):
    period: PeriodOut
    computed_at: datetime | None = Field(description="When the figures were last computed (null: never yet).")
    first_day: date | None = Field(description="The first day that has figures.")
    employees: list[EmployeeFiguresOut]
    departments: list[DepartmentFiguresOut] = Field(description="Per department the employee is in today.")
    total: FiguresOut


class TotalsOut(Schema):
    cards: int
    with_owner: int = Field(description="Cards whose owner is an active employee.")
    with_contact: int = Field(description="Cards with a phone or an email.")
    with_next_task: int = Field(description="Cards with an open task due after the snapshot.")
    active: int = Field(description="Cards with a timeline entry within the last `inactive_days` days.")
    complete: int = Field(description="Cards with all four.")


class DepartmentTotalsOut(Schema):
    department: int | None
    name: str
    totals: TotalsOut


class CardGapOut(Schema):
    client: int
    name: str
    owner: int
    owner_name: str
    no_owner: bool
    no_contact: bool
    no_next_task: bool
    inactive: bool
    gaps: int = Field(description="How many of the four the card lacks.")
    last_activity_at: datetime | None


class CompletenessOut(Schema):
    day: date | None = Field(description="The day of the latest snapshot (null: never taken yet).")
    computed_at: datetime | None
    inactive_days: int = Field(description="A card without activity for this many days counts as inactive.")
    totals: TotalsOut
    departments: list[DepartmentTotalsOut]
    worst: PageOut[CardGapOut] = Field(description="The cards with the most gaps first (the first 1,000 at most).")
