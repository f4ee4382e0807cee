"""Bodies no one types: a NUL character, or a number beyond 64 bits, in every form and API operation
that takes a body. Never a server error, and nothing written.

The requests are the rights matrix's writes (its coverage gate gives every URL and API operation
a row), sent by the administrator in the matrix's world with the row's valid data spoilt:
- a NUL in every text value (and, for the API, in a key too): PostgreSQL can neither store nor
  compare text holding one. HTML forms answer with a form error or 400; the API answers 422
  problem+json like any other invalid input.
- every number (ids, lists of ids, counts, versions) replaced by 99999999999999999999999: SQLite
  cannot bind it (OverflowError) and PostgreSQL refuses to store it. A form error or a 4xx.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carte.core.testing import database_state
from carte.transfer.models import Import
from tests.rights import EVERYONE
from tests.test_rights_matrix import ROWS

HUGE = "99999999999999999999999"
BODY_METHODS = {"POST", "PATCH", "PUT"}


def _spoilt(value, spoil):
    """`value` with every scalar in it passed through `spoil`, lists and dicts opened."""
    if isinstance(value, dict):
        return {key: _spoilt(item, spoil) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_spoilt(item, spoil) for item in value]
    return spoil(value)


def with_nul(value):
    return value + "\x00" if isinstance(value, str) else value


def with_huge_numbers(value):
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    if isinstance(value, int) or value.strip().isdigit():
        return int(HUGE) if isinstance(value, int) else HUGE
    return value


def _has(value, kind) -> bool:
    """Does the row's data hold a value that `kind` spoils? ("@name" and personas are ids once resolved.)"""
    if isinstance(value, dict):
        return any(_has(item, kind) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has(item, kind) for item in value)
    if isinstance(value, str) and (value.startswith("@") or value in EVERYONE):
        value = 1
    return kind(value) != value


HTML_FORMS = [row for row in ROWS if not row.is_api and row.method in BODY_METHODS]
API_BODIES = [row for row in ROWS if row.is_api and row.method in BODY_METHODS]


def send(client, row, world, spoil, extra=None):
    url, payload = row.url(world), row.payload(world, "ada") or {}
    data = _spoilt(payload, spoil) | (extra or {})
    if row.is_api:
        return getattr(client, row.method.lower())(url, data=json.dumps(data), content_type="application/json")
    return client.post(url, data=data)


def assert_refused_without_change(response, before, statuses):
    assert response.status_code in statuses, response.content[:500]
    assert database_state() == before


@pytest.fixture
def ada_browser(client, world):
    client.force_login(world.people["ada"])
    return client


@pytest.mark.parametrize("row", [row for row in HTML_FORMS if _has(row.data, with_nul)], ids=str)
def test_a_nul_in_a_form_is_a_form_error_or_400(ada_browser, world, row):
    world.make_named(row)
    before = database_state()
    response = send(ada_browser, row, world, with_nul)
    assert_refused_without_change(response, before, {200, 400, 422})


@pytest.mark.parametrize("row", API_BODIES, ids=str)
def test_a_nul_in_a_json_body_is_invalid_input(ada_browser, world, row):
    world.make_named(row)
    before = database_state()
    response = send(ada_browser, row, world, with_nul, extra={"note\x00": "x"})
    assert_refused_without_change(response, before, {422})
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 422


@pytest.mark.parametrize("name", ["clients.csv\x00.exe", "\x00"])
def test_a_nul_in_an_uploaded_file_name_never_reaches_the_database(ada_browser, world, name):
    # Django's upload parser drops the characters one cannot print from a file's name, before the middleware.
    upload = SimpleUploadedFile(name, b"name;email\nNul Ltd;nul@example.com\n", content_type="text/csv")
    response = ada_browser.post(reverse("transfer:import_new"), {"target": "clients", "file": upload})
    assert response.status_code in (200, 302, 400, 422)
    assert not any("\x00" in stored for stored in Import.objects.values_list("file_name", flat=True))


@pytest.mark.parametrize("text", ['{"name": "a\\u0000"}', '{"name\\u0000": "a"}', '["\\\\\\u0000"]'])
def test_every_escaped_nul_is_found(ada_browser, text):
    response = ada_browser.post("/api/v1/departments", text, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("text", ['{"name": "back\\\\u0000slash"}', '{"name": "\\\\\\\\u0000"}'])
def test_an_escaped_backslash_before_u0000_is_no_nul(ada_browser, text):
    response = ada_browser.post("/api/v1/departments", text, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("row", [row for row in HTML_FORMS + API_BODIES if _has(row.data, with_huge_numbers)], ids=str)
def test_a_number_beyond_64_bits_is_refused_not_a_server_error(ada_browser, world, row):
    world.make_named(row)
    response = send(ada_browser, row, world, with_huge_numbers)
    assert response.status_code < 500, response.content[:500]


# --- the problem's title, in the user's language ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"name": 5}',  # ninja's validation
        '{"name": "\\u0000"}',  # the NUL middleware
    ],
)
def test_an_invalid_body_is_titled_in_the_users_language(client, ada, body):
    ada.language = "fr"
    ada.save()
    client.force_login(ada)
    response = client.post("/api/v1/departments", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["title"] == "Requête invalide"


def test_a_number_too_large_is_titled_in_the_users_language(client, ada):
    ada.language = "fr"
    ada.save()
    client.force_login(ada)
    response = client.post("/api/v1/notifications/read", {"ids": [int(HUGE)]}, content_type="application/json")
    if response.status_code == 422:  # SQLite; PostgreSQL finds no such notification
        assert response.json()["title"] == "Requête invalide"
    assert response.status_code in (404, 422)


def test_a_record_an_operation_does_not_find_is_a_problem(client, ada):
    client.force_login(ada)
    body = {"employee_id": 10**9, "month": "2026-11-01", "deals": 3, "amount": "1000"}
    response = client.put("/api/v1/targets", body, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "This record does not exist or is not visible to you."
