import pytest

from carte.core import navigation

REGISTRIES = ("menu", "actions", "settings_pages", "progress_sources", "search_providers")


@pytest.fixture
def registries():
    """The navigation registries, put back as the apps filled them once the test is over."""
    saved = {name: list(getattr(navigation, name)) for name in REGISTRIES}
    yield navigation
    for name, items in saved.items():
        getattr(navigation, name)[:] = items


@pytest.fixture
def login(client):
    """Log a persona in on the test client and hand the client back."""

    def log_in(employee):
        client.force_login(employee)
        return client

    return log_in
