from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.accounts import services
from carte.accounts.models import LoginFailure
from carte.core.models import AuditEntry
from carte.core.testing import PASSWORD

HOME = "/accounts/profile/"  # a page of this app, so the tests do not depend on the workspace's home


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, "next": HOME}, REMOTE_ADDR=address
    )


def fail(times, username="alice", address="10.0.0.1"):
    for _ in range(times):
        services.record_failed_login(username=username, address=address)


def test_five_failures_lock_the_pair(alice):
    fail(4)
    assert not services.login_is_locked("alice", "10.0.0.1")
    fail(1)
    assert services.login_is_locked("alice", "10.0.0.1")


def test_other_address_and_other_username_are_not_locked(alice):
    fail(5)
    assert not services.login_is_locked("alice", "10.0.0.2")
    assert not services.login_is_locked("bob", "10.0.0.1")


def test_lock_ends_when_the_failures_leave_the_window(alice, settings):
    fail(5)
    unlocks_at = services.login_unlocks_at("alice", "10.0.0.1")
    oldest = LoginFailure.objects.order_by("at").first()
    assert unlocks_at == oldest.at + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1))
    assert not services.login_is_locked("alice", "10.0.0.1")


def test_the_limit_comes_from_the_settings(alice, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    fail(2)
    assert services.login_is_locked("alice", "10.0.0.1")


def test_right_password_is_refused_while_locked(client, alice):
    for _ in range(5):
        assert log_in(client, "alice", "wrong").status_code == 200
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert log_in(client, "alice", PASSWORD, address="10.0.0.2").status_code == 302


def test_refused_attempts_while_locked_do_not_extend_the_lock(client, alice):
    fail(5)
    unlocks_at = services.login_unlocks_at("alice", "10.0.0.1")
    log_in(client, "alice", "wrong")
    assert LoginFailure.objects.count() == 5
    assert services.login_unlocks_at("alice", "10.0.0.1") == unlocks_at


def test_a_success_clears_the_pairs_failures(client, alice):
    fail(4)
    fail(2, address="10.0.0.9")
    assert log_in(client, "alice", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(address="10.0.0.1").exists()
    assert LoginFailure.objects.filter(address="10.0.0.9").count() == 2


def test_logins_failures_and_logouts_are_audited_with_the_address(client, alice):
    log_in(client, "alice", "wrong")
    log_in(client, "alice", PASSWORD)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.1")
    entries = list(AuditEntry.objects.order_by("id").values_list("verb", "object_repr", "address", "actor_id"))
    assert entries == [
        ("login_failed", "alice", "10.0.0.1", None),
        ("login", str(alice), "10.0.0.1", alice.pk),
        ("logout", str(alice), "10.0.0.1", alice.pk),
    ]
    assert "_auth_user_id" not in client.session


def test_inactive_employee_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()
    assert log_in(client, "alice", PASSWORD).status_code == 200
    assert LoginFailure.objects.count() == 1


def test_login_page_is_public_and_the_rest_is_not(client, db):
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("method", ["get"])
def test_logout_needs_a_post(client, alice, method):
    client.force_login(alice)
    assert getattr(client, method)(reverse("accounts:logout")).status_code == 405
