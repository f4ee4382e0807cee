"""Rows of the rights matrix for reports: the adoption page, "Refresh now", and the API.

Everyone may open the adoption page and read the figures through the API: the built-in roles
all hold "view" in reports, with scope "own" (a seller, the reader), "department" (the manager)
or "all" (the administrator), and the queries narrow what each sees (tests/reports). Only the
administrator may refresh the figures; refreshing computes today's figures at once, so the
database changes.
"""

from tests.rights import ADMIN, row

ROWS = [
    row("reports:adoption"),
    row("reports:adoption", query="?period=custom&since=2026-01-01&until=2026-01-31"),
    row("reports:refresh", "POST", allowed=ADMIN),
    row("GET /api/v1/reports/adoption"),
    row("GET /api/v1/reports/adoption", query="?period=7"),
    row("GET /api/v1/reports/completeness"),
]


def records(world: dict) -> dict:
    """The rows act on no record of their own."""
    return {}
