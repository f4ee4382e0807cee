"""The shapes of onboardings and first tasks in the REST API (parsing and answers; the rules live in the services)."""

from datetime import datetime

from ninja import Field, Schema

from carte.knowledge.models import Onboarding, OnboardingItem
from carte.knowledge.queries.onboarding import progress_of


class OnboardingFilters(Schema):
    state: str = Field("", description="in_progress, finished, or empty for all.")
    page: int = 1
    page_size: int = 50


class OnboardingIn(Schema):
    employee_id: int = Field(description="The employee to start an onboarding for.")


class OnboardingItemOut(Schema):
    id: int
    kind: str = Field(description="read (an article) or task (a task in the employee's planner).")
    title: str
    article_id: int | None
    task_id: int | None
    done_at: datetime | None


class OnboardingOut(Schema):
    id: int
    employee_id: int
    employee_name: str
    department: str | None
    started_at: datetime
    started_by_id: int | None = Field(description="Who started it; null when Carte started it for a new employee.")
    finished_at: datetime | None = Field(description="When the last item was done; null while in progress.")
    reads_done: int
    reads: int
    tasks_done: int
    tasks: int

    @staticmethod
    def resolve_employee_name(onboarding: Onboarding) -> str:
        return str(onboarding.employee)

    @staticmethod
    def resolve_department(onboarding: Onboarding) -> str | None:
        department = onboarding.employee.department
        return department.name if department else None

    @staticmethod
    def resolve_reads_done(onboarding: Onboarding) -> int:
        return progress_of(onboarding).reads_done

    @staticmethod
    def resolve_reads(onboarding: Onboarding) -> int:
        return progress_of(onboarding).reads

    @staticmethod
    def resolve_tasks_done(onboarding: Onboarding) -> int:
        return progress_of(onboarding).tasks_done

    @staticmethod
    def resolve_tasks(onboarding: Onboarding) -> int:
        return progress_of(onboarding).tasks


class OnboardingDetailOut(OnboardingOut):
    items: list[OnboardingItemOut] = Field(description="The articles to read, then the first tasks, in order.")

    @staticmethod
    def resolve_items(onboarding: Onboarding) -> list[OnboardingItem]:
        return list(onboarding.items.all())


class FirstTaskIn(Schema):
    title: str
    description: str = ""
    days: int = Field(3, description="Due this many days after the start of the onboarding, at 10:00.")


class FirstTaskOut(Schema):
    id: int
    title: str
    description: str
    days: int
    order: int


class FirstTaskOrderIn(Schema):
    first_tasks: list[int] = Field(description="The ids of every first task, each once, in the new order.")
