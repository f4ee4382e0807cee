"""The admission limit: beyond CARTE_MAX_IN_FLIGHT requests at once, 503 with Retry-After, nothing done."""

import asyncio

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory

from carte.core import overload


@pytest.fixture
def limited(settings):
    settings.MAX_IN_FLIGHT = 2
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


def test_a_request_that_fails_gives_its_place_back(settings):
    settings.MAX_IN_FLIGHT = 1

    def broken(request):
        raise RuntimeError("the view failed")

    middleware = overload.AdmissionLimit(broken)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get("/"))
    assert middleware.in_flight.count == 0


def test_the_limit_holds_under_asgi_too(settings):
    settings.MAX_IN_FLIGHT = 1

    async def view(request):
        return HttpResponse("ok")

    middleware = overload.AdmissionLimit(view)
    assert asyncio.run(middleware(RequestFactory().get("/"))).status_code == 200
    middleware.in_flight.count = 1
    refused = asyncio.run(middleware(RequestFactory().get("/")))
    assert refused.status_code == 503 and refused["Retry-After"] == "1"


def test_zero_means_no_limit():
    in_flight = overload.InFlight()
    assert all(in_flight.enter(0) for _ in range(1000))


@pytest.mark.django_db
def test_the_limit_stands_before_the_session_and_the_views(client, monkeypatch):
    monkeypatch.setattr(overload.InFlight, "enter", lambda self, limit: False)  # as if the process were full

    response = client.post("/login/", {"username": "ada", "password": "x"})

    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert not Session.objects.exists()
