from datetime import datetime

from ninja import Field, Schema

from carte.core.listing import DEFAULT_PAGE_SIZE


class SearchHitOut(Schema):
    """One result of the global search: what it is, its name, a detail line and where it opens."""

    kind: str
    title: str
    detail: str
    url: str


class NotificationOut(Schema):
    """One of your notifications: what it is about and where it opens (`link`, a path in Carte)."""

    id: int
    kind: str = Field(description="reminder, assigned, overdue, mention, incoming_call, missed_call or deal_stage.")
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class NotificationsReadIn(Schema):
    ids: list[int] = Field(
        default_factory=list, description="Your notifications to mark read (another's id: 404, nothing marked)."
    )
    all: bool = Field(False, description="Mark all your notifications read.")


class NotificationsReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int = Field(description="How many of yours are still unread.")
