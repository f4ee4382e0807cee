"""End to end, in headless Chromium: a phone call from the outside world to the planner and the phone's calendar.

A signed webhook says that a client is calling Alice's extension: her open workspace pops up
the caller's card. Nobody answers: the phone system says the call ended, and the callback task
is in her planner and on her week calendar. Her calendar's private address gives an iCalendar
feed that the `icalendar` library reads. Screenshots: the pop-up and the week.
"""

import json
import time
import urllib.request
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from carte.calls.models import Call, Connection
from carte.calls.signing import sign
from carte.clients import services as client_services
from carte.core.testing import make_personas
from carte.planner.models import Task
from carte.planner.services import create_task
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SECRET = "journey-secret"


def post_event(live_server, **event) -> dict:
    """What the phone system does: a signed POST of one event to the connection's webhook."""
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/telephony/office/events",
        data=body,
        headers={"Content-Type": "application/json", **sign(SECRET, body).headers()},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
        return json.load(answer)


def plan_a_working_week(alice, client):
    """A few tasks in office hours around today, so that the week's screenshot shows a plan."""
    paris = ZoneInfo("Europe/Paris")
    today = timezone.localdate(timezone=paris)
    plans = [
        (-2, 10, "Quote for the new ovens", "task", 60),
        (-1, 14, "Meeting with the supplier", "meeting", 90),
        (0, 9, "Team meeting", "meeting", 45),
        (0, 15, "Send the price list", "email", 30),
        (1, 11, "Call the accountant", "call", 30),
        (2, 16, "Delivery review", "meeting", 60),
    ]
    for offset, hour, title, kind, minutes in plans:
        due = datetime.combine(today + timedelta(days=offset), dtime(hour), tzinfo=paris)
        create_task(actor=alice, title=title, kind=kind, due_at=due, duration=minutes, client=client)


def test_an_incoming_call_pops_up_and_a_missed_one_lands_in_the_planner(live_server, page):
    people = make_personas()
    alice = people["alice"]
    alice.phone_extension, alice.time_zone = "101", "Europe/Paris"
    alice.save(update_fields=["phone_extension", "time_zone"])
    Connection.objects.create(name="Office PBX", key="office", secret=SECRET)
    bakery = client_services.create_client(
        actor=alice, name="Alice's Bakery", status="customer", phones=[{"kind": "work", "number": "+33 1 42 68 53 00"}]
    )
    create_task(actor=alice, title="Visit the bakery", kind="meeting", due_at=timezone.now() + timedelta(hours=2))
    plan_a_working_week(alice, bakery)
    problems = log_in(page, live_server, "alice")
    page.locator("html[data-live='connected']").wait_for(state="attached")  # the stream is open (no eval: CSP)

    sent = time.monotonic()
    post_event(
        live_server, event="ringing", call_id="pbx-1", direction="in", **{"from": "01 42 68 53 00"}, extension="101"
    )
    popup = page.get_by_role("dialog")
    popup.get_by_text("Alice's Bakery").first.wait_for(timeout=5000)
    shown_after = time.monotonic() - sent
    assert shown_after < 2, f"the pop-up took {shown_after:.2f} s"  # the benchmark measures the 1 s target
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "call-popup.png"))

    post_event(live_server, event="ended", call_id="pbx-1", cause="no_answer")
    popup.wait_for(state="hidden", timeout=8000)
    call = Call.objects.get()
    assert (call.status, call.client_id, call.employee_id) == ("missed", bakery.pk, alice.pk)
    callback = Task.objects.get(pk=call.callback_task_id)

    page.goto(f"{live_server.url}/planner/tasks/")
    row = page.locator(".task-title", has_text=callback.title)
    row.wait_for()
    assert callback.title == "Call back Alice's Bakery"

    page.goto(f"{live_server.url}/planner/calendar/?view=week")
    page.get_by_text("Call back Alice's Bakery").first.wait_for()
    page.get_by_text("Visit the bakery").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "week-calendar.png"), full_page=True)

    page.get_by_role("button", name="Make my calendar address").click()
    address = page.locator("#calendar-feed-address").input_value()
    with urllib.request.urlopen(address if address.startswith("http") else live_server.url + address) as feed:
        assert feed.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(feed.read())
    titles = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert {"Call: Call back Alice's Bakery", "Meeting: Visit the bakery"} <= titles
    assert problems == [], problems
