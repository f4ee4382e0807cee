"""A small world of activity for the adoption tests: audit entries, tasks, calls and stage moves at given times."""

from datetime import UTC, datetime, timedelta

from carte.calls.models import Call
from carte.clients.models import Email, Phone, TimelineEntry
from carte.core.models import AuditEntry
from carte.planner.models import Task
from carte.planner.recurrence import overdue_at
from carte.sales.models import StageChange
from carte.sales.testing import DealFactory, pipeline, stage


def at(text: str) -> datetime:
    """A UTC moment from "2026-03-09 23:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def audited(person, verb: str, moment: datetime, model: str = "clients.client") -> AuditEntry:
    return AuditEntry.objects.create(
        actor=person, actor_name=str(person) if person else "", verb=verb, model=model, object_id="1", at=moment
    )


def login(person, moment: datetime) -> AuditEntry:
    return audited(person, AuditEntry.Verb.LOGIN, moment, model="accounts.employee")


def task_done(person, due: datetime, done: datetime, *, all_day: bool = False, client=None) -> Task:
    return Task.objects.create(
        title="Call back",
        assignee=person,
        client=client,
        due_at=due,
        all_day=all_day,
        status=Task.Status.DONE,
        done_at=done,
        overdue_at=overdue_at(due, all_day, UTC),
    )


def task_open(person, due: datetime, client=None) -> Task:
    return Task.objects.create(title="Send the quote", assignee=person, client=client, due_at=due, overdue_at=due)


def call(person, moment: datetime) -> Call:
    return Call.objects.create(
        direction=Call.Direction.OUTGOING, employee=person, started_at=moment, status=Call.Status.ANSWERED
    )


def moved(person, moment: datetime, *, created: bool = False) -> StageChange:
    """A stage move by `person`; `created`: the first stage a new deal gets (no move)."""
    sales = pipeline()
    deal = DealFactory(owner=person, pipeline=sales, stage=stage("Qualified", sales))
    first = None if created else stage("New", sales)
    return StageChange.objects.create(deal=deal, from_stage=first, to_stage=deal.stage, at=moment, actor=person)


def complete_card(client, now: datetime) -> None:
    """Give a card all four: a phone, a task planned after `now`, a timeline entry the day before."""
    Phone.objects.create(client=client, number="+33 1 42 68 53 00")
    task_open(client.owner, now + timedelta(days=3), client=client)
    TimelineEntry.objects.create(client=client, at=now - timedelta(days=1), kind="note", summary="Met them")


def email(client) -> Email:
    return Email.objects.create(client=client, address="hello@example.com")
