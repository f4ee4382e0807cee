"""Rows of the rights matrix for monthly sales targets.

Everyone who sees deals reads the targets page (each sees the people their right reaches);
only managers set targets — Ada and Mia for Alice, who is in Mia's department.
"""

from tests.rights import EVERYONE, MANAGERS, row

TARGET = {"employee": "alice", "month": "2026-11", "deals": "3", "amount": "1000"}
TARGET_API = {"employee_id": "alice", "month": "2026-11-01", "deals": 3, "amount": "1000"}

ROWS = [
    row("sales:target_list", allowed=EVERYONE),
    row("sales:target_list", query="?month=2026-11"),
    row("sales:target_set", "POST", allowed=MANAGERS, data=TARGET),
    row("GET /api/v1/targets", allowed=EVERYONE),
    row("GET /api/v1/targets", query="?month=2026-11-01"),
    row("PUT /api/v1/targets", "PUT", allowed=MANAGERS, data=TARGET_API),
]


def records(world: dict) -> dict:
    return {}
