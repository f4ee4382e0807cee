"""The notification screens: the live event stream, the bell of the notification bar, the list page.

The stream (`events`) is server-sent events for the logged-in employee. Under ASGI (`carte
serve`) its body is an async iterator: a waiting browser holds no thread and no database
connection, only a Listener in the process's hub (carte.core.live). Under WSGI (the
development server, the tests' live server) Django would read an async iterator to its end
before sending anything, so the body is a plain generator there, which ends after a few
minutes so that the thread is freed (the browser's EventSource reconnects by itself). Both
kinds end after STREAM_LIFETIME anyway: a logged-out or deactivated employee stops receiving.

`?once=1` answers at once with what the stream would send first (the retry hint and, after a
Last-Event-ID, what was missed) and ends: for checks and the rights matrix.
"""

import json
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.backups import queries as backups
from carte.clients.views.lists import page_numbers
from carte.core import live
from carte.core.errors import Invalid
from carte.core.htmx import is_fragment
from carte.core.listing import page_of
from carte.workspace import notifications
from carte.workspace.models import Notification

RETRY_MS = 3000  # how long a browser waits before reconnecting
PING_EVERY = 15.0  # seconds between two comment lines (proxies close silent connections)
STREAM_LIFETIME = 300.0  # seconds before the server ends a stream (the browser reconnects)
PAGE_SIZE = 30


# ---------------------------------------------------------------------------------------------
# The event stream
# ---------------------------------------------------------------------------------------------


def frame(message: live.Message) -> bytes:
    """One server-sent event: its id (database transport) and its JSON payload on one line."""
    lines = [] if message.id is None else [f"id: {message.id}"]
    lines.append("data: " + json.dumps(message.payload, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


PING = b": ping\n\n"


def _last_id(request) -> int | None:
    value = request.headers.get("Last-Event-ID") or request.GET.get("last_id") or ""
    try:
        return int(value)
    except ValueError:
        return None


def _opening(recipient_id: int, last_id: int | None) -> tuple[bytes, int]:
    """The first bytes of a stream (retry hint, missed messages) and the last id they hold."""
    chunks, seen = [f"retry: {RETRY_MS}\n\n".encode()], last_id or 0
    if last_id is not None:
        for message in live.missed_since(recipient_id, last_id):
            chunks.append(frame(message))
            seen = max(seen, message.id or 0)
    return b"".join(chunks), seen


def _is_new(message: live.Message, seen: int) -> bool:
    """A message already replayed from the database is not sent twice."""
    return message.id is None or message.id > seen


def _sync_stream(recipient_id: int, last_id: int | None) -> Iterator[bytes]:
    listener = live.listen(recipient_id)  # before reading what was missed: nothing falls in between
    try:
        opening, seen = _opening(recipient_id, last_id)
        yield opening
        started = next_ping = time.monotonic()
        next_ping += PING_EVERY
        while (now := time.monotonic()) - started < STREAM_LIFETIME:
            message = listener.get(timeout=max(0.0, min(next_ping, started + STREAM_LIFETIME) - now))
            if message is not None and _is_new(message, seen):
                yield frame(message)
            elif message is None and time.monotonic() >= next_ping:
                next_ping = time.monotonic() + PING_EVERY
                yield PING
    finally:
        listener.close()


async def _async_stream(recipient_id: int, last_id: int | None) -> AsyncIterator[bytes]:
    listener = await live.alisten(recipient_id)
    try:
        opening, seen = await sync_to_async(_opening)(recipient_id, last_id)
        # The session and the replay are read: give the connection back while the browser waits.
        await sync_to_async(connections.close_all)()
        yield opening
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < STREAM_LIFETIME:
            message = await listener.aget(timeout=min(PING_EVERY, STREAM_LIFETIME - elapsed))
            if message is None:
                yield PING
            elif _is_new(message, seen):
                yield frame(message)
    finally:
        listener.close()


def _once(recipient_id: int, last_id: int | None) -> Iterator[bytes]:
    yield _opening(recipient_id, last_id)[0]


async def _async_once(recipient_id: int, last_id: int | None) -> AsyncIterator[bytes]:
    yield (await sync_to_async(_opening)(recipient_id, last_id))[0]


@require_GET
def events(request):
    """Server-sent events for the logged-in employee: {"type": "notification", …}, {"type": "call", …}, …"""
    recipient_id, last_id = request.user.pk, _last_id(request)
    # Under ASGI the body must be an async iterator, or Django would hold a thread to read it.
    if isinstance(request, ASGIRequest):
        body = (_async_once if request.GET.get("once") else _async_stream)(recipient_id, last_id)
    else:
        body = (_once if request.GET.get("once") else _sync_stream)(recipient_id, last_id)
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the events back
    return response


# ---------------------------------------------------------------------------------------------
# The bell and the list
# ---------------------------------------------------------------------------------------------


def _bell(request):
    context = {
        "unread": notifications.unread_count(request.user),
        "latest": notifications.latest_unread(request.user),
        # For who may see backups: the last backup and verification, and a warning when either is late or failed.
        "backups": backups.status_for(request.user),
    }
    return render(request, "workspace/notification_bell.html", context)


@require_GET
def notification_bell(request):
    """The bell of the notification bar: the unread count and the latest unread (two queries); for
    administrators also how backups stand (four more), loaded after the page like the rest of the bell."""
    return _bell(request)


@require_GET
def notification_list(request):
    """All or only the unread notifications of the employee, newest first, paged."""
    unread = request.GET.get("show") == "unread"
    page = page_of(notifications.notifications_of(request.user, unread=unread), request.GET.get("page"), PAGE_SIZE)
    context = {
        "page": page,
        "page_numbers": page_numbers(page),
        "unread_only": unread,
        "unread": notifications.unread_count(request.user),
    }
    template = "workspace/notifications.html#results" if is_fragment(request) else "workspace/notifications.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _inside(request, target: str) -> str:
    """`target` when it is a page of this site, else the list of notifications."""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("workspace:notifications")


@require_POST
def notifications_read(request):
    """Mark read: all ("all"), one ("only") or the ticked ones ("ids"). The bell answers htmx; a form goes back."""
    if request.POST.get("all"):
        notifications.mark_all_read(actor=request.user)
    else:
        ids = [request.POST["only"]] if request.POST.get("only") else request.POST.getlist("ids")
        if not ids:
            raise Invalid(_("Tick the notifications to mark as read."))
        notifications.mark_read(actor=request.user, ids=ids)
    if is_fragment(request) and request.POST.get("part") == "bell":
        return _bell(request)
    return HttpResponseRedirect(_inside(request, request.POST.get("next") or ""))


@require_GET
def notification_open(request, pk: int):
    """Open what a notification is about, marking it read (only one's own: 404 otherwise)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notifications.mark_read(actor=request.user, ids=[notification.pk])
    return HttpResponseRedirect(_inside(request, notification.link))
