"""The global search over the API: the same providers, the same policy as the search page."""

from django.utils.translation import gettext as _
from ninja import Query, Router

from carte.core.api import PageOut, paged
from carte.core.errors import Invalid
from carte.core.listing import page_of
from carte.workspace import notifications, queries
from carte.workspace.schemas import (
    NotificationFilters,
    NotificationOut,
    NotificationsReadIn,
    NotificationsReadOut,
    SearchHitOut,
)

router = Router(tags=["search"])


@router.get("/search", response=list[SearchHitOut], summary="Search every module")
def search(
    request,
    q: str,
    limit: int = Query(queries.SEARCH_DEFAULT_LIMIT, ge=1, le=queries.SEARCH_MAX_LIMIT),
):
    """Clients and other records whose name, phone, email or tax id match `q` (at least 2 characters),
    best matches first; at most `limit` hits from each module, only those the caller may see."""
    return queries.search_everything(request.auth, q, limit)


@router.get(
    "/notifications", response=PageOut[NotificationOut], summary="List your notifications", tags=["notifications"]
)
def list_notifications(request, filters: Query[NotificationFilters]):
    """Your notifications, newest first; `unread=true` for the unread ones only. Nobody sees another's."""
    page = page_of(notifications.notifications_of(request.auth, unread=filters.unread), filters.page, filters.page_size)
    return paged(page, page.items)


@router.post(
    "/notifications/read", response=NotificationsReadOut, summary="Mark notifications read", tags=["notifications"]
)
def read_notifications(request, body: NotificationsReadIn):
    """Mark the given notifications (`ids`) or all of them (`all: true`) read."""
    if body.all:
        marked = notifications.mark_all_read(actor=request.auth)
    elif body.ids:
        marked = notifications.mark_read(actor=request.auth, ids=body.ids)
    else:
        raise Invalid(errors={"ids": [_("Give the notifications to mark read, or all: true.")]})
    return {"marked": marked, "unread": notifications.unread_count(request.auth)}
