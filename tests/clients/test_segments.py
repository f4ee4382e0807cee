"""Segments: saved filters of the client list, private or shared; shared questions, never shared answers."""

import pytest
from django.http import QueryDict

from carte.clients import queries, services
from carte.clients.filters import read_filters
from carte.clients.models import ReferenceValue, Segment
from carte.clients.queries import segments
from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry

API = "/api/v1/segments"


@pytest.fixture
def customers(alice, bob, charlie, make_client):
    make_client(name="Acme", status="customer")
    make_client(name="Globex")
    make_client(actor=bob, name="Bob's Bistro", status="customer", owner=bob)
    make_client(actor=charlie, name="Charlie's Garage", status="customer", owner=charlie)


@pytest.fixture
def private(alice):
    return services.create_segment(actor=alice, name="My customers", filters={"status": "customer", "owner": "me"})


@pytest.fixture
def shared(alice):
    return services.create_segment(
        actor=alice,
        name="All customers",
        shared=True,
        filters=QueryDict("status=customer&q=&page=3"),
        columns=["status"],
    )


def found(actor, segment) -> list[str]:
    return sorted(c.name for c in queries.clients_for(actor, read_filters(segment.filters)))


def test_a_segment_keeps_the_cleaned_filters_and_columns_and_is_audited(alice, shared):
    assert shared.filters == {"status": ["customer"]}
    assert shared.columns == ["name", "status"]
    assert AuditEntry.objects.filter(model="clients.segment", object_id=str(shared.pk), verb="create").exists()


def test_private_segments_are_their_owner_s_shared_ones_everyone_s(alice, bob, ada, private, shared):
    assert [s.name for s in segments.segments_for(alice)] == ["All customers", "My customers"]
    assert [s.name for s in segments.segments_for(bob)] == ["All customers"]
    with pytest.raises(NotFound):
        segments.get_segment_for(bob, private.pk)
    assert segments.get_segment_for(ada, private.pk) == private


def test_a_shared_segment_shows_each_person_only_what_they_may_see(alice, bob, charlie, customers, private, shared):
    assert found(alice, shared) == ["Acme", "Bob's Bistro"]
    assert found(charlie, shared) == ["Charlie's Garage"]
    assert found(alice, private) == ["Acme"]


def test_only_the_owner_or_an_administrator_changes_or_deletes_a_segment(alice, bob, mia, ada, shared):
    for outsider in (bob, mia):
        with pytest.raises(NotAllowed):
            services.update_segment(actor=outsider, segment=shared, name="Mine now")
        with pytest.raises(NotAllowed):
            services.delete_segment(actor=outsider, segment=shared)
    services.update_segment(actor=ada, segment=shared, name="Customers", shared=False)
    shared.refresh_from_db()
    assert (shared.name, shared.shared) == ("Customers", False)
    services.delete_segment(actor=alice, segment=shared)
    assert not Segment.objects.filter(pk=shared.pk).exists()


def test_update_with_the_current_filter(alice, shared):
    services.update_segment(actor=alice, segment=shared, filters={"status": ["lead", "prospect"]}, columns=["email"])
    shared.refresh_from_db()
    assert (shared.filters, shared.columns) == ({"status": ["lead", "prospect"]}, ["name", "email"])
    entry = AuditEntry.objects.filter(model="clients.segment", verb="update").latest("id")
    assert set(entry.changes) == {"filters", "columns"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "My customers"}, "name"),
        ({"name": "Ok", "filters": {"status": "nope"}}, "status"),
        ({"name": "Ok", "filters": {"colour": "red"}}, "colour"),
        ({"name": "Ok", "columns": ["password"]}, "columns"),
    ],
)
def test_wrong_segments_are_refused(alice, private, values, field):
    with pytest.raises(Invalid) as refused:
        services.create_segment(actor=alice, **values)
    assert field in refused.value.errors


# --- the screens ---------------------------------------------------------------------------------------


def test_save_the_current_filter_from_the_list(login, alice, customers):
    browser = login(alice)
    answer = browser.post(
        "/clients/segments/", {"name": "Leads", "filter": "status=lead&segment=9", "columns": ["name", "email"]}
    )
    segment = Segment.objects.get(name="Leads")
    assert answer.status_code == 302 and answer["Location"] == f"/clients/?status=lead&segment={segment.pk}"
    assert (segment.filters, segment.columns, segment.shared) == ({"status": ["lead"]}, ["name", "email"], False)
    page = browser.get(answer["Location"]).content.decode()
    assert "Globex" in page and "Acme" not in page
    assert f'href="/clients/segments/{segment.pk}/" aria-current="page"' in page


def test_a_segment_without_a_name_is_refused_with_a_message(login, alice):
    answer = login(alice).post("/clients/segments/", {"name": " ", "filter": "status=lead"}, follow=True)
    assert b"Give the segment a name" in answer.content
    assert not Segment.objects.exists()


def test_open_a_segment_applies_its_filters(login, alice, shared):
    answer = login(alice).get(f"/clients/segments/{shared.pk}/")
    assert answer["Location"] == f"/clients/?status=customer&segment={shared.pk}"


def test_open_a_segment_whose_value_was_deleted_leaves_it_out_with_a_message(login, alice, customers):
    temporary = ReferenceValue.objects.create(list="status", key="temporary")
    segment = services.create_segment(actor=alice, name="Old", filters={"status": "temporary", "kind": "company"})
    temporary.delete()
    answer = login(alice).get(f"/clients/segments/{segment.pk}/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/clients/?kind=company&segment={segment.pk}"
    assert "no longer apply" in answer.content.decode() and "temporary" in answer.content.decode()


def test_someone_else_s_private_segment_is_not_found(login, bob, private):
    assert login(bob).get(f"/clients/segments/{private.pk}/").status_code == 404


def test_rename_share_and_delete_from_the_list(login, alice, private):
    browser = login(alice)
    browser.post(f"/clients/segments/{private.pk}/edit/", {"name": "Mine", "shared": "on"})
    private.refresh_from_db()
    assert (private.name, private.shared, private.filters) == ("Mine", True, {"status": ["customer"], "owner": ["me"]})
    browser.post(
        f"/clients/segments/{private.pk}/edit/",
        {"name": "Mine", "use_current": "on", "filter": "kind=person", "columns": ["name", "tags"]},
    )
    private.refresh_from_db()
    assert (private.shared, private.filters, private.columns) == (False, {"kind": ["person"]}, ["name", "tags"])
    assert browser.post(f"/clients/segments/{private.pk}/delete/").status_code == 302
    assert not Segment.objects.exists()


def test_a_teammate_cannot_delete_a_shared_segment(login, bob, shared):
    assert login(bob).post(f"/clients/segments/{shared.pk}/delete/").status_code == 403
    assert Segment.objects.filter(pk=shared.pk).exists()


def test_the_segment_s_columns_are_shown_when_it_is_open(login, alice, customers, shared):
    page = login(alice).get(f"/clients/?status=customer&segment={shared.pk}").content.decode()
    assert '<th scope="col">Status</th>' in page and '<th scope="col">Email</th>' not in page


# --- the API ----------------------------------------------------------------------------------------------


def test_api_create_read_change_delete(login, alice):
    api = login(alice)
    created = api.post(
        API, {"name": "VIP", "filters": {"tags": "vip"}, "shared": True}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["filters"], body["shared"], body["owner"]["id"]) == ({"tags": ["vip"]}, True, alice.pk)
    url = f"{API}/{body['id']}"
    assert api.get(url).json()["name"] == "VIP"
    assert api.patch(url, {"name": "V.I.P."}, content_type="application/json").json()["name"] == "V.I.P."
    assert [s["name"] for s in api.get(API).json()] == ["V.I.P."]
    assert api.delete(url).status_code == 204


def test_api_lists_a_segment_s_clients_and_refuses_a_stale_one(login, alice, customers, shared):
    api = login(alice)
    assert [c["name"] for c in api.get(f"{API}/{shared.pk}/clients").json()["results"]] == ["Acme", "Bob's Bistro"]
    Segment.objects.filter(pk=shared.pk).update(filters={"status": ["gone"]})
    answer = api.get(f"{API}/{shared.pk}/clients")
    assert answer.status_code == 400 and "status" in answer.json()["errors"]


def test_api_refuses_wrong_filters(login, alice):
    answer = login(alice).post(API, {"name": "Bad", "filters": {"cf_x": "1"}}, content_type="application/json")
    assert answer.status_code == 400 and "cf_x" in answer.json()["errors"]
