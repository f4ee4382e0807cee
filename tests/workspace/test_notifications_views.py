"""The notification bell, the list page, marking read, the API, and the profile's email preference."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carte.workspace.models import Notification
from carte.workspace.notifications import notify, unread_count

pytestmark = pytest.mark.django_db


def some(employee, count=3, start=0):
    return [
        notify(recipient=employee, kind="assigned", title=f"Task {n}", link=f"/planner/{n}/")
        for n in range(start, start + count)
    ]


def test_every_workspace_page_loads_the_bell_without_a_query_of_its_own(client, alice):
    client.force_login(alice)
    page = client.get(reverse("workspace:home")).content.decode()
    assert 'data-live-events="/events/"' in page
    assert reverse("workspace:notification_bell") in page
    assert "carte/live.js" in page
    assert 'id="call-popup"' in page and 'role="dialog"' in page


def test_the_login_page_has_no_live_channel(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "data-live-events" not in page and 'id="messages"' in page


def test_the_bell_shows_the_unread_count_and_the_latest_five(client, alice, bob, django_assert_max_num_queries):
    some(alice, 7)
    some(bob, 2)
    client.force_login(alice)
    with django_assert_max_num_queries(5):  # session, employee, rights (may she see backups?), count, latest
        page = client.get(reverse("workspace:notification_bell")).content.decode()
    assert "7 unread" in page
    assert page.count('class="bell-item ') == 5
    assert "Task 6" in page and "Task 1" not in page
    assert "Mark all as read" in page


def test_the_list_shows_all_or_unread_paged_with_a_constant_number_of_queries(
    client, alice, bob, django_assert_num_queries
):
    client.force_login(alice)
    some(alice, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workspace:notifications"))
    notes = some(alice, 33, start=2)
    some(bob, 1)
    notes[0].read_at = notes[0].created_at
    notes[0].save()
    with django_assert_num_queries(len(few)):  # the layout's panels, then count, page, unread count
        page = client.get(reverse("workspace:notifications")).content.decode()
    assert len(few) <= 20
    assert "35 notifications" in page and page.count('name="ids"') == 30  # 30 a page, all unread but one
    unread = client.get(reverse("workspace:notifications") + "?show=unread&page=2").content.decode()
    assert "34 notifications" in unread and unread.count('name="ids"') == 4


def test_marking_one_the_selected_or_all_read(client, alice, bob):
    notes = some(alice, 4)
    bobs = some(bob, 1)[0]
    client.force_login(alice)
    read = reverse("workspace:notifications_read")
    response = client.post(read, {"only": notes[0].pk, "ids": [notes[1].pk]})
    assert response.status_code == 302 and response["Location"] == reverse("workspace:notifications")
    assert unread_count(alice) == 3
    assert client.post(read, {"ids": [notes[2].pk, bobs.pk]}).status_code == 404
    assert unread_count(alice) == 3 and unread_count(bob) == 1
    client.post(read, {"ids": [notes[1].pk, notes[2].pk], "next": "/notifications/?show=unread"})
    assert unread_count(alice) == 1
    client.post(read, {"all": "1"})
    assert unread_count(alice) == 0 and unread_count(bob) == 1


def test_mark_all_from_the_bell_answers_a_fresh_bell(client, alice):
    some(alice, 2)
    client.force_login(alice)
    response = client.post(
        reverse("workspace:notifications_read"), {"all": "1", "part": "bell"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "none unread" in response.content.decode()


def test_marking_nothing_says_what_to_do_and_changes_nothing(client, alice):
    some(alice, 1)
    client.force_login(alice)
    response = client.post(reverse("workspace:notifications_read"), {})
    assert response.status_code == 400
    assert "Tick the notifications" in response.content.decode()
    assert unread_count(alice) == 1


def test_a_redirect_after_marking_never_leaves_the_site(client, alice):
    some(alice, 1)
    client.force_login(alice)
    response = client.post(reverse("workspace:notifications_read"), {"all": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("workspace:notifications")


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(client, alice, bob):
    mine = some(alice, 1)[0]
    client.force_login(alice)
    response = client.get(reverse("workspace:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/planner/0/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    bobs = some(bob, 1)[0]
    assert client.get(reverse("workspace:notification_open", args=[bobs.pk])).status_code == 404
    assert Notification.objects.get(pk=bobs.pk).read_at is None


def test_the_api_lists_ones_own_notifications(client, alice, bob):
    notes = some(alice, 3)
    some(bob, 1)
    mark = notes[0]
    mark.read_at = mark.created_at
    mark.save()
    client.force_login(alice)
    body = client.get("/api/v1/notifications?unread=true").json()
    assert body["count"] == 2
    assert [item["title"] for item in body["results"]] == ["Task 2", "Task 1"]
    assert set(body["results"][0]) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    assert client.get("/api/v1/notifications").json()["count"] == 3


def test_the_api_marks_read_by_ids_or_all(client, alice, bob):
    notes = some(alice, 3)
    bobs = some(bob, 1)[0]
    client.force_login(alice)
    url = "/api/v1/notifications/read"
    assert client.post(url, {"ids": [notes[0].pk, bobs.pk]}, content_type="application/json").status_code == 404
    answer = client.post(url, {"ids": [notes[0].pk]}, content_type="application/json").json()
    assert answer == {"marked": 1, "unread": 2}
    assert client.post(url, {"all": True}, content_type="application/json").json() == {"marked": 2, "unread": 0}
    assert unread_count(bob) == 1


def test_the_api_refuses_an_empty_request_clearly(client, alice):
    client.force_login(alice)
    response = client.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "ids" in response.json()["errors"]


def test_an_employee_chooses_notifications_by_email_in_her_profile(client, alice):
    client.force_login(alice)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'name="notify_by_email"' in page and reverse("workspace:notifications") in page
    profile = {"first_name": "Alice", "last_name": "Seller", "email": alice.email, "language": "en"}
    client.post(reverse("accounts:profile"), profile | {"notify_by_email": "on"})
    alice.refresh_from_db()
    assert alice.notify_by_email is True
    client.post(reverse("accounts:profile"), profile)
    alice.refresh_from_db()
    assert alice.notify_by_email is False


def test_an_administrator_does_not_choose_it_for_others(client, ada, bob):
    client.force_login(ada)
    page = client.get(reverse("accounts:employee_edit", args=[bob.pk])).content.decode()
    assert 'name="notify_by_email"' not in page


def test_a_new_client_can_start_from_a_callers_number_and_name(client, alice):
    client.force_login(alice)
    page = client.get(reverse("clients:create") + "?phone=%2B33612345678&name=Paul+Baker").content.decode()
    assert 'value="+33612345678"' in page
    assert 'value="Paul Baker"' in page
