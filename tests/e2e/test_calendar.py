"""In real headless Chromium: the week calendar opens at 8:00, a click on a slot plans a task in
the dialog, a dragged task moves, the month shows "+k more", and the day view fits a phone.

Proves carte/static/carte/calendar.js works with htmx and the CSP (no console error); keeps
screenshots of the week, the month and the phone's day in var/screenshots/.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carte.planner.models import Task
from carte.planner.recurrence import Repeat
from carte.planner.services import create_task
from tests.e2e.steps import SCREENSHOTS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def next_monday(hour: int = 9) -> datetime:
    today = timezone.now().date() + timedelta(days=7)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=UTC)


def test_the_week_plans_and_moves_tasks_by_click_and_drag(live_server, page, alice, alices_client):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    monday = next_monday()
    visit = create_task(actor=alice, title="Visit the bakery", kind="meeting", due_at=monday, duration=90)
    create_task(actor=alice, title="Call the bank", kind="call", due_at=monday + timedelta(minutes=30))
    create_task(actor=alice, title="Standup", due_at=monday.replace(hour=8), duration=15, repeat=Repeat("DAILY"))
    create_task(actor=alice, title="Trade fair", due_at=monday.date() + timedelta(days=2), all_day=True)
    late = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    create_task(actor=alice, title="Late call", kind="call", due_at=late, client=alices_client)
    problems = log_in(page, live_server, "alice")

    page.goto(f"{live_server.url}/planner/calendar/?view=week&date={monday.date().isoformat()}")
    grid = page.locator("[data-cal-scroll]")
    assert grid.evaluate("box => box.scrollTop") > 0  # opened at 8:00
    page.screenshot(path=str(SCREENSHOTS / "calendar-week.png"), full_page=True)

    # A click on an empty slot plans a task in the dialog.
    page.locator(f"[data-drop-at='{(monday + timedelta(days=1)).date().isoformat()}T14:00']").click()
    dialog = page.locator("#calendar-dialog")
    dialog.locator("#id_title").wait_for()
    dialog.locator("#id_title").fill("Sign the contract")
    dialog.get_by_role("button", name="Plan").click()
    page.locator(".cal-chip", has_text="Sign the contract").wait_for()
    assert not dialog.is_visible()
    planned = Task.objects.get(title="Sign the contract")
    assert planned.due_at == monday + timedelta(days=1, hours=5)

    # Dragging a task to another slot moves it.
    chip = page.locator(f"[data-move-url$='/{visit.pk}/move/']").first
    target = page.locator(f"[data-drop-at='{(monday + timedelta(days=3)).date().isoformat()}T11:00']")
    target.scroll_into_view_if_needed()
    chip.drag_to(target)
    page.locator(".message", has_text="moved to").wait_for()
    visit.refresh_from_db()
    assert visit.due_at == monday + timedelta(days=3, hours=2)

    page.goto(f"{live_server.url}/planner/calendar/?view=month&date={monday.date().isoformat()}")
    page.locator(".cal-month").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "calendar-month.png"), full_page=True)
    title = page.locator("#cal-title").inner_text()
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#cal-title")).not_to_have_text(title)  # no wait_for_function: its polling is eval (CSP)
    assert "date=" in page.url

    # The address for the phone is made and shown once, with a field to copy it.
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.locator("#calendar-feed-address")
    address.wait_for()
    assert "/planner/feed/" in address.input_value()

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/planner/calendar/?view=day&date={monday.date().isoformat()}")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(SCREENSHOTS / "calendar-day-phone.png"))
    assert width <= 375
    assert problems == []
