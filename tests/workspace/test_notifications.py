"""Notifications: made in the recipient's language, pushed live, read / unread, optionally emailed."""

from email.header import decode_header, make_header

import pytest
from django.utils.translation import gettext_lazy

from carte.core.errors import Invalid, NotFound
from carte.core.models import LiveMessage
from carte.workspace.models import Notification
from carte.workspace.notifications import mark_all_read, mark_read, notifications_of, notify, unread_count

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def test_a_notification_is_written_in_its_recipients_language(alice):
    alice.language = "fr"
    notification = notify(recipient=alice, kind=Kind.REMINDER, title=gettext_lazy("Log out"), link="/clients/")
    assert (notification.title, notification.link, notification.read_at) == ("Se déconnecter", "/clients/", None)


def test_a_new_notification_reaches_the_recipients_browsers_with_the_unread_count(
    alice, django_capture_on_commit_callbacks
):
    notify(recipient=alice, kind=Kind.ASSIGNED, title="First")
    with django_capture_on_commit_callbacks(execute=True):
        second = notify(recipient=alice, kind=Kind.ASSIGNED, title="Second", body="Soon", link="/planner/")
    [message] = LiveMessage.objects.all()
    assert message.recipient_id == alice.pk
    assert message.payload == {
        "type": "notification",
        "id": second.pk,
        "kind": "assigned",
        "title": "Second",
        "body": "Soon",
        "link": "/planner/",
        "unread": 2,
    }


def test_nothing_is_pushed_when_the_change_is_rolled_back(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipient=alice, kind=Kind.ASSIGNED, title="Kept for the commit")
    assert len(callbacks) == 1  # the live message waits for the commit (which this test never makes)
    assert not LiveMessage.objects.exists()


def test_a_repeated_event_does_not_notify_twice(alice, bob):
    first = notify(recipient=alice, kind=Kind.INCOMING_CALL, title="Call from Paul", link="/calls/1/")
    assert notify(recipient=alice, kind=Kind.INCOMING_CALL, title="Call from Paul", link="/calls/1/") == first
    notify(recipient=alice, kind=Kind.INCOMING_CALL, title="Call from Paul", link="/calls/2/")
    notify(recipient=bob, kind=Kind.INCOMING_CALL, title="Call from Paul", link="/calls/1/")
    assert Notification.objects.filter(recipient=alice).count() == 2


def test_long_texts_are_shortened_to_fit(alice):
    notification = notify(recipient=alice, kind=Kind.MENTION, title="t" * 400, body="b" * 900)
    assert (len(notification.title), len(notification.body)) == (300, 500)
    assert notification.title.endswith("…")


def test_an_unknown_kind_is_a_programming_error(alice):
    with pytest.raises(ValueError):
        notify(recipient=alice, kind="gossip", title="?")


def test_an_employee_marks_her_own_notifications_read_and_never_anothers(alice, bob):
    mine = [notify(recipient=alice, kind=Kind.ASSIGNED, title=f"Task {n}") for n in range(3)]
    bobs = notify(recipient=bob, kind=Kind.ASSIGNED, title="Bob's")
    with pytest.raises(NotFound):
        mark_read(actor=alice, ids=[mine[0].pk, bobs.pk])
    assert (unread_count(alice), unread_count(bob)) == (3, 1)  # nothing marked
    assert mark_read(actor=alice, ids=[mine[0].pk, str(mine[1].pk)]) == 2
    assert list(notifications_of(alice, unread=True)) == [mine[2]]
    assert mark_read(actor=alice, ids=[mine[0].pk]) == 0  # already read


def test_marking_all_read_touches_only_ones_own(alice, bob):
    for n in range(3):
        notify(recipient=alice, kind=Kind.ASSIGNED, title=f"Task {n}")
    notify(recipient=bob, kind=Kind.ASSIGNED, title="Bob's")
    assert mark_all_read(actor=alice) == 3
    assert (unread_count(alice), unread_count(bob)) == (0, 1)


def test_reading_tells_the_employees_other_pages(alice, django_capture_on_commit_callbacks):
    notification = notify(recipient=alice, kind=Kind.ASSIGNED, title="Task")
    with django_capture_on_commit_callbacks(execute=True):
        mark_read(actor=alice, ids=[notification.pk])
    assert LiveMessage.objects.get().payload == {"type": "read", "unread": 0}


def test_ids_that_are_not_numbers_are_refused(alice):
    with pytest.raises(Invalid) as refused:
        mark_read(actor=alice, ids=["one"])
    assert "ids" in refused.value.errors


# Email over a real SMTP server (the smtp_server fixture of tests/conftest.py)


def test_an_employee_who_asked_for_it_gets_the_notification_by_email(
    alice, smtp_server, django_capture_on_commit_callbacks
):
    alice.notify_by_email = True
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, kind=Kind.OVERDUE, title="Overdue: call Paul", link="/planner/4/")
    [(recipients, message)] = smtp_server.messages
    assert recipients == [alice.email]
    assert message["Subject"] == "Carte: Overdue: call Paul"
    body = message.get_payload(decode=True).decode()
    assert "https://crm.example.com/planner/4/" in body
    assert "https://crm.example.com/accounts/profile/" in body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_email_is_written_in_the_recipients_language(alice, smtp_server, django_capture_on_commit_callbacks):
    alice.notify_by_email, alice.language = True, "fr"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, kind=Kind.OVERDUE, title=gettext_lazy("Log out"))
    [(_recipients, message)] = smtp_server.messages
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.endswith("Se déconnecter")


def test_no_email_for_those_who_did_not_ask(alice, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, kind=Kind.OVERDUE, title="Overdue: call Paul")
    assert smtp_server.messages == []


def test_an_email_is_sent_once_even_if_its_job_runs_again(alice, smtp_server, django_capture_on_commit_callbacks):
    from carte.workspace.tasks import send_notification_email

    alice.notify_by_email = True
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, kind=Kind.OVERDUE, title="Overdue: call Paul")
    send_notification_email(notification.pk)
    assert len(smtp_server.messages) == 1
