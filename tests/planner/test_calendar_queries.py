"""What the calendar shows: occurrences in a window, series expanded lazily, done and overdue
ones, all-day days, whose calendars a user may open, and a bounded number of queries."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carte.accounts.models import Department
from carte.core.errors import Invalid, NotAllowed
from carte.core.testing import EmployeeFactory
from carte.planner.queries.calendar import (
    calendar_departments,
    calendar_people,
    editable_task_ids,
    occurrences_between,
)
from carte.planner.recurrence import Repeat
from carte.planner.services import cancel_task, complete_task, create_task, reschedule_task

pytestmark = pytest.mark.django_db


def next_monday(hour: int = 9) -> datetime:
    """A Monday at `hour` UTC, at least a week ahead of the real clock (services compare with now)."""
    today = timezone.now().date() + timedelta(days=7)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=UTC)


def week_of(start: datetime) -> tuple[datetime, datetime]:
    first = start.replace(hour=0)
    return first, first + timedelta(days=7)


def plan(actor, title="Call back", **more):
    return create_task(actor=actor, title=title, **({"due_at": next_monday()} | more))


def titles(occurrences) -> list[str]:
    return [item.task.title for item in occurrences]


# Single tasks, series, done and cancelled ones


def test_a_task_shows_in_the_window_of_its_time_only(alice):
    plan(alice, "Send the quote", duration=45)
    start, end = week_of(next_monday())
    [found] = occurrences_between(alice, start, end)
    assert (found.task.title, found.start, found.end) == (
        "Send the quote",
        next_monday(),
        next_monday(hour=9) + timedelta(minutes=45),
    )
    assert (found.all_day, found.overdue, found.done, found.recurring, found.occurrence_key) == (
        False,
        False,
        False,
        False,
        "",
    )
    assert occurrences_between(alice, end, end + timedelta(days=7)) == []


def test_a_weekly_series_is_expanded_for_the_window_only(alice):
    plan(alice, "Team meeting", repeat=Repeat("WEEKLY", weekdays=("MO", "TH")))
    start = next_monday().replace(hour=0)
    found = occurrences_between(alice, start, start + timedelta(days=28))
    assert len(found) == 8
    assert all(item.recurring for item in found)
    assert found[0].occurrence_key == next_monday().isoformat()
    assert [item.start.weekday() for item in found[:2]] == [0, 3]


def test_an_endless_daily_series_costs_what_the_window_holds(alice):
    plan(alice, "Read the mail", repeat=Repeat("DAILY"))
    start = next_monday().replace(hour=0) + timedelta(days=400)
    found = occurrences_between(alice, start, start + timedelta(days=62))
    assert len(found) == 62


def test_an_occurrence_moved_alone_leaves_the_series_and_shows_at_its_new_time(alice):
    series = plan(alice, "Standup", repeat=Repeat("DAILY"))
    second = next_monday() + timedelta(days=1)
    moved = reschedule_task(actor=alice, task=series, due_at=second + timedelta(hours=5), occurrence=second)
    start, end = week_of(next_monday())
    found = occurrences_between(alice, start, end)
    assert second not in [item.start for item in found]
    single = [item for item in found if item.task.pk == moved.pk]
    assert [(item.start, item.recurring) for item in single] == [(second + timedelta(hours=5), False)]
    assert len(found) == 7


def test_done_tasks_stay_where_they_were_due_and_cancelled_ones_go(alice):
    done = plan(alice, "Done one")
    complete_task(actor=alice, task=done, result="Sent")
    cancel_task(actor=alice, task=plan(alice, "Called off"))
    start, end = week_of(next_monday())
    [found] = occurrences_between(alice, start, end)
    assert (found.task.title, found.done, found.overdue) == ("Done one", True, False)


def test_a_done_occurrence_of_a_series_shows_done_and_the_next_ones_open(alice):
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(days=2)
    series = create_task(actor=alice, title="Daily report", due_at=moment, repeat=Repeat("DAILY"))
    complete_task(actor=alice, task=series)
    found = occurrences_between(alice, moment - timedelta(hours=1), moment + timedelta(days=5))
    # The missed occurrence of yesterday is passed over: the series goes on from the next one after now.
    assert [(item.start, item.done, item.recurring) for item in found] == [
        (moment, True, False),
        (moment + timedelta(days=3), False, True),
        (moment + timedelta(days=4), False, True),
    ]


def test_an_open_occurrence_whose_time_passed_is_overdue(alice):
    late = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    create_task(actor=alice, title="Late call", due_at=late)
    [found] = occurrences_between(alice, late - timedelta(hours=1), late + timedelta(days=1))
    assert found.overdue


def test_an_all_day_task_shows_on_its_day_for_someone_in_another_time_zone(alice, mia):
    alice.time_zone = "Pacific/Auckland"
    alice.save()
    day = next_monday().date()
    create_task(actor=alice, title="Holiday", due_at=day, all_day=True)
    mia.time_zone = "America/New_York"  # more than a day behind Auckland
    mia.save()
    new_york = ZoneInfo("America/New_York")
    start = datetime.combine(day, datetime.min.time(), tzinfo=new_york)
    [found] = occurrences_between(mia, start, start + timedelta(days=1), employee_ids=[alice.pk])
    assert found.all_day and found.day_in(new_york) == day
    assert occurrences_between(mia, start + timedelta(days=1), start + timedelta(days=2), employee_ids=[alice.pk]) == []


# Whose calendar


def test_a_co_assignee_sees_a_shared_task_on_their_own_calendar(mia, alice, bob):
    plan(mia, "Visit together", assignee=alice, co_assignees=[bob])
    start, end = week_of(next_monday())
    assert titles(occurrences_between(bob, start, end)) == ["Visit together"]


def test_a_manager_sees_her_department_and_each_of_its_people(mia, alice, bob, charlie):
    plan(alice, "Alice's")
    plan(bob, "Bob's")
    plan(charlie, "Charlie's")
    north = Department.objects.get(name="North")
    start, end = week_of(next_monday())
    assert sorted(titles(occurrences_between(mia, start, end, department_id=north.pk))) == ["Alice's", "Bob's"]
    assert titles(occurrences_between(mia, start, end, employee_ids=[bob.pk])) == ["Bob's"]


def test_a_seller_cannot_open_a_department_or_a_colleague_calendar(alice, bob):
    plan(bob, "Bob's")
    start, end = week_of(next_monday())
    north = Department.objects.get(name="North")
    with pytest.raises(NotAllowed):
        occurrences_between(alice, start, end, department_id=north.pk)
    with pytest.raises(NotAllowed):
        occurrences_between(alice, start, end, employee_ids=[bob.pk])


def test_a_manager_cannot_open_another_department(mia, charlie):
    south = Department.objects.get(name="South")
    start, end = week_of(next_monday())
    with pytest.raises(NotAllowed):
        occurrences_between(mia, start, end, department_id=south.pk)
    with pytest.raises(NotAllowed):
        occurrences_between(mia, start, end, employee_ids=[charlie.pk])


def test_whose_calendar_follows_the_tasks_view_scope(ada, mia, alice, bob, charlie, rita):
    assert list(calendar_people(alice)) == [alice]
    assert set(calendar_people(mia)) == {mia, alice, bob}
    assert {charlie, ada} <= set(calendar_people(rita))
    assert [department.name for department in calendar_departments(mia)] == ["North"]
    assert list(calendar_departments(alice)) == []
    assert {department.name for department in calendar_departments(ada)} == {"North", "South"}


def test_only_tasks_the_user_may_edit_can_be_moved(mia, alice, rita):
    task = plan(alice)
    assert editable_task_ids(mia, [task.pk]) == {task.pk}
    assert editable_task_ids(rita, [task.pk]) == set()


# Bad windows


def test_a_window_longer_than_62_days_or_backwards_is_refused(alice):
    start = next_monday()
    with pytest.raises(Invalid) as refused:
        occurrences_between(alice, start, start + timedelta(days=63))
    assert "62" in str(refused.value.errors["end"][0])
    with pytest.raises(Invalid):
        occurrences_between(alice, start, start - timedelta(days=1))


# Bounded queries


def test_a_department_week_costs_the_same_few_queries_whatever_it_holds(mia):
    north = Department.objects.get(name="North")
    people = [EmployeeFactory(username=f"seller{n}", department=north) for n in range(8)]
    monday = next_monday(hour=8)

    def week_queries() -> int:
        fresh = type(mia).objects.get(pk=mia.pk)  # rights not read yet
        with CaptureQueriesContext(connection) as captured:
            found = occurrences_between(fresh, *week_of(monday), department_id=north.pk)
            for item in found:
                str(item.task.assignee), item.task.client_id
        return len(captured)

    create_task(actor=people[0], title="First", due_at=monday)
    few = week_queries()
    for index, person in enumerate(people):
        for day in range(5):
            create_task(actor=person, title=f"Visit {index}-{day}", due_at=monday + timedelta(days=day, hours=index))
        create_task(actor=person, title=f"Daily {index}", due_at=monday, repeat=Repeat("DAILY"))
    many = week_queries()
    assert many == few <= 5
    assert len(occurrences_between(mia, *week_of(monday), department_id=north.pk)) == 1 + 8 * 5 + 8 * 7


def test_days_of_the_window_are_the_users_days(alice):
    alice.time_zone = "Europe/Paris"
    alice.save()
    paris = ZoneInfo("Europe/Paris")
    day = next_monday().date()
    late_evening = datetime.combine(day, datetime.min.time(), tzinfo=paris) + timedelta(hours=23, minutes=30)
    create_task(actor=alice, title="Late", due_at=late_evening)
    start = datetime.combine(day, datetime.min.time(), tzinfo=paris)
    [found] = occurrences_between(alice, start, start + timedelta(days=1))
    assert found.day_in(paris) == day
    assert found.start.astimezone(UTC).date() == day  # 22:30 UTC: the same day, an hour before Paris' next one
    assert occurrences_between(alice, start + timedelta(days=1), start + timedelta(days=2)) == []
