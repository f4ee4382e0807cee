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
from datetime import timedelta

from django.conf import settings
from django.db import transaction
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


@transaction.atomic
def make_notification(*, recipient, kind: str, title, body="", link: str = "") -> tuple[Notification, bool]:
    """`notify`, also saying whether the notification is new (False: the same one was made just before)."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    with in_language_of(recipient):
        title, body = _clip(title, TITLE_LENGTH), _clip(body, BODY_LENGTH)
    link = link if len(link) <= LINK_LENGTH else ""
    repeated = (
        notifications_of(recipient)
        .filter(kind=kind, link=link, title=title, body=body, created_at__gte=timezone.now() - REPEAT_WINDOW)
        .first()
    )
    if repeated is not None:
        return repeated, False
    notification = Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, link=link)
    live.publish(recipient.pk, payload_of(notification, unread_count(recipient)))
    if recipient.notify_by_email and recipient.email:
        transaction.on_commit(lambda: _queue_email(notification.pk), robust=True)
    return notification, True


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
