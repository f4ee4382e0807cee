from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.accounts import queries, services
from carte.core.errors import NotAllowed
from carte.core.models import AuditEntry


@pytest.fixture
def log(ada, alice):
    services.update_profile(actor=alice, position="Seller")
    services.deactivate_employee(actor=ada, employee=alice)
    services.record_failed_login(username="alice", address="10.0.0.1")
    old = services.create_department(actor=ada, name="Old")
    AuditEntry.objects.filter(object_id=str(old.pk), model="accounts.department").update(
        at=timezone.now() - timedelta(days=10)
    )


def test_log_is_newest_first_and_filters(ada, alice, log):
    everything = list(queries.audit_entries_for(ada))
    assert [e.verb for e in everything] == ["login_failed", "update", "update", "create"]
    assert [e.verb for e in queries.audit_entries_for(ada, verb="login_failed")] == ["login_failed"]
    assert {e.actor_id for e in queries.audit_entries_for(ada, employee=alice.pk)} == {alice.pk}
    assert [e.verb for e in queries.audit_entries_for(ada, model="accounts.department")] == ["create"]
    today = timezone.localdate()
    assert len(queries.audit_entries_for(ada, since=today, until=today)) == 3
    assert len(queries.audit_entries_for(ada, until=today - timedelta(days=5))) == 1


def test_only_whoever_may_read_the_log_reads_it(alice, mia, log):
    assert queries.audit_entries_for(mia).exists()
    with pytest.raises(NotAllowed):
        queries.audit_entries_for(alice)


def test_audit_screen_shows_changes_old_to_new(client, ada, log):
    client.force_login(ada)
    response = client.get(reverse("accounts:audit_list"), {"verb": "update"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "position:" in page and "Seller" in page
    assert "active: True → False" in page and "is_active" not in page  # fields by their names, not keys
    assert {entry.verb for entry in response.context["page"].items} == {"update"}


def test_audit_screen_refuses_sellers(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:audit_list")).status_code == 403
