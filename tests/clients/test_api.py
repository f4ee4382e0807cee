import pytest

from carte.clients import services
from carte.clients.models import Client

API = "/api/v1/clients"


@pytest.fixture
def api(login):
    """A browser session on the API (session auth; the test client skips CSRF checks)."""
    return login


def test_list_is_paged_and_filtered_with_phones_and_emails(api, alice, acme, make_client, charlies_client):
    make_client(name="Globex", status="customer")
    answer = api(alice).get(API, {"ordering": "-name", "page_size": 1})
    body = answer.json()
    assert answer.status_code == 200
    assert (body["count"], body["pages"], body["results"][0]["name"]) == (2, 2, "Globex")
    found = api(alice).get(API, {"q": "0612"}).json()["results"]
    assert [c["name"] for c in found] == ["Acme Industries"]
    assert found[0]["phones"] == [{"number": "06 12 34 56 78", "kind": "mobile", "e164": "+33612345678"}]
    assert found[0]["emails"] == [{"address": "sales@acme.example", "kind": "work"}]


def test_list_refuses_an_unknown_sort_key_as_a_problem(api, alice):
    answer = api(alice).get(API, {"ordering": "owner__password"})
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert "Cannot sort" in answer.json()["detail"]


def test_list_refuses_an_unknown_status(api, alice):
    answer = api(alice).get(API, {"status": "vip"})
    assert answer.status_code == 400 and "status" in answer.json()["errors"]


def test_create_a_client(api, alice):
    answer = api(alice).post(
        API,
        {"name": "Initech", "phones": [{"number": "+33 1 40 00 00 00"}], "emails": [{"address": "a@initech.example"}]},
        content_type="application/json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["owner"]["name"], body["version"], body["phones"][0]["e164"]) == ("Alice Seller", 1, "+33140000000")


def test_seller_cannot_create_a_client_for_someone_else(api, alice, bob):
    answer = api(alice).post(API, {"name": "Gift", "owner": bob.pk}, content_type="application/json")
    assert answer.status_code == 403
    assert not Client.objects.exists()


def test_outsider_gets_404_for_a_client(api, charlie, acme):
    assert api(charlie).get(f"{API}/{acme.pk}").status_code == 404


def test_patch_changes_what_is_sent_and_bumps_the_version(api, alice, acme):
    answer = api(alice).patch(
        f"{API}/{acme.pk}", {"version": acme.version, "status": "customer"}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert (answer.json()["status"]["key"], answer.json()["version"], answer.json()["name"]) == (
        "customer",
        2,
        "Acme Industries",
    )


def test_patch_with_a_stale_version_is_a_409_problem_with_current_values(api, alice, mia, acme):
    services.update_client(actor=mia, client=acme, version=acme.version, name="Acme SA")
    answer = api(alice).patch(f"{API}/{acme.pk}", {"version": 1, "name": "Acme Ltd"}, content_type="application/json")
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/problem+json"
    assert "Acme SA" in answer.json()["errors"]["name"][0]


def test_patch_requires_the_version(api, alice, acme):
    answer = api(alice).patch(f"{API}/{acme.pk}", {"name": "x"}, content_type="application/json")
    assert answer.status_code == 422


def test_teammate_cannot_patch(api, bob, acme):
    answer = api(bob).patch(f"{API}/{acme.pk}", {"version": 1, "name": "x"}, content_type="application/json")
    assert answer.status_code == 403


def test_delete_is_for_those_with_the_right(api, alice, mia, acme):
    assert api(alice).delete(f"{API}/{acme.pk}").status_code == 403
    assert api(mia).delete(f"{API}/{acme.pk}").status_code == 204
    assert not Client.objects.filter(pk=acme.pk).exists()


def test_notes_and_timeline(api, alice, acme):
    browser = api(alice)
    assert browser.post(f"{API}/{acme.pk}/notes", {"text": "Hello"}, content_type="application/json").status_code == 201
    body = browser.get(f"{API}/{acme.pk}/timeline", {"limit": 1}).json()
    assert [entry["summary"] for entry in body["results"]] == ["Hello"]
    older = browser.get(f"{API}/{acme.pk}/timeline", {"limit": 1, "before": body["next"]}).json()
    assert [entry["kind"] for entry in older["results"]] == ["created"] and older["next"] is None


def test_contacts_of_a_company(api, alice, acme, jean):
    services.link_contact(actor=alice, company=acme, person=jean, role="purchaser")
    body = api(alice).get(f"{API}/{acme.pk}/contacts").json()
    assert body == [
        {
            "id": body[0]["id"],
            "role": {"key": "purchaser", "label": "Purchaser"},
            "company": {"id": acme.pk, "kind": "company", "name": "Acme Industries"},
            "person": {"id": jean.pk, "kind": "person", "name": "Jean Dupont"},
        }
    ]


def test_anonymous_gets_401(client):
    assert client.get(API).status_code == 401
