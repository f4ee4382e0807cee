import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.accounts import services
from carte.accounts.models import ApiToken
from carte.core.errors import NotFound


def test_only_the_digest_and_a_prefix_are_stored(alice):
    token, plain = services.create_token(actor=alice, name="Sync")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert stored.prefix == plain[:8]
    assert plain not in {stored.digest, stored.prefix, stored.name}


def test_token_finds_its_employee_and_notes_the_use(alice):
    _, plain = services.create_token(actor=alice, name="Sync")
    assert services.employee_for_token(plain) == alice
    assert ApiToken.objects.get().last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(alice, django_assert_num_queries):
    _, plain = services.create_token(actor=alice, name="Sync")
    services.employee_for_token(plain)
    with django_assert_num_queries(1):  # the lookup only, no write
        services.employee_for_token(plain)
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        services.employee_for_token(plain)


def test_unknown_revoked_or_inactive_tokens_find_nobody(alice, bob):
    token, plain = services.create_token(actor=alice, name="Sync")
    assert services.employee_for_token("not-a-token") is None
    assert services.employee_for_token("") is None
    services.revoke_token(actor=alice, token_id=token.pk)
    assert services.employee_for_token(plain) is None
    _, bobs = services.create_token(actor=bob, name="Bob's")
    bob.is_active = False
    bob.save()
    assert services.employee_for_token(bobs) is None


def test_nobody_revokes_someone_elses_token(alice, bob):
    token, plain = services.create_token(actor=alice, name="Sync")
    with pytest.raises(NotFound):
        services.revoke_token(actor=bob, token_id=token.pk)
    assert services.employee_for_token(plain) == alice


def test_token_is_shown_once_on_the_profile_page(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:token_create"), {"name": "Accounting"})
    assert response.status_code == 200
    token = ApiToken.objects.get(employee=alice)
    shown = response.context["new_token"]["value"]
    assert token.digest == hashlib.sha256(shown.encode()).hexdigest()
    assert shown in response.content.decode()
    assert shown not in client.get(reverse("accounts:profile")).content.decode()


def test_token_revoked_from_the_profile_page(client, alice):
    token, plain = services.create_token(actor=alice, name="Sync")
    client.force_login(alice)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert services.employee_for_token(plain) is None


def test_api_accepts_a_bearer_token(client, alice):
    _, plain = services.create_token(actor=alice, name="Sync")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_token_calls_answer_in_the_employees_language(client, alice):
    alice.language = "fr"
    alice.save()
    _, plain = services.create_token(actor=alice, name="Sync")
    response = client.get("/api/v1/clients/999999", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Cet enregistrement n'existe pas ou ne vous est pas visible."
