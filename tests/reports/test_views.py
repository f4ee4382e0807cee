"""The adoption page: figures, completeness and the cards to fix; filters; "Refresh now"; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.core.testing import ClientFactory, database_state
from carte.reports import queries, services
from carte.reports.models import AggregationRun
from tests.reports.world import audited, login
from tests.screens import assert_csp_safe

pytestmark = pytest.mark.django_db
PAGE = reverse("reports:adoption")


def world(people, cards: int = 2) -> None:
    """Some activity today, `cards` bare cards per seller, the figures computed."""
    now = timezone.now()
    for name in ("alice", "bob", "charlie"):
        login(people[name], now - timedelta(minutes=5))
        audited(people[name], "create", now - timedelta(minutes=4))
        for number in range(cards):
            ClientFactory(name=f"{name.title()}'s client {number}", owner=people[name])
    services.aggregate_day(services.local_day(now), now=now)
    services.snapshot_completeness(now=now)


def test_the_reports_menu_opens_the_adoption_page(client, alice):
    client.force_login(alice)
    home = client.get(reverse("workspace:home")).content.decode()
    assert PAGE in home


def test_a_manager_sees_the_figures_and_cards_of_their_department(client, people, mia):
    world(people)
    client.force_login(mia)
    page = client.get(PAGE).content.decode()
    assert "Alice Seller" in page and "Bob Seller" in page and "Charlie Seller" not in page
    assert "Alice&#x27;s client 0" in page and "Charlie&#x27;s client 0" not in page
    assert reverse("clients:card", args=[people["alice"].owned_clients.first().pk]) in page
    assert "Figures as of" in page and "Completeness of the client cards" in page
    assert "Refresh now" not in page  # administrators only
    assert 'value="0" max="4"' in page  # no card has a next task yet (4 cards)
    assert '<option value="30" selected>' in page  # the default period, shown
    assert_csp_safe(page)


def test_a_seller_sees_only_their_own_line(client, people, alice):
    world(people)
    client.force_login(alice)
    page = client.get(PAGE).content.decode()
    assert "Alice Seller" in page and "Bob Seller" not in page and "Bob&#x27;s client" not in page


def test_the_page_reads_the_same_number_of_queries_for_few_or_many(client, people, ada, django_assert_max_num_queries):
    world(people, cards=1)
    client.force_login(ada)
    client.get(PAGE)
    with django_assert_max_num_queries(12) as few:
        client.get(PAGE)
    world(people, cards=30)
    with django_assert_max_num_queries(12) as many:
        client.get(PAGE + "?page=2")
    assert len(few.captured_queries) == len(many.captured_queries)


def test_bad_filters_say_why_and_show_no_figures(client, people, ada):
    client.force_login(ada)
    response = client.get(PAGE, {"period": "custom", "since": "2026-03-09", "until": "2026-03-01"})
    page = response.content.decode()
    assert response.status_code == 200 and "The end of the period is before its start." in page
    assert "Activity per employee" not in page
    assert "Enter a valid date" in client.get(PAGE, {"period": "custom", "since": "yesterday"}).content.decode()
    assert "Page and page size must be whole numbers." in client.get(PAGE, {"page": "two"}).content.decode()
    assert "Select a valid choice" in client.get(PAGE, {"department": "999"}).content.decode()


def test_the_department_filter_and_the_htmx_part(client, people, ada):
    world(people)
    client.force_login(ada)
    south = people["charlie"].department_id
    response = client.get(PAGE, {"department": south, "period": "7"}, HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert "<html" not in part and "Charlie Seller" in part and "Alice Seller" not in part
    assert "HX-Request" in response["Vary"]


def test_a_long_list_of_cards_to_fix_stops_at_the_worst(client, people, ada, monkeypatch):
    world(people, cards=3)
    monkeypatch.setattr(queries, "WORST_CARDS_SHOWN", 4)
    client.force_login(ada)
    page = client.get(PAGE).content.decode()
    assert "The 4 cards with the most gaps." in page
    assert page.count('<tr data-client="') == 4


def test_an_administrator_refreshes_todays_figures(client, ada, alice, django_capture_on_commit_callbacks):
    login(alice, timezone.now())
    client.force_login(ada)
    assert "Refresh now" in client.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:refresh"), follow=True)
    assert "Today&#x27;s figures are up to date." in response.content.decode()
    assert AggregationRun.objects.filter(kind="activity", day=services.local_day()).exists()
    assert AggregationRun.objects.filter(kind="completeness", day=services.local_day()).exists()  # the job ran


def test_others_may_not_refresh(client, mia):
    client.force_login(mia)
    before = database_state()
    assert client.post(reverse("reports:refresh")).status_code == 403
    assert database_state() == before
