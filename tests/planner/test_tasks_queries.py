"""Reading tasks: who sees what, the list's filters, a series as people read it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.planner.queries.tasks import (
    TaskCriteria,
    assignable_employees,
    get_task_for,
    read_criteria,
    repeat_of,
    series_text,
    tasks_for,
    tasks_visible_to,
    when_text,
)
from carte.planner.recurrence import Repeat
from carte.planner.services import create_task
from tests.planner.conftest import plan

pytestmark = pytest.mark.django_db


def test_a_co_assignee_sees_the_task_as_their_own(mia, alice, bob):
    task = plan(mia, assignee=alice, co_assignees=[bob])
    assert list(tasks_visible_to(bob)) == [task]
    assert list(tasks_for(bob, TaskCriteria(assignee="me"))) == [task]


def test_hidden_tasks_are_not_found_and_read_only_ones_not_editable(bob, rita, alices_task):
    with pytest.raises(NotFound):
        get_task_for(bob, alices_task.pk)
    assert get_task_for(rita, alices_task.pk) == alices_task
    with pytest.raises(NotAllowed):
        get_task_for(rita, alices_task.pk, "edit")


def test_a_manager_lists_her_departments_tasks(mia, alice, charlie):
    mine = plan(mia, assignee=alice)
    plan(charlie)
    assert list(tasks_for(mia, TaskCriteria(assignee="department"))) == [mine]


def test_whom_one_may_plan_for(mia, alice, bob, charlie, ada):
    assert list(assignable_employees(alice)) == [alice]
    assert set(assignable_employees(mia)) == {mia, alice, bob}
    assert charlie in assignable_employees(ada)


def test_bad_filters_are_refused_with_a_message(alice):
    with pytest.raises(Invalid) as refused:
        read_criteria({"status": "lost", "period": "soon"}, alice)
    assert {"status", "period"} <= set(refused.value.errors)


def test_a_series_reads_as_words(alice):
    task = plan(
        alice,
        due_at=datetime(2030, 1, 7, 9, 0, tzinfo=UTC),
        repeat=Repeat("WEEKLY", interval=2, weekdays=("MO", "WE"), until=date(2030, 6, 30)),
    )
    assert repeat_of(task) == Repeat("WEEKLY", 2, ("MO", "WE"), date(2030, 6, 30), None)
    assert series_text(task).startswith("Repeats every 2 weeks on Mon, Wed until")


def test_an_all_day_task_shows_its_assignees_date_to_a_reader_elsewhere(alice):
    alice.time_zone = "Europe/Paris"
    alice.save(update_fields=["time_zone"])
    task = create_task(actor=alice, title="Trade fair", due_at=date(2026, 12, 1), all_day=True)
    assert task.due_at == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert when_text(task, ZoneInfo("America/New_York")) == when_text(task, ZoneInfo("Europe/Paris"))
    assert task.day == date(2026, 12, 1)
