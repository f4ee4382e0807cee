"""The client list's filters and sorts (carte.clients.filters read, carte.clients.queries.lists apply):
every filter finds what it says, unknown or malformed input is refused, nothing leaks."""

from datetime import date, datetime, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from carte.clients import queries, services
from carte.clients.filters import read_filters, without
from carte.clients.models import Client, CustomField
from carte.clients.queries import lists
from carte.core.errors import Invalid


def _field(key, kind, **more) -> CustomField:
    return CustomField.objects.create(key=key, label=key.title(), kind=kind, **more)


@pytest.fixture
def fields(db):
    """One custom field of each kind."""
    return {
        "note": _field("note", "text"),
        "size": _field("size", "number"),
        "budget": _field("budget", "money", currency="EUR"),
        "signed": _field("signed", "date"),
        "tier": _field("tier", "choice", options=["gold", "silver"]),
        "topics": _field("topics", "multichoice", options=["cars", "boats", "planes"]),
        "partner": _field("partner", "boolean"),
        "manager": _field("manager", "employee"),
    }


@pytest.fixture
def portfolio(alice, bob, charlie, make_client, fields):
    """Clients of Alice and Bob (North) and Charlie (South), each with something to find it by."""
    made = {
        "acme": make_client(
            name="Acme",
            status="customer",
            type="client",
            source="website",
            industry="retail",
            tags=["vip"],
            phones=[("06 12 34 56 78", "mobile")],
            emails=[("orders@acme.example", "work")],
            custom={
                "note": "Pays late",
                "size": "120",
                "budget": "5000",
                "signed": "2024-03-15",
                "tier": "gold",
                "topics": ["cars", "boats"],
                "partner": True,
                "manager": alice.pk,
            },
        ),
        "globex": make_client(
            name="Globex",
            status="prospect",
            type="supplier",
            source="referral",
            custom={"note": "pays on time", "size": "15", "budget": "250.50", "tier": "silver", "partner": False},
        ),
        "jean": make_client(
            kind="person",
            name="",
            first_name="Jean",
            last_name="Dupont",
            birthday=date(1980, 6, 2),
            emails=[("jean@dupont.example", "personal")],
            custom={"topics": ["planes"], "signed": "2023-12-31", "manager": bob.pk},
        ),
        "bobs": make_client(actor=bob, name="Bob's Bistro", status="customer", tags=["vip"], owner=bob),
        "charlies": make_client(actor=charlie, name="Charlie's Garage", status="customer", tags=["vip"], owner=charlie),
    }
    old = timezone.make_aware(datetime(2020, 1, 10, 12, 0))
    Client.objects.filter(pk=made["globex"].pk).update(created_at=old, updated_at=old + timedelta(days=30))
    return made


def names(actor, params) -> list[str]:
    return sorted(client.name for client in queries.clients_for(actor, read_filters(params)))


NORTH = ["Acme", "Bob's Bistro", "Globex", "Jean Dupont"]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({}, NORTH),
        ({"q": "acme"}, ["Acme"]),
        ({"kind": "person"}, ["Jean Dupont"]),
        ({"kind": ["person", "company"]}, NORTH),
        ({"status": "customer"}, ["Acme", "Bob's Bistro"]),
        ({"status": ["prospect", "lead"]}, ["Globex", "Jean Dupont"]),
        ({"type": "supplier"}, ["Globex"]),
        ({"source": ["website", "referral"]}, ["Acme", "Globex"]),
        ({"industry": "retail"}, ["Acme"]),
        ({"tags": "vip"}, ["Acme", "Bob's Bistro"]),
        ({"created_to": "2020-01-10"}, ["Globex"]),
        ({"created_from": "2020-01-11"}, ["Acme", "Bob's Bistro", "Jean Dupont"]),
        ({"updated_from": "2020-02-09", "updated_to": "2020-02-09"}, ["Globex"]),
        ({"birthday_month": "6"}, ["Jean Dupont"]),
        ({"has_phone": "yes"}, ["Acme"]),
        ({"has_phone": "no", "has_email": "no"}, ["Bob's Bistro", "Globex"]),
        ({"has_email": "yes", "kind": "person"}, ["Jean Dupont"]),
    ],
)
def test_each_filter_finds_its_clients(alice, portfolio, params, found):
    assert names(alice, params) == found


def test_owner_is_me_an_employee_or_several(alice, bob, portfolio):
    assert names(alice, {"owner": "me"}) == ["Acme", "Globex", "Jean Dupont"]
    assert names(alice, {"owner": str(bob.pk)}) == ["Bob's Bistro"]
    assert names(alice, {"owner": ["me", str(bob.pk)]}) == NORTH
    assert names(bob, {"owner": "me"}) == ["Bob's Bistro"]


def test_department_of_the_owner(alice, mia, charlie, portfolio):
    assert names(mia, {"department": str(charlie.department_id)}) == ["Charlie's Garage"]
    assert names(mia, {"department": str(alice.department_id)}) == NORTH


def test_a_filter_never_reaches_past_the_user_s_rights(alice, charlie, portfolio):
    assert names(alice, {"owner": str(charlie.pk)}) == []
    assert names(alice, {"department": str(charlie.department_id)}) == []
    assert "Charlie's Garage" not in names(alice, {"tags": "vip", "status": "customer"})


def test_tags_any_or_all(alice, portfolio, make_client):
    services.create_client(actor=alice, name="Tagged twice", tags=["vip"])
    Client.objects.get(name="Tagged twice").tags.add(_tag("loyal"))
    portfolio["globex"].tags.add(_tag("loyal"))
    assert names(alice, {"tags": ["vip", "loyal"]}) == ["Acme", "Bob's Bistro", "Globex", "Tagged twice"]
    assert names(alice, {"tags": ["vip", "loyal"], "tags_match": "all"}) == ["Tagged twice"]


def _tag(key):
    from carte.clients.models import ReferenceValue

    return ReferenceValue.objects.get_or_create(list="tag", key=key)[0]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"cf_note": "PAYS"}, ["Acme", "Globex"]),
        ({"cf_note_exact": "Pays late"}, ["Acme"]),
        ({"cf_size_min": "100"}, ["Acme"]),
        ({"cf_size_max": "15"}, ["Globex"]),
        ({"cf_size_min": "10", "cf_size_max": "200"}, ["Acme", "Globex"]),
        ({"cf_budget_min": "250,5"}, ["Acme", "Globex"]),
        ({"cf_budget_max": "1 000"}, ["Globex"]),
        ({"cf_signed_from": "2024-01-01"}, ["Acme"]),
        ({"cf_signed_to": "2023-12-31"}, ["Jean Dupont"]),
        ({"cf_tier": "gold"}, ["Acme"]),
        ({"cf_tier": ["gold", "silver"]}, ["Acme", "Globex"]),
        ({"cf_topics": "boats"}, ["Acme"]),
        ({"cf_topics": ["planes", "boats"]}, ["Acme", "Jean Dupont"]),
        ({"cf_partner": "yes"}, ["Acme"]),
        ({"cf_partner": "no"}, ["Bob's Bistro", "Globex", "Jean Dupont"]),
        ({"cf_manager": "me"}, ["Acme"]),
        ({"cf_manager": ["me", "@bob"]}, ["Acme", "Jean Dupont"]),
        ({"cf_tier": "gold", "status": "customer", "cf_size_min": "1"}, ["Acme"]),
    ],
)
def test_custom_field_filters(alice, bob, portfolio, params, found):
    params = {
        name: [str(bob.pk) if v == "@bob" else v for v in value] if isinstance(value, list) else value
        for name, value in params.items()
    }
    assert names(alice, params) == found


def test_min_and_max_of_a_field_hold_for_the_same_value(alice, fields, make_client):
    make_client(name="Two sizes", custom={"size": "5"})
    assert names(alice, {"cf_size_min": "1", "cf_size_max": "10"}) == ["Two sizes"]
    assert names(alice, {"cf_size_min": "6", "cf_size_max": "10"}) == []


def test_a_custom_field_whose_key_ends_like_a_suffix_is_its_own_filter(alice, make_client):
    _field("price_min", "number")
    make_client(name="Cheap", custom={"price_min": "3"})
    assert names(alice, {"cf_price_min_max": "5"}) == ["Cheap"]
    with pytest.raises(Invalid) as refused:
        read_filters({"cf_price_min": "3"})
    assert "cf_price_min_min" in refused.value.message


@pytest.mark.parametrize(
    ("params", "field", "said"),
    [
        ({"colour": "red"}, "colour", "Unknown filter “colour”"),
        ({"status": "vip"}, "status", "lead, prospect, customer"),
        ({"status": ["lead", "nonsense"]}, "status", "nonsense"),
        ({"kind": "robot"}, "kind", "company, person"),
        ({"tags": "nope"}, "tags", "vip"),
        ({"tags_match": "most"}, "tags_match", "any, all"),
        ({"owner": "alice"}, "owner", "alice"),
        ({"owner": "999999"}, "owner", "999999"),
        ({"department": "x"}, "department", "x"),
        ({"created_from": "2024-13-01"}, "created_from", "not a date"),
        ({"updated_to": "yesterday"}, "updated_to", "not a date"),
        ({"birthday_month": "13"}, "birthday_month", "1 to 12"),
        ({"has_phone": "maybe"}, "has_phone", "yes or no"),
        ({"q": ["a", "b"]}, "q", "one value"),
        ({"ordering": "password"}, "ordering", "created, name, owner, status, type, updated"),
        ({"ordering": "-owner__password"}, "ordering", "Cannot sort"),
        ({"cf_nothing": "1"}, "cf_nothing", "no such custom field"),
        ({"cf_size": "3"}, "cf_size", "cf_size_min, cf_size_max"),
        ({"cf_size_min": "lots"}, "cf_size_min", "not a number"),
        ({"cf_size_min": "1e400"}, "cf_size_min", "not a number"),
        ({"cf_signed_from": "03/15/2024"}, "cf_signed_from", "not a date"),
        ({"cf_tier": "bronze"}, "cf_tier", "gold, silver"),
        ({"cf_partner": "perhaps"}, "cf_partner", "yes or no"),
        ({"cf_manager": "boss"}, "cf_manager", "boss"),
        ({"cf_note": ["a", "b"]}, "cf_note", "one value"),
    ],
)
def test_unknown_or_malformed_input_is_refused_with_a_clear_message(fields, params, field, said):
    with pytest.raises(Invalid) as refused:
        read_filters(params)
    assert field in refused.value.errors
    assert said.lower() in str(refused.value.message).lower()


def test_every_problem_is_reported_at_once(fields):
    with pytest.raises(Invalid) as refused:
        read_filters({"status": "nope", "cf_size_min": "x", "colour": "red"})
    assert set(refused.value.errors) == {"status", "cf_size_min", "colour"}


def test_empty_values_and_screen_parameters_are_no_filter(alice, portfolio):
    params = QueryDict("q=&status=&status=customer&page=2&segment=7&has_phone=")
    criteria = read_filters(params)
    assert criteria.params == {"status": ["customer"]}
    assert names(alice, params) == ["Acme", "Bob's Bistro"]


def test_stale_parameters_can_be_left_out(fields):
    with pytest.raises(Invalid) as refused:
        read_filters({"status": "gone", "kind": "person"})
    assert without({"status": "gone", "kind": "person"}, refused.value.errors) == {"kind": ["person"]}


@pytest.mark.parametrize("key", ["name", "created", "updated", "status", "type", "owner"])
def test_every_sort_key_in_both_directions(alice, portfolio, key):
    forward = [c.pk for c in queries.clients_for(alice, read_filters({"ordering": key}))]
    backward = [c.pk for c in queries.clients_for(alice, read_filters({"ordering": f"-{key}"}))]
    assert sorted(forward) == sorted(backward) and len(forward) == 4
    assert forward == backward[::-1]


def test_sorts_put_clients_in_the_order_named(alice, bob, portfolio):
    def order(key):
        return [c.name for c in queries.clients_for(alice, read_filters({"ordering": key}))]

    assert order("name") == NORTH
    assert order("created")[0] == "Globex"
    assert order("-updated")[-1] == "Globex"
    assert order("status")[:2] == ["Jean Dupont", "Globex"]  # lead, then prospect
    assert order("-owner")[0] == "Bob's Bistro"


def test_the_legacy_keyword_entry_point_reads_the_same_parameters(alice, portfolio):
    assert [c.name for c in queries.clients_visible_to(alice, status="customer", ordering="-name")] == [
        "Bob's Bistro",
        "Acme",
    ]
    with pytest.raises(Invalid):
        queries.clients_visible_to(alice, colour="red")


def test_columns_are_checked_and_the_name_always_comes_first(fields):
    assert [c.key for c in lists.read_columns(["email", "cf_tier", "status"])] == ["name", "status", "email", "cf_tier"]
    with pytest.raises(Invalid) as refused:
        lists.read_columns(["status", "password"])
    assert "password" in refused.value.message


def test_a_saved_layout_drops_columns_that_no_longer_exist(alice, fields):
    services.save_columns(actor=alice, columns=["status", "cf_tier"])
    fields["tier"].archived = True
    fields["tier"].save()
    active = list(CustomField.objects.filter(archived=False))
    assert [c.key for c in lists.saved_columns(alice, active)] == ["name", "status"]


def test_export_cells_of_every_column(alice, portfolio, fields):
    columns = lists.read_columns([c.key for c in lists.available_columns()])
    acme = lists.with_columns(Client.objects.filter(pk=portfolio["acme"].pk), columns).get()
    cells = {column.key: lists.cell_text(acme, column) for column in columns}
    assert cells["status"] == "Customer" and cells["tags"] == "VIP" and cells["phone"] == "06 12 34 56 78"
    assert cells["cf_budget"] == "5000.00 EUR" and cells["cf_size"] == "120" and cells["cf_topics"] == "cars; boats"
    assert cells["cf_partner"] == "yes" and cells["cf_signed"] == "2024-03-15" and cells["cf_manager"] == str(alice)


def test_a_searched_list_without_a_chosen_sort_puts_the_best_matches_first(alice):
    from carte.clients import queries, services

    for name in ("Aacme Supplies", "Acme Zed"):
        services.create_client(actor=alice, name=name)
    assert [c.name for c in queries.clients_visible_to(alice, q="acme")] == ["Acme Zed", "Aacme Supplies"]
    assert [c.name for c in queries.clients_visible_to(alice, q="acme", ordering="name")] == [
        "Aacme Supplies",
        "Acme Zed",
    ]
