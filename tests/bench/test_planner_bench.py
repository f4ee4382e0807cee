"""The planner's part of the benchmark: the busy week, the week calendar scenario and the phone checks."""

import random
from datetime import date

import pytest

from bench import generate, phones, runner, sample, scenarios
from bench.steps.planner import SAMPLE_WEEK
from carte.accounts.models import Employee
from carte.planner.models import Task
from carte.planner.queries.calendar import occurrences_between
from carte.planner.views.calendar import Period

TINY = generate.SIZES["tiny"]


@pytest.fixture
def built(db):
    return generate.build(TINY, seed=3)


def test_the_first_department_gets_extensions_and_its_busy_week(built):
    info = built.info
    assert len(info["extensions"]) == 10
    assert Employee.objects.filter(phone_extension="101").count() == 1
    drawn = sample.draw(info, count=3)
    zone = drawn.manager_zone
    period = Period("week", SAMPLE_WEEK, SAMPLE_WEEK, 7)
    start, end = period.window(zone)
    found = occurrences_between(drawn.manager, start, end, department_id=info["calendar"]["department"])
    assert len(found) == TINY.week_tasks
    assert Task.objects.count() == TINY.tasks + TINY.week_tasks - 12 + 4
    assert Task.objects.exclude(rrule="").count() == 4
    assert Task.co_assignees.through.objects.exists()


def test_overdue_times_are_filled_as_the_services_fill_them(built):
    for task in Task.objects.select_related("assignee"):
        if not task.all_day:
            assert task.overdue_at == task.due_at
        else:
            assert task.overdue_at > task.due_at
        assert (task.done_at is not None) == (task.status == Task.Status.DONE)


def test_the_week_calendar_answers_for_the_busy_and_the_empty_week(built):
    drawn = sample.draw(built.info, count=6)
    browsers = runner.browsers(drawn)
    scenario = scenarios.selected(["week-calendar"])[0]
    result = runner.measure(scenario, drawn, browsers[scenario.browser], database="test", requests=3, warmup=1)
    assert result.queries_small == result.queries_large
    assert result.raw_sql_median_ms > 0
    assert date.fromisoformat(drawn.calendar_weeks[0]) == SAMPLE_WEEK


def test_the_planned_phone_events_end_with_the_statuses_the_ingestion_check_expects(db, people):
    """The webhook check's calls, applied in its interleaved, partly shuffled and repeated order,
    give the statuses it verifies (the check itself needs a real server: `make bench`)."""
    from carte.calls.models import Connection
    from carte.calls.services.batches import receive_events

    people["alice"].phone_extension = "101"
    people["alice"].save()
    rng = random.Random(2)
    planned = phones.plan_calls(40, ["101", "102"], ["+33612345678"], rng, "t")
    stream, repeats = phones._stream(planned, rng, repeat_share=0.1, disorder_share=0.3)
    assert len(stream) == sum(len(call.events) for call in planned) + repeats
    pbx = Connection.objects.create(name="PBX", key=phones.KEY, secret="s")
    for start in range(0, len(stream), 25):
        receive_events(connection=pbx, events=stream[start : start + 25])
    checked = phones._verify(pbx, planned, len(stream), repeats)
    assert checked["ok"], checked
