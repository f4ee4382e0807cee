"""Notifications: what an employee should know now, kept with read / unread, pushed live and
optionally by email.

`services` writes them (notify, mark_read, mark_all_read); `queries` reads an employee's own;
`subscribers` turns the other domains' events (tasks, notes, calls, deals) into them.
"""

from carte.workspace.notifications.queries import latest_unread, notifications_of, unread_count
from carte.workspace.notifications.services import in_language_of, mark_all_read, mark_read, notify

__all__ = [
    "in_language_of",
    "latest_unread",
    "mark_all_read",
    "mark_read",
    "notifications_of",
    "notify",
    "unread_count",
]
