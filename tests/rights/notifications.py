"""Rows of the rights matrix for notifications and the live event stream.

Notifications are never anyone else's: every logged-in employee reads and marks their own,
whatever their role. Each persona has one unread notification in the world, so "mark all
read" changes something for each; Alice's notification is hidden from everyone else.
The stream answers at once with `?once=1` (its opening only) so that the matrix can call it.
"""

from carte.workspace.models import Notification
from tests.rights import EVERYONE, row

ALICES = ("@alices_notification",)

ROWS = [
    row("workspace:events", query="?once=1"),
    row("workspace:notifications"),
    row("workspace:notifications", query="?show=unread&page=1"),
    row("workspace:notification_bell"),
    row("workspace:notifications_read", "POST", data={"all": "1"}),
    row(
        "workspace:notifications_read",
        "POST",
        allowed={"alice"},
        hidden=EVERYONE - {"alice"},
        data={"ids": ["@alices_notification"]},
    ),
    row("workspace:notification_open", allowed={"alice"}, hidden=EVERYONE - {"alice"}, args=ALICES),
    row("GET /api/v1/notifications"),
    row("GET /api/v1/notifications", query="?unread=true&page=1&page_size=10"),
    row("POST /api/v1/notifications/read", "POST", data={"all": True}),
    row(
        "POST /api/v1/notifications/read",
        "POST",
        allowed={"alice"},
        hidden=EVERYONE - {"alice"},
        data={"ids": ["@alices_notification"]},
    ),
]


def records(world: dict) -> dict:
    notifications = {
        name: Notification.objects.create(recipient=world[name], kind="assigned", title=f"For {name}", link="/")
        for name in sorted(EVERYONE)
    }
    return {"alices_notification": notifications["alice"]}
