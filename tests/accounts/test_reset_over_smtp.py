"""The password-reset mail crosses a real SMTP server (aiosmtpd on loopback), not Django's outbox
(the smtp_server fixture of tests/conftest.py)."""

import re

from carte.core.testing import PASSWORD


def test_reset_mail_arrives_over_smtp_and_its_link_sets_a_new_password(client, alice, smtp_server):
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
