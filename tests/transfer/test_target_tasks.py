"""The tasks import target: rows become tasks (all-day or at a time in the company's zone), done or to do;
duplicates by old id; rights; undo."""

from datetime import UTC, date, datetime

import pytest
from django.db import transaction

from carte.clients.models import TimelineEntry
from carte.core.errors import Invalid
from carte.planner.models import Task
from carte.planner.services import tasks as task_services
from carte.transfer.models import SourceKey
from carte.transfer.targets import target
from carte.transfer.targets import tasks as tasks_target
from carte.transfer.targets.base import Context, Options, Row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def context_for(actor, *, dry=False, **options) -> Context:
    return Context(actor=actor, options=Options(**options), target_key="tasks", dry=dry)


def row(number, **values) -> Row:
    return Row(number, {key: [value] for key, value in values.items()})


def check(actor, rows, **options):
    return target("tasks").check(context_for(actor, dry=True, **options), rows)


def save(actor, rows, **options):
    with transaction.atomic():  # the batch's transaction, as the import's run opens it
        return target("tasks").save(context_for(actor, **options), rows)


def test_check_says_what_each_row_would_become_and_writes_nothing(alice, alices_client):
    outcomes = check(
        alice,
        [
            row(2, title="Call back", due="31/12/2030 10:00", kind="Appel", priority="Haute", client="Alice's Bakery"),
            row(3, title="No date"),
            row(4, title="Visit", due="2030-01-10", assignee="nobody@example.com", done="maybe", kind="Lunch"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["created", "failed", "failed"]
    shown = outcomes[0].shown
    assert (shown["Kind"], shown["Priority"], shown["Due"], shown["Client"]) == (
        "Call",
        "High",
        "2030-12-31 10:00",
        "Alice's Bakery",
    )
    assert outcomes[1].message == "Due: Give the date and time."
    message = outcomes[2].message
    assert "Assignee: No active employee “nobody@example.com”" in message
    assert "Done: " in message and "maybe" in message and "Kind: “Lunch” is not one of: " in message
    assert not Task.objects.exists()


def test_save_plans_tasks_at_a_time_in_the_company_zone_or_for_a_whole_day(mia, bob, alices_client):
    outcomes = save(
        mia,
        [
            row(2, title="Call back", due="15/01/2030 10:00", kind="call", assignee="bob", client="Alice's Bakery"),
            row(3, title="Send the quote", due="16.01.2030", description="With the\nnew prices", priority="low"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["created", "created"], [o.message for o in outcomes]
    call = Task.objects.get(pk=outcomes[0].object_id)
    assert call.due_at == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert (call.kind, call.assignee, call.client, call.all_day) == ("call", bob, alices_client, False)
    assert outcomes[0].stamp == call.updated_at.isoformat()
    quote = Task.objects.get(pk=outcomes[1].object_id)
    assert quote.all_day and quote.day == date(2030, 1, 16) and quote.assignee == mia
    assert (quote.priority, quote.description) == ("low", "With the\nnew prices")


def test_a_task_marked_done_is_completed_and_reaches_the_timeline(alice, alices_client):
    outcome = save(alice, [row(2, title="Visit", due="2024-03-01", client="Alice's Bakery", done="oui")])[0]
    task = Task.objects.get(pk=outcome.object_id)
    assert task.status == "done" and task.done_at is not None
    assert TimelineEntry.objects.filter(client=alices_client, summary__startswith="Task done: Visit").exists()
    assert outcome.stamp == task.updated_at.isoformat()


def test_a_row_that_fails_half_way_leaves_nothing(alice, monkeypatch):
    def refuse(**kwargs):
        raise Invalid(errors={"result": ["Refused by the test."]})

    monkeypatch.setattr(tasks_target, "complete_task", refuse)
    outcomes = save(alice, [row(2, title="Visit", due="2030-03-01"), row(3, title="Call", due="2030-03-01", done="1")])
    assert [o.outcome for o in outcomes] == ["created", "failed"]
    assert outcomes[1].message == "Refused by the test."
    assert list(Task.objects.values_list("title", flat=True)) == ["Visit"]


def test_a_seller_plans_only_for_herself_and_about_clients_she_sees(alice, bob, charlies_client):
    outcomes = save(
        alice,
        [
            row(2, title="For Bob", due="2030-03-01", assignee="bob@example.com"),
            row(3, title="Garage", due="2030-03-01", client="Charlie's Garage"),
            row(4, title="Mine", due="2030-03-01", assignee="Alice Seller"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["failed", "failed", "created"]
    assert outcomes[0].message == "You cannot plan tasks for Bob Seller."
    assert outcomes[1].message.startswith("Client: No client “Charlie's Garage”")
    assert list(Task.objects.values_list("title", flat=True)) == ["Mine"]


def test_duplicates_by_old_id_are_skipped_updated_or_created_anyway(alice):
    first = save(alice, [row(2, external_id="T-1", title="Call", due="2030-03-01 09:30")])[0]
    again = [row(2, external_id="T-1", title="Call the baker", priority="high")]
    skipped = save(alice, again)[0]
    assert skipped.outcome == "skipped" and skipped.object_id == first.object_id
    updated = save(alice, again, duplicates="update")[0]
    task = Task.objects.get(pk=first.object_id)
    assert updated.outcome == "updated" and (task.title, task.priority, task.all_day) == (
        "Call the baker",
        "high",
        False,
    )
    assert updated.before["title"] == "Call" and updated.stamp == task.updated_at.isoformat()
    created = save(alice, [row(2, external_id="T-1", title="Call", due="2030-03-02")], duplicates="create")[0]
    assert created.outcome == "created" and Task.objects.count() == 2
    assert SourceKey.objects.get(target="tasks", key="T-1").object_id == first.object_id


def test_a_done_task_is_not_changed_by_an_import(alice):
    first = save(alice, [row(2, external_id="T-1", title="Call", due="2024-03-01", done="yes")])[0]
    outcome = save(alice, [row(2, external_id="T-1", title="Call again")], duplicates="update")[0]
    assert outcome.outcome == "failed" and outcome.message == "This task is already done."
    assert Task.objects.get(pk=first.object_id).title == "Call"


def test_undo_deletes_created_tasks_and_reopens_and_restores_updated_ones(alice):
    old = save(alice, [row(2, external_id="T-1", title="Call", due="2030-03-01 09:30")])[0]
    outcomes = save(
        alice,
        [
            row(2, external_id="T-1", title="Call the baker", due="2030-03-05", done="yes"),
            row(3, external_id="T-2", title="Visit", due="2030-03-06"),
        ],
        duplicates="update",
    )
    updated, created = outcomes
    chosen = target("tasks")
    assert Task.objects.get(pk=old.object_id).status == "done"
    assert chosen.moved([(updated.object_id, updated.stamp), (created.object_id, created.stamp)]) == set()
    chosen.undo(alice, [created.object_id], [(updated.object_id, updated.before)])
    assert not Task.objects.filter(pk=created.object_id).exists()
    assert not SourceKey.objects.filter(target="tasks", key="T-2").exists()
    task = Task.objects.get(pk=old.object_id)
    assert (task.title, task.status, task.done_at, task.all_day) == ("Call", "open", None, False)
    assert task.due_at == datetime(2030, 3, 1, 8, 30, tzinfo=UTC)


def test_tasks_changed_since_the_import_are_moved(alice):
    outcome = save(alice, [row(2, title="Call", due="2030-03-01")])[0]
    task = Task.objects.get(pk=outcome.object_id)
    task_services.update_task(actor=alice, task=task, title="Call twice")
    assert target("tasks").moved([(task.pk, outcome.stamp), (999_999, "x")]) == {task.pk, 999_999}


def test_exports_write_what_an_import_reads_back(alice, alices_client):
    outcome = save(
        alice, [row(2, title="Call", due="2030-03-01 09:30", kind="call", client="Alice's Bakery", done="no")]
    )[0]
    chosen = target("tasks")
    task = Task.objects.select_related(*chosen.select_related).get(pk=outcome.object_id)
    texts = {field.key: field.text(task) for field in chosen.export_fields()}
    assert texts == {
        "title": "Call",
        "description": "",
        "kind": "Call",
        "priority": "Normal",
        "due": "2030-03-01 09:30",
        "assignee": "Alice Seller",
        "client": "Alice's Bakery",
        "done": "no",
    }
    back = check(alice, [Row(2, {key: [text] for key, text in texts.items() if text})])[0]
    assert back.outcome == "created" and back.shown["Due"] == "2030-03-01 09:30", back.message
