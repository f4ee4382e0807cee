"""Reading the figures: the period, who each user reaches, sums per employee and department, the cards to fix."""

from datetime import date, timedelta

import pytest

from carte.accounts.models import Department, Right
from carte.core.errors import Invalid, NotAllowed
from carte.core.testing import ClientFactory, EmployeeFactory
from carte.reports import queries, services
from carte.reports.models import DailyActivity
from tests.reports.world import at, email, task_open

TODAY = date(2026, 3, 9)
pytestmark = pytest.mark.django_db


def did(person, day: date, **figures) -> DailyActivity:
    return DailyActivity.objects.create(employee=person, day=day, **figures)


def names(adoption) -> list[str]:
    return [row.employee.username for row in adoption.employees]


def figures_by_name(adoption) -> dict:
    return {row.employee.username: row.figures for row in adoption.employees}


LAST_30 = queries.read_period(today=TODAY)


# --- the period ---------------------------------------------------------------------------------


def test_the_default_period_is_the_last_30_days_today_included():
    assert (LAST_30.since, LAST_30.until, LAST_30.days, LAST_30.length) == (date(2026, 2, 8), TODAY, 30, 30)


def test_presets_and_custom_periods():
    week = queries.read_period(days=7, today=TODAY)
    assert (week.since, week.until) == (date(2026, 3, 3), TODAY)
    custom = queries.read_period(since=date(2026, 1, 1), until=date(2026, 1, 31), today=TODAY)
    assert (custom.since, custom.until, custom.days) == (date(2026, 1, 1), date(2026, 1, 31), None)
    assert queries.read_period(since=date(2026, 3, 1), today=TODAY).until == TODAY


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"days": 8}, "period"),
        ({"since": date(2026, 3, 9), "until": date(2026, 3, 1)}, "until"),
        ({"since": date(2020, 1, 1), "until": date(2026, 3, 1)}, "since"),
    ],
)
def test_a_period_that_cannot_be_read_is_refused_with_the_reason(asked, field):
    with pytest.raises(Invalid) as refused:
        queries.read_period(today=TODAY, **asked)
    assert list(refused.value.errors) == [field]


# --- who each user reaches ----------------------------------------------------------------------


def test_a_seller_sees_only_their_own_figures(alice, people):
    for person in people.values():
        did(person, TODAY, logins=1)
    assert names(queries.adoption_for(alice, LAST_30)) == ["alice"]


def test_a_manager_sees_their_department_and_an_admin_everyone(ada, mia, people):
    for person in people.values():
        did(person, TODAY, logins=1)
    assert sorted(names(queries.adoption_for(mia, LAST_30))) == ["alice", "bob", "mia"]
    assert sorted(names(queries.adoption_for(ada, LAST_30))) == sorted(people)


def test_charlie_does_not_see_alice(charlie, alice):
    did(alice, TODAY, logins=3)
    adoption = queries.adoption_for(charlie, LAST_30)
    assert names(adoption) == ["charlie"] and adoption.total.logins == 0


def test_without_the_reports_right_nothing_is_shown(alice):
    Right.objects.filter(role=alice.role, module="reports").update(scope="none")
    alice.__dict__.pop("rights", None)
    with pytest.raises(NotAllowed):
        queries.reach_of(alice)


def test_the_department_filter_narrows_within_the_reach_only(ada, mia, people):
    north, south = Department.objects.get(name="North"), Department.objects.get(name="South")
    reach = queries.reach_of(ada, north.pk)
    assert sorted(person.username for person in reach.people) == ["alice", "bob", "mia"]
    with pytest.raises(Invalid) as refused:
        queries.reach_of(mia, south.pk)
    assert "department" in refused.value.errors


# --- sums -------------------------------------------------------------------------------------


def test_figures_are_summed_over_the_period_per_employee_and_department(ada, alice, bob, charlie):
    did(alice, TODAY, logins=2, created=1, tasks_on_time=3, tasks_late=1, calls=4, deals_moved=1)
    did(alice, TODAY - timedelta(days=29), logins=1, updated=5)
    did(alice, TODAY - timedelta(days=30), logins=9)  # the day before the period
    did(bob, TODAY, logins=1)
    did(charlie, TODAY - timedelta(days=1), calls=2)
    adoption = queries.adoption_for(ada, LAST_30)
    alices = figures_by_name(adoption)["alice"]
    assert (alices.logins, alices.active_days, alices.created, alices.updated) == (3, 2, 1, 5)
    assert (alices.tasks_on_time, alices.tasks_late, alices.on_time_share, alices.calls) == (3, 1, 75, 4)
    assert figures_by_name(adoption)["mia"].active_days == 0  # shown, with nothing
    by_department = {group.name: group for group in adoption.departments}
    assert by_department["North"].people == 3 and by_department["North"].figures.logins == 4
    assert by_department["North"].figures.active_days == 3
    assert by_department["South"].figures.calls == 2
    assert by_department["No department"].people == 2  # Ada and Rita
    assert adoption.total.logins == 4 and adoption.total.calls == 6


def test_an_employee_who_moves_takes_their_figures_to_the_new_department(ada, alice):
    did(alice, TODAY, logins=2)
    alice.department = Department.objects.get(name="South")
    alice.save()
    by_department = {group.name: group for group in queries.adoption_for(ada, LAST_30).departments}
    assert by_department["South"].figures.logins == 2 and by_department["North"].figures.logins == 0


def test_an_employee_who_left_shows_only_with_figures(ada):
    gone = EmployeeFactory(username="gone", is_active=False)
    EmployeeFactory(username="gone-quiet", is_active=False)
    did(gone, TODAY, logins=1)
    shown = names(queries.adoption_for(ada, LAST_30))
    assert "gone" in shown and "gone-quiet" not in shown


def test_the_figures_read_a_fixed_number_of_queries(ada, people, django_assert_num_queries):
    for person in people.values():
        for days in range(5):
            did(person, TODAY - timedelta(days=days), logins=1)
    ada.rights  # noqa: B018 - read once per request
    with django_assert_num_queries(3):
        queries.adoption_for(ada, LAST_30)


# --- completeness and the cards to fix ----------------------------------------------------------


@pytest.fixture
def snapshot(people):
    """Two bare cards for each seller and one for Mia, checked."""
    for name in ("alice", "bob", "charlie"):
        for number in (1, 2):
            ClientFactory(name=f"{name} {number}", owner=people[name])
    ClientFactory(name="mia 1", owner=people["mia"])
    return services.snapshot_completeness(now=at("2026-03-09 12:00"))


def worst_names(user, department=None) -> list[str]:
    return sorted(
        gap.client.name for gap in queries.completeness_for(user, queries.reach_of(user, department)).worst.items
    )


def test_each_user_sees_the_cards_to_fix_of_their_reach(snapshot, ada, mia, alice, charlie, rita):
    assert worst_names(alice) == ["alice 1", "alice 2"]
    assert worst_names(mia) == ["alice 1", "alice 2", "bob 1", "bob 2", "mia 1"]
    assert len(worst_names(ada)) == 7
    assert worst_names(charlie) == ["charlie 1", "charlie 2"]
    assert worst_names(rita) == []


def test_the_cards_to_fix_are_only_those_the_user_may_see_as_clients(snapshot, charlie):
    # Charlie may read everyone's figures, but sees clients of his own department only.
    Right.objects.filter(role=charlie.role, module="reports", action="view").update(scope="all")
    charlie.__dict__.pop("rights", None)
    completeness = queries.completeness_for(charlie)
    assert completeness.totals.cards == 7  # the figures of everyone
    assert sorted(gap.client.name for gap in completeness.worst.items) == ["charlie 1", "charlie 2"]


def test_completeness_totals_per_department(snapshot, ada):
    completeness = queries.completeness_for(ada)
    by_department = {group.name: group.totals for group in completeness.departments}
    assert by_department["North"].cards == 5 and by_department["South"].cards == 2
    assert completeness.totals.cards == 7 and completeness.totals.share("with_owner") == 100
    assert completeness.totals.share("complete") == 0 and completeness.day == date(2026, 3, 9)


def test_the_cards_to_fix_are_paged_worst_first(snapshot, ada, alice):
    best = ClientFactory(name="almost", owner=alice)
    email(best)
    task_open(alice, at("2026-03-20 10:00"), client=best)
    services.snapshot_completeness(now=at("2026-03-09 12:00"))
    page = queries.worst_cards(ada, queries.reach_of(ada), 1, 3)
    assert page.count == 8 and page.pages == 3 and all(gap.score == 3 for gap in page.items)
    last = queries.worst_cards(ada, queries.reach_of(ada), 9, 3)  # past the end: the last page
    assert last.number == 3 and [(gap.client.name, gap.score) for gap in last.items][-1] == ("almost", 1)


def test_without_a_snapshot_there_is_nothing_to_show(ada):
    completeness = queries.completeness_for(ada)
    assert completeness.day is None and completeness.totals.cards == 0 and completeness.worst.items == []
