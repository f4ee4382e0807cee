import pytest
from django.urls import reverse

from carte.accounts import services
from carte.core.errors import Invalid
from carte.core.models import AuditEntry


def test_employee_edits_own_details(alice):
    services.update_profile(actor=alice, first_name="Alicia", time_zone="Europe/Paris", language="fr")
    alice.refresh_from_db()
    assert (alice.first_name, alice.time_zone, alice.language) == ("Alicia", "Europe/Paris", "fr")
    entry = AuditEntry.objects.get(verb="update")
    assert entry.changes["first_name"] == ["Alice", "Alicia"]


@pytest.mark.parametrize("field", ["role", "department", "username", "is_active"])
def test_profile_never_changes_what_decides_rights(alice, field):
    before = (alice.role_id, alice.department_id, alice.username, alice.is_active)
    with pytest.raises(Invalid):
        services.update_profile(actor=alice, **{field: None if field in ("role", "department") else "x"})
    alice.refresh_from_db()
    assert (alice.role_id, alice.department_id, alice.username, alice.is_active) == before


def test_unknown_time_zone_is_refused(alice):
    with pytest.raises(Invalid) as refusal:
        services.update_profile(actor=alice, time_zone="Mars/Olympus")
    assert "time_zone" in refusal.value.errors
    alice.refresh_from_db()
    assert alice.time_zone == ""


def test_profile_page_saves_and_ignores_a_smuggled_role(client, alice, ada):
    client.force_login(alice)
    assert client.get(reverse("accounts:profile")).status_code == 200
    data = {
        "first_name": "Alicia",
        "last_name": "Seller",
        "email": "a@example.com",
        "language": "en",
        "time_zone": "Europe/Paris",
        "role": ada.role_id,
        "department": "",
    }
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    alice.refresh_from_db()
    assert alice.first_name == "Alicia"
    assert alice.role.key == "sales"
    assert alice.department.name == "North"


def test_profile_page_shows_a_bad_time_zone(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {"first_name": "A", "time_zone": "Nowhere"})
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
