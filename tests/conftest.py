import os
import socket
from email import message_from_bytes

import hypothesis
import pytest
from django.conf import settings
from django.utils import translation

from carte.core.testing import ClientFactory, make_personas

# In CI the generated examples are the same on every run: a landing fails for the change, not for
# the draw. On a developer's machine they differ from run to run, and so explore further.
hypothesis.settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


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


class Mailbox:
    """What the test SMTP server received: (recipients, message) pairs, in order."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd) that Django sends to; yields its Mailbox.

    Links in the mails start with BASE_URL, set to https://crm.example.com.
    """
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.BASE_URL = "https://crm.example.com"
    yield mailbox
    controller.stop()


@pytest.fixture(autouse=True, scope="session")
def no_live_source_outlives_the_tests():
    """The live channel's reading thread (started by a browser's stream) must stop before the test
    databases are dropped, or it logs "no such table" errors at exit."""
    yield
    from carte.core import live

    live.hub().stop()
