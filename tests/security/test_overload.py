"""The admission limit: CARTE_MAX_IN_FLIGHT requests at once; the next wait CARTE_MAX_WAIT_MS for a turn,
then 503 with Retry-After, nothing done."""

import asyncio
import threading
import time

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory

from carte.core import overload


@pytest.fixture
def limited(settings):
    settings.MAX_IN_FLIGHT = 2
    settings.MAX_WAIT_MS = 50
    calls = []

    def view(request):
        calls.append(request.path)
        return HttpResponse("ok")

    return overload.AdmissionLimit(view), calls


def test_a_request_beyond_the_limit_is_turned_away_with_retry_after(limited):
    middleware, calls = limited
    middleware.in_flight.count = 2  # two requests being answered

    response = middleware(RequestFactory().get("/clients/"))

    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert calls == [] and middleware.in_flight.count == 2


def test_a_request_within_the_limit_is_answered_and_gives_its_place_back(limited):
    middleware, calls = limited
    middleware.in_flight.count = 1

    assert middleware(RequestFactory().get("/clients/")).status_code == 200
    assert calls == ["/clients/"] and middleware.in_flight.count == 1


def test_a_request_beyond_the_limit_waits_for_a_place_that_comes_free(limited):
    middleware, calls = limited
    middleware.in_flight.count = 2
    middleware.wait = 5.0
    threading.Timer(0.05, middleware.in_flight.leave).start()  # one of the two requests ends

    started = time.monotonic()
    response = middleware(RequestFactory().get("/clients/"))

    assert response.status_code == 200 and calls == ["/clients/"]
    assert time.monotonic() - started < 2 and middleware.in_flight.count == 1


def test_a_request_that_fails_gives_its_place_back(settings):
    settings.MAX_IN_FLIGHT = 1

    def broken(request):
        raise RuntimeError("the view failed")

    middleware = overload.AdmissionLimit(broken)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get("/"))
    assert middleware.in_flight.count == 0


def test_under_asgi_requests_wait_in_the_event_loop_and_the_limit_holds(settings):
    settings.MAX_IN_FLIGHT, settings.MAX_WAIT_MS = 1, 200
    order = []

    async def view(request):
        order.append(f"start {request.path}")
        await asyncio.sleep(0.05)
        order.append(f"end {request.path}")
        return HttpResponse("ok")

    middleware = overload.AdmissionLimit(view)

    async def three_at_once():
        factory = RequestFactory()
        first = [middleware(factory.get(f"/{n}")) for n in ("a", "b")]
        answers = await asyncio.gather(*first)
        middleware.wait = 0.01  # the third finds the place taken for longer than it waits
        holder = asyncio.create_task(middleware(factory.get("/slow")))
        await asyncio.sleep(0)
        refused = await middleware(factory.get("/c"))
        return answers, refused, await holder

    answers, refused, held = asyncio.run(three_at_once())
    assert [answer.status_code for answer in answers] == [200, 200] and held.status_code == 200
    assert order[:4] == ["start /a", "end /a", "start /b", "end /b"]  # one at a time, the second waited
    assert refused.status_code == 503 and refused["Retry-After"] == "1" and "start /c" not in order
    assert middleware.in_flight_async.count == 0


def test_zero_means_no_limit():
    in_flight = overload.InFlight()
    assert all(in_flight.enter(0, 0.0) for _ in range(1000))


@pytest.mark.django_db
def test_the_limit_stands_before_the_session_and_the_views(client, monkeypatch):
    monkeypatch.setattr(overload.InFlight, "enter", lambda self, limit, wait: False)  # as if the process were full

    response = client.post("/login/", {"username": "ada", "password": "x"})

    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert not Session.objects.exists()
