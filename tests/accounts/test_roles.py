import pytest
from django.urls import reverse

from carte.accounts import services
from carte.accounts.forms import RoleForm
from carte.accounts.models import Employee, Right, Role
from carte.core import policy
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import role


def scopes(some_role):
    return {(r.module, r.action): r.scope for r in Right.objects.filter(role=some_role)}


def test_admin_creates_a_role_with_rights(ada):
    intern = services.create_role(
        actor=ada, name="Intern", rights={("clients", "view"): "own", ("clients", "edit"): "none"}
    )
    assert scopes(intern) == {("clients", "view"): "own"}


def test_changing_rights_is_audited_old_to_new(ada):
    sales = role("sales")
    services.update_role(actor=ada, role=sales, rights={("clients", "view"): "all", ("clients", "delete"): "own"})
    assert scopes(sales)[("clients", "view")] == "all"
    entry = AuditEntry.objects.get(verb="rights")
    assert entry.changes == {"clients.view": ["department", "all"], "clients.delete": ["none", "own"]}
    assert entry.object_repr == sales.name


def test_new_rights_take_effect_for_the_holders(ada, bob, charlie, charlies_client):
    services.update_role(actor=ada, role=role("sales"), rights={("clients", "view"): "all"})
    assert policy.can(Employee.objects.get(pk=bob.pk), "view", charlies_client)


def test_unknown_module_action_or_scope_is_refused(ada):
    sales = role("sales")
    before = scopes(sales)
    for rights in ({("nowhere", "view"): "all"}, {("clients", "fly"): "all"}, {("clients", "view"): "most"}):
        with pytest.raises(Invalid):
            services.update_role(actor=ada, role=sales, rights=rights)
    assert scopes(sales) == before


def test_manager_may_see_roles_but_not_change_them(mia):
    sales = role("sales")
    with pytest.raises(NotAllowed):
        services.update_role(actor=mia, role=sales, name="Sellers", rights={("clients", "view"): "all"})
    sales.refresh_from_db()
    assert sales.name == "Sales"
    assert scopes(sales)[("clients", "view")] == "department"


def test_nobody_removes_the_last_right_to_manage_rights(ada):
    administrator = role("administrator")
    with pytest.raises(Conflict, match="nobody able to manage rights"):
        services.update_role(actor=ada, role=administrator, name="Admins", rights={("roles", "edit"): "department"})
    administrator.refresh_from_db()
    assert administrator.name == "Administrator"
    assert scopes(administrator)[("roles", "edit")] == "all"
    assert not AuditEntry.objects.exists()


def test_rights_may_move_to_another_role_first(ada, mia):
    services.update_role(actor=ada, role=role("manager"), rights={("roles", "edit"): "all"})
    services.update_role(actor=ada, role=role("administrator"), rights={("roles", "edit"): "none"})
    assert services.rights_managers().get() == mia


def test_built_in_or_held_roles_are_not_deleted(ada):
    with pytest.raises(Conflict, match="built-in"):
        services.delete_role(actor=ada, role=role("sales"))
    custom = services.create_role(actor=ada, name="Custom")
    Employee.objects.filter(username="alice").update(role=custom)
    with pytest.raises(Conflict, match="held by 1"):
        services.delete_role(actor=ada, role=custom)
    Employee.objects.filter(username="alice").update(role=role("sales"))
    services.delete_role(actor=ada, role=custom)
    assert not Role.objects.filter(name="Custom").exists()


def test_grid_has_every_module_and_action():
    form = RoleForm()
    rows = form.grid()
    assert [label for label, _ in rows] == list(policy.modules().values())
    assert all(len(fields) == len(policy.Action.values) for _, fields in rows)


def test_role_screens(client, ada):
    client.force_login(ada)
    assert b"Administrator" in client.get(reverse("accounts:role_list")).content
    sales = role("sales")
    page = client.get(reverse("accounts:role_edit", args=[sales.pk]))
    assert page.status_code == 200
    data = {name: value for name, value in page.context["form"].initial.items()}
    data[RoleForm.right_field("clients", "export")] = "all"
    assert client.post(reverse("accounts:role_edit", args=[sales.pk]), data).status_code == 302
    assert scopes(sales)[("clients", "export")] == "all"
    data = {"name": "Interns", "description": "", RoleForm.right_field("clients", "view"): "own"}
    data |= {
        RoleForm.right_field(m, a): data.get(RoleForm.right_field(m, a), "none")
        for m in policy.modules()
        for a in policy.Action.values
    }
    assert client.post(reverse("accounts:role_create"), data).status_code == 302
    interns = Role.objects.get(name="Interns")
    assert scopes(interns) == {("clients", "view"): "own"}
    assert client.post(reverse("accounts:role_delete", args=[interns.pk])).status_code == 302
    assert not Role.objects.filter(pk=interns.pk).exists()


def test_losing_the_last_rights_manager_on_screen_says_why(client, ada):
    client.force_login(ada)
    administrator = role("administrator")
    data = RoleForm.initial_for(administrator) | {RoleForm.right_field("roles", "edit"): "own"}
    response = client.post(reverse("accounts:role_edit", args=[administrator.pk]), data)
    assert response.status_code == 400
    assert "nobody able to manage rights" in response.content.decode()


def test_manager_sees_roles_and_cannot_edit(client, mia, alice):
    client.force_login(mia)
    assert client.get(reverse("accounts:role_list")).status_code == 200
    assert client.get(reverse("accounts:role_edit", args=[role("sales").pk])).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("accounts:role_list")).status_code == 403
