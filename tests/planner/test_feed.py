"""The phone calendar feed: making, resetting and revoking the address, and what the iCalendar holds."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from carte.core.errors import NotAllowed
from carte.core.models import AuditEntry
from carte.planner.models import CalendarFeed
from carte.planner.recurrence import Repeat, occurrences
from carte.planner.services import cancel_task, complete_task, create_task, reschedule_task
from carte.planner.services.feeds import create_feed, employee_for_feed, revoke_feed

pytestmark = pytest.mark.django_db


def ahead(days: int = 7, hour: int = 9) -> datetime:
    day = timezone.now().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def read(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_by_title(calendar) -> dict:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


# The address


def test_an_address_is_made_once_and_only_its_digest_is_kept(alice):
    path = create_feed(actor=alice)
    token = path.removeprefix("/planner/feed/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(employee=alice)
    assert len(token) >= 40 and token not in feed.digest
    assert employee_for_feed(token) == alice
    assert AuditEntry.objects.filter(model="planner.calendarfeed", verb="create").exists()


def test_a_new_address_replaces_the_old_one(client, alice):
    old = create_feed(actor=alice)
    new = create_feed(actor=alice)
    assert old != new and CalendarFeed.objects.count() == 1
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_revoked_address_gives_404(client, alice):
    path = create_feed(actor=alice)
    assert revoke_feed(actor=alice) is True
    assert client.get(path).status_code == 404
    assert revoke_feed(actor=alice) is False


def test_an_unknown_token_gives_404_and_an_employee_who_left_has_no_feed(client, alice):
    assert client.get(reverse("planner:calendar_feed", args=["nothing-here"])).status_code == 404
    path = create_feed(actor=alice)
    alice.is_active = False
    alice.save()
    assert client.get(path).status_code == 404


def test_someone_without_the_right_to_see_tasks_gets_no_address(alice):
    from carte.accounts.models import Right

    Right.objects.filter(role=alice.role, module="tasks").delete()
    fresh = type(alice).objects.get(pk=alice.pk)
    with pytest.raises(NotAllowed):
        create_feed(actor=fresh)
    assert not CalendarFeed.objects.exists()


def test_reading_the_feed_needs_no_session_and_notes_when_it_was_used(client, alice):
    path = create_feed(actor=alice)
    read(client, path)
    assert CalendarFeed.objects.get().last_used_at is not None
    assert "_auth_user_id" not in client.session


# What the feed holds


def test_the_feed_lists_my_tasks_as_events(client, alice, mia, bob, alices_client):
    create_task(
        actor=alice,
        title="Visit the bakery",
        kind="meeting",
        due_at=ahead(hour=10),
        duration=90,
        client=alices_client,
        description="Bring samples",
        reminders=[15, 60],
    )
    create_task(actor=mia, title="Shared visit", due_at=ahead(days=8), assignee=bob, co_assignees=[alice])
    create_task(actor=bob, title="Bob alone", due_at=ahead())
    calendar = read(client, create_feed(actor=alice))
    events = events_by_title(calendar)
    assert set(events) == {"Meeting: Visit the bakery", "Shared visit"}
    visit = events["Meeting: Visit the bakery"]
    assert visit.start == ahead(hour=10) and visit["DURATION"].dt == timedelta(minutes=90)
    assert str(visit["UID"]).startswith("task-") and "@" in str(visit["UID"])
    assert "Bring samples" in str(visit["DESCRIPTION"]) and "Alice's Bakery" in str(visit["DESCRIPTION"])
    assert str(visit["STATUS"]) == "CONFIRMED" and visit["DTSTAMP"]
    assert "/planner/tasks/" in str(visit["URL"])
    assert sorted(alarm["TRIGGER"].dt for alarm in visit.walk("VALARM")) == [
        timedelta(minutes=-60),
        timedelta(minutes=-15),
    ]


def test_the_uid_of_a_task_stays_the_same_between_reads(client, alice):
    create_task(actor=alice, title="Call", due_at=ahead())
    path = create_feed(actor=alice)
    first = read(client, path).walk("VEVENT")[0]["UID"]
    assert read(client, path).walk("VEVENT")[0]["UID"] == first


def test_a_series_is_one_event_with_its_rule_and_skipped_occurrences(client, alice):
    alice.time_zone = "Europe/Paris"
    alice.save()
    series = create_task(actor=alice, title="Standup", due_at=ahead(), repeat=Repeat("WEEKLY", weekdays=("MO", "WE")))
    second = occurrences(series, series.due_at, series.due_at + timedelta(days=14))[1]
    reschedule_task(actor=alice, task=series, due_at=second + timedelta(hours=3), occurrence=second)
    calendar = read(client, create_feed(actor=alice))
    events = [event for event in calendar.walk("VEVENT") if str(event["SUMMARY"]) == "Standup"]
    assert len(events) == 2  # the series and the occurrence moved out of it
    [rule_event] = [event for event in events if "RRULE" in event]
    rule = rule_event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "WE"]
    assert rule_event.start.tzinfo is not None and str(rule_event["DTSTART"].params["TZID"]) == "Europe/Paris"
    skipped = [moment.dt for exdate in _as_list(rule_event["EXDATE"]) for moment in exdate.dts]
    assert [moment.astimezone(UTC) for moment in skipped] == [second]
    assert calendar.walk("VTIMEZONE")


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_a_counted_series_shows_what_is_left_of_it(client, alice):
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(days=1, hours=1)
    series = create_task(actor=alice, title="Five calls", due_at=moment, repeat=Repeat("DAILY", count=5))
    complete_task(actor=alice, task=series)  # the first is done; the next one after now is the third
    calendar = read(client, create_feed(actor=alice))
    events = events_by_title(calendar)
    assert events["Five calls"]["RRULE"]["COUNT"] == [3]
    assert "Done: Five calls" in events


def test_all_day_tasks_have_dates(client, alice):
    day = (timezone.now() + timedelta(days=3)).date()
    create_task(actor=alice, title="Trade fair", due_at=day, all_day=True)
    create_task(
        actor=alice, title="Holidays", due_at=day, all_day=True, repeat=Repeat("DAILY", until=day + timedelta(days=4))
    )
    events = events_by_title(read(client, create_feed(actor=alice)))
    fair = events["Trade fair"]
    assert fair.start == day and type(fair.start) is date
    assert fair.end == day + timedelta(days=1)
    until = events["Holidays"]["RRULE"]["UNTIL"][0]
    assert type(until) is date and until == day + timedelta(days=4)


def test_done_tasks_stay_marked_done_without_alarms_and_cancelled_and_old_ones_go(client, alice):
    done = create_task(actor=alice, title="Quote sent", due_at=ahead(), reminders=[10])
    complete_task(actor=alice, task=done, result="Sent by mail")
    cancel_task(actor=alice, task=create_task(actor=alice, title="Called off", due_at=ahead()))
    old = timezone.now() - timedelta(days=90)
    create_task(actor=alice, title="Long ago", due_at=old)
    events = events_by_title(read(client, create_feed(actor=alice)))
    assert set(events) == {"Done: Quote sent"}
    quote = events["Done: Quote sent"]
    assert not quote.walk("VALARM")
    assert "Sent by mail" in str(quote["DESCRIPTION"])


def test_the_feed_speaks_the_employees_language(client, alice):
    alice.language = "fr"
    alice.save()
    create_task(actor=alice, title="Banque", kind="call", due_at=ahead())
    [event] = read(client, create_feed(actor=alice)).walk("VEVENT")
    assert str(event["SUMMARY"]) != "Call: Banque"  # the kind is translated (once the catalogue has it)
    assert str(event["SUMMARY"]).endswith("Banque")


# The section of the calendar page


def test_the_section_makes_the_address_and_shows_it_once(client, alice):
    client.force_login(alice)
    response = client.post(reverse("planner:calendar_feed_reset"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="calendar-feed"' in html
    assert "http://testserver/planner/feed/" in html and "webcal://testserver/planner/feed/" in html
    assert "http://testserver/planner/feed/" not in client.get(reverse("planner:calendar")).content.decode()
    assert "Stop the address" in client.get(reverse("planner:calendar")).content.decode()


def test_without_javascript_the_address_shows_on_a_page_of_its_own(client, alice):
    client.force_login(alice)
    response = client.post(reverse("planner:calendar_feed_reset"))
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert "/planner/feed/" in response.content.decode()


def test_the_section_revokes_the_address(client, alice):
    client.force_login(alice)
    create_feed(actor=alice)
    response = client.post(reverse("planner:calendar_feed_revoke"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()
    assert client.post(reverse("planner:calendar_feed_revoke")).status_code == 404
