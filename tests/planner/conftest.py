"""Helpers shared by the planner's task tests: a fixed "now" ahead of the real one, and task factories."""

from datetime import UTC, datetime, timedelta

import pytest

from carte.planner.services import create_task


def hour_from_now(hours: float = 1) -> datetime:
    """A whole minute some hours from the real clock (services compare with timezone.now())."""
    moment = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=hours)
    return moment


def plan(actor, title="Call back", hours: float = 24, **more):
    values = {"title": title, "due_at": hour_from_now(hours)} | more
    return create_task(actor=actor, **values)


@pytest.fixture
def alices_task(alice):
    return plan(alice, "Send the quote")
