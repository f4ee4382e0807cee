"""Admission limit: beyond CARTE_MAX_IN_FLIGHT requests at once in this process, answer 503 with Retry-After.

Under ASGI, Django runs each request's code on a thread of its own, and each such thread opens
a database connection of its own: without a bound, a burst of requests opens as many threads
and connections as arrive (PostgreSQL refuses connections beyond its max_connections and every
request fails with a 500), and every request slows down together. With the bound, the requests
beyond it are turned away at once, cheaply (no session, no database), with a Retry-After that
browsers' htmx and programs can honour, and the requests admitted keep their speed.

A streamed answer (the live events stream, an export) leaves the count when its view returns,
not when the stream ends: open streams do not hold places. 0 turns the limit off.
"""

import threading

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 1


class InFlight:
    """The requests being answered by this process now, admitted up to a limit."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def enter(self, limit: int) -> bool:
        """Take a place; False when `limit` requests are already in flight (0: no limit)."""
        with self._lock:
            if limit and self.count >= limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


def busy() -> HttpResponse:
    """The refusal: 503, plain text in the user's language, and when to try again."""
    response = HttpResponse(
        _("The server is busy. Try again in a moment."), status=503, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class AdmissionLimit:
    """The middleware, first in the list; it runs in the event loop under ASGI, in the thread under WSGI."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = int(getattr(settings, "MAX_IN_FLIGHT", 0) or 0)
        self.in_flight = InFlight()
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._answer_async(request)
        if not self.in_flight.enter(self.limit):
            return busy()
        try:
            return self.get_response(request)
        finally:
            self.in_flight.leave()

    async def _answer_async(self, request):
        if not self.in_flight.enter(self.limit):
            return busy()
        try:
            return await self.get_response(request)
        finally:
            self.in_flight.leave()
