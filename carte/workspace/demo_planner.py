"""The planner and the phone of the demo company: tasks, calls and this month's sales targets.

`DemoPlanner.plan()` draws everything from the demo's random generator once the clients
and deals are planned (so they stay exactly as they were), and `DemoPlanner.save()` writes
it in bulk once clients, employees and deals have their ids. It makes, in the demo's language:

- this month's target for each seller (a number of deals and an amount in the base
  currency), set by the manager of their department (the head of sales where the
  department has none);
- 300 tasks: calls to make, meetings, emails to send and plain tasks, from 30 days back to
  30 days ahead on working days, in office hours where the employee is. About 60 % of the
  past ones are done with a result, some were cancelled and the rest are still open, so
  overdue; a few are all-day, a few shared with a colleague, the future ones remind 15 or
  60 and 15 minutes before. Four series: the weekly team meetings (Monday 9:00 for sales,
  Wednesday 10:00 for key accounts), the monthly sales report and a weekly service review,
  with a done copy for each past occurrence (one week of the sales meeting skipped);
- a call for each "call" activity of the demo's timeline (the entry then links to the call):
  mostly answered, the "no answer" ones not answered, a few busy and a few missed incoming
  calls with their callback task; and 2–5 calls this morning for every seller, with
  their timeline entries. Every employee has 2–5 tasks today.

"Today" is seen from its late morning: today's calls are in the morning, after `now` (the
`demo` command passes today at 00:00 UTC), so "Calls today" and "Tasks today" show figures
all day. Calls are logged by hand, except a few recent ones that came through an inactive
"demo PBX" connection, which has no secret and no password.

As in carte/workspace/demo_sales.py the records are written as the system: no permission
checks, no audit, no domain events, no notifications. The derived columns are kept as the
planner keeps them (`overdue_at`, `next_reminder_at`; overdue tasks count as notified), and
tests/workspace/test_demo.py checks them.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from carte.accounts.models import Employee
from carte.calls.models import Call, Connection
from carte.calls.summaries import call_summary
from carte.clients.models import Client, Phone, TimelineEntry
from carte.planner import recurrence
from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.sales.models import Deal, Target
from carte.sales.queries.company import base_currency

BATCH_SIZE = 500
TASKS = 300
DAYS_AROUND = 30  # tasks lie between 30 days back and 30 days ahead
SELLER_ROLES = ("manager", "sales")  # who owns clients, makes calls and has a target (the manager: a call list)
TARGET_ROLES = ("sales",)
PBX_KEY = "demo-pbx"
PBX_DAYS = 60  # the phone system was connected two months ago; a tenth of the calls since came through it
DEAL_SIZE = {"EUR": 9000, "RUB": 750000}  # a typical won deal, in the base currency; others count as EUR
Kind, Status, Priority = Task.Kind, Task.Status, Task.Priority
CallStatus, Direction = Call.Status, Call.Direction

# What each kind of task is called: titles of tasks about a client, then of the employee's own work.
CLIENT_TITLES = {
    Kind.CALL: [
        pgettext_lazy("demo task", "Call back about the quote"),
        pgettext_lazy("demo task", "Confirm the delivery date"),
        pgettext_lazy("demo task", "Follow-up call after the demonstration"),
        pgettext_lazy("demo task", "Remind them of the unpaid invoice"),
        pgettext_lazy("demo task", "Introductory call"),
        pgettext_lazy("demo task", "Ask how the installation went"),
    ],
    Kind.MEETING: [
        pgettext_lazy("demo task", "Product demonstration"),
        pgettext_lazy("demo task", "Meeting at their office"),
        pgettext_lazy("demo task", "Yearly review of the agreement"),
        pgettext_lazy("demo task", "Video meeting: project kick-off"),
        pgettext_lazy("demo task", "Negotiate the terms"),
    ],
    Kind.EMAIL: [
        pgettext_lazy("demo task", "Send the price list"),
        pgettext_lazy("demo task", "Send the quote"),
        pgettext_lazy("demo task", "Send the contract for signature"),
        pgettext_lazy("demo task", "Send the meeting notes"),
        pgettext_lazy("demo task", "Send the new catalogue"),
    ],
    Kind.TASK: [
        pgettext_lazy("demo task", "Prepare a quote"),
        pgettext_lazy("demo task", "Check that the payment came in"),
        pgettext_lazy("demo task", "Update the contact persons"),
        pgettext_lazy("demo task", "Prepare the contract"),
        pgettext_lazy("demo task", "Arrange the delivery"),
        pgettext_lazy("demo task", "Prepare the presentation"),
    ],
}
OWN_TITLES = [
    pgettext_lazy("demo task", "Plan next week's visits"),
    pgettext_lazy("demo task", "Clean up the list of leads"),
    pgettext_lazy("demo task", "Update the price list"),
    pgettext_lazy("demo task", "Prepare the newsletter"),
    pgettext_lazy("demo task", "Answer the support mailbox"),
    pgettext_lazy("demo task", "Order office supplies"),
]
ALL_DAY_TITLES = [
    pgettext_lazy("demo task", "Trade fair"),
    pgettext_lazy("demo task", "Training day"),
    pgettext_lazy("demo task", "Quarterly forecast due"),
]
RESULTS = {
    Kind.CALL: [
        pgettext_lazy("demo task result", "Reached them: they decide next week."),
        pgettext_lazy("demo task result", "They asked for a new quote."),
        pgettext_lazy("demo task result", "No answer; sent an email instead."),
        pgettext_lazy("demo task result", "Agreed on a meeting."),
    ],
    Kind.MEETING: [
        pgettext_lazy("demo task result", "Went well: they want a quote."),
        pgettext_lazy("demo task result", "They need time to decide."),
        pgettext_lazy("demo task result", "Agreed on the next steps."),
    ],
    Kind.EMAIL: [
        pgettext_lazy("demo task result", "Sent."),
        pgettext_lazy("demo task result", "Sent, with the price list attached."),
    ],
    Kind.TASK: [
        pgettext_lazy("demo task result", "Done."),
        pgettext_lazy("demo task result", "Done; the client knows."),
    ],
}
KIND_WEIGHTS = {Kind.CALL: 35, Kind.TASK: 25, Kind.EMAIL: 20, Kind.MEETING: 20}
DURATIONS = {Kind.CALL: (15,), Kind.MEETING: (60, 60, 90), Kind.EMAIL: (15,), Kind.TASK: (30, 30, 60)}
PRIORITY_WEIGHTS = {Priority.NORMAL: 75, Priority.HIGH: 18, Priority.LOW: 7}
EMPLOYEE_WEIGHTS = {"manager": 3, "sales": 5, "marketing": 1, "service": 2}


@dataclass(frozen=True)
class Series:
    """A recurring task of the demo: whose it is, when it started and how it repeats."""

    role: str  # whose it is: the first employee of this role (see DemoPlanner.first)
    team: bool  # the owner's department colleagues are co-assignees
    kind: str
    title: object
    repeat: Repeat
    start: time
    weeks_back: int  # the series started this many weeks before today
    duration: int
    reminders: tuple[int, ...]


SERIES = [
    Series(
        "manager",
        True,
        Kind.MEETING,
        pgettext_lazy("demo task", "Weekly sales team meeting"),
        Repeat("WEEKLY", weekdays=("MO",)),
        time(9, 0),
        8,
        60,
        (15,),
    ),
    Series(
        "key_accounts_head",
        True,
        Kind.MEETING,
        pgettext_lazy("demo task", "Key accounts review"),
        Repeat("WEEKLY", weekdays=("WE",)),
        time(10, 0),
        6,
        45,
        (60, 15),
    ),
    Series(
        "manager",
        False,
        Kind.TASK,
        pgettext_lazy("demo task", "Monthly sales report"),
        Repeat("MONTHLY"),
        time(10, 0),
        16,
        60,
        (60,),
    ),
    Series(
        "service",
        False,
        Kind.TASK,
        pgettext_lazy("demo task", "Review the week's service requests"),
        Repeat("WEEKLY", weekdays=("FR",)),
        time(15, 0),
        5,
        30,
        (15,),
    ),
]
SKIPPED_WEEKS = {0: 2}  # series index → the occurrence (counting back from the last past one) that was skipped
SERIES_RESULT = pgettext_lazy("demo task result", "Done.")


@dataclass(frozen=True)
class CallActivity:
    """A "call" entry of the demo's timeline, and whether they were reached (else: "no answer, left a message")."""

    entry: TimelineEntry
    reached: bool


def next_reminder(due_at: datetime, reminders, now: datetime) -> datetime | None:
    """When the first reminder of an open occurrence fires, as the planner sets it.

    The earliest `due_at - minutes` still ahead; `now` when they have all passed but the
    occurrence is still ahead (it fires at the next tick); None without reminders or once it passed.
    """
    ahead = [due_at - timedelta(minutes=minutes) for minutes in reminders]
    ahead = [moment for moment in ahead if moment >= now]
    if ahead:
        return min(ahead)
    return now if reminders and due_at > now else None


def call_url(pk: int) -> str:
    """The call's page, as the calls service links it (empty while the call screens are not installed)."""
    try:
        return reverse("calls:call_detail", args=[pk])
    except NoReverseMatch:
        return ""


@dataclass
class DemoPlanner:
    """Plans the tasks, calls and targets from the demo's generator, then saves them; see the module docstring."""

    rng: random.Random
    now: datetime
    zone: ZoneInfo  # the demo's main time zone: the month of the targets
    domain: str  # the demo company's mail domain, for the phone system's address
    employees: list[Employee]
    companies: list[Client]
    phones: list[Phone]
    deals: list[Deal]
    calls_made: list[CallActivity]  # the timeline's call activities
    tasks: list[Task] = field(default_factory=list)
    shared: list[tuple[Task, Employee]] = field(default_factory=list)  # co-assignees
    calls: list[Call] = field(default_factory=list)
    through_pbx: list[Call] = field(default_factory=list)
    call_entries: list[tuple[TimelineEntry, Call]] = field(default_factory=list)  # linked once calls have ids
    targets: list[Target] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)  # today's calls
    numbers_of: dict[int, list[str]] = field(default_factory=dict)  # id(company) → its voice numbers (E.164)
    companies_of: dict[int, list[Client]] = field(default_factory=dict)  # employee's id() → the companies they own
    deals_of: dict[int, list[Deal]] = field(default_factory=dict)  # id(company) → its deals

    def __post_init__(self):
        for phone in self.phones:
            if phone.kind != Phone.Kind.FAX and (phone.e164 or phone.digits):
                # As the calls keep a number: E.164 when it parses, else its digits.
                self.numbers_of.setdefault(id(phone.client), []).append(phone.e164 or phone.digits)
        for company in self.companies:
            self.companies_of.setdefault(id(company.owner), []).append(company)
        for deal in self.deals:
            self.deals_of.setdefault(id(deal.client), []).append(deal)

    # --- who ----------------------------------------------------------------------

    def role_of(self, employee: Employee) -> str:
        return employee.role.key if employee.role else ""

    @property
    def sellers(self) -> list[Employee]:
        return [employee for employee in self.employees if self.role_of(employee) in SELLER_ROLES]

    def first(self, role: str) -> Employee:
        """The first employee of a role; "key_accounts_head": the first seller outside the manager's department."""
        if role == "key_accounts_head":
            manager = self.first("manager")
            return next(
                employee
                for employee in self.employees
                if self.role_of(employee) == "sales" and employee.department is not manager.department
            )
        return next(employee for employee in self.employees if self.role_of(employee) == role)

    def colleagues(self, employee: Employee) -> list[Employee]:
        return [other for other in self.employees if other.department is employee.department and other is not employee]

    # --- time ---------------------------------------------------------------------

    def today(self, employee: Employee) -> date:
        return self.now.astimezone(recurrence.zone_of(employee)).date()

    def at(self, day: date, employee: Employee, earliest: int = 9, latest: int = 17) -> datetime:
        """A quarter hour of office time on `day` where the employee is, in UTC."""
        moment = time(self.rng.randint(earliest, latest), self.rng.choice((0, 15, 30, 45)))
        return datetime.combine(day, moment, recurrence.zone_of(employee)).astimezone(UTC)

    def working_day(self, employee: Employee) -> date:
        """A working day within 30 days of today, today excepted (today's tasks are planned apart)."""
        today = self.today(employee)
        while True:
            day = today + timedelta(days=self.rng.randint(-DAYS_AROUND, DAYS_AROUND))
            if day != today and day.weekday() < 5:
                return day

    # --- planning -----------------------------------------------------------------

    def plan(self) -> None:
        self._targets()
        for activity in self.calls_made:
            self._logged_call(activity)
        self._series()
        for seller in self.sellers:
            self._calls_today(seller)
        for employee in self.employees:
            self._tasks_today(employee)
        weights = [EMPLOYEE_WEIGHTS.get(self.role_of(employee), 1) for employee in self.employees]
        while len(self.tasks) < TASKS:
            employee = self.rng.choices(self.employees, weights)[0]
            self._task(employee, self.working_day(employee))

    def _targets(self) -> None:
        """This month's target of each seller, set by the manager of their department (else the head of sales)."""
        month = self.now.astimezone(self.zone).date().replace(day=1)
        base = base_currency()
        deal_size = DEAL_SIZE.get(base.code, DEAL_SIZE["EUR"])
        managers = [employee for employee in self.employees if self.role_of(employee) == "manager"]
        for employee in self.employees:
            if self.role_of(employee) not in TARGET_ROLES:
                continue
            deals = self.rng.randint(2, 5)
            amount = Decimal(int(round(deals * deal_size * self.rng.uniform(0.8, 1.3), -3)))
            own = [manager for manager in managers if manager.department is employee.department]
            set_by = (own or managers or [None])[0]
            self.targets.append(Target(employee=employee, month=month, deals=deals, amount=amount, set_by=set_by))

    def _task(
        self,
        employee: Employee,
        day: date,
        *,
        earliest: int = 9,
        latest: int = 17,
        kind: str | None = None,
    ) -> Task:
        """One task of the employee on `day`: about one of their clients when they own some."""
        kinds, kind_weights = zip(*KIND_WEIGHTS.items(), strict=True)
        kind = kind or self.rng.choices(kinds, kind_weights)[0]
        companies = self.companies_of.get(id(employee), [])
        client = self.rng.choice(companies) if companies and self.rng.random() < 0.85 else None
        all_day = client is None and self.rng.random() < 0.15
        if all_day:
            title, kind = self.rng.choice(ALL_DAY_TITLES), Kind.TASK
            due_at = datetime.combine(day, time(0, 0), recurrence.zone_of(employee)).astimezone(UTC)
        else:
            title = self.rng.choice(CLIENT_TITLES[kind] if client else OWN_TITLES)
            kind = kind if client else Kind.TASK
            due_at = self.at(day, employee, earliest, latest)
        deals = [deal for deal in self.deals_of.get(id(client), []) if due_at < self.now or not deal.stage.is_closed]
        priorities, priority_weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)
        task = Task(
            kind=kind,
            title=str(title),
            client=client,
            deal=self.rng.choice(deals) if deals and self.rng.random() < 0.4 else None,
            assignee=employee,
            author=employee,
            due_at=due_at,
            all_day=all_day,
            duration=24 * 60 if all_day else self.rng.choice(DURATIONS[kind]),
            priority=self.rng.choices(priorities, priority_weights)[0],
        )
        planned = min(due_at, self.now) - timedelta(days=self.rng.randint(1, 14), minutes=self.rng.randint(0, 480))
        task.created_at = planned
        if kind == Kind.MEETING and self.rng.random() < 0.3:
            colleagues = self.colleagues(employee)
            if colleagues:
                self.shared.append((task, self.rng.choice(colleagues)))
        self._settle(task)
        return task

    def _settle(self, task: Task, *, done: float = 0.6, cancelled: float = 0.12) -> None:
        """Status, result, reminders and the derived columns, from where the task lies against `now`."""
        zone = recurrence.zone_of(task.assignee)
        task.overdue_at = recurrence.overdue_at(task.due_at, task.all_day, zone)
        if task.due_at < self.now:
            draw = self.rng.random()
            if draw < done:
                task.status = Status.DONE
                task.result = str(self.rng.choice(RESULTS[task.kind]))
                task.done_at = min(task.due_at + timedelta(minutes=self.rng.randint(0, 180)), self.now)
            elif draw < done + cancelled:
                task.status = Status.CANCELLED
            elif task.overdue_at < self.now:
                task.overdue_notified_at = task.overdue_at + timedelta(seconds=self.rng.randint(5, 60))
        elif not task.all_day and (task.kind != Kind.EMAIL or self.rng.random() < 0.3):
            task.reminders = task.reminders or self.rng.choice(([15], [15], [60, 15]))
        if task.status == Status.OPEN:
            task.next_reminder_at = next_reminder(task.due_at, task.reminders, self.now)
        self.tasks.append(task)

    def _tasks_today(self, employee: Employee) -> None:
        """2–5 tasks today (the callbacks of this morning's missed calls count): the morning's mostly done."""
        today = self.today(employee)
        planned = sum(1 for task in self.tasks if task.assignee is employee and self.today(employee) == self.day(task))
        for _index in range(max(0, self.rng.randint(2, 5) - planned)):
            task = self._task(employee, today, earliest=9, latest=17)
            morning = task.due_at.astimezone(recurrence.zone_of(employee)).hour < 11
            if task.status == Status.OPEN and morning and not task.all_day:
                task.status, task.done_at = Status.DONE, task.due_at + timedelta(minutes=self.rng.randint(5, 40))
                task.result, task.next_reminder_at = str(self.rng.choice(RESULTS[task.kind])), None

    def day(self, task: Task) -> date:
        return task.due_at.astimezone(recurrence.zone_of(task.assignee)).date()

    # --- series -------------------------------------------------------------------

    def _series(self) -> None:
        """The recurring tasks, each with a done copy of its past occurrences."""
        for index, plan in enumerate(SERIES):
            owner = self.first(plan.role)
            zone = recurrence.zone_of(owner)
            today = self.today(owner)
            monday = today - timedelta(days=today.weekday()) - timedelta(weeks=plan.weeks_back)
            first_day = monday.replace(day=1) if plan.repeat.frequency == "MONTHLY" else monday
            rule = recurrence.rule_text(plan.repeat, zone)
            start = datetime.combine(first_day, plan.start, zone).astimezone(UTC)
            series = Task(
                kind=plan.kind,
                title=str(plan.title),
                assignee=owner,
                author=owner,
                rrule=rule,
                series_start=start,
                due_at=start,
                duration=plan.duration,
                created_at=start - timedelta(days=self.rng.randint(1, 5)),
            )
            rule_of = recurrence.parse(rule, start, zone)
            past = [moment.astimezone(UTC) for moment in rule_of.between(start, self.now, inc=True)]
            skipped = []
            if index in SKIPPED_WEEKS and len(past) > SKIPPED_WEEKS[index]:
                skipped = [past[-1 - SKIPPED_WEEKS[index]]]
            series.skipped = [moment.isoformat() for moment in skipped]
            following = recurrence.next_occurrence(series, self.now)
            assert following is not None  # the demo's rules have no end
            series.due_at = following
            series.reminders = list(plan.reminders)
            co = self.colleagues(owner) if plan.team else []
            self.shared.extend((series, colleague) for colleague in co)
            self._settle(series)
            for moment in past:
                if moment in skipped:
                    continue
                copy = Task(
                    kind=series.kind,
                    title=series.title,
                    assignee=owner,
                    author=owner,
                    due_at=moment,
                    duration=series.duration,
                    series=series,
                    status=Status.DONE,
                    result=str(SERIES_RESULT),
                    done_at=moment + timedelta(minutes=series.duration + self.rng.randint(0, 30)),
                    overdue_at=recurrence.overdue_at(moment, False, zone),
                    created_at=moment + timedelta(minutes=series.duration),
                )
                self.tasks.append(copy)
                self.shared.extend((copy, colleague) for colleague in co)

    # --- calls --------------------------------------------------------------------

    def _call(self, employee: Employee, company: Client, started: datetime, direction: str, status: str) -> Call:
        """A call with the company on one of its numbers, at the employee's extension; its times follow its status."""
        number = self.rng.choice(self.numbers_of[id(company)])
        extension = employee.phone_extension
        incoming = direction == Direction.INCOMING
        call = Call(
            direction=direction,
            from_number=number if incoming else extension,
            to_number=extension if incoming else number,
            number=number,
            client=company,
            employee=employee,
            extension=extension,
            started_at=started,
            status=status,
            created_at=started,
        )
        if status == CallStatus.ANSWERED:
            call.answered_at = started + timedelta(seconds=self.rng.randint(3, 25))
            call.duration = int(self.rng.lognormvariate(5.2, 0.8)) + 20  # most calls take 1 to 6 minutes
            call.ended_at = call.answered_at + timedelta(seconds=call.duration)
        elif status == CallStatus.BUSY:
            call.ended_at, call.hangup_cause = started + timedelta(seconds=self.rng.randint(2, 8)), "busy"
        else:
            call.ended_at, call.hangup_cause = started + timedelta(seconds=self.rng.randint(20, 45)), "no_answer"
        call.logged_at = call.ended_at
        if self.now - timedelta(days=PBX_DAYS) < started and self.rng.random() < 0.1:
            self.through_pbx.append(call)
            call.external_id = f"{int(started.timestamp())}.{len(self.through_pbx)}"  # as Asterisk numbers calls
            if status == CallStatus.ANSWERED:
                call.recording_url = f"https://pbx.{self.domain}/recordings/{call.external_id}.mp3"
        if incoming and status != CallStatus.ANSWERED:
            call.callback_task = self._callback(call)
        self.calls.append(call)
        return call

    def _callback(self, call: Call) -> Task:
        """The task the calls service plans for a missed incoming call: called back within hours, or still open."""
        employee = call.employee
        assert employee is not None and call.client is not None
        local = call.started_at.astimezone(recurrence.zone_of(employee))
        task = Task(
            kind=Kind.CALL,
            title=(_("Call back %(name)s") % {"name": call.client.name})[:200],
            description=_("Missed call from %(number)s at %(time)s.")
            % {"number": call.from_number, "time": local.strftime("%H:%M")},
            client=call.client,
            assignee=employee,
            author=None,
            due_at=call.started_at,
            duration=15,
            reminders=[0],
            created_at=call.started_at,
        )
        self._settle(task, done=0.0 if call.started_at > self.now - timedelta(days=2) else 0.9, cancelled=0.0)
        return task

    def _logged_call(self, activity: CallActivity) -> None:
        """The call behind a "call" timeline entry; a missed or busy one gets the summary the calls service writes."""
        entry = activity.entry
        employee, company = entry.actor, entry.client
        assert employee is not None
        if not activity.reached:
            call = self._call(employee, company, entry.at, Direction.OUTGOING, CallStatus.MISSED)
        else:
            draw = self.rng.random()
            if draw < 0.08:
                call = self._call(employee, company, entry.at, Direction.INCOMING, CallStatus.MISSED)
            elif draw < 0.13:
                call = self._call(employee, company, entry.at, Direction.OUTGOING, CallStatus.BUSY)
            else:
                direction = Direction.INCOMING if self.rng.random() < 0.4 else Direction.OUTGOING
                call = self._call(employee, company, entry.at, direction, CallStatus.ANSWERED)
                call.result = entry.summary[:300]
            if call.status != CallStatus.ANSWERED:
                entry.summary = call_summary(call)
        self.call_entries.append((entry, call))

    def _calls_today(self, seller: Employee) -> None:
        """2–5 calls this morning with the seller's clients: at most one missed incoming call, a few not answered."""
        companies = self.companies_of.get(id(seller), [])
        if not companies:
            return
        today = self.today(seller)
        moments = sorted(self.at(today, seller, 9, 11) for _index in range(self.rng.randint(2, 5)))
        missed = False
        for started in moments:
            started += timedelta(minutes=self.rng.randint(0, 14))
            company = self.rng.choice(companies)
            direction = Direction.INCOMING if self.rng.random() < 0.45 else Direction.OUTGOING
            draw = self.rng.random()
            status = CallStatus.ANSWERED
            if draw < 0.15 and not (missed and direction == Direction.INCOMING):
                status = CallStatus.MISSED
                missed = missed or direction == Direction.INCOMING
            elif draw < 0.22 and direction == Direction.OUTGOING:
                status = CallStatus.BUSY
            call = self._call(seller, company, started, direction, status)
            entry = TimelineEntry(client=company, at=started, kind="call", summary=call_summary(call), actor=seller)
            self.timeline.append(entry)
            self.call_entries.append((entry, call))

    # --- saving -------------------------------------------------------------------

    def save(self) -> None:
        """Write everything once employees, clients and deals have their ids; then link the call entries."""
        Target.objects.bulk_create(self.targets)
        series = [task for task in self.tasks if task.rrule]
        Task.objects.bulk_create(series)  # the done copies point to them: saved first, they give them their id
        Task.objects.bulk_create([task for task in self.tasks if not task.rrule], batch_size=BATCH_SIZE)
        # auto_now stamped the real time: a task was last changed when it was done, else when it was planned.
        Task.objects.filter(pk__in=[task.pk for task in self.tasks]).update(
            updated_at=Coalesce(F("done_at"), F("created_at"))
        )
        Task.co_assignees.through.objects.bulk_create(
            [Task.co_assignees.through(task_id=task.pk, employee_id=employee.pk) for task, employee in self.shared],
            batch_size=BATCH_SIZE,
        )
        if self.through_pbx:
            pbx = self._pbx()
            for call in self.through_pbx:
                call.connection = pbx
        Call.objects.bulk_create(self.calls, batch_size=BATCH_SIZE)
        Call.objects.filter(pk__in=[call.pk for call in self.calls]).update(updated_at=F("ended_at"))
        for entry, call in self.call_entries:
            entry.link, entry.record_id = call_url(call.pk), call.pk

    def _pbx(self) -> Connection:
        """The demo's phone system: inactive, with neither secret nor password, so nothing can speak for it."""
        pbx, _created = Connection.objects.get_or_create(
            key=PBX_KEY,
            defaults={
                "name": _("Demo phone system"),
                "kind": Connection.Kind.AMI,
                "secret": "",
                "ami_host": f"pbx.{self.domain}",
                "active": False,
                "created_at": self.now - timedelta(days=PBX_DAYS),
            },
        )
        return pbx
