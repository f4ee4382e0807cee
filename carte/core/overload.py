"""Admission limit: a web process works on CARTE_MAX_IN_FLIGHT requests at once; the next ones wait their
turn at most CARTE_MAX_WAIT_MS, then get 503 with Retry-After.

Pages cost CPU (rendering), and a process's requests share its CPU and the interpreter: the more
run at once, the slower each one, and the fewer answered per second (the benchmark's load check:
at 16 at once the answers took seconds). A few at a time keeps each request fast; a short wait
absorbs the bursts of everyday use (a page and the fragments it loads after it) without a
refusal; beyond it, under a real overload, the request is turned away at once and cheaply (no
session, no database) with a Retry-After that htmx and programs can honour.

A streamed answer (the live events stream, an export) leaves the count when its view returns,
not when the stream ends: open streams do not hold places. A limit of 0 turns it off.
"""

import asyncio
import threading

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 1


class InFlight:
    """The requests a process works on now, up to a limit; under WSGI, each request's own thread waits."""

    def __init__(self) -> None:
        self.count = 0
        self._turn = threading.Condition()

    def enter(self, limit: int, wait: float) -> bool:
        """Take a place, waiting at most `wait` seconds for one; False when none came free."""
        with self._turn:
            if limit and not self._turn.wait_for(lambda: self.count < limit, timeout=wait):
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._turn:
            self.count -= 1
            self._turn.notify()


class InFlightAsync:
    """The same count under ASGI: the waiting requests are coroutines of the event loop, not threads."""

    def __init__(self) -> None:
        self.count = 0
        self._turn: asyncio.Condition | None = None  # made in the event loop, at the first request

    async def enter(self, limit: int, wait: float) -> bool:
        self._turn = self._turn or asyncio.Condition()
        async with self._turn:
            if limit:
                try:
                    await asyncio.wait_for(self._turn.wait_for(lambda: self.count < limit), timeout=wait)
                except TimeoutError:
                    return False
            self.count += 1
            return True

    async def leave(self) -> None:
        assert self._turn is not None  # entered first
        async with self._turn:
            self.count -= 1
            self._turn.notify()


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
        self.wait = int(getattr(settings, "MAX_WAIT_MS", 0) or 0) / 1000
        self.in_flight = InFlight()
        self.in_flight_async = InFlightAsync()
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._answer_async(request)
        if not self.in_flight.enter(self.limit, self.wait):
            return busy()
        try:
            return self.get_response(request)
        finally:
            self.in_flight.leave()

    async def _answer_async(self, request):
        if not await self.in_flight_async.enter(self.limit, self.wait):
            return busy()
        try:
            return await self.get_response(request)
        finally:
            await self.in_flight_async.leave()
