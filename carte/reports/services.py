"""Computing the adoption figures: each day's activity per employee, and the completeness snapshot.

Everything here writes derived tables only (carte.reports.models): the figures are computed
again from the source tables whenever asked, so a run that is repeated changes nothing, and
none is audited (they change no record of the company; auditing them would also count the
administrator's "Refresh now" as an update of theirs).

Days are those of settings.TIME_ZONE: a day runs from its local midnight to the next one,
whatever the summer time does in between.

Sources of a day's activity, per employee:
- logins: audit entries "login" of the employee (carte.accounts.services.record_login);
- records created / updated: audit entries "create" / "update" the employee made (every
  service audits its writes: clients, contacts, deals, tasks, calls, documents, payments,
  products, settings…); deletions and exports are not counted;
- tasks done on time / late: tasks assigned to the employee that were done that day, on time
  when done by the time they became overdue (`overdue_at`: the end of the day for an all-day
  task), else late;
- calls: calls of the employee that started that day (made or received, logged by hand or by the
  phone system);
- deals moved: stage changes the employee made that day (a deal's first stage, given when it is
  created, is not a move).
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from carte.calls.models import Call
from carte.clients.models import Client, Email, Phone, TimelineEntry
from carte.core import policy
from carte.core.env import ConfigError
from carte.core.models import AuditEntry
from carte.planner.models import Task
from carte.reports.models import AggregationRun, CardGap, CompletenessDaily, DailyActivity
from carte.sales.models import StageChange

log = logging.getLogger(__name__)

Kind = AggregationRun.Kind
Verb = AuditEntry.Verb

# How far back the figures are computed the first time (and caught up after a long stop).
BACKFILL_DAYS = 366
# The incomplete cards kept per owner: the list of the cards to fix shows at most this many.
WORST_KEPT = 1000
FIGURES = ("logins", "created", "updated", "tasks_on_time", "tasks_late", "calls", "deals_moved")
AUDITED = {Verb.LOGIN: "logins", Verb.CREATE: "created", Verb.UPDATE: "updated"}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime | None = None) -> date:
    """The day (in settings.TIME_ZONE) a moment falls on; today when none is given."""
    return timezone.localtime(moment or timezone.now(), zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of a local day and the first of the next one (23 or 25 hours apart at a time change)."""
    here = zone()
    start = datetime.combine(day, clock(0), tzinfo=here)
    end = datetime.combine(day + timedelta(days=1), clock(0), tzinfo=here)
    return start.astimezone(UTC), end.astimezone(UTC)  # in UTC, where subtracting them gives the real length


def inactive_days() -> int:
    """N of "no activity for N days": CARTE_ADOPTION_INACTIVE_DAYS (30 by default)."""
    days = getattr(settings, "ADOPTION_INACTIVE_DAYS", 30)
    if not isinstance(days, int) or days < 1:
        raise ConfigError(f"CARTE_ADOPTION_INACTIVE_DAYS={days!r} is not a whole number of days above zero.")
    return days


# ---------------------------------------------------------------------------------------------
# One day's activity


def activity_of_day(day: date) -> dict[int, dict[str, int]]:
    """{employee id: {figure: count}} of one day, from one GROUP BY query per source (five in all)."""
    start, end = day_bounds(day)
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    audited = (
        AuditEntry.objects.filter(at__gte=start, at__lt=end, verb__in=list(AUDITED), actor__isnull=False)
        .order_by()
        .values_list("actor", "verb")
        .annotate(count=Count("id"))
    )
    for employee, verb, count in audited:
        figures[employee][AUDITED[verb]] += count
    done = (
        Task.objects.filter(status=Task.Status.DONE, done_at__gte=start, done_at__lt=end)
        .order_by()
        .values("assignee")
        .annotate(
            on_time=Count("id", filter=Q(done_at__lte=Coalesce(F("overdue_at"), F("due_at")))),
            late=Count("id", filter=Q(done_at__gt=Coalesce(F("overdue_at"), F("due_at")))),
        )
        .values_list("assignee", "on_time", "late")
    )
    for employee, on_time, late in done:
        figures[employee]["tasks_on_time"] += on_time
        figures[employee]["tasks_late"] += late
    calls = (
        Call.objects.filter(started_at__gte=start, started_at__lt=end, employee__isnull=False)
        .order_by()
        .values("employee")
        .annotate(count=Count("id"))
        .values_list("employee", "count")
    )
    for employee, count in calls:
        figures[employee]["calls"] += count
    moves = (
        StageChange.objects.filter(at__gte=start, at__lt=end, actor__isnull=False, from_stage__isnull=False)
        .order_by()
        .values("actor")
        .annotate(count=Count("id"))
        .values_list("actor", "count")
    )
    for employee, count in moves:
        figures[employee]["deals_moved"] += count
    return figures


def aggregate_day(day: date, *, now: datetime | None = None) -> AggregationRun:
    """Compute one day's activity per employee and replace that day's rows (running it again changes nothing).

    The figures of a day that has not ended yet are provisional (`final` False): the scheduler
    computes today again every quarter of an hour, and the day once more after it has ended.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    figures = activity_of_day(day)
    rows = [DailyActivity(day=day, employee_id=employee, **counts) for employee, counts in sorted(figures.items())]
    with transaction.atomic():
        DailyActivity.objects.filter(day=day).delete()
        DailyActivity.objects.bulk_create(rows, batch_size=500)
        run, _created = AggregationRun.objects.update_or_create(
            kind=Kind.ACTIVITY,
            day=day,
            defaults={
                "computed_at": now,
                "seconds": round(time.perf_counter() - started, 3),
                "final": now >= day_bounds(day)[1],
            },
        )
    return run


def days_to_catch_up(today: date) -> list[date]:
    """The days before today (within BACKFILL_DAYS) whose activity was never computed after they ended."""
    first = today - timedelta(days=BACKFILL_DAYS)
    done = set(
        AggregationRun.objects.filter(kind=Kind.ACTIVITY, final=True, day__gte=first, day__lt=today).values_list(
            "day", flat=True
        )
    )
    return [first + timedelta(days=n) for n in range((today - first).days) if first + timedelta(days=n) not in done]


# ---------------------------------------------------------------------------------------------
# The completeness snapshot


def _flag(condition: Q) -> Case:
    """True when the card LACKS what `condition` says it has."""
    return Case(When(condition, then=Value(False)), default=Value(True), output_field=BooleanField())


def _as_number(flag: str) -> Case:
    return Case(When(**{flag: True}, then=Value(1)), default=Value(0), output_field=IntegerField())


def _cards_with_flags(as_of: datetime, day: date):
    """Every client card with what it lacks, as a query whose columns are CardGap's (for INSERT … SELECT).

    "Inactive" and the score are set afterwards from the stored last activity: the latest
    timeline entry is then looked up once per card, not twice.
    """
    latest = TimelineEntry.objects.filter(client=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    next_task = Task.objects.filter(client=OuterRef("pk"), status=Task.Status.OPEN, due_at__gt=as_of)
    phone, email = (model.objects.filter(client=OuterRef("pk")) for model in (Phone, Email))
    contact = Q(Exists(phone)) | Q(Exists(email))
    return (
        Client.objects.order_by()
        .annotate(
            r_no_owner=_flag(Q(owner__is_active=True)),
            r_no_contact=_flag(contact),
            r_no_next_task=_flag(Q(Exists(next_task))),
            r_inactive=Value(True, output_field=BooleanField()),
            r_score=Value(0, output_field=IntegerField()),
            r_last=Subquery(latest),
            r_day=Value(day, output_field=DateField()),
        )
        .values_list(
            "pk", "owner_id", "r_no_owner", "r_no_contact", "r_no_next_task", "r_inactive", "r_score", "r_last", "r_day"
        )
    )


TOTALS = ("with_owner", "with_contact", "with_next_task", "active", "complete")
CARD_GAP_COLUMNS = (
    "client_id", "owner_id", "no_owner", "no_contact", "no_next_task", "inactive", "score", "last_activity_at", "day",
)  # fmt: skip


def _insert_select(model, columns: tuple[str, ...], queryset) -> int:
    """INSERT INTO model's table (columns) SELECT … — the rows never travel through Python."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        # raw-sql: the model's quoted names and Django's compiled SQL; values travel as params.
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount


def snapshot_completeness(*, now: datetime | None = None) -> AggregationRun:
    """Take the completeness snapshot of every client card as of `now` (its day's, replacing it).

    In four set-based statements: every card with its flags into CardGap, their score, the
    per-owner totals of the day into CompletenessDaily, then the complete cards are let go so
    that CardGap keeps only the cards to fix.
    """
    as_of = now or timezone.now()
    day = local_day(as_of)
    started = time.perf_counter()
    with transaction.atomic():
        CardGap.objects.all().delete()
        CompletenessDaily.objects.filter(day=day).delete()
        _insert_select(CardGap, CARD_GAP_COLUMNS, _cards_with_flags(as_of, day))
        CardGap.objects.update(inactive=_flag(Q(last_activity_at__gte=as_of - timedelta(days=inactive_days()))))
        CardGap.objects.update(
            score=sum(
                (_as_number(flag) for flag in ("no_owner", "no_contact", "no_next_task", "inactive")),
                Value(0),
            )
        )
        totals = (
            CardGap.objects.order_by()
            .values("owner")
            .annotate(
                r_day=Value(day),
                r_cards=Count("pk"),
                r_with_owner=Count("pk", filter=Q(no_owner=False)),
                r_with_contact=Count("pk", filter=Q(no_contact=False)),
                r_with_next_task=Count("pk", filter=Q(no_next_task=False)),
                r_active=Count("pk", filter=Q(inactive=False)),
                r_complete=Count("pk", filter=Q(score=0)),
            )
            .values_list("r_day", "owner", "r_cards", *(f"r_{column}" for column in TOTALS))
        )
        _insert_select(
            CompletenessDaily,
            ("day", "owner_id", "cards", *TOTALS),
            totals,
        )
        CardGap.objects.filter(score=0).delete()
        _keep_worst_of_each_owner()
        run, _created = AggregationRun.objects.update_or_create(
            kind=Kind.COMPLETENESS,
            day=day,
            defaults={"computed_at": as_of, "seconds": round(time.perf_counter() - started, 3), "final": True},
        )
    return run


def _keep_worst_of_each_owner() -> None:
    """Let go of each owner's cards past their WORST_KEPT worst: no list shows more than the WORST_KEPT
    worst cards of the owners it covers, and these are always among the worst WORST_KEPT of each one.
    The table then stays small whatever the number of cards, and a manager's page reads a few
    thousand rows at most, whatever the plan the database picks."""
    ranked = CardGap.objects.annotate(
        rank=Window(RowNumber(), partition_by=[F("owner_id")], order_by=[F("score").desc(), F("client_id").asc()])
    )
    past = ranked.filter(rank__gt=WORST_KEPT).values("pk")
    CardGap.objects.filter(pk__in=Subquery(past)).delete()
    with connection.cursor() as cursor:
        for model in (CardGap, CompletenessDaily):
            # raw-sql: our own table's quoted name; the planner's statistics.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# ---------------------------------------------------------------------------------------------
# What the scheduler and the page run


@dataclass(frozen=True)
class CatchUp:
    """What a scheduled run computed: the past days (oldest first), today, and whether the snapshot was taken."""

    days: list[date]
    today: AggregationRun
    snapshot: AggregationRun | None


def bring_up_to_date(*, now: datetime | None = None) -> CatchUp:
    """The scheduled job (every quarter of an hour): the days never computed in full since they ended
    (yesterday's at the first run after midnight; more after a stop of the worker), today's figures
    so far, and the completeness snapshot once a day (at the first run of the day)."""
    now = now or timezone.now()
    today = local_day(now)
    missing = days_to_catch_up(today)
    for day in missing:
        aggregate_day(day, now=now)
    current = aggregate_day(today, now=now)
    snapshot = None
    if not AggregationRun.objects.filter(kind=Kind.COMPLETENESS, day=today).exists():
        snapshot = snapshot_completeness(now=now)
    return CatchUp(days=missing, today=current, snapshot=snapshot)


def refresh_figures(*, actor) -> AggregationRun:
    """ "Refresh now" (administrators: "edit" in reports with scope "all"): today's activity is computed at
    once, and the completeness snapshot again in the background, once this transaction commits."""
    policy.require_in_module(actor, "reports", policy.Action.EDIT)
    run = aggregate_day(local_day())
    transaction.on_commit(_queue_snapshot)
    log.info("%s refreshed the adoption figures", actor)
    return run


def _queue_snapshot() -> None:
    from carte.reports.tasks import snapshot_completeness_job

    snapshot_completeness_job()
