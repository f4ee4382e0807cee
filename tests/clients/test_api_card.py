"""The API carries every value of a card, and refuses bad ones as problem details with nothing saved."""

import pytest

from carte.clients.models import Client, CustomField

API = "/api/v1/clients"


@pytest.fixture
def api(login):
    return login


@pytest.fixture
def rating():
    return CustomField.objects.create(key="rating", label="Rating", kind=CustomField.Kind.CHOICE, options=["A", "B"])


def test_create_and_read_a_company_with_everything(api, alice, rating):
    payload = {
        "name": "Acme",
        "legal_name": "Acme SAS",
        "industry": "retail",
        "tags": ["vip"],
        "tax_ids": [{"kind": "siren", "value": "732 829 320"}],
        "messengers": [{"kind": "telegram", "handle": "@acme"}],
        "custom": {"rating": "A"},
    }
    answer = api(alice).post(API, payload, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = api(alice).get(f"{API}/{answer.json()['id']}").json()
    assert body["industry"] == {"key": "retail", "label": "Retail"}
    assert body["status"]["key"] == "lead"
    assert body["tags"] == [{"key": "vip", "label": "VIP"}]
    assert body["tax_ids"] == [{"kind": "siren", "value": "732 829 320"}]
    assert body["messengers"] == [{"kind": "telegram", "handle": "@acme"}]
    assert body["custom"] == {"rating": "A"}


def test_bad_values_are_a_problem_naming_each_field(api, alice, rating):
    payload = {"name": "Acme", "tax_ids": [{"kind": "inn", "value": "123"}], "custom": {"rating": "Z"}}
    answer = api(alice).post(API, payload, content_type="application/json")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert set(answer.json()["errors"]) == {"tax_ids", "custom_rating"}
    assert not Client.objects.exists()


def test_patch_clears_a_reference_with_null(api, alice):
    created = api(alice).post(API, {"name": "Acme", "industry": "it"}, content_type="application/json").json()
    answer = api(alice).patch(
        f"{API}/{created['id']}", {"version": created["version"], "industry": None}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert (answer.json()["industry"], answer.json()["name"]) == (None, "Acme")


def test_list_reads_every_card_in_a_constant_number_of_queries(api, alice, make_client, django_assert_max_num_queries):
    for number in range(20):
        make_client(name=f"Client {number}", tags=["vip"], tax_ids=[("siren", "732829320")])
    browser = api(alice)
    with django_assert_max_num_queries(12):
        answer = browser.get(API, {"page_size": 20})
    assert len(answer.json()["results"]) == 20
