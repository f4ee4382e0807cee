from carte.clients.models import Client
from carte.core import policy


def test_department_scope_reaches_teammates_records(alice, bob, charlie, alices_client, charlies_client):
    assert set(policy.visible(bob, Client.objects.all())) == {alices_client}
    assert policy.can(bob, "view", alices_client)
    assert not policy.can(bob, "view", charlies_client)


def test_own_scope_reaches_only_own_records(alice, bob, alices_client):
    assert policy.can(alice, "edit", alices_client)
    assert not policy.can(bob, "edit", alices_client)


def test_outsider_sees_nothing_of_another_department(charlie, alices_client):
    assert not policy.visible(charlie, Client.objects.all()).filter(pk=alices_client.pk).exists()


def test_readonly_sees_all_and_changes_nothing(rita, alices_client):
    assert policy.can(rita, "view", alices_client)
    assert not policy.can(rita, "edit", alices_client)
    assert not policy.can(rita, "create", Client)


def test_inactive_employee_has_no_rights(mia, alices_client):
    mia.is_active = False
    assert not policy.can(mia, "view", alices_client)
