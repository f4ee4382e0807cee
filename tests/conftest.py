import pytest
from django.conf import settings
from django.utils import translation

from carte.core.testing import ClientFactory, make_personas


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request leaves its language active in the thread (each request sets its own); tests start clean."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def people(db):
    """The personas of carte.core.testing, by first name in lower case."""
    return make_personas()


@pytest.fixture
def ada(people):
    return people["ada"]


@pytest.fixture
def mia(people):
    return people["mia"]


@pytest.fixture
def alice(people):
    return people["alice"]


@pytest.fixture
def bob(people):
    return people["bob"]


@pytest.fixture
def charlie(people):
    return people["charlie"]


@pytest.fixture
def rita(people):
    return people["rita"]


@pytest.fixture
def alices_client(alice):
    return ClientFactory(name="Alice's Bakery", owner=alice)


@pytest.fixture
def charlies_client(charlie):
    return ClientFactory(name="Charlie's Garage", owner=charlie)
