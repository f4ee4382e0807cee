"""Rows of the rights matrix for the calendar.

Everyone opens their own calendar. A department's calendar opens for those whose "tasks /
view" scope reaches it: Ada (all), Mia (North's manager) and Rita (reads everything); the
sellers are refused. Alice's calendar opens for her, Ada, Mia and Rita. Moving Alice's task
follows the task's rights: Ada, Mia and Alice move it, Rita only reads it, Bob and Charlie
do not see it. Everyone but Rita plans from the calendar. Each employee makes, resets and
stops their own calendar address (the feed itself is public: reached by its token alone).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from carte.planner.services import create_task
from carte.planner.services.feeds import create_feed
from tests.rights import CREATORS, EVERYONE, Row, World, row

WHOLE_DEPARTMENT = {"ada", "mia", "rita"}
SEE_ALICE = {"ada", "mia", "alice", "rita"}
MOVE = {"ada", "mia", "alice"}
HIDDEN = {"bob", "charlie"}
QUICK = {"title": "Matrix", "kind": "task", "due": "2030-01-07T09:00", "duration": "30"}
WINDOW = "?start=2030-01-07&end=2030-01-13"


@dataclass(frozen=True)
class RowNamingRecords(Row):
    """A row whose query string names records of the world ("?department=@north")."""

    def url(self, world: World) -> str:
        return re.sub(r"@(\w+)", lambda found: str(world.record(found.group(1)).pk), super().url(world))


def named(*args, **kwargs) -> RowNamingRecords:
    plain = row(*args, **kwargs)
    return RowNamingRecords(**{name: getattr(plain, name) for name in plain.__dataclass_fields__})


ROWS = [
    row("planner:calendar"),
    row("planner:calendar", query="?view=month&date=2030-01-07"),
    named("planner:calendar", allowed=WHOLE_DEPARTMENT, query="?view=week&department=@north"),
    named("planner:calendar", allowed=SEE_ALICE, query="?view=day&date=2030-01-07&employee=@alice"),
    row("planner:calendar_new", allowed=CREATORS, query="?due=2030-01-07T09:00"),
    row("planner:calendar_new", "POST", allowed=CREATORS, data=QUICK),
    row(
        "planner:calendar_move",
        "POST",
        allowed=MOVE,
        hidden=HIDDEN,
        args=("@calendar_task",),
        data={"due": "2030-01-08T10:00"},
    ),
    row("planner:calendar_feed_reset", "POST"),
    row("planner:calendar_feed_revoke", "POST"),
    row("GET /api/v1/calendar", query=WINDOW),
    named("GET /api/v1/calendar", allowed=WHOLE_DEPARTMENT, query=f"{WINDOW}&department=@north"),
    named("GET /api/v1/calendar", allowed=SEE_ALICE, query=f"{WINDOW}&employee=@alice"),
    row("POST /api/v1/calendar/feed", "POST", allowed=EVERYONE),
    row("DELETE /api/v1/calendar/feed", "DELETE", allowed=EVERYONE),
]


def records(world: dict) -> dict:
    alice = world["alice"]
    task = create_task(actor=alice, title="Matrix visit", due_at=datetime(2030, 1, 7, 9, tzinfo=UTC))
    for persona in EVERYONE:  # each has an address to stop
        create_feed(actor=world[persona])
    return {"calendar_task": task}
