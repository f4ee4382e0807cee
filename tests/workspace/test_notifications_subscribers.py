"""The other domains' events become notifications (and live messages) for the right people, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carte.backups.models import Backup
from carte.calls.models import Call
from carte.clients.services import add_note
from carte.core import events
from carte.core.models import LiveMessage
from carte.core.testing import EmployeeFactory
from carte.planner.models import Task
from carte.sales.models import Stage
from carte.sales.services.deals import create_deal, move_deal
from carte.workspace.models import Notification
from carte.workspace.notifications.subscribers import mentioned_in, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (event handlers, live messages) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_task(assignee, *, author=None, title="Call Paul", due_in=timedelta(hours=1)):
    due = timezone.now() + due_in
    return Task.objects.create(title=title, assignee=assignee, author=author, due_at=due, overdue_at=due)


def live_payloads(employee) -> list[dict]:
    return [message.payload for message in LiveMessage.objects.filter(recipient_id=employee.pk)]


def test_an_assigned_task_notifies_its_new_assignees(mia, alice, bob, committed):
    task = make_task(alice, author=mia)
    with committed():
        events.emit("task.assigned", actor=mia, task_id=task.pk, recipient_ids=[alice.pk, bob.pk])
    assert Notification.objects.filter(kind="assigned").count() == 2
    notification = Notification.objects.get(recipient=alice)
    assert notification.title == "Assigned to you: Call Paul"
    assert "from Mia" in notification.body
    assert live_payloads(alice)[0]["type"] == "notification"


def test_a_reminder_says_how_soon_the_task_is_due(alice, committed):
    task = make_task(alice, due_in=timedelta(minutes=15, seconds=10))
    with committed():
        events.emit("task.reminder", task_id=task.pk, recipient_ids=[alice.pk], occurrence=task.due_at.isoformat())
    notification = Notification.objects.get(recipient=alice, kind="reminder")
    assert notification.title == "Reminder: Call Paul"
    assert "in 15 minutes" in notification.body


def test_a_reminder_is_shown_in_the_recipients_time_zone(alice, committed):
    alice.time_zone = "Asia/Tokyo"
    alice.save()
    task = make_task(alice)
    task.due_at = task.due_at.replace(hour=1, minute=30, second=0, microsecond=0)
    task.save()
    with committed():
        events.emit("task.reminder", task_id=task.pk, recipient_ids=[alice.pk], occurrence=task.due_at.isoformat())
    assert "10:30" in Notification.objects.get(recipient=alice).body


def test_an_overdue_task_says_so(alice, committed):
    task = make_task(alice, due_in=-timedelta(hours=2))
    with committed():
        events.emit("task.overdue", task_id=task.pk, recipient_ids=[alice.pk])
    assert Notification.objects.get(recipient=alice, kind="overdue").title == "Overdue: Call Paul"


def test_inactive_employees_are_not_notified(alice, committed):
    gone = EmployeeFactory(username="gone", is_active=False)
    task = make_task(alice)
    with committed():
        events.emit("task.assigned", task_id=task.pk, recipient_ids=[gone.pk])
    assert not Notification.objects.exists()


def test_mentions_are_usernames_in_any_case_each_once():
    assert mentioned_in("@Bob, ask @charlie.  Cc @BOB and mail bob@example.com") == ["bob", "charlie"]
    assert mentioned_in("no mention here") == []


def test_a_mention_notifies_those_who_may_see_the_client_but_never_the_author(
    alice, bob, charlie, rita, alices_client, committed
):
    EmployeeFactory(username="gone", is_active=False)
    with committed():
        add_note(actor=alice, client=alices_client, text="@bob @Charlie @rita @alice @gone @nobody: the ovens?")
    notified = set(Notification.objects.filter(kind="mention").values_list("recipient__username", flat=True))
    assert notified == {"bob", "rita"}  # Charlie cannot see Alice's client; Alice wrote it
    mention = Notification.objects.get(recipient=bob)
    assert mention.title == f"Alice Seller mentioned you on {alices_client.name}"
    assert mention.link == f"/clients/{alices_client.pk}/"
    assert "the ovens?" in mention.body


def test_a_note_without_mentions_notifies_nobody(alice, alices_client, committed):
    with committed():
        add_note(actor=alice, client=alices_client, text="Wants two ovens.")
    assert not Notification.objects.exists()


def make_call(employee, client=None, number="+33612345678"):
    return Call.objects.create(direction="in", from_number=number, number=number, client=client, employee=employee)


def test_a_ringing_call_notifies_the_employee_and_pops_up_the_caller(alice, alices_client, committed):
    call = make_call(alice, alices_client)
    with committed():
        events.emit(
            "call.ringing", call_id=call.pk, employee_id=alice.pk, client_id=alices_client.pk, number=call.number
        )
    notification = Notification.objects.get(recipient=alice)
    assert (notification.kind, notification.title) == ("incoming_call", f"Incoming call from {alices_client.name}")
    [_notification, popup] = live_payloads(alice)
    assert popup["type"] == "call" and popup["state"] == "ringing"
    assert (popup["call_id"], popup["title"]) == (call.pk, alices_client.name)
    assert "popup_url" in popup


def test_a_call_repeated_by_the_phone_system_pops_up_once(alice, committed):
    call = make_call(alice)
    with committed():
        for _ in range(2):
            events.emit("call.ringing", call_id=call.pk, employee_id=alice.pk, client_id=None, number=call.number)
    assert Notification.objects.get(recipient=alice).title == "Incoming call from +33612345678"
    assert [p.get("state") for p in live_payloads(alice)] == [None, "ringing"]


def test_a_call_without_an_employee_notifies_nobody(committed):
    call = make_call(None)
    with committed():
        events.emit("call.ringing", call_id=call.pk, employee_id=None, client_id=None, number=call.number)
    assert not Notification.objects.exists() and not LiveMessage.objects.exists()


def test_answered_and_ended_calls_update_the_pop_up(alice, committed):
    call = make_call(alice)
    with committed():
        events.emit("call.answered", call_id=call.pk, employee_id=alice.pk)
        events.emit("call.ended", call_id=call.pk, employee_id=alice.pk, status="answered")
    assert live_payloads(alice) == [
        {"type": "call", "state": "answered", "call_id": call.pk},
        {"type": "call", "state": "ended", "call_id": call.pk},
    ]


def test_a_missed_call_notifies_with_a_link_to_the_callback_task(alice, committed):
    call = make_call(alice)
    task = make_task(alice, title="Call back +33612345678")
    with committed():
        events.emit("call.missed", call_id=call.pk, employee_id=alice.pk, client_id=None, task_id=task.pk)
    notification = Notification.objects.get(recipient=alice)
    assert (notification.kind, notification.title) == ("missed_call", "Missed call from +33612345678")
    assert "call back" in notification.body
    assert notification.link == url_of("planner:task_detail", task.pk)
    assert {"type": "call", "state": "ended", "call_id": call.pk} in live_payloads(alice)


def test_a_missed_call_without_employee_goes_to_the_callback_tasks_assignee(bob, committed):
    call = make_call(None)
    task = make_task(bob)
    with committed():
        events.emit("call.missed", call_id=call.pk, employee_id=None, client_id=None, task_id=task.pk)
    assert Notification.objects.get().recipient == bob


def test_the_owner_hears_when_someone_else_moves_her_deal(mia, alice, alices_client, committed):
    deal = create_deal(actor=alice, client=alices_client, title="Ovens", amount="1000")
    stages = Stage.objects.filter(pipeline=deal.pipeline).exclude(pk=deal.stage_id).order_by("order")
    with committed():
        move_deal(actor=alice, deal=deal, stage=stages[0])  # her own move: nothing
    assert not Notification.objects.exists()
    with committed():
        move_deal(actor=mia, deal=deal, stage=stages[1])
    notification = Notification.objects.get(recipient=alice)
    assert notification.kind == "deal_stage"
    assert notification.title == f"Your deal “Ovens” moved to {stages[1].name}"
    assert notification.body == "By Mia Manager."
    assert notification.link == f"/deals/{deal.pk}/"


def test_a_failed_backup_or_verification_notifies_who_keeps_the_backups(people, committed):
    ada, alice = people["ada"], people["alice"]
    now = timezone.now()
    failed = Backup.objects.create(status=Backup.Status.FAILED, started_at=now, error="the disk holding /b is full")
    unverified = Backup.objects.create(
        status=Backup.Status.DONE,
        started_at=now,
        file_name="carte-backup-20261127-023000.tar",
        verification=Backup.Verification.FAILED,
        verification_error="row counts differ for clients_client",
    )
    good = Backup.objects.create(
        status=Backup.Status.DONE, started_at=now, file_name="b.tar", verification=Backup.Verification.PASSED
    )
    with committed():
        for backup in (failed, unverified, good):
            events.emit("backup.finished", actor=None, backup_id=backup.pk)
    notices = list(Notification.objects.filter(kind=Notification.Kind.BACKUP).order_by("pk"))
    assert [(notice.recipient, notice.title) for notice in notices] == [
        (ada, "The backup failed"),
        (ada, "A backup failed its verification"),
    ]
    assert notices[0].body == "the disk holding /b is full" and notices[1].link == url_of("backups:backup_list")
    assert not Notification.objects.filter(recipient=alice).exists()
