"""The password-reset mail crosses a real SMTP server (aiosmtpd on loopback), not Django's outbox."""

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from carte.core.testing import PASSWORD


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
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
    yield mailbox
    controller.stop()


def test_reset_mail_arrives_over_smtp_and_its_link_sets_a_new_password(client, alice, smtp_server, settings):
    settings.BASE_URL = "https://crm.example.com"
    client.post("/accounts/password/reset/", {"email": alice.email})

    [(recipients, message)] = smtp_server.messages
    assert recipients == [alice.email]
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else message.as_string()
    link = re.search(r"https://crm\.example\.com(/accounts/password/reset/\S+/)", body).group(1)

    form = client.get(link, follow=True)
    new_password = "Another-long-passphrase-77"
    client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    alice.refresh_from_db()
    assert alice.check_password(new_password) and not alice.check_password(PASSWORD)
