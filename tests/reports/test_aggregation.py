"""aggregate_day: one day's activity per employee from the audit log, the tasks, the calls and the stage moves."""

from datetime import date, timedelta

import pytest

from carte.reports import services
from carte.reports.models import AggregationRun, DailyActivity
from tests.reports.world import at, audited, call, login, moved, task_done

DAY = date(2026, 3, 9)
pytestmark = pytest.mark.django_db


def figures_of(day: date) -> dict:
    """{username: {figure: count}} of a day's rows."""
    rows = DailyActivity.objects.filter(day=day).select_related("employee")
    return {row.employee.username: {name: getattr(row, name) for name in services.FIGURES} for row in rows}


def test_a_day_is_counted_per_employee_and_per_source(alice, bob, charlie):
    login(alice, at("2026-03-09 08:00"))
    login(alice, at("2026-03-09 13:00"))
    audited(alice, "create", at("2026-03-09 09:00"))
    for minute in (10, 20, 30):
        audited(alice, "update", at(f"2026-03-09 09:{minute}"))
    audited(alice, "delete", at("2026-03-09 09:40"))  # neither created nor updated
    audited(alice, "export", at("2026-03-09 09:50"))
    audited(None, "update", at("2026-03-09 10:00"))  # the system: nobody's
    task_done(alice, due=at("2026-03-09 15:00"), done=at("2026-03-09 14:00"))
    task_done(alice, due=at("2026-03-06 15:00"), done=at("2026-03-09 16:00"))
    task_done(bob, due=at("2026-03-09 10:00"), done=at("2026-03-10 10:00"))  # done the next day
    call(alice, at("2026-03-09 11:00"))
    call(alice, at("2026-03-09 11:30"))
    moved(alice, at("2026-03-09 12:00"))
    moved(alice, at("2026-03-09 12:05"), created=True)  # a new deal's first stage is no move
    login(bob, at("2026-03-09 07:00"))
    login(charlie, at("2026-03-08 07:00"))  # another day

    run = services.aggregate_day(DAY)

    assert figures_of(DAY) == {
        "alice": {
            "logins": 2,
            "created": 1,
            "updated": 3,
            "tasks_on_time": 1,
            "tasks_late": 1,
            "calls": 2,
            "deals_moved": 1,
        },
        "bob": {
            "logins": 1,
            "created": 0,
            "updated": 0,
            "tasks_on_time": 0,
            "tasks_late": 0,
            "calls": 0,
            "deals_moved": 0,
        },
    }
    assert run.kind == AggregationRun.Kind.ACTIVITY and run.day == DAY and run.final


def test_running_a_day_again_changes_nothing_and_follows_the_sources(alice):
    entry = login(alice, at("2026-03-09 08:00"))
    login(alice, at("2026-03-09 09:00"))
    services.aggregate_day(DAY)
    first = figures_of(DAY)
    services.aggregate_day(DAY)
    assert figures_of(DAY) == first and DailyActivity.objects.count() == 1
    assert AggregationRun.objects.filter(day=DAY).count() == 1
    entry.delete()
    services.aggregate_day(DAY)
    assert figures_of(DAY)["alice"]["logins"] == 1


def test_a_day_without_activity_has_no_row(alice):
    login(alice, at("2026-03-10 08:00"))
    services.aggregate_day(DAY)
    assert not DailyActivity.objects.filter(day=DAY).exists()
    assert AggregationRun.objects.get(day=DAY).final


def test_days_are_those_of_the_company_time_zone(settings, alice):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in March before the 29th
    login(alice, at("2026-03-09 22:59"))  # 23:59 in Paris: the 9th
    login(alice, at("2026-03-09 23:30"))  # 00:30 in Paris: the 10th
    call(alice, at("2026-03-08 23:10"))  # 00:10 in Paris: the 9th
    services.aggregate_day(DAY)
    services.aggregate_day(DAY + timedelta(days=1))
    assert figures_of(DAY)["alice"]["logins"] == 1 and figures_of(DAY)["alice"]["calls"] == 1
    assert figures_of(DAY + timedelta(days=1))["alice"]["logins"] == 1


def test_the_day_of_the_change_to_summer_time_has_23_hours(settings, alice):
    settings.TIME_ZONE = "Europe/Paris"
    start, end = services.day_bounds(date(2026, 3, 29))
    assert end - start == timedelta(hours=23)
    login(alice, at("2026-03-29 21:59"))  # 23:59 summer time: still the 29th
    login(alice, at("2026-03-29 22:00"))  # midnight: the 30th
    services.aggregate_day(date(2026, 3, 29))
    assert figures_of(date(2026, 3, 29))["alice"]["logins"] == 1


def test_an_all_day_task_done_before_the_end_of_its_day_is_on_time(alice):
    task_done(alice, due=at("2026-03-09 00:00"), done=at("2026-03-09 17:00"), all_day=True)
    task_done(alice, due=at("2026-03-08 00:00"), done=at("2026-03-09 08:00"), all_day=True)
    services.aggregate_day(DAY)
    assert figures_of(DAY)["alice"]["tasks_on_time"] == 1 and figures_of(DAY)["alice"]["tasks_late"] == 1


def test_todays_figures_are_provisional_until_the_day_ends(alice):
    login(alice, at("2026-03-09 08:00"))
    run = services.aggregate_day(DAY, now=at("2026-03-09 12:00"))
    assert not run.final and figures_of(DAY)["alice"]["logins"] == 1
    login(alice, at("2026-03-09 13:00"))
    run = services.aggregate_day(DAY, now=at("2026-03-10 00:05"))
    assert run.final and figures_of(DAY)["alice"]["logins"] == 2


def test_bringing_up_to_date_computes_the_missed_days_today_and_one_snapshot_a_day(alice, alices_client):
    now = at("2026-03-09 12:00")
    login(alice, at("2026-03-05 08:00"))
    services.aggregate_day(date(2026, 3, 6), now=now)  # already final
    done = services.bring_up_to_date(now=now)
    assert len(done.days) == services.BACKFILL_DAYS - 1 and date(2026, 3, 6) not in done.days
    assert done.days[-1] == date(2026, 3, 8) and done.today.day == DAY and not done.today.final
    assert done.snapshot is not None and done.snapshot.day == DAY
    assert figures_of(date(2026, 3, 5))["alice"]["logins"] == 1
    again = services.bring_up_to_date(now=now + timedelta(minutes=15))
    assert again.days == [] and again.snapshot is None
    after_midnight = services.bring_up_to_date(now=at("2026-03-10 00:10"))
    assert after_midnight.days == [DAY] and after_midnight.snapshot is not None
    assert AggregationRun.objects.get(kind="activity", day=DAY).final


def test_the_scheduled_job_brings_the_figures_up_to_date(alice):
    from carte.reports.tasks import adoption_figures_job

    login(alice, at("2026-03-09 08:00"))
    adoption_figures_job.call_local()
    assert AggregationRun.objects.filter(kind="activity", day=services.local_day()).exists()
    assert AggregationRun.objects.filter(kind="completeness", day=services.local_day()).exists()
