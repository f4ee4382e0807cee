"""Making notifications and marking them read.

A notification is written in its recipient's language and time zone (it is read by them
only), pushed at once to their open browsers through the live channel, and, when they chose
so in their profile, sent by email by the job worker. A phone system or a scheduler that
repeats an event must not ring twice: an identical notification (same kind, link, title and
text) made in the last ten minutes is not made again.

Reading one's own notifications is not audited: it changes nothing anybody else sees.
"""

import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carte.core import live
from carte.core.errors import Invalid, NotFound
from carte.workspace.models import Notification
from carte.workspace.notifications.queries import notifications_of, unread_count

REPEAT_WINDOW = timedelta(minutes=10)
TITLE_LENGTH: int = Notification._meta.get_field("title").max_length or 300
BODY_LENGTH: int = Notification._meta.get_field("body").max_length or 500
LINK_LENGTH: int = Notification._meta.get_field("link").max_length or 300
MARK_LIMIT = 500  # ids accepted by one mark_read


@contextmanager
def in_language_of(employee) -> Iterator[None]:
    """Speak the employee's language and use their time zone for the block (texts made for them)."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(employee, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(getattr(employee, "language", "") or settings.LANGUAGE_CODE), timezone.override(zone):
        yield


def _clip(text, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload_of(notification: Notification, unread: int) -> dict:
    """What the live channel carries for a new notification."""
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "unread": unread,
    }


@dataclass(frozen=True)
class Draft:
    """A notification to make: for whom, what kind, its texts (made in their language) and its link."""

    recipient: object
    kind: str
    title: object
    body: object = ""
    link: str = ""


@transaction.atomic
def make_notifications(drafts: list[Draft]) -> list[tuple[Notification, bool]]:
    """Make several notifications at once (a phone system's batch of calls): one read for the repeats,
    one insert, one unread count per recipient. For each draft, the notification and whether it is
    new (False: the same one was made in the last ten minutes, and it was not made again)."""
    rows = []
    for draft in drafts:
        if draft.kind not in Notification.Kind.values:
            raise ValueError(f"Unknown notification kind {draft.kind!r}")
        with in_language_of(draft.recipient):
            title, body = _clip(draft.title, TITLE_LENGTH), _clip(draft.body, BODY_LENGTH)
        link = draft.link if len(draft.link) <= LINK_LENGTH else ""
        rows.append(Notification(recipient=draft.recipient, kind=draft.kind, title=title, body=body, link=link))
    made: dict[tuple, Notification] = {_same(row): row for row in _recent_like(rows)}
    fresh = []
    for row in rows:
        if _same(row) not in made:
            made[_same(row)] = row
            fresh.append(row)
    Notification.objects.bulk_create(fresh)
    unread = dict(
        Notification.objects.filter(recipient__in={row.recipient_id for row in fresh}, read_at=None)
        .order_by()
        .values_list("recipient")
        .annotate(count=Count("id"))
    )
    for row in fresh:
        live.publish(row.recipient_id, payload_of(row, unread.get(row.recipient_id, 0)))
        if row.recipient.notify_by_email and row.recipient.email:
            transaction.on_commit(partial(_queue_email, row.pk), robust=True)
    return [(made[_same(row)], row in fresh) for row in rows]


def _same(row: Notification) -> tuple:
    return (row.recipient_id, row.kind, row.link, row.title, row.body)


def _recent_like(rows: list[Notification]) -> list[Notification]:
    """The notifications of the last ten minutes that these would repeat (one query)."""
    if not rows:
        return []
    return list(
        Notification.objects.filter(
            recipient__in={row.recipient_id for row in rows},
            kind__in={row.kind for row in rows},
            link__in={row.link for row in rows},
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).order_by("id")  # the newest of equal ones last: it is the one kept
    )


def make_notification(*, recipient, kind: str, title, body="", link: str = "") -> tuple[Notification, bool]:
    """`notify`, also saying whether the notification is new (False: the same one was made just before)."""
    return make_notifications([Draft(recipient, kind, title, body, link)])[0]


def _queue_email(notification_id: int) -> None:
    from carte.workspace.tasks import send_notification_email  # the job module imports this one

    send_notification_email(notification_id)


def notify(*, recipient, kind: str, title, body="", link: str = "") -> Notification:
    """Tell an employee something now: the row, a live message to their browsers, and an email
    when they asked for notifications by email.

    `title` and `body` may be lazy translations (gettext_lazy): they are rendered in the
    recipient's language. `link` is a path in Carte ("/clients/42/") that opens what it is about.
    """
    return make_notification(recipient=recipient, kind=kind, title=title, body=body, link=link)[0]


def _ids(ids: Iterable) -> list[int]:
    try:
        found = sorted({int(value) for value in ids})
    except (TypeError, ValueError):
        raise Invalid(errors={"ids": [_("Give the numbers of the notifications.")]}) from None
    if len(found) > MARK_LIMIT:
        raise Invalid(errors={"ids": [_("At most %(count)d notifications at once.") % {"count": MARK_LIMIT}]})
    return found


def _tell_other_tabs(actor) -> None:
    """The employee's other open pages update their count."""
    live.publish(actor.pk, {"type": "read", "unread": unread_count(actor)})


@transaction.atomic
def mark_read(*, actor, ids: Iterable) -> int:
    """Mark some of the actor's own notifications read (already read ones stay as they are).

    Returns how many changed. An id that is not one of the actor's is NotFound (someone
    else's notifications are not even said to exist), and then nothing is marked.
    """
    found = _ids(ids)
    if notifications_of(actor).filter(pk__in=found).count() != len(found):
        raise NotFound()
    changed = notifications_of(actor, unread=True).filter(pk__in=found).update(read_at=timezone.now())
    if changed:
        _tell_other_tabs(actor)
    return changed


@transaction.atomic
def mark_all_read(*, actor) -> int:
    """Mark all the actor's notifications read. Returns how many changed."""
    changed = notifications_of(actor, unread=True).update(read_at=timezone.now())
    if changed:
        _tell_other_tabs(actor)
    return changed
