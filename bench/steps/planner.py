"""The planner's data: phone extensions for the first department, and tasks over two years.

The week calendar scenario opens the first department's week around `NOW` (Monday 30 June
2025): that week holds `size.week_tasks` occurrences (500 in the medium set) for its ten
people — calls, meetings, tasks and emails on working days, a few all-day, the past ones
mostly done, some shared with a colleague, and a few recurring series (a daily stand-up, a
weekly review) whose occurrences are computed, not stored. Around it, `size.tasks` tasks
(20,000) spread over two years for everyone, so that the week's query reads a real table;
they leave the sample week alone, so the busy week holds exactly its 500.

Columns the services would fill are filled the same way: `overdue_at` with
carte.planner.recurrence.overdue_at (the end of the day, where the assignee is, for an all-day
task), `done_at` for done tasks, `series_start` for a series. The extensions (101, 102, …)
let the webhook check match calls to the department's employees.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench import bulk
from bench.generate import NOW, Load
from carte.accounts.models import Employee
from carte.planner.models import Task
from carte.planner.recurrence import overdue_at

SAMPLE_WEEK = date(2025, 6, 30)  # the Monday of NOW's week
HISTORY = timedelta(days=640)  # background tasks: from about 21 months before NOW…
AHEAD = timedelta(days=90)  # …to three months after it
FIRST_EXTENSION = 101
KINDS = (("call", 40), ("meeting", 20), ("task", 30), ("email", 10))
TITLES = {
    "call": "Call {}",
    "meeting": "Meeting with {}",
    "task": "Prepare the offer for {}",
    "email": "Send {} the documents",
}
DURATIONS = (15, 30, 30, 30, 45, 60, 60, 90, 120)
# The series of the busy week: (rule, local hour); each adds its occurrences of the week to the count.
SERIES = (
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 9, 5),  # a daily stand-up on working days: 5 in the week
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 17, 5),
    ("FREQ=WEEKLY", 14, 1),  # a weekly review
    ("FREQ=WEEKLY;INTERVAL=2", 11, 1),
)
DONE_SHARE_PAST = 0.85
CANCELLED_SHARE_PAST = 0.03
FIELDS = (
    "id", "kind", "title", "description", "client", "assignee", "author", "due_at", "all_day", "duration",
    "priority", "reminders", "rrule", "series_start", "skipped", "status", "result", "done_at", "overdue_at",
    "overdue_notified_at", "created_at", "updated_at",
)  # fmt: skip


def extensions(load: Load) -> int:
    """Phone extensions 101, 102, … for the first department's employees (the webhook check rings them)."""
    department = [staff.id for staff in load.employees if staff.department == 0]
    for offset, pk in enumerate(department):
        Employee.objects.filter(pk=pk).update(phone_extension=str(FIRST_EXTENSION + offset))
    load.info["extensions"] = {str(FIRST_EXTENSION + offset): pk for offset, pk in enumerate(department)}
    return len(department)


def tasks(load: Load) -> int:
    """The busy week of the first department, then the background tasks of everyone over two years."""
    rng = load.random("tasks")
    zones = {pk: ZoneInfo(zone or "UTC") for pk, zone in Employee.objects.values_list("pk", "time_zone")}
    department = [staff.id for staff in load.employees if staff.department == 0]
    everyone = [staff.id for staff in load.employees]
    clients_of: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for seed in load.clients:
        clients_of.setdefault(seed.owner, []).append(seed.id)
        names[seed.id] = seed.name
    writer = _Writer(rng, zones, clients_of, names, bulk.next_id(Task))
    week_start = SAMPLE_WEEK
    series_count = sum(in_week for _rule, _hour, in_week in SERIES) if load.size.week_tasks >= 100 else 0
    if series_count:
        for index, (rule, hour, _in_week) in enumerate(SERIES):
            writer.series(department[index % len(department)], rule, week_start, hour)
    for _ in range(load.size.week_tasks - series_count):
        assignee = rng.choice(department)
        day = week_start + timedelta(days=rng.randrange(5))
        writer.single(assignee, day, shared_with=department, cancellable=False)  # every one shows
    week_end = week_start + timedelta(days=7)
    for _ in range(load.size.tasks):
        assignee = rng.choice(everyone)
        while True:
            moment = NOW - HISTORY + (HISTORY + AHEAD) * rng.random()
            if not week_start - timedelta(days=2) <= moment.date() < week_end + timedelta(days=1):
                break
        writer.single(assignee, moment.date(), shared_with=department if assignee in department else everyone)
    written = bulk.insert(Task, FIELDS, writer.rows)
    bulk.insert(Task.co_assignees.through, ("task", "employee"), writer.shared)
    bulk.reset_sequences([Task, Task.co_assignees.through])
    load.info["calendar"] = {
        "department": _first_department_id(),
        "week": SAMPLE_WEEK.isoformat(),
        "week_occurrences": load.size.week_tasks,
    }
    return written + len(writer.shared)


def _first_department_id() -> int:
    from carte.accounts.models import Department

    return Department.objects.order_by("pk").values_list("pk", flat=True).first()


class _Writer:
    """Makes the task rows (with their ids) and the co-assignee rows."""

    def __init__(self, rng: random.Random, zones: dict, clients_of: dict, names: dict, first_id: int):
        self.rng, self.zones, self.clients_of, self.names = rng, zones, clients_of, names
        self.next_id = first_id
        self.rows: list[tuple] = []
        self.shared: list[tuple[int, int]] = []
        self.kinds = [kind for kind, _weight in KINDS]
        self.weights = [weight for _kind, weight in KINDS]

    def _client(self, assignee: int) -> tuple[int | None, str]:
        owned = self.clients_of.get(assignee)
        if not owned or self.rng.random() < 0.15:
            return None, "the team"
        client = self.rng.choice(owned)
        return client, self.names[client]

    def single(self, assignee: int, day: date, shared_with: list[int], cancellable: bool = True) -> None:
        rng, zone = self.rng, self.zones[assignee]
        kind = rng.choices(self.kinds, self.weights)[0]
        all_day = rng.random() < 0.05
        if all_day:
            due = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
        else:
            minutes = rng.randrange(8 * 4, 18 * 4) * 15  # a quarter of an hour between 8:00 and 18:00
            due = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone).astimezone(UTC)
        client, name = self._client(assignee)
        created = due - timedelta(days=rng.randrange(1, 30), minutes=rng.randrange(600))
        status, done_at, result = "open", None, ""
        if due < NOW:
            draw = rng.random()
            if draw < DONE_SHARE_PAST:
                status, done_at, result = "done", due + timedelta(minutes=rng.randrange(5, 240)), "Done."
            elif cancellable and draw < DONE_SHARE_PAST + CANCELLED_SHARE_PAST:
                status = "cancelled"
        late = overdue_at(due, all_day, zone)
        self._row(
            kind=kind,
            title=TITLES[kind].format(name)[:200],
            client=client,
            assignee=assignee,
            due=due,
            all_day=all_day,
            duration=rng.choice(DURATIONS),
            priority=rng.choices(("low", "normal", "high"), (2, 6, 2))[0],
            reminders=[15] if kind in ("call", "meeting") and rng.random() < 0.3 else [],
            status=status,
            result=result,
            done_at=done_at,
            overdue_at=late,
            notified=late if status == "open" and late < NOW else None,
            created=created,
            updated=done_at or created,
        )
        if rng.random() < 0.1:
            others = [pk for pk in shared_with if pk != assignee]
            if others:
                self.shared.append((self.next_id - 1, rng.choice(others)))

    def series(self, assignee: int, rule: str, week_start: date, hour: int) -> None:
        """An open series started two months before the week; its current occurrence is the week's Monday."""
        zone = self.zones[assignee]
        start = datetime.combine(week_start - timedelta(days=56), time(hour, 0), tzinfo=zone).astimezone(UTC)
        due = datetime.combine(week_start, time(hour, 0), tzinfo=zone).astimezone(UTC)
        self._row(
            kind="meeting",
            title="Team stand-up" if "BYDAY" in rule else "Pipeline review",
            client=None,
            assignee=assignee,
            due=due,
            all_day=False,
            duration=15 if "BYDAY" in rule else 60,
            priority="normal",
            reminders=[5],
            rrule=rule,
            series_start=start,
            status="open",
            result="",
            done_at=None,
            overdue_at=due,
            notified=due if due < NOW else None,
            created=start - timedelta(days=1),
            updated=start - timedelta(days=1),
        )

    def _row(self, *, rrule: str = "", series_start=None, **values) -> None:
        self.rows.append(
            (
                self.next_id,
                values["kind"],
                values["title"],
                "",
                values["client"],
                values["assignee"],
                values["assignee"],
                values["due"],
                values["all_day"],
                values["duration"],
                values["priority"],
                values["reminders"],
                rrule,
                series_start,
                [],
                values["status"],
                values["result"],
                values["done_at"],
                values["overdue_at"],
                values["notified"],
                values["created"],
                values["updated"],
            )
        )
        self.next_id += 1
