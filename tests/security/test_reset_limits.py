"""Password reset: the page does the same work for known and unknown addresses (the link is mailed by
a job), and it mails at most CARTE_RESET_LIMIT_PER_EMAIL links per address and
CARTE_RESET_LIMIT_PER_IP per client address in an hour, answering the same beyond the limits.

tests/security/test_auth.py proves the links themselves (once, expiry, BASE_URL, same answer).
"""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carte.accounts import tasks
from carte.accounts.models import ResetRequest

RESET = reverse("accounts:password_reset")
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")
LITERAL = re.compile(r"'[^']*'|\b\d+\b")  # the values in a logged query: the digest, the time, ids


def ask(email: str, address: str = "10.0.0.7"):
    """The reset page's answer, the CSRF token masked (it is new for every request)."""
    response = Client().post(RESET, {"email": email}, follow=True, REMOTE_ADDR=address)
    return response.status_code, tuple(response.redirect_chain), CSRF_TOKEN.sub("CSRF", response.content.decode())


@pytest.fixture
def queued(monkeypatch):
    """The addresses handed to the reset job, which is not run."""
    emails = []
    monkeypatch.setattr(tasks, "send_password_reset", emails.append)
    return emails


def test_known_and_unknown_addresses_run_the_same_queries_and_leave_the_mail_to_the_job(alice, queued):
    seen = {}
    for email in ("alice@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            answer = ask(email)
        seen[email] = (answer, [LITERAL.sub("?", query["sql"]) for query in queries.captured_queries])
    assert seen["alice@example.com"] == seen["nobody@example.com"]
    assert queued == ["alice@example.com", "nobody@example.com"]
    assert mail.outbox == []


def test_the_job_mails_the_link_to_every_account_of_the_address_and_no_one_else(alice, bob, settings):
    settings.BASE_URL = "https://crm.example.com"
    tasks.send_password_reset("ALICE@example.com")  # Huey runs it at once in the tests
    tasks.send_password_reset("nobody@example.com")
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "https://crm.example.com/accounts/password/reset/" in message.body


def test_at_most_the_limit_of_links_per_email_address_in_an_hour(alice, settings):
    settings.RESET_LIMIT_PER_EMAIL = 3
    answers = {ask("alice@example.com", address=f"10.0.0.{n}") for n in range(5)}
    assert len(answers) == 1  # the refused ones answer as the others do
    assert len(mail.outbox) == 3
    ask("Alice@Example.com")  # the same address, written otherwise
    assert len(mail.outbox) == 3
    ask("bob@example.com")
    assert len(mail.outbox) == 4  # another address is not affected


def test_the_email_limit_ends_an_hour_after_the_requests(alice, settings):
    settings.RESET_LIMIT_PER_EMAIL = 2
    for _n in range(3):
        ask("alice@example.com")
    assert len(mail.outbox) == 2
    ResetRequest.objects.update(at=timezone.now() - timedelta(hours=1, seconds=1))
    ask("alice@example.com")
    assert len(mail.outbox) == 3
    assert ResetRequest.objects.count() == 1  # the old requests are forgotten


def test_at_most_the_limit_of_links_per_client_address_in_an_hour(alice, bob, settings):
    settings.RESET_LIMIT_PER_IP = 4
    answers = {ask(f"someone{n}@example.com") for n in range(4)}
    answers.add(ask("alice@example.com"))
    assert len(mail.outbox) == 0  # the four unknown ones count too
    assert len({page for _status, _chain, page in answers}) == 1
    ask("bob@example.com", address="10.0.0.8")
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]


def test_a_refusal_is_logged_without_the_address_nor_a_token(alice, settings, caplog):
    settings.RESET_LIMIT_PER_EMAIL = 1
    caplog.set_level(logging.DEBUG)
    ask("alice@example.com")
    ask("alice@example.com")
    (link,) = re.findall(r"https?://\S+", mail.outbox[0].body)
    token = link.rstrip("/").rsplit("/", 1)[1]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    logged = "\n".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert "a…@example.com" in warnings[0].getMessage()
    assert "alice@example.com" not in logged
    assert token not in logged
