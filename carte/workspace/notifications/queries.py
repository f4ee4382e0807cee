"""Reading notifications: an employee reads their own, never anyone else's (no policy needed)."""

from django.db.models import QuerySet

from carte.workspace.models import Notification

BAR_SIZE = 5  # unread notifications the bar lists


def notifications_of(user, *, unread: bool = False) -> QuerySet[Notification]:
    """The employee's notifications, newest first (indexed: recipient, -id; unread is a partial index)."""
    found = Notification.objects.filter(recipient=user)
    if unread:
        found = found.filter(read_at=None)
    return found.order_by("-id")


def unread_count(user) -> int:
    """How many of the employee's notifications are unread: one count on the partial index."""
    return notifications_of(user, unread=True).count()


def latest_unread(user, limit: int = BAR_SIZE) -> list[Notification]:
    """The newest unread notifications, for the bar."""
    return list(notifications_of(user, unread=True)[:limit])
