"""Reading onboardings, scoped to the user: the table of who is onboarding and how far they got, one
onboarding with its checklist, the user's own, and the employees one may still start one for.

An onboarding belongs to its new employee: they see their own, a manager their department's, an
administrator everyone's (the "onboarding" module's view right; see carte.knowledge.permissions).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.errors import Invalid, NotFound
from carte.core.listing import DEFAULT_PAGE_SIZE, Page, page_of
from carte.core.navigation import Figure
from carte.knowledge.models import FirstTask, Onboarding, OnboardingItem

Action = policy.Action
Kind = OnboardingItem.Kind

IN_PROGRESS, FINISHED = "in_progress", "finished"
STATES = (IN_PROGRESS, FINISHED)


@dataclass(frozen=True)
class Progress:
    """How far an onboarding got: articles read and tasks done, out of how many."""

    reads_done: int
    reads: int
    tasks_done: int
    tasks: int

    @property
    def done(self) -> int:
        return self.reads_done + self.tasks_done

    @property
    def total(self) -> int:
        return self.reads + self.tasks


def onboardings_visible_to(actor, action: str = Action.VIEW) -> QuerySet:
    return policy.visible(actor, Onboarding.objects.all(), action)


def with_progress(queryset: QuerySet) -> QuerySet:
    """The onboardings with their employee, department and counts of items read and done, in the same query."""
    done = Q(items__done_at__isnull=False)
    return queryset.select_related("employee", "employee__department", "started_by").annotate(
        reads=Count("items", filter=Q(items__kind=Kind.READ)),
        reads_done=Count("items", filter=Q(items__kind=Kind.READ) & done),
        tasks=Count("items", filter=Q(items__kind=Kind.TASK)),
        tasks_done=Count("items", filter=Q(items__kind=Kind.TASK) & done),
    )


def progress_of(onboarding: Onboarding) -> Progress:
    """The counts `with_progress` annotated (or its items counted, for an onboarding read on its own)."""
    counts = [getattr(onboarding, name, None) for name in ("reads_done", "reads", "tasks_done", "tasks")]
    if None not in counts:
        return Progress(*(int(count or 0) for count in counts))
    items = list(onboarding.items.all())
    reads = [item for item in items if item.kind == Kind.READ]
    tasks = [item for item in items if item.kind == Kind.TASK]
    return Progress(
        sum(item.done_at is not None for item in reads),
        len(reads),
        sum(item.done_at is not None for item in tasks),
        len(tasks),
    )


def onboarding_page(actor, state: str = "", number=1, size=DEFAULT_PAGE_SIZE) -> Page:
    """A page of the onboardings the user may see, newest first, with their progress (two queries).

    `state` is "in_progress", "finished" or empty (all); anything else is Invalid.
    """
    state = (state or "").strip()
    if state and state not in STATES:
        raise Invalid(errors={"state": [_("Choose one of: %(values)s.") % {"values": ", ".join(STATES)}]})
    onboardings = onboardings_visible_to(actor)
    if state == IN_PROGRESS:
        onboardings = onboardings.filter(finished_at__isnull=True)
    elif state == FINISHED:
        onboardings = onboardings.filter(finished_at__isnull=False)
    return page_of(with_progress(onboardings).order_by("-started_at", "-id"), number, size)


def _items() -> Prefetch:
    return Prefetch("items", queryset=OnboardingItem.objects.select_related("article", "task").order_by("order", "id"))


def get_onboarding_for(actor, pk, action: str = Action.VIEW) -> Onboarding:
    """The onboarding with this id, with its items, if the user may see it (NotFound otherwise) and do `action`."""
    try:
        onboarding = with_progress(onboardings_visible_to(actor)).prefetch_related(_items()).get(pk=int(pk))
    except (Onboarding.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != Action.VIEW:
        policy.require(actor, action, onboarding)
    return onboarding


def my_onboarding(actor) -> Onboarding | None:
    """The user's own onboarding with its items (three queries), or None when they have none."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return with_progress(onboardings_visible_to(actor).filter(employee=actor)).prefetch_related(_items()).first()


def employees_to_onboard(actor) -> QuerySet:
    """Active employees without an onboarding that the user may start one for (their "create" scope)."""
    scope = policy.scope(actor, "onboarding", Action.CREATE)
    # The onboarding's owner is its employee: the same rule as the policy, read on the employees.
    reach = policy.ModelPolicy("onboarding", owner_path="pk", department_path="department").within(actor, scope)
    employees = get_user_model().objects.filter(is_active=True, onboarding__isnull=True)
    return employees.filter(reach).select_related("department").order_by("last_name", "first_name", "username")


def active_employees() -> QuerySet:
    """Every active employee: what an employee's id is read among (the services then check the rights)."""
    return get_user_model().objects.filter(is_active=True).select_related("department")


def first_tasks(actor) -> list[FirstTask]:
    """The first tasks every onboarding gives, in order: for who may start onboardings."""
    policy.require_in_module(actor, "onboarding", Action.CREATE, policy.Scope.OWN)
    return list(FirstTask.objects.order_by("order", "id"))


def get_first_task(actor, pk) -> FirstTask:
    policy.require_in_module(actor, "onboarding", Action.CREATE, policy.Scope.OWN)
    try:
        return FirstTask.objects.get(pk=int(pk))
    except (FirstTask.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def progress_figures(user) -> list[Figure]:
    """The workspace's "my progress" line while the user's onboarding is unfinished: "Onboarding: 3 of 7"."""
    if not getattr(user, "is_authenticated", False):
        return []
    mine = onboardings_visible_to(user).filter(employee=user, finished_at__isnull=True)
    onboarding = with_progress(mine).first()
    if onboarding is None:
        return []
    progress = progress_of(onboarding)
    detail = _("%(reads)d of %(total_reads)d articles read, %(tasks)d of %(total_tasks)d tasks done") % {
        "reads": progress.reads_done,
        "total_reads": progress.reads,
        "tasks": progress.tasks_done,
        "total_tasks": progress.tasks,
    }
    return [Figure(_("Onboarding"), progress.done, progress.total, detail, reverse("knowledge:onboarding_mine"))]
