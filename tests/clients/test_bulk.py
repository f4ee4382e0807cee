"""Bulk changes of clients: each client through update_client, batches all-or-nothing, a report per row."""

import pytest

from carte.clients import services
from carte.clients.filters import read_filters
from carte.clients.models import Client, TimelineEntry
from carte.clients.services import bulk
from carte.core.errors import Invalid, NotAllowed
from carte.core.models import AuditEntry

API = "/api/v1/clients/bulk"


@pytest.fixture
def alices(make_client):
    return [make_client(name=f"Alice client {n}") for n in range(4)]


def statuses(clients) -> list[str]:
    return [Client.objects.get(pk=client.pk).status.key for client in clients]


def test_set_status_on_the_chosen_clients_each_audited_and_on_the_timeline(alice, alices):
    report = services.change_clients(actor=alice, action="set_status", value="customer", ids=[c.pk for c in alices])
    assert (report.total, report.done, report.held_back, report.refused, report.status) == (4, 4, 0, [], 200)
    assert statuses(alices) == ["customer"] * 4
    assert AuditEntry.objects.filter(verb="update", model="clients.client").count() == 4
    assert TimelineEntry.objects.filter(kind="updated", client__in=alices).count() == 4
    assert {c.version for c in Client.objects.filter(pk__in=[c.pk for c in alices])} == {2}


def test_a_client_out_of_sight_refuses_the_batch_and_is_named_by_number_only(alice, alices, charlies_client):
    before = AuditEntry.objects.count()
    ids = [c.pk for c in alices] + [charlies_client.pk]
    report = services.change_clients(actor=alice, action="set_status", value="customer", ids=ids)
    assert statuses(alices) == ["lead"] * 4
    assert Client.objects.get(pk=charlies_client.pk).status.key == "lead"
    assert AuditEntry.objects.count() == before
    assert (report.done, report.held_back, report.status) == (0, 4, 404)
    [refusal] = report.refused
    assert refusal.client_id == charlies_client.pk
    assert refusal.name == f"Client #{charlies_client.pk}" and "Charlie" not in refusal.name


def test_a_visible_client_she_may_not_edit_is_named_with_the_reason(alice, bob, alices, make_client):
    bobs = make_client(actor=bob, name="Bob's Bistro", owner=bob)
    report = services.change_clients(
        actor=alice, action="set_status", value="customer", ids=[alices[0].pk, bobs.pk, alices[1].pk]
    )
    assert statuses([alices[0], bobs, alices[1]]) == ["lead"] * 3
    assert [(r.name, r.status) for r in report.refused] == [("Bob's Bistro", 403)]
    assert "right" in report.refused[0].reason
    assert report.status == 403


def test_batches_are_all_or_nothing_each(alice, bob, alices, make_client, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_SIZE", 2)
    bobs = make_client(actor=bob, name="Bob's Bistro", owner=bob)
    ids = [alices[0].pk, alices[1].pk, alices[2].pk, bobs.pk, alices[3].pk]
    report = services.change_clients(actor=alice, action="add_tag", value="vip", ids=ids)
    assert (report.done, report.held_back, len(report.refused)) == (3, 1, 1)
    tagged = set(Client.objects.filter(tags__key="vip").values_list("name", flat=True))
    assert tagged == {"Alice client 0", "Alice client 1", "Alice client 3"}


def test_a_seller_cannot_hand_her_clients_to_a_teammate(alice, bob, alices):
    report = services.change_clients(actor=alice, action="assign_owner", value=str(bob.pk), ids=[alices[0].pk])
    assert report.status == 403 and report.done == 0
    assert Client.objects.get(pk=alices[0].pk).owner == alice


def test_a_manager_assigns_an_owner(mia, bob, alices):
    report = services.change_clients(actor=mia, action="assign_owner", value=bob.pk, ids=[c.pk for c in alices])
    assert report.done == 4
    assert set(Client.objects.filter(pk__in=[c.pk for c in alices]).values_list("owner", flat=True)) == {bob.pk}


def test_add_and_remove_a_tag_keeps_the_other_tags(alice, make_client):
    client = make_client(name="Tagged", tags=["vip"])
    _loyal = client.tags.model.objects.create(list="tag", key="loyal")
    services.change_clients(actor=alice, action="add_tag", value="loyal", ids=[client.pk])
    assert set(client.tags.values_list("key", flat=True)) == {"vip", "loyal"}
    services.change_clients(actor=alice, action="remove_tag", value="vip", ids=[client.pk])
    assert list(client.tags.values_list("key", flat=True)) == ["loyal"]
    report = services.change_clients(actor=alice, action="remove_tag", value="vip", ids=[client.pk])
    assert report.done == 1 and Client.objects.get(pk=client.pk).version == 3  # nothing left to change


def test_the_whole_filter_reaches_the_matching_clients_the_actor_may_edit(bob, alices, make_client):
    bobs = make_client(actor=bob, name="Bob's Bistro", owner=bob)
    criteria = read_filters({"status": "lead"})
    report = services.change_clients(actor=bob, action="set_status", value="partner", criteria=criteria)
    assert (report.total, report.done) == (1, 1)
    assert statuses([bobs, *alices]) == ["partner"] + ["lead"] * 4


@pytest.mark.parametrize(
    ("action", "value", "field"),
    [
        ("set_status", "nonsense", "status"),
        ("add_tag", "", "tag"),
        ("assign_owner", "x", "owner"),
        ("dance", "", "action"),
    ],
)
def test_a_wrong_action_or_value_is_refused_before_anything_changes(alice, alices, action, value, field):
    with pytest.raises(Invalid) as refused:
        services.change_clients(actor=alice, action=action, value=value, ids=[alices[0].pk])
    assert field in refused.value.errors
    assert statuses(alices[:1]) == ["lead"]


def test_wrong_ids_are_refused(alice, alices):
    with pytest.raises(Invalid):
        services.change_clients(actor=alice, action="set_status", value="customer", ids=["12a"])


def test_someone_who_may_change_no_client_is_refused(rita, alices):
    with pytest.raises(NotAllowed):
        services.change_clients(actor=rita, action="set_status", value="customer", ids=[alices[0].pk])


# --- the screens -------------------------------------------------------------------------------------


def test_bulk_change_of_the_ticked_clients_shows_the_report(login, alice, alices):
    page = login(alice).post(
        "/clients/bulk/",
        {"action": "set_status", "status": "customer", "scope": "selected", "ids": [alices[0].pk, alices[1].pk]},
    )
    assert page.status_code == 200
    assert b"2 clients changed" in page.content
    assert statuses(alices) == ["customer", "customer", "lead", "lead"]


def test_bulk_change_of_the_page(login, alice, alices):
    page = login(alice).post(
        "/clients/bulk/",
        {"action": "add_tag", "tag": "vip", "scope": "page", "page_ids": [c.pk for c in alices], "ids": []},
    )
    assert page.status_code == 200
    assert Client.objects.filter(tags__key="vip").count() == 4


def test_the_whole_filter_asks_for_confirmation_first(login, alice, alices):
    browser = login(alice)
    data = {"action": "set_status", "status": "customer", "scope": "all", "filter": "q=client+1&page=2"}
    confirm = browser.post("/clients/bulk/", data)
    assert confirm.status_code == 200 and b"this changes 1 client" in confirm.content
    assert b'name="confirm" value="yes"' in confirm.content
    assert statuses(alices) == ["lead"] * 4
    done = browser.post("/clients/bulk/", data | {"confirm": "yes"})
    assert done.status_code == 200 and b"1 client changed" in done.content
    assert statuses(alices) == ["lead", "customer", "lead", "lead"]


def test_a_refused_row_is_named_on_the_report_page(login, alice, bob, alices, make_client):
    bobs = make_client(actor=bob, name="Bob's Bistro", owner=bob)
    page = login(alice).post(
        "/clients/bulk/",
        {"action": "set_status", "status": "customer", "scope": "selected", "ids": [alices[0].pk, bobs.pk]},
    )
    assert page.status_code == 403
    assert "Bob&#x27;s Bistro" in page.content.decode()
    assert statuses([alices[0]]) == ["lead"]


def test_nothing_ticked_is_a_clear_refusal(login, alice):
    page = login(alice).post("/clients/bulk/", {"action": "set_status", "status": "customer", "scope": "selected"})
    assert page.status_code == 400
    assert b"Tick the clients" in page.content


# --- the API ----------------------------------------------------------------------------------------------


def test_api_changes_the_given_clients(login, alice, alices):
    answer = login(alice).post(
        API, {"action": "set_status", "value": "customer", "ids": [alices[0].pk]}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json() == {"action": "set_status", "total": 1, "done": 1}


def test_api_changes_the_whole_filter(login, alice, alices):
    answer = login(alice).post(
        API, {"action": "add_tag", "value": "vip", "filter": {"q": "client"}}, content_type="application/json"
    )
    assert answer.json()["done"] == 4


def test_api_refusal_is_a_problem_naming_each_refused_client(login, alice, alices, charlies_client):
    body = {"action": "set_status", "value": "customer", "ids": [alices[0].pk, charlies_client.pk]}
    answer = login(alice).post(API, body, content_type="application/json")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert list(problem["errors"]) == [str(charlies_client.pk)]
    assert "0 changed, 1 refused, 1 left unchanged" in problem["detail"]
    assert statuses(alices[:1]) == ["lead"]


def test_api_refuses_an_unknown_filter(login, alice, alices):
    answer = login(alice).post(
        API, {"action": "add_tag", "value": "vip", "filter": {"colour": "red"}}, content_type="application/json"
    )
    assert answer.status_code == 400 and "colour" in answer.json()["errors"]
