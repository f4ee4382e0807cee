"""Authentication: password-reset links, sessions and API tokens after a reset, tokens kept out of
URLs and logs, and the login lockout with the configured numbers.

What tests/accounts already proves is not repeated here: a forged Host header (test_passwords),
the lockout's service rules (test_login), deactivation ending sessions and tokens (test_employees).
"""

import logging
import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carte.accounts import services
from carte.accounts.models import ApiToken, LoginFailure
from carte.core.testing import PASSWORD, EmployeeFactory

NEW_PASSWORD = "a much longer new secret 42"
RESET = reverse("accounts:password_reset")
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def ask_for_a_link(client, email="alice@example.com") -> str:
    """The path of the reset link mailed for `email` (BASE_URL taken off)."""
    mail.outbox.clear()
    client.post(RESET, {"email": email})
    (message,) = mail.outbox
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def set_password_through(client, link: str, password: str = NEW_PASSWORD):
    """Open the link and choose `password`; the last response."""
    form_page = client.get(link)
    assert form_page.status_code == 302, "the link was refused"
    return client.post(form_page["Location"], {"new_password1": password, "new_password2": password})


def link_works(link: str) -> bool:
    """Does a fresh browser get the "choose a new password" form from this link?"""
    response = Client().get(link, follow=True)
    return response.context["validlink"]


def sessions_of(employee) -> list[str]:
    return [s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(employee.pk)]


# --- reset links ---------------------------------------------------------------------------------


def test_a_reset_link_works_once(client, alice):
    link = ask_for_a_link(client)
    assert set_password_through(client, link).status_code == 302
    assert not link_works(link)
    # Nor does the form page it led to accept a second password.
    again = Client()
    again.get(link)
    again.post(link.replace(token_of(link), "set-password"), {"new_password1": "x" * 20, "new_password2": "x" * 20})
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_a_reset_link_expires_after_the_configured_time(client, alice, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    link = ask_for_a_link(client)
    now = datetime.now()
    monkeypatch.setattr(default_token_generator, "_now", lambda: now + timedelta(seconds=3600 - 60))
    assert link_works(link)
    monkeypatch.setattr(default_token_generator, "_now", lambda: now + timedelta(seconds=3600 + 60))
    assert not link_works(link)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_reset_link_dies_when_the_password_changes(client, alice):
    link = ask_for_a_link(client)
    services.set_password(actor=alice, employee=alice, password="changed in the meantime 77")
    assert not link_works(link)


def test_a_reset_link_is_built_from_base_url_even_with_forged_forwarded_host(client, alice, settings):
    settings.BASE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True  # the worst case: the server believes a proxy's forwarded host
    client.post(RESET, {"email": "alice@example.com"}, HTTP_HOST="evil.example", HTTP_X_FORWARDED_HOST="evil2.example")
    (message,) = mail.outbox
    assert re.search(r"https?://\S+", message.body).group(0).startswith("https://crm.example.com/accounts/password/")
    assert "evil" not in message.body


def test_known_unknown_inactive_and_invited_addresses_get_the_same_answer(client, alice):
    EmployeeFactory(username="gone", email="gone@example.com", is_active=False)
    invited = EmployeeFactory(username="invited", email="invited@example.com")
    invited.set_unusable_password()
    invited.save()
    answers = []
    for email in ("alice@example.com", "nobody@example.com", "gone@example.com", "invited@example.com"):
        response = Client().post(RESET, {"email": email}, follow=True)
        page = CSRF_TOKEN.sub("CSRF", response.content.decode())  # masked afresh for every request
        answers.append((response.status_code, response.redirect_chain, page))
    assert all(answer == answers[0] for answer in answers)
    # An invited employee whose invitation expired is sent a link too (they have no password yet).
    assert [message.to for message in mail.outbox] == [["alice@example.com"], ["invited@example.com"]]


def test_the_token_leaves_the_address_bar_before_the_form_and_no_referrer_leaves_the_site(client, alice):
    link = ask_for_a_link(client)
    token = token_of(link)
    opened = client.get(link)
    assert opened.status_code == 302 and token not in opened["Location"]
    form_page = client.get(opened["Location"])
    assert form_page.status_code == 200 and token not in form_page.content.decode()
    assert form_page["Referrer-Policy"] == "same-origin"
    done = client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert token not in done["Location"]


# --- a reset ends every session and token ----------------------------------------------------------


def test_a_reset_through_the_link_ends_every_session_and_api_token(client, alice, bob):
    laptop, phone, bobs = Client(), Client(), Client()
    laptop.force_login(alice)
    phone.force_login(alice)
    bobs.force_login(bob)
    _record, plain = services.create_token(actor=alice, name="Sync")
    api = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    assert client.get("/api/v1/me", **api).status_code == 200

    link = ask_for_a_link(laptop)  # asked for from a browser where she is still signed in
    done = set_password_through(laptop, link)

    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    assert sessions_of(alice) == []
    assert sessions_of(bob) == [bobs.session.session_key]
    assert client.get("/api/v1/me", **api).status_code == 401
    assert phone.get(reverse("accounts:profile")).status_code == 302  # to the login page
    assert ApiToken.objects.get(employee=alice).revoked_at is not None


def test_an_administrators_reset_ends_sessions_and_revokes_api_tokens(ada, bob):
    browser = Client()
    browser.force_login(bob)
    _record, plain = services.create_token(actor=bob, name="Phone")
    services.reset_employee_password(actor=ada, employee=bob, password="A-fresh-passphrase-31")
    assert sessions_of(bob) == []
    assert services.employee_for_token(plain) is None


def test_a_deactivated_employees_token_is_refused_by_the_api(client, ada, alice):
    _record, plain = services.create_token(actor=alice, name="Sync")
    services.deactivate_employee(actor=ada, employee=alice)
    services.reactivate_employee(actor=ada, employee=alice)  # coming back does not revive the token
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


# --- tokens never in a URL or a log line -----------------------------------------------------------


@pytest.mark.parametrize("parameter", ["token", "api_key", "access_token", "auth"])
def test_the_api_takes_no_token_from_the_address(client, alice, parameter):
    _record, plain = services.create_token(actor=alice, name="Sync")
    assert client.get(f"/api/v1/me?{parameter}={plain}").status_code == 401


@pytest.fixture
def every_log_line(caplog):
    """Every log record at DEBUG, SQL statements included (as with CARTE_DEBUG=1)."""
    for name in ("", "django", "django.request", "django.db.backends", "carte", "ninja"):
        caplog.set_level(logging.DEBUG, logger=name)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = forced


def _logged_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts += [record.name, record.getMessage(), str(record.args), record.exc_text or ""]
        if getattr(record, "request", None) is not None:
            parts.append(str(record.request.get_full_path()))
    return "\n".join(parts)


def test_no_reset_token_or_api_token_reaches_a_log_line(client, alice, every_log_line):
    link = ask_for_a_link(client)
    reset_token = token_of(link)
    Client().get(link.replace(reset_token, reset_token[:-3] + "xyz"))  # a wrong one is logged as nothing either
    set_password_through(client, link)
    alice.refresh_from_db()  # her new password: a session made with the old one is refused
    client.force_login(alice)
    page = client.post(reverse("accounts:token_create"), {"name": "Sync"})
    api_token = page.context["new_token"]["value"]
    api = Client()
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api_token}").status_code == 200
    assert api.get("/api/v1/nothing-here", HTTP_AUTHORIZATION=f"Bearer {api_token}").status_code == 404
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api_token}x").status_code == 401
    services.revoke_token(actor=alice, token_id=ApiToken.objects.get().pk)
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api_token}").status_code == 401

    logged = _logged_text(every_log_line)
    assert "django.db.backends" in logged and "django.request" in logged  # the capture did see SQL and refusals
    assert reset_token not in logged
    assert api_token not in logged


# --- lockout ---------------------------------------------------------------------------------------


def log_in(username, password, address="10.0.0.7"):
    return Client().post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_lockout_follows_the_configured_limit_and_duration(alice, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES = 3, 2
    for _attempt in range(3):
        assert log_in("alice", "wrong").status_code == 200
    refused = log_in("alice", PASSWORD)
    assert refused.status_code == 200 and "Too many failed logins" in refused.content.decode()
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=2, seconds=1))
    assert log_in("alice", PASSWORD).status_code == 302


def test_an_unknown_username_is_locked_out_like_a_known_one(alice):
    answers = {}
    for username in ("alice", "nobody"):
        for _attempt in range(5):
            log_in(username, "wrong")
        page = CSRF_TOKEN.sub("CSRF", log_in(username, "wrong").content.decode())
        answers[username] = re.sub(r"wait until .*? before", "wait until TIME before", page).replace(username, "NAME")
    assert "Too many failed logins" in answers["alice"]
    assert answers["alice"] == answers["nobody"]
