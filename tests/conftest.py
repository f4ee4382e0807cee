import pytest

from carte.core.testing import ClientFactory, make_personas


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
