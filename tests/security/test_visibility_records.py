"""Calls, the client card's parts, bulk actions, exports, onboardings, notifications and reports:
every path returns exactly what the policy allows (tests/test_visibility.py covers the client lists).

Expected sets are written by hand from the personas' rights: a call follows who took it (the
call nobody took reaches only those who see every call); contacts and the timeline follow the
client; an onboarding follows its new employee; a notification is its recipient's alone.
"""

import pytest

from carte.clients.models import Client
from carte.core.testing import database_state
from tests.security.visibility_data import (
    OWNERS,
    PERSONAS,
    by_persona,
    exported_first_cells,
    listed,
    page_ids,
    seeded_fixture,
)

pytestmark = pytest.mark.django_db

shared_seed, seeded, signed_in = seeded_fixture()

NORTH = {"alice", "bob", "mia"}
EVERYONE = set(OWNERS)
CLIENTS = {"ada": EVERYONE, "mia": EVERYONE, "alice": NORTH, "bob": NORTH, "charlie": {"charlie"}, "rita": EVERYONE}
# Whose clients each persona may change or export (sellers their own; Rita nothing).
CHANGES = {"ada": EVERYONE, "mia": EVERYONE, "alice": {"alice"}, "bob": {"bob"}, "charlie": {"charlie"}, "rita": set()}
CALLS = {
    "ada": EVERYONE | {"nobody"},
    "mia": NORTH,
    "alice": {"alice"},
    "bob": {"bob"},
    "charlie": {"charlie"},
    "rita": EVERYONE | {"nobody"},
}
ONBOARDINGS = {
    "ada": {"alice", "bob", "charlie"},
    "mia": {"alice", "bob"},
    "alice": {"alice"},
    "bob": {"bob"},
    "charlie": {"charlie"},
    "rita": set(),
}
# Whose adoption figures each persona sees: their own; Mia her department's; Ada everyone's.
ADOPTION = {name: {name} for name in PERSONAS} | {"ada": set(PERSONAS), "mia": NORTH}


@by_persona
def test_call_list_api_and_client_tabs_show_exactly_the_allowed_calls(signed_in, seeded, persona):
    expected = seeded.of("call", *CALLS[persona])
    assert page_ids(signed_in, "/calls/", "calls") == expected
    assert listed(signed_in, "/api/v1/calls") == (expected, len(expected))
    tabs = set()
    for owner in CLIENTS[persona]:
        tabs |= page_ids(signed_in, f"/clients/{seeded.ids['client'][owner]}/tabs/calls/", "calls")
    assert tabs == seeded.of("call", *(CALLS[persona] & CLIENTS[persona]))


@by_persona
def test_contacts_and_timelines_open_only_on_allowed_clients(signed_in, seeded, persona):
    for owner in OWNERS:
        pk = seeded.ids["client"][owner]
        contacts = signed_in.get(f"/api/v1/clients/{pk}/contacts")
        timeline = signed_in.get(f"/api/v1/clients/{pk}/timeline")
        page = signed_in.get(f"/clients/{pk}/timeline/", headers={"HX-Request": "true"})
        if owner not in CLIENTS[persona]:
            assert (contacts.status_code, timeline.status_code, page.status_code) == (404, 404, 404), owner
            continue
        assert {item["id"] for item in contacts.json()} == seeded.of("contact", owner), owner
        notes = {entry["summary"] for entry in timeline.json()["results"] if entry["kind"] == "note"}
        assert notes == {f"Quokka note {owner}"}, owner
        assert f"Quokka note {owner}" in page.content.decode()


@by_persona
def test_the_task_forms_client_picker_offers_only_allowed_clients(signed_in, seeded, persona):
    html = signed_in.get("/planner/tasks/clients/", {"find": "Quokka"}).content.decode()
    offered = {pk for kind in ("client", "person") for pk in seeded.ids[kind].values() if f'value="{pk}"' in html}
    expected = seeded.of("client", *CLIENTS[persona]) | seeded.of("person", *CLIENTS[persona])
    assert offered == expected


@by_persona
def test_client_export_holds_exactly_the_exportable_clients(signed_in, seeded, persona):
    names = {f"Quokka {owner}" for owner in CHANGES[persona]} | {f"Quokka Person {owner}" for owner in CHANGES[persona]}
    assert exported_first_cells(signed_in, "clients") == (names if CHANGES[persona] else 403)


@by_persona
def test_a_bulk_change_skips_the_clients_the_persona_may_not_change(signed_in, seeded, persona):
    ids = sorted(seeded.ids["client"].values())
    before = {client.pk: client.status.key for client in Client.objects.filter(pk__in=ids).select_related("status")}
    response = signed_in.post(
        "/api/v1/clients/bulk",
        {"action": "set_status", "value": "customer", "ids": ids},
        content_type="application/json",
    )
    assert response.status_code in {200, 403, 404, 409, 422}
    after = {client.pk: client.status.key for client in Client.objects.filter(pk__in=ids).select_related("status")}
    for owner, pk in seeded.ids["client"].items():
        if owner not in CHANGES[persona]:
            assert after[pk] == before[pk] == "lead", owner


@by_persona
def test_a_refused_bulk_change_on_hidden_clients_writes_nothing(signed_in, seeded, persona):
    hidden = sorted(seeded.of("client", *(EVERYONE - CHANGES[persona])))
    if not hidden:
        return
    before = database_state()
    response = signed_in.post(
        "/api/v1/clients/bulk",
        {"action": "assign_owner", "value": str(seeded.people[persona].pk), "ids": hidden},
        content_type="application/json",
    )
    assert response.status_code >= 400
    after = database_state()
    assert {table: rows for table, rows in after.items() if rows != before[table]}.keys() <= {"core.AuditEntry"}


@by_persona
def test_onboardings_list_only_the_allowed_new_employees(signed_in, seeded, persona):
    expected = seeded.of("onboarding", *ONBOARDINGS[persona])
    assert listed(signed_in, "/api/v1/onboardings") == (expected, len(expected))
    response = signed_in.get("/knowledge/onboarding/")
    if response.status_code == 200:
        assert page_ids(signed_in, "/knowledge/onboarding/", "knowledge/onboarding") <= expected


@by_persona
def test_notifications_are_their_recipients_alone(signed_in, seeded, persona):
    expected = seeded.of("notification", persona)
    assert listed(signed_in, "/api/v1/notifications") == (expected, 1)
    assert page_ids(signed_in, "/notifications/", "notifications") == expected
    for name, pk in seeded.ids["notification"].items():
        if name != persona:
            assert signed_in.get(f"/notifications/{pk}/").status_code == 404, name


@by_persona
def test_adoption_report_counts_only_the_allowed_employees(signed_in, seeded, persona):
    body = signed_in.get("/api/v1/reports/adoption").json()
    expected = {seeded.people[name].pk for name in ADOPTION[persona]}
    assert {row["employee"]["id"] for row in body["employees"]} == expected
    assert sum(department["employees"] for department in body["departments"]) <= len(expected)


# A viewer who sees the client but not the owner's deal, invoice, payment or task (deals, documents,
# payments and tasks follow their own owner): only the note, which follows the client, is theirs to read.
@pytest.mark.parametrize(("persona", "owner"), [("bob", "alice"), ("mia", "charlie"), ("alice", "mia")])
def test_a_clients_timeline_hides_entries_of_records_the_persona_may_not_see(signed_in, seeded, persona, owner):
    entries = signed_in.get(f"/api/v1/clients/{seeded.ids['client'][owner]}/timeline").json()["results"]
    assert {entry["kind"] for entry in entries} == {"note"}
