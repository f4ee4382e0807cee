"""The completeness snapshot: what each card lacks, the per-owner totals, the cards to fix."""

from datetime import timedelta

import pytest

from carte.clients.models import TimelineEntry
from carte.core.testing import ClientFactory, EmployeeFactory
from carte.reports import services
from carte.reports.models import AggregationRun, CardGap, CompletenessDaily
from tests.reports.world import at, complete_card, email, task_done, task_open

NOW = at("2026-03-09 12:00")
pytestmark = pytest.mark.django_db


def gaps() -> dict:
    """{client name: (no_owner, no_contact, no_next_task, inactive, score)}"""
    return {
        gap.client.name: (gap.no_owner, gap.no_contact, gap.no_next_task, gap.inactive, gap.score)
        for gap in CardGap.objects.select_related("client")
    }


def totals_of(person) -> tuple:
    row = CompletenessDaily.objects.get(owner=person, day=NOW.date())
    return row.cards, row.with_owner, row.with_contact, row.with_next_task, row.active, row.complete


def test_each_card_gets_what_it_lacks(alice):
    complete = ClientFactory(name="Complete", owner=alice)
    complete_card(complete, NOW)
    ClientFactory(name="Bare", owner=alice)
    with_email = ClientFactory(name="Email only", owner=alice)
    email(with_email)
    stale = ClientFactory(name="Stale", owner=alice)
    complete_card(stale, NOW)
    TimelineEntry.objects.filter(client=stale).update(at=NOW - timedelta(days=31))
    late = ClientFactory(name="Past task", owner=alice)
    complete_card(late, NOW)
    late.tasks.update(due_at=NOW - timedelta(hours=1))  # planned, but no longer ahead
    finished = ClientFactory(name="Done task", owner=alice)
    complete_card(finished, NOW)
    finished.tasks.update(status="done", done_at=NOW)

    run = services.snapshot_completeness(now=NOW)

    assert gaps() == {
        "Bare": (False, True, True, True, 3),
        "Email only": (False, False, True, True, 2),
        "Stale": (False, False, False, True, 1),
        "Past task": (False, False, True, False, 1),
        "Done task": (False, False, True, False, 1),
    }
    assert totals_of(alice) == (6, 6, 5, 2, 3, 1)
    assert run.kind == AggregationRun.Kind.COMPLETENESS and run.day == NOW.date() and run.final
    stale_gap = CardGap.objects.get(client=stale)
    assert stale_gap.last_activity_at == NOW - timedelta(days=31) and stale_gap.owner == alice


def test_a_card_of_an_employee_who_left_has_no_owner(alice):
    gone = EmployeeFactory(username="gone", is_active=False)
    card = ClientFactory(name="Orphan", owner=gone)
    complete_card(card, NOW)
    services.snapshot_completeness(now=NOW)
    assert gaps() == {"Orphan": (True, False, False, False, 1)}
    assert totals_of(gone) == (1, 0, 1, 1, 1, 0)


def test_the_inactivity_threshold_is_a_setting(settings, alice):
    card = ClientFactory(name="Quiet", owner=alice)
    complete_card(card, NOW)
    TimelineEntry.objects.filter(client=card).update(at=NOW - timedelta(days=10))
    services.snapshot_completeness(now=NOW)
    assert gaps() == {}
    settings.ADOPTION_INACTIVE_DAYS = 7
    services.snapshot_completeness(now=NOW)
    assert gaps() == {"Quiet": (False, False, False, True, 1)}


def test_a_snapshot_taken_again_replaces_the_days_figures(alice, bob):
    card = ClientFactory(name="Bare", owner=alice)
    ClientFactory(name="Bob's", owner=bob)
    services.snapshot_completeness(now=NOW)
    complete_card(card, NOW)
    services.snapshot_completeness(now=NOW + timedelta(hours=1))
    assert set(gaps()) == {"Bob's"}
    assert totals_of(alice) == (1, 1, 1, 1, 1, 1)
    assert CompletenessDaily.objects.count() == 2 and AggregationRun.objects.count() == 1


def test_the_previous_days_totals_are_kept_and_the_cards_to_fix_are_todays(alice):
    card = ClientFactory(name="Bare", owner=alice)
    services.snapshot_completeness(now=NOW - timedelta(days=1))
    complete_card(card, NOW)
    services.snapshot_completeness(now=NOW)
    assert CompletenessDaily.objects.get(owner=alice, day=NOW.date() - timedelta(days=1)).complete == 0
    assert totals_of(alice)[-1] == 1 and gaps() == {}


def test_the_snapshot_ignores_tasks_of_other_cards(alice):
    card = ClientFactory(name="Bare", owner=alice)
    other = ClientFactory(name="Other", owner=alice)
    task_open(alice, NOW + timedelta(days=1), client=other)
    task_done(alice, due=NOW - timedelta(days=1), done=NOW - timedelta(days=1), client=card)
    services.snapshot_completeness(now=NOW)
    assert gaps()["Bare"][2] is True and gaps()["Other"][2] is False


def test_each_owner_keeps_only_their_worst_cards_to_fix(alice, bob, monkeypatch):
    monkeypatch.setattr(services, "WORST_KEPT", 2)
    for number in range(3):
        ClientFactory(name=f"Alice bare {number}", owner=alice)
    with_email = ClientFactory(name="Alice email", owner=alice)
    email(with_email)
    ClientFactory(name="Bob bare", owner=bob)
    services.snapshot_completeness(now=NOW)
    kept = sorted(gaps())
    assert kept == ["Alice bare 0", "Alice bare 1", "Bob bare"]  # the worst two of Alice's, by score then age
    assert totals_of(alice) == (4, 4, 1, 0, 0, 0)  # the totals count every card
