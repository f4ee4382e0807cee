import pytest
from django.test import Client as Browser

from carte.clients import services
from carte.clients.models import Client


@pytest.fixture
def login():
    """A test browser logged in as a persona (named so as not to clash with CRM clients)."""

    def log_in(employee) -> Browser:
        browser = Browser()
        browser.force_login(employee)
        return browser

    return log_in


@pytest.fixture
def make_client(alice):
    """Create a client through the service, as the screens do; Alice owns it unless said otherwise."""

    def make(actor=None, **fields) -> Client:
        return services.create_client(actor=actor or alice, **{"name": "Acme", **fields})

    return make


@pytest.fixture
def acme(make_client):
    """Alice's company with a mobile phone and an email."""
    return make_client(
        name="Acme Industries",
        phones=[services.PhoneData("06 12 34 56 78", "mobile")],
        emails=[services.EmailData("Sales@Acme.example")],
    )


@pytest.fixture
def jean(make_client):
    """A private person in Alice's portfolio, to link as Acme's contact."""
    return make_client(kind="person", name="", first_name="Jean", last_name="Dupont", position="Buyer")
