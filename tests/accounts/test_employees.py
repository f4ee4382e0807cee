import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carte.accounts import queries, services
from carte.accounts.models import ApiToken, Department, Employee
from carte.clients.models import Client as CrmClient
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import EmployeeFactory, role

NEW = {"username": "zoe", "first_name": "Zoe", "last_name": "New", "email": "zoe@example.com"}
GOOD_PASSWORD = "a long enough password 1"


def row(employee):
    return Employee.objects.filter(pk=employee.pk).values().get()


# --- creating and editing ------------------------------------------------------------------------


def test_admin_creates_an_employee_with_role_and_department(ada):
    north = Department.objects.get(name="North")
    zoe = services.create_employee(actor=ada, password=GOOD_PASSWORD, role=role("sales"), department=north, **NEW)
    assert zoe.check_password(GOOD_PASSWORD)
    assert (zoe.role.key, zoe.department) == ("sales", north)
    entry = AuditEntry.objects.get(verb="create", object_id=str(zoe.pk))
    assert entry.changes["username"] == [None, "zoe"]


def test_weak_password_or_taken_username_is_refused(ada):
    with pytest.raises(Invalid) as weak:
        services.create_employee(actor=ada, password="123", **NEW)
    assert "password" in weak.value.errors
    with pytest.raises(Invalid) as taken:
        services.create_employee(actor=ada, password=GOOD_PASSWORD, **{**NEW, "username": "alice"})
    assert "username" in taken.value.errors
    assert not Employee.objects.filter(username="zoe").exists()


def test_who_may_not_create_employees_cannot(alice, mia):
    for actor in (alice, mia):
        with pytest.raises(NotAllowed):
            services.create_employee(actor=actor, password=GOOD_PASSWORD, **NEW)
    assert not Employee.objects.filter(username="zoe").exists()


def test_hr_may_edit_details_and_department_but_not_role(hr, alice):
    south = Department.objects.get(name="South")
    services.update_employee(actor=hr, employee=alice, position="Senior seller", department=south)
    alice.refresh_from_db()
    assert (alice.position, alice.department) == ("Senior seller", south)
    before = row(alice)
    with pytest.raises(NotAllowed):
        services.update_employee(actor=hr, employee=alice, position="Boss", role=role("administrator"))
    assert row(alice) == before


def test_hr_may_create_but_not_give_a_role(hr):
    with pytest.raises(NotAllowed):
        services.create_employee(actor=hr, password=GOOD_PASSWORD, role=role("administrator"), **NEW)
    assert not Employee.objects.filter(username="zoe").exists()
    zoe = services.create_employee(actor=hr, password=GOOD_PASSWORD, **NEW)
    assert zoe.role is None


def test_department_scope_on_employees_does_not_reach_department_or_activity(alice, bob):
    """An editor over their own department may fix a colleague's details, not move or deactivate them."""
    sales = role("sales")
    sales.rights.create(module="employees", action="edit", scope="department")
    alice = Employee.objects.get(pk=alice.pk)  # rights are read once per instance
    services.update_employee(actor=alice, employee=bob, phone_extension="204")
    before = row(bob)
    with pytest.raises(NotAllowed):
        services.update_employee(actor=alice, employee=bob, department=None)
    with pytest.raises(NotAllowed):
        services.deactivate_employee(actor=alice, employee=bob)
    assert row(bob) == before


def test_unchanged_restricted_fields_are_not_a_refusal(hr, alice):
    services.update_employee(actor=hr, employee=alice, role=alice.role, position="Seller")
    alice.refresh_from_db()
    assert alice.position == "Seller"


# --- deactivation --------------------------------------------------------------------------------


def test_deactivation_ends_sessions_revokes_tokens_and_keeps_records(ada, alice, bob, alices_client):
    alices_browser, bobs_browser = Client(), Client()
    alices_browser.force_login(alice)
    bobs_browser.force_login(bob)
    _, plain = services.create_token(actor=alice, name="Sync")

    services.deactivate_employee(actor=ada, employee=alice)

    alice.refresh_from_db()
    assert not alice.is_active
    assert not Session.objects.filter(session_key=alices_browser.session.session_key).exists()
    assert Session.objects.filter(session_key=bobs_browser.session.session_key).exists()
    assert services.employee_for_token(plain) is None
    assert ApiToken.objects.get().revoked_at is not None
    assert CrmClient.objects.get(pk=alices_client.pk).owner == alice
    entry = AuditEntry.objects.get(verb="update", object_id=str(alice.pk))
    assert entry.changes["is_active"] == [True, False]


def test_nobody_deactivates_themselves(ada):
    with pytest.raises(Conflict):
        services.deactivate_employee(actor=ada, employee=ada)
    assert Employee.objects.get(pk=ada.pk).is_active


def test_reactivation_lets_them_back_in(ada, alice):
    services.deactivate_employee(actor=ada, employee=alice)
    services.reactivate_employee(actor=ada, employee=alice)
    assert Employee.objects.get(pk=alice.pk).is_active


def test_hr_may_deactivate_but_not_the_last_who_manages_rights(hr, ada, alice):
    services.deactivate_employee(actor=hr, employee=alice)
    with pytest.raises(Conflict, match="nobody able to manage rights"):
        services.deactivate_employee(actor=hr, employee=ada)
    assert Employee.objects.get(pk=ada.pk).is_active


def test_the_last_rights_manager_keeps_their_role(ada):
    with pytest.raises(Conflict, match="nobody able to manage rights"):
        services.update_employee(actor=ada, employee=ada, role=role("sales"))
    assert Employee.objects.get(pk=ada.pk).role.key == "administrator"
    second = EmployeeFactory(username="ada2", role=role("administrator"))
    services.update_employee(actor=ada, employee=ada, role=role("sales"))
    assert Employee.objects.get(pk=ada.pk).role.key == "sales"
    assert second.is_active


# --- the list ------------------------------------------------------------------------------------


def test_list_filters_and_searches(ada, alice, bob, charlie):
    north = Department.objects.get(name="North")
    in_north = set(queries.employee_list(ada, department=north.pk))
    assert {alice, bob} <= in_north and charlie not in in_north
    assert list(queries.employee_list(ada, text="alice seller")) == [alice]
    assert list(queries.employee_list(ada, text="charlie@example")) == [charlie]
    services.deactivate_employee(actor=ada, employee=bob)
    assert bob not in set(queries.employee_list(ada, active=True))
    assert list(queries.employee_list(ada, active=False)) == [bob]
    assert set(queries.employee_list(ada, role=role("readonly").pk)) == {Employee.objects.get(username="rita")}


def test_list_sorts_by_allowed_keys_only(ada):
    names = [e.username for e in queries.employee_list(ada, ordering="-username")]
    assert names == sorted(names, reverse=True)
    with pytest.raises(Invalid):
        queries.employee_list(ada, ordering="password")


def test_list_page_runs_the_same_queries_whatever_the_number_of_employees(client, ada):
    client.force_login(ada)
    url = reverse("accounts:employee_list")

    def count():
        with CaptureQueriesContext(connection) as queries_run:
            assert client.get(url).status_code == 200
        return len(queries_run)

    few = count()
    for n in range(40):
        EmployeeFactory(username=f"extra{n}", department=Department.objects.get(name="South"))
    assert count() == few
    assert few <= 12


def test_list_query_itself_is_two_queries(ada, django_assert_num_queries):
    from carte.core.listing import page_of

    ada = Employee.objects.get(pk=ada.pk)
    ada.rights  # noqa: B018 - read once per request anyway
    with django_assert_num_queries(2):
        page = page_of(queries.employee_list(ada), 1)
        [(e.department, e.role) for e in page.items]


# --- screens -------------------------------------------------------------------------------------


def test_admin_screens_answer(client, ada, alice):
    client.force_login(ada)
    for name, args in [("employee_list", []), ("employee_create", []), ("employee_edit", [alice.pk])]:
        assert client.get(reverse(f"accounts:{name}", args=args)).status_code == 200


def test_create_screen_adds_an_employee(client, ada):
    client.force_login(ada)
    data = {**NEW, "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, "role": role("sales").pk}
    response = client.post(reverse("accounts:employee_create"), data)
    assert response.status_code == 302
    assert Employee.objects.get(username="zoe").role.key == "sales"


def test_edit_screen_hides_role_from_who_may_not_set_it(client, hr, alice):
    client.force_login(hr)
    form = client.get(reverse("accounts:employee_edit", args=[alice.pk])).context["form"]
    assert "role" not in form.fields and "department" in form.fields


def test_edit_screen_ignores_a_role_it_did_not_offer(client, hr, alice):
    client.force_login(hr)
    data = {
        "username": "alice",
        "first_name": "Alice",
        "last_name": "Seller",
        "email": "alice@example.com",
        "department": alice.department_id,
        "role": role("administrator").pk,
    }
    assert client.post(reverse("accounts:employee_edit", args=[alice.pk]), data).status_code == 302
    assert Employee.objects.get(pk=alice.pk).role.key == "sales"


def test_deactivate_and_reactivate_buttons(client, ada, alice):
    client.force_login(ada)
    assert client.post(reverse("accounts:employee_deactivate", args=[alice.pk])).status_code == 302
    assert not Employee.objects.get(pk=alice.pk).is_active
    assert client.post(reverse("accounts:employee_reactivate", args=[alice.pk])).status_code == 302
    assert Employee.objects.get(pk=alice.pk).is_active


def test_deactivating_oneself_from_the_screen_says_why(client, ada):
    client.force_login(ada)
    response = client.post(reverse("accounts:employee_deactivate", args=[ada.pk]), follow=True)
    assert "cannot deactivate yourself" in response.content.decode()
    assert Employee.objects.get(pk=ada.pk).is_active


def test_seller_cannot_open_the_create_screen(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:employee_create")).status_code == 403
    assert client.post(reverse("accounts:employee_deactivate", args=[alice.pk])).status_code == 403


def test_an_administrator_sets_a_new_password_and_ends_the_employees_sessions(client, ada, bob):
    from django.contrib.sessions.models import Session

    from carte.accounts import services

    client.force_login(bob)
    services.reset_employee_password(actor=ada, employee=bob, password="A-fresh-passphrase-31")
    bob.refresh_from_db()
    assert bob.check_password("A-fresh-passphrase-31")
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(bob.pk)]


def test_nobody_resets_their_own_password_without_the_old_one(ada):
    from carte.accounts import services
    from carte.core.errors import Conflict

    with pytest.raises(Conflict):
        services.reset_employee_password(actor=ada, employee=ada, password="A-fresh-passphrase-31")


def test_a_weak_new_password_is_refused_and_nothing_changes(ada, bob):
    from carte.accounts import services
    from carte.core.errors import Invalid

    before = bob.password
    with pytest.raises(Invalid):
        services.reset_employee_password(actor=ada, employee=bob, password="123")
    bob.refresh_from_db()
    assert bob.password == before
