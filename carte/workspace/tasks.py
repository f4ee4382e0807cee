"""Background jobs of the workspace: notifications sent by email (run by `carte worker`)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from carte.workspace.models import Notification
from carte.workspace.notifications import in_language_of

log = logging.getLogger(__name__)


def email_of(notification: Notification) -> tuple[str, str]:
    """The subject and text of a notification's email, in its recipient's language."""
    with in_language_of(notification.recipient):
        lines = [notification.title]
        if notification.body:
            lines += ["", notification.body]
        if notification.link:
            lines += ["", _("Open it in Carte: %(url)s") % {"url": settings.BASE_URL + notification.link}]
        lines += [
            "",
            "-- ",
            _("You receive notifications by email because you asked for them in your profile: %(url)s")
            % {"url": settings.BASE_URL + reverse("accounts:profile")},
        ]
        return _("Carte: %(title)s") % {"title": notification.title}, "\n".join(lines)


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> None:
    """Email one notification to its recipient, once (a retry after a sent mail sends nothing)."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return
    recipient = notification.recipient
    if not (recipient.is_active and recipient.notify_by_email and recipient.email):
        return
    subject, text = email_of(notification)
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
