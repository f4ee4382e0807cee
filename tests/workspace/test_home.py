from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carte.clients.models import TimelineEntry
from carte.core.testing import ClientFactory
from tests.workspace.pages import page_of

HOME = "/"


def test_the_home_page_lists_the_users_recently_updated_clients_first(alice, login):
    now = timezone.now()
    old = ClientFactory(name="Old Mill", owner=alice, updated_at=now - timedelta(days=30))
    fresh = ClientFactory(name="Fresh Bakery", owner=alice, updated_at=now)

    content = login(alice).get(HOME).content.decode()

    assert content.index(fresh.name) < content.index(old.name)


def test_the_home_page_shows_ten_clients_at_most(alice, login):
    ClientFactory.create_batch(12, owner=alice)

    response = login(alice).get(HOME)

    assert len(response.context["overview"].clients) == 10


def test_the_home_page_never_shows_clients_or_activity_the_user_may_not_see(
    alice, alices_client, charlies_client, login
):
    TimelineEntry.objects.create(client=charlies_client, kind="note", summary="Garage door quote sent")
    TimelineEntry.objects.create(client=alices_client, kind="note", summary="Bread order confirmed")

    content = login(alice).get(HOME).content.decode()

    assert "Charlie&#x27;s Garage" not in content
    assert "Garage door quote sent" not in content
    assert "Bread order confirmed" in content


def test_the_latest_activity_links_to_the_client_card_and_the_entry(alice, alices_client, login):
    TimelineEntry.objects.create(client=alices_client, kind="note", summary="Called", link="/planner/calls/7/")

    links = page_of(login(alice).get(HOME)).links()

    assert reverse("clients:card", args=[alices_client.pk]) in links
    assert "/planner/calls/7/" in links


def test_an_empty_home_page_offers_to_create_the_first_client_to_who_may(people, login):
    new_client = reverse("clients:create")

    alices_page = login(people["alice"]).get(HOME)
    ritas_page = login(people["rita"]).get(HOME)

    assert "Create the first client" in alices_page.content.decode()
    assert new_client in page_of(alices_page).links()
    assert "Create the first client" not in ritas_page.content.decode()
    assert "There are no clients you can see yet." in ritas_page.content.decode()


def test_the_home_page_runs_as_many_queries_for_a_hundred_clients_as_for_one(mia, alice, login):
    browser = login(mia)

    def queries_for_home():
        with CaptureQueriesContext(connection) as context:
            assert browser.get(HOME).status_code == 200
        return len(context)

    first = ClientFactory(owner=alice)
    TimelineEntry.objects.create(client=first, kind="note", summary="First")
    few = queries_for_home()
    for client in ClientFactory.create_batch(100, owner=alice):
        TimelineEntry.objects.create(client=client, kind="note", summary="Again", actor=alice)

    assert queries_for_home() == few
