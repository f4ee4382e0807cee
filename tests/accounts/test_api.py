import json

import pytest

from carte.accounts.models import Department, Employee, Right
from carte.core.testing import role

API = "/api/v1"


@pytest.fixture
def as_ada(client, ada):
    client.force_login(ada)
    return client


def send(client, method, path, body=None):
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body or {}), content_type="application/json")


def test_employee_list_is_paged_filtered_sorted_and_hides_passwords(as_ada, alice):
    response = as_ada.get(
        f"{API}/employees", {"department": alice.department_id, "ordering": "-username", "page_size": 2}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["pages"], len(body["results"])) == (3, 2, 2)
    assert [e["username"] for e in body["results"]] == ["mia", "bob"]
    assert body["results"][0]["department"] == {"id": alice.department_id, "name": "North"}
    assert "password" not in json.dumps(body)
    assert as_ada.get(f"{API}/employees", {"q": "charlie"}).json()["count"] == 1
    assert as_ada.get(f"{API}/employees", {"ordering": "password"}).status_code == 400


def test_create_read_update_deactivate_reactivate(as_ada):
    body = {"username": "zoe", "first_name": "Zoe", "password": "a long enough password 1", "role_id": role("sales").pk}
    created = send(as_ada, "post", "/employees", body)
    assert created.status_code == 201, created.content
    zoe_id = created.json()["id"]
    assert created.json()["role"]["name"] == "Sales"
    assert as_ada.get(f"{API}/employees/{zoe_id}").json()["username"] == "zoe"
    north = Department.objects.get(name="North")
    patched = send(as_ada, "patch", f"/employees/{zoe_id}", {"position": "Seller", "department_id": north.pk})
    assert patched.json()["position"] == "Seller" and patched.json()["department"]["id"] == north.pk
    assert send(as_ada, "patch", f"/employees/{zoe_id}", {"department_id": None}).json()["department"] is None
    assert send(as_ada, "post", f"/employees/{zoe_id}/deactivate").json()["is_active"] is False
    assert send(as_ada, "post", f"/employees/{zoe_id}/reactivate").json()["is_active"] is True


def test_null_empties_a_text_field_and_is_refused_for_a_required_one(as_ada, people):
    # Found by the schema fuzz: null reached a NOT NULL column (a 500 on PostgreSQL).
    bob = people["bob"]
    patched = send(as_ada, "patch", f"/employees/{bob.pk}", {"first_name": None, "position": None})
    assert patched.status_code == 200 and patched.json()["first_name"] == ""
    refused = send(as_ada, "patch", f"/employees/{bob.pk}", {"username": None})
    assert refused.status_code == 400 and "username" in refused.json()["errors"]
    bob.refresh_from_db()
    assert bob.username == "bob" and bob.first_name == ""


def test_bad_input_answers_problem_details(as_ada):
    response = send(as_ada, "post", "/employees", {"username": "zoe", "password": "1", "time_zone": "Mars/Base"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {"password", "time_zone"} <= set(response.json()["errors"])
    assert (
        send(as_ada, "post", "/employees", {"username": "zoe", "password": "x" * 20, "department_id": 999}).status_code
        == 400
    )
    assert not Employee.objects.filter(username="zoe").exists()


def test_seller_reads_colleagues_but_changes_nothing(client, alice, bob):
    client.force_login(alice)
    assert client.get(f"{API}/employees/{bob.pk}").status_code == 200
    refused = send(client, "patch", f"/employees/{bob.pk}", {"position": "Boss"})
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert send(client, "post", f"/employees/{bob.pk}/deactivate").status_code == 403
    assert Employee.objects.get(pk=bob.pk).position == ""


def test_role_change_without_the_right_is_refused(client, hr, alice):
    client.force_login(hr)
    response = send(client, "patch", f"/employees/{alice.pk}", {"role_id": role("administrator").pk, "position": "X"})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert (alice.role.key, alice.position) == ("sales", "")


def test_me(client, alice):
    client.force_login(alice)
    assert client.get(f"{API}/me").json()["username"] == "alice"


def test_missing_employee_is_404(as_ada):
    response = as_ada.get(f"{API}/employees/99999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_departments(as_ada, alice):
    listed = as_ada.get(f"{API}/departments", {"ordering": "-members"}).json()
    assert [(d["name"], d["member_count"]) for d in listed["results"]] == [("North", 3), ("South", 1)]
    created = send(as_ada, "post", "/departments", {"name": "East", "head_id": alice.pk})
    assert created.status_code == 201
    east = created.json()
    assert east["head"] == {"id": alice.pk, "name": "Alice Seller"}
    assert send(as_ada, "patch", f"/departments/{east['id']}", {"name": "Far East"}).json()["name"] == "Far East"
    assert as_ada.get(f"{API}/departments/{east['id']}").json()["member_count"] == 0
    assert send(as_ada, "delete", f"/departments/{alice.department_id}").status_code == 409
    assert send(as_ada, "delete", f"/departments/{east['id']}").status_code == 204
    assert not Department.objects.filter(pk=east["id"]).exists()


def test_roles(as_ada):
    listed = as_ada.get(f"{API}/roles").json()
    sales = next(r for r in listed["results"] if r["key"] == "sales")
    assert {"module": "clients", "action": "view", "scope": "department"} in sales["rights"]
    body = {"description": "Sells", "rights": [{"module": "clients", "action": "view", "scope": "all"}]}
    patched = send(as_ada, "patch", f"/roles/{sales['id']}", body)
    assert patched.status_code == 200
    assert patched.json()["description"] == "Sells"
    assert Right.objects.get(role_id=sales["id"], module="clients", action="view").scope == "all"
    assert as_ada.get(f"{API}/roles/{sales['id']}").json()["employee_count"] == 3


def test_roles_guard_answers_conflict(as_ada):
    administrator = role("administrator")
    body = {"rights": [{"module": "roles", "action": "edit", "scope": "none"}]}
    response = send(as_ada, "patch", f"/roles/{administrator.pk}", body)
    assert response.status_code == 409
    assert Right.objects.get(role=administrator, module="roles", action="edit").scope == "all"


def test_roles_hidden_from_sellers(client, alice):
    client.force_login(alice)
    assert client.get(f"{API}/roles").status_code == 403
    assert client.get(f"{API}/roles/{role('sales').pk}").status_code == 404


def test_list_queries_do_not_grow(as_ada, django_assert_max_num_queries):
    from carte.core.testing import EmployeeFactory

    for n in range(30):
        EmployeeFactory(username=f"extra{n}", department=Department.objects.get(name="South"))
    with django_assert_max_num_queries(6):
        assert as_ada.get(f"{API}/employees").status_code == 200
    with django_assert_max_num_queries(6):
        assert as_ada.get(f"{API}/roles").status_code == 200
