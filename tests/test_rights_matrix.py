"""The rights matrix: every screen and API operation × every persona → allowed, or refused with nothing changed.

Each row names an endpoint, the record it acts on and who may use it; everyone else must be
refused (404 where the record is hidden from them, 403 or 404 otherwise) and the database must
be exactly as before. A coverage gate fails the build when a URL or an API operation has no row.

The personas (carte.core.testing): Ada administrator; Mia manager of North; Alice and Bob sell
in North (Bob reaches Alice's records through the department scope); Charlie sells in South;
Rita reads everything and changes nothing.
"""

import json

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from carte.accounts.models import ApiToken, Department, Role
from carte.api import api
from carte.clients.models import Contact, CustomField, ReferenceValue, Segment
from carte.core.testing import ClientFactory, EmployeeFactory, database_state, make_personas, reference
from tests.rights import (
    ADMIN,
    CREATORS,
    EDIT_ALICES,
    EVERYONE,
    MANAGERS,
    NOT_CHARLIE,
    SEE_ALICES,
    SEGMENT_KEEPERS,
    Row,
    World,
    extensions,
    row,
)

EXTENSIONS = extensions()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The world, made once per test process and rolled back at the end: each test runs in a
    savepoint inside this transaction, so what a test writes is gone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _make_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db):
    """The shared world for one test: records a row makes `Later` stay with this test."""
    return World(people=shared_world.people, records=dict(shared_world.records))


def _make_world() -> World:
    people = make_personas()
    north = Department.objects.get(name="North")
    alice, charlie = people["alice"], people["charlie"]
    company = ClientFactory(name="Alice's Bakery", owner=alice)
    person = ClientFactory(kind="person", name="Paul Baker", first_name="Paul", last_name="Baker", owner=alice)
    stranger = ClientFactory(kind="person", name="Nina New", first_name="Nina", last_name="New", owner=alice)
    records = {
        "north": north,
        "empty_department": Department.objects.create(name="Empty"),
        "sales": Role.objects.get(key="sales"),
        "unused_role": Role.objects.create(name="Unused"),
        "alices_client": company,
        "alices_person": person,
        "alices_stranger": stranger,
        "alices_twin": ClientFactory(name="Alice's Bakery SARL", owner=alice),
        "charlies_client": ClientFactory(name="Charlie's Garage", owner=charlie),
        "contact": Contact.objects.create(company=company, person=person, role=reference("contact_role", "purchaser")),
        "alices_token": ApiToken.objects.create(employee=alice, name="sync", prefix="abcd1234", digest="0" * 64),
        "retired": EmployeeFactory(username="retired", is_active=False, department=north),
        "old_tag": ReferenceValue.objects.create(list="tag", key="old", label="Old", archived=True),
        "notes_field": CustomField.objects.create(key="notes", label="Notes", kind="text", order=10),
        "old_field": CustomField.objects.create(key="old-field", label="Old", kind="text", order=20, archived=True),
        "alices_segment": Segment.objects.create(name="Alice's leads", owner=alice, filters={"status": ["lead"]}),
        "shared_segment": Segment.objects.create(
            name="Customers", owner=alice, shared=True, filters={"status": ["customer"]}
        ),
    }
    records = people | records
    for extension in EXTENSIONS:
        records |= extension.records(records)
    return World(people=people, records=records)


PASSWORD = "A-long-passphrase-42"
EMPLOYEE = {
    "username": "newbie",
    "first_name": "New",
    "last_name": "Comer",
    "email": "newbie@example.com",
    "language": "en",
}
CLIENT_FORM = {
    "kind": "company",
    "name": "Matrix Ltd",
    "status": "lead",
    "owner": "@me",
    "notes": "",
    "phones-TOTAL_FORMS": "0",
    "phones-INITIAL_FORMS": "0",
    "emails-TOTAL_FORMS": "0",
    "emails-INITIAL_FORMS": "0",
    "phones-MIN_NUM_FORMS": "0",
    "emails-MIN_NUM_FORMS": "0",
    "phones-MAX_NUM_FORMS": "1000",
    "emails-MAX_NUM_FORMS": "1000",
}
A = ("@alices_client",)
TWINS = {"ids": ["@alices_client", "@alices_twin"]}

HTML_ROWS = [
    row("workspace:home"),
    row("workspace:settings"),  # every built-in role reads the sales settings
    row("workspace:search", query="?q=Bakery"),
    row("workspace:progress"),
    row("accounts:password_change"),
    row("accounts:profile"),
    row("accounts:token_create", "POST", data={"name": "matrix"}),
    row("accounts:token_revoke", "POST", allowed={"alice"}, hidden=EVERYONE - {"alice"}, args=("@alices_token",)),
    row("accounts:employee_list"),
    row("accounts:employee_create", allowed=ADMIN),
    row(
        "accounts:employee_create",
        "POST",
        allowed=ADMIN,
        data=EMPLOYEE | {"password": PASSWORD, "password_again": PASSWORD},
    ),
    row("accounts:employee_edit", allowed=ADMIN, args=("@charlie",)),
    row("accounts:employee_edit", "POST", allowed=ADMIN, args=("@charlie",), data=EMPLOYEE | {"username": "chuck"}),
    row("accounts:employee_deactivate", "POST", allowed=ADMIN, args=("@bob",)),
    row("accounts:employee_reactivate", "POST", allowed=ADMIN, args=("@retired",)),
    row("accounts:employee_password", allowed=ADMIN, args=("@bob",)),
    row(
        "accounts:employee_password",
        "POST",
        allowed=ADMIN,
        args=("@bob",),
        data={"password": PASSWORD, "password_again": PASSWORD},
    ),
    row("accounts:department_list"),
    row("accounts:department_create", allowed=ADMIN),
    row("accounts:department_create", "POST", allowed=ADMIN, data={"name": "West"}),
    row("accounts:department_edit", allowed=ADMIN, args=("@north",)),
    row("accounts:department_edit", "POST", allowed=ADMIN, args=("@north",), data={"name": "Nord"}),
    row("accounts:department_delete", "POST", allowed=ADMIN, args=("@empty_department",)),
    row("accounts:role_list", allowed=MANAGERS),
    row("accounts:role_create", allowed=ADMIN),
    row("accounts:role_edit", allowed=ADMIN, args=("@sales",)),
    row("accounts:role_delete", "POST", allowed=ADMIN, args=("@unused_role",)),
    row("accounts:audit_list", allowed=MANAGERS),
    row("clients:list"),
    row("clients:list", query="?status=lead&tags=vip&ordering=-updated"),
    row("clients:columns", "POST", data={"columns": ["status", "tags"], "filter": "status=lead"}),
    row("clients:segment_create", "POST", data={"name": "Matrix", "shared": "on", "filter": "status=lead"}),
    row("clients:segment_open", allowed=SEGMENT_KEEPERS, hidden=EVERYONE - SEGMENT_KEEPERS, args=("@alices_segment",)),
    row("clients:segment_open", args=("@shared_segment",)),
    row(
        "clients:segment_update",
        "POST",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
        data={"name": "Renamed"},
    ),
    row("clients:segment_update", "POST", allowed=SEGMENT_KEEPERS, args=("@shared_segment",), data={"name": "Mine"}),
    row(
        "clients:segment_delete",
        "POST",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
    ),
    row("clients:segment_delete", "POST", allowed=SEGMENT_KEEPERS, args=("@shared_segment",)),
    row(
        "clients:bulk",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        data={"action": "set_status", "status": "customer", "scope": "selected", "ids": ["@alices_client"]},
    ),
    row(
        "clients:export",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        data={"scope": "selected", "ids": ["@alices_client"]},
    ),
    row("clients:export", "POST", allowed=CREATORS, data={"scope": "all", "filter": "status=lead"}),
    row("clients:create", allowed=CREATORS),
    row("clients:create", "POST", allowed=CREATORS, data=CLIENT_FORM),
    row("clients:card", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=A),
    row("clients:card", allowed={"ada", "mia", "charlie", "rita"}, hidden={"alice", "bob"}, args=("@charlies_client",)),
    row("clients:edit", allowed=EDIT_ALICES, hidden=NOT_CHARLIE, args=A),
    row("clients:edit", "POST", allowed=EDIT_ALICES, hidden=NOT_CHARLIE, args=A, data=CLIENT_FORM | {"version": 1}),
    row("clients:delete", allowed=MANAGERS, hidden=NOT_CHARLIE, args=A),
    row("clients:delete", "POST", allowed=MANAGERS, hidden={"alice", "bob"}, args=("@charlies_client",)),
    row("clients:note_add", "POST", allowed=EDIT_ALICES, hidden=NOT_CHARLIE, args=A, data={"text": "Called"}),
    row("clients:timeline", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=A),
    row(
        "clients:contact_add",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=A,
        data={"other": "@alices_stranger", "role": "purchaser"},
    ),
    row("clients:contact_remove", "POST", allowed=EDIT_ALICES, hidden=NOT_CHARLIE, args=(*A, "@contact")),
    row("clients:tab", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=(*A, "overview")),
    row("clients:tab", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=(*A, "history")),
    row("clients:section", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=(*A, "contact")),
    row("clients:edit_section", allowed=EDIT_ALICES, hidden=NOT_CHARLIE, args=(*A, "notes")),
    row(
        "clients:edit_section",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=(*A, "notes"),
        data={"version": 1, "notes": "Called on Monday"},
    ),
    # Settings: reference lists and custom fields (managers look, administrators change)
    row("clients:reference_lists", allowed=MANAGERS, query="?list=tag"),
    row("clients:reference_value_add", "POST", allowed=ADMIN, args=("tag",), data={"label": "Gold"}),
    row("clients:reference_value_rename", allowed=ADMIN, args=("status", "lead")),
    row("clients:reference_value_rename", "POST", allowed=ADMIN, args=("status", "lead"), data={"label": "Enquiry"}),
    row("clients:reference_value_archive", "POST", allowed=ADMIN, args=("tag", "vip")),
    row("clients:reference_value_restore", "POST", allowed=ADMIN, args=("tag", "old")),
    row("clients:reference_value_delete", "POST", allowed=ADMIN, args=("tag", "vip")),
    row("clients:reference_value_move", "POST", allowed=ADMIN, args=("status", "former"), data={"direction": "up"}),
    row("clients:custom_fields", allowed=MANAGERS),
    row("clients:custom_field_create", allowed=ADMIN),
    row("clients:custom_field_create", "POST", allowed=ADMIN, data={"label": "Level", "kind": "text"}),
    row("clients:custom_field_edit", allowed=ADMIN, args=("notes",)),
    row("clients:custom_field_edit", "POST", allowed=ADMIN, args=("notes",), data={"label": "Remarks", "kind": "text"}),
    row("clients:custom_field_archive", "POST", allowed=ADMIN, args=("notes",)),
    row("clients:custom_field_restore", "POST", allowed=ADMIN, args=("old-field",)),
    row("clients:custom_field_delete", "POST", allowed=ADMIN, args=("notes",)),
    row("clients:custom_field_move", "POST", allowed=ADMIN, args=("notes",), data={"direction": "down"}),
    row("clients:duplicates", query="?name=Bakery&phones-0-number=0612345678"),
    row("clients:merge", allowed=MANAGERS, hidden=NOT_CHARLIE, data=TWINS),
    row("clients:merge", "POST", allowed=MANAGERS, hidden=NOT_CHARLIE, data=TWINS),
]

API_ROWS = [
    row("GET /api/v1/employees"),
    row("POST /api/v1/employees", "POST", allowed=ADMIN, data=EMPLOYEE | {"password": PASSWORD}),
    row("GET /api/v1/employees/{employee_id}", args=("@charlie",)),
    row("PATCH /api/v1/employees/{employee_id}", "PATCH", allowed=ADMIN, args=("@charlie",), data={"position": "Boss"}),
    row("POST /api/v1/employees/{employee_id}/deactivate", "POST", allowed=ADMIN, args=("@bob",)),
    row("POST /api/v1/employees/{employee_id}/reactivate", "POST", allowed=ADMIN, args=("@retired",)),
    row(
        "POST /api/v1/employees/{employee_id}/password",
        "POST",
        allowed=ADMIN,
        args=("@bob",),
        data={"password": PASSWORD},
    ),
    row("GET /api/v1/me"),
    row("GET /api/v1/departments"),
    row("POST /api/v1/departments", "POST", allowed=ADMIN, data={"name": "West"}),
    row("GET /api/v1/departments/{department_id}", args=("@north",)),
    row("PATCH /api/v1/departments/{department_id}", "PATCH", allowed=ADMIN, args=("@north",), data={"name": "Nord"}),
    row("DELETE /api/v1/departments/{department_id}", "DELETE", allowed=ADMIN, args=("@empty_department",)),
    row("GET /api/v1/roles", allowed=MANAGERS),
    row("GET /api/v1/roles/{role_id}", allowed=MANAGERS, args=("@sales",)),
    row("PATCH /api/v1/roles/{role_id}", "PATCH", allowed=ADMIN, args=("@sales",), data={"description": "Sells"}),
    row("GET /api/v1/clients"),
    row("GET /api/v1/clients", query="?status=lead&status=customer&owner=me&ordering=-created"),
    row(
        "POST /api/v1/clients/bulk",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        data={"action": "set_status", "value": "customer", "ids": ["@alices_client"]},
    ),
    row(
        "POST /api/v1/clients/export",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        data={"ids": ["@alices_client"]},
    ),
    row("GET /api/v1/segments"),
    row("POST /api/v1/segments", "POST", data={"name": "Matrix", "filters": {"status": "lead"}}),
    row(
        "GET /api/v1/segments/{segment_id}",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
    ),
    row("GET /api/v1/segments/{segment_id}", args=("@shared_segment",)),
    row(
        "PATCH /api/v1/segments/{segment_id}",
        "PATCH",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
        data={"name": "Renamed"},
    ),
    row(
        "PATCH /api/v1/segments/{segment_id}",
        "PATCH",
        allowed=SEGMENT_KEEPERS,
        args=("@shared_segment",),
        data={"shared": False},
    ),
    row(
        "DELETE /api/v1/segments/{segment_id}",
        "DELETE",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
    ),
    row(
        "GET /api/v1/segments/{segment_id}/clients",
        allowed=SEGMENT_KEEPERS,
        hidden=EVERYONE - SEGMENT_KEEPERS,
        args=("@alices_segment",),
    ),
    row("GET /api/v1/segments/{segment_id}/clients", args=("@shared_segment",)),
    row("POST /api/v1/clients", "POST", allowed=CREATORS, data={"name": "Matrix Ltd"}),
    row("GET /api/v1/clients/{client_id}", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=A),
    row(
        "PATCH /api/v1/clients/{client_id}",
        "PATCH",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=A,
        data={"version": 1, "status": "customer"},
    ),
    row("DELETE /api/v1/clients/{client_id}", "DELETE", allowed=MANAGERS, hidden=NOT_CHARLIE, args=("@alices_twin",)),
    row("GET /api/v1/clients/{client_id}/timeline", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=A),
    row(
        "POST /api/v1/clients/{client_id}/notes",
        "POST",
        allowed=EDIT_ALICES,
        hidden=NOT_CHARLIE,
        args=A,
        data={"text": "Called"},
    ),
    row("GET /api/v1/clients/{client_id}/contacts", allowed=SEE_ALICES, hidden=NOT_CHARLIE, args=A),
    row("GET /api/v1/clients/duplicates", query="?name=Bakery"),
    row(
        "POST /api/v1/clients/merge",
        "POST",
        allowed=MANAGERS,
        hidden=NOT_CHARLIE,
        data={"survivor": "@alices_client", "others": ["@alices_twin"]},
    ),
    row("GET /api/v1/search", query="?q=Bakery"),
    row("GET /api/v1/reference-lists"),
    row("GET /api/v1/reference-lists/{reference_list}", args=("status",)),
    row("POST /api/v1/reference-lists/{reference_list}", "POST", allowed=ADMIN, args=("tag",), data={"label": "Gold"}),
    row(
        "PUT /api/v1/reference-lists/{reference_list}/order",
        "PUT",
        allowed=ADMIN,
        args=("status",),
        data={"keys": ["former"]},
    ),
    row(
        "PATCH /api/v1/reference-lists/{reference_list}/{key}",
        "PATCH",
        allowed=ADMIN,
        args=("tag", "vip"),
        data={"label": "Very important"},
    ),
    row("DELETE /api/v1/reference-lists/{reference_list}/{key}", "DELETE", allowed=ADMIN, args=("tag", "vip")),
    row("GET /api/v1/custom-fields"),
    row("POST /api/v1/custom-fields", "POST", allowed=ADMIN, data={"label": "Level", "kind": "text"}),
    row("GET /api/v1/custom-fields/{key}", args=("notes",)),
    row("PATCH /api/v1/custom-fields/{key}", "PATCH", allowed=ADMIN, args=("notes",), data={"label": "Remarks"}),
    row("DELETE /api/v1/custom-fields/{key}", "DELETE", allowed=ADMIN, args=("notes",)),
]

# Reachable without logging in, on purpose.
PUBLIC = {
    "workspace:set_language",
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "planner:calendar_feed",  # a phone calendar reads it by its private token, without a session
}

ROWS = HTML_ROWS + API_ROWS + [row for extension in EXTENSIONS for row in extension.ROWS]
PERSONAS = sorted(EVERYONE)


def send(client, row: Row, world: World, persona: str = "ada"):
    url, payload = row.url(world), row.payload(world, persona)
    if row.is_api:
        body = json.dumps(payload) if row.method != "GET" else None
        return getattr(client, row.method.lower())(url, data=body, content_type="application/json")
    return getattr(client, row.method.lower())(url, data=payload)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_rights_matrix(client, world, row, persona):
    client.force_login(world.people[persona])
    world.make_named(row)
    before = database_state()
    response = send(client, row, world, persona)
    if persona in row.allowed:
        assert response.status_code in (200, 201, 202, 204, 302), response.content[:500]
        if row.method != "GET":
            assert database_state() != before, "an allowed write changed nothing: the row's data is wrong"
        return
    # A row may name its own refusal: the telephony webhook answers 401 to anyone without a signature.
    expected = getattr(row, "refused", None) or ({404} if persona in row.hidden else {403, 404})
    assert response.status_code in expected
    assert database_state() == before


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_anonymous_visitors_are_sent_to_login(client, world, row):
    world.make_named(row)
    before = database_state()
    response = send(client, row, world)
    if row.is_api:
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert database_state() == before


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_and_api_operation_has_rows_in_the_matrix():
    api_operations = {
        f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops
    }
    url_names = {name for name in _url_names(get_resolver().url_patterns) if not name.startswith("api:")}
    covered = {row.name for row in ROWS}
    assert url_names - PUBLIC - covered == set(), "screens without rows in the rights matrix"
    assert api_operations - covered == set(), "API operations without rows in the rights matrix"
    unnamed = [p for p in get_resolver().url_patterns if isinstance(p, URLPattern) and not p.name]
    assert unnamed == [], "every URL needs a name to be checked by the matrix"


def test_a_seller_cannot_give_a_client_away_or_promote_herself(client, world):
    """Fields that decide visibility or rights are refused to those without the right, and stay as they were."""
    alice = world.people["alice"]
    client.force_login(alice)
    before = database_state()
    to_charlie = {"version": 1, "owner": world.people["charlie"].pk}
    assert client.patch(f"/api/v1/clients/{world.alices_client.pk}", to_charlie, "application/json").status_code == 403
    administrator = Role.objects.get(key="administrator").pk
    for change in ({"role_id": administrator}, {"department_id": world.records["empty_department"].pk}):
        response = client.patch(f"/api/v1/employees/{alice.pk}", change, "application/json")
        assert response.status_code in (403, 404)
    profile = {"first_name": "Alice", "last_name": "Seller", "email": "alice@example.com", "language": "en"}
    client.post(reverse("accounts:profile"), profile | {"role": administrator, "is_active": "", "is_superuser": "on"})
    alice.refresh_from_db()
    assert (alice.role.key, alice.is_active, alice.is_superuser) == ("sales", True, False)
    after = database_state()
    after.pop("core.AuditEntry"), before.pop("core.AuditEntry")  # the profile save itself is audited
    after.pop("accounts.Employee"), before.pop("accounts.Employee")
    assert after == before
