"""The private calendar address an employee gives their phone: create (or reset) it, revoke it,
and find whose it is when a phone asks.

The address holds a random token; only its SHA-256 digest is kept (CalendarFeed.digest), so
the address is shown once, when it is made. Making a new one replaces the old digest: the old
address stops working at once.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.accounts.models import Employee
from carte.core import audit, policy
from carte.core.audit import Verb
from carte.core.errors import NotAllowed
from carte.planner.models import CalendarFeed

# last_used_at is written at most this often: a phone that polls every few minutes costs no write each time.
FEED_TOUCH_INTERVAL = timedelta(minutes=15)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_calendar(actor: Employee) -> None:
    """A feed lists the actor's own tasks: anyone who may see tasks at all may have one."""
    if not policy.can_in_module(actor, "tasks", policy.Action.VIEW, policy.Scope.OWN):
        raise NotAllowed(_("You do not have the right to see tasks, so you cannot have a calendar address."))


@transaction.atomic
def create_feed(*, actor: Employee) -> str:
    """Make the actor a new calendar address, replacing the old one; returns its path
    ("/planner/feed/<token>.ics"), which is never stored and cannot be shown again."""
    _require_calendar(actor)
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        employee=actor, defaults={"digest": digest_of(token)}
    )
    if created:
        audit.record(actor, Verb.CREATE, feed)
    else:
        before = str(feed.created_at)
        feed.digest = digest_of(token)
        feed.created_at = timezone.now()
        feed.last_used_at = None
        feed.save(update_fields=["digest", "created_at", "last_used_at"])
        audit.record(actor, Verb.UPDATE, feed, changes={"created_at": [before, str(feed.created_at)]})
    return reverse("planner:calendar_feed", args=[token])


@transaction.atomic
def revoke_feed(*, actor: Employee) -> bool:
    """Stop the actor's calendar address from working; False when they had none."""
    feed = CalendarFeed.objects.select_for_update().filter(employee=actor).first()
    if feed is None:
        return False
    audit.record(actor, Verb.DELETE, feed)
    feed.delete()
    return True


def feed_of(employee: Employee) -> CalendarFeed | None:
    """The employee's calendar address record (when it was made and last used), or None."""
    return CalendarFeed.objects.filter(employee=employee).first()


def employee_for_feed(token: str) -> Employee | None:
    """The active employee whose calendar address holds this token, or None (unknown, revoked, or
    an employee who left); notes when the address was last used."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("employee")
        .filter(digest=digest_of(token), employee__is_active=True)
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= FEED_TOUCH_INTERVAL:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
    return feed.employee
