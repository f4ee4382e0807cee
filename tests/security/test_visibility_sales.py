"""Deals, sales documents, payments and targets: every path returns exactly what the policy allows.

Expected sets are written by hand from the personas' rights (carte.core.testing and the sales
permissions), not computed from the policy: sellers see their own deals, documents and
payments; Mia her department's (North: Alice, Bob, herself); Ada and Rita everyone's.
"""

from decimal import Decimal

import pytest

from tests.security.visibility_data import (
    OWNERS,
    by_persona,
    exported_first_cells,
    linked_ids,
    listed,
    page_ids,
    seeded_fixture,
)

pytestmark = pytest.mark.django_db

shared_seed, seeded, signed_in = seeded_fixture()

NORTH = {"alice", "bob", "mia"}
EVERYONE = set(OWNERS)
# Whose deals, documents and payments each persona sees.
SEES = {
    "ada": EVERYONE,
    "mia": NORTH,
    "alice": {"alice"},
    "bob": {"bob"},
    "charlie": {"charlie"},
    "rita": EVERYONE,
}
# Whose deals each persona may export (Rita reads but exports nothing: refused).
EXPORTS = SEES | {"rita": None}
# Whose clients each persona sees (the clients module: sellers their department's).
CLIENTS = {
    "ada": EVERYONE,
    "mia": EVERYONE,
    "alice": NORTH,
    "bob": NORTH,
    "charlie": {"charlie"},
    "rita": EVERYONE,
}
# Whose targets each persona sees: the employees whose deals they see.
TARGETS = {
    "ada": {"ada", "mia", "alice", "bob", "charlie", "rita"},
    "mia": NORTH,
    "alice": {"alice"},
    "bob": {"bob"},
    "charlie": {"charlie"},
    "rita": {"ada", "mia", "alice", "bob", "charlie", "rita"},
}


@by_persona
def test_deal_list_api_board_and_search_show_exactly_the_allowed_deals(signed_in, seeded, persona):
    expected = seeded.of("deal", *SEES[persona])
    assert page_ids(signed_in, "/deals/", "deals", q="Quokka") == expected
    assert page_ids(signed_in, "/deals/board/", "deals") == expected
    assert listed(signed_in, "/api/v1/deals", q="Quokka") == (expected, len(expected))
    board = signed_in.get("/api/v1/deals/board").json()
    assert {card["id"] for column in board["columns"] for card in column["cards"]} == expected
    assert sum(column["count"] for column in board["columns"]) == len(expected)
    totals = [Decimal(total["amount"]) for column in board["columns"] for total in column["totals"]]
    assert sum(totals) == 1000 * len(expected)
    hits = signed_in.get("/api/v1/search", {"q": "Quokka deal"}).json()
    assert linked_ids("".join(f'href="{hit["url"]}"' for hit in hits), "deals") == expected
    assert page_ids(signed_in, "/search/", "deals", q="Quokka deal") == expected


@by_persona
def test_the_mine_filter_keeps_the_persona_within_their_own_deals(signed_in, seeded, persona):
    own = seeded.of("deal", *SEES[persona] & {persona})
    assert page_ids(signed_in, "/deals/", "deals", owner="me") == own
    assert listed(signed_in, "/api/v1/deals", owner="me")[0] == own


@by_persona
def test_asking_for_another_owners_deals_shows_none_hidden(signed_in, seeded, persona):
    for owner in OWNERS:
        wanted = seeded.people[owner].pk
        expected = seeded.of("deal", *SEES[persona] & {owner})
        assert listed(signed_in, "/api/v1/deals", owner=wanted)[0] == expected
        assert page_ids(signed_in, "/deals/board/", "deals", owner=wanted) == expected


@by_persona
def test_client_cards_and_the_task_form_list_only_allowed_deals(signed_in, seeded, persona):
    expected = seeded.of("deal", *SEES[persona] & CLIENTS[persona])
    tabs, choices = set(), set()
    for owner in CLIENTS[persona]:
        client_pk = seeded.ids["client"][owner]
        tabs |= page_ids(signed_in, f"/clients/{client_pk}/tabs/deals/", "deals")
        html = signed_in.get("/planner/tasks/deals/", {"client": client_pk}).content.decode()
        choices |= {pk for pk in seeded.ids["deal"].values() if f'value="{pk}"' in html}
    assert tabs == expected
    assert choices == expected


@by_persona
def test_deal_export_holds_exactly_the_exportable_deals(signed_in, seeded, persona):
    wanted = EXPORTS[persona]
    expected = 403 if wanted is None else {f"Quokka deal {owner}" for owner in wanted}
    assert exported_first_cells(signed_in, "deals") == expected


@by_persona
def test_documents_list_api_and_client_tabs_show_exactly_the_allowed_documents(signed_in, seeded, persona):
    expected = seeded.of("document", *SEES[persona])
    assert page_ids(signed_in, "/documents/", "documents") == expected
    assert listed(signed_in, "/api/v1/documents") == (expected, len(expected))
    tabs = set()
    for owner in CLIENTS[persona]:
        tabs |= page_ids(signed_in, f"/clients/{seeded.ids['client'][owner]}/tabs/documents/", "documents")
    assert tabs == seeded.of("document", *SEES[persona] & CLIENTS[persona])


@by_persona
def test_a_documents_file_downloads_only_for_who_sees_the_document(signed_in, seeded, persona):
    for owner, pk in seeded.ids["document"].items():
        status = signed_in.get(f"/documents/{pk}/file/").status_code
        api_status = signed_in.get(f"/api/v1/documents/{pk}/file").status_code
        expected = 200 if owner in SEES[persona] else 404
        assert (status, api_status) == (expected, expected), owner


@by_persona
def test_payments_list_api_and_balances_show_exactly_the_allowed_payments(signed_in, seeded, persona):
    expected = seeded.of("payment", *SEES[persona])
    assert listed(signed_in, "/api/v1/payments") == (expected, len(expected))
    # The list page links each payment's invoice; every seeded invoice has one payment.
    assert page_ids(signed_in, "/payments/", "documents") == seeded.of("document", *SEES[persona])
    for owner in CLIENTS[persona]:
        balance = signed_in.get(f"/api/v1/clients/{seeded.ids['client'][owner]}/balance").json()
        paid = sum(Decimal(line["paid"]) for line in balance)
        assert paid == (10 if owner in SEES[persona] else 0), owner


@by_persona
def test_targets_list_only_the_employees_whose_deals_the_persona_sees(signed_in, seeded, persona):
    rows = signed_in.get("/api/v1/targets", {"month": "2030-03-01"}).json()
    expected = {seeded.people[name].pk for name in TARGETS[persona]}
    assert {row["employee_id"] for row in rows} == expected
    set_for = {row["employee_id"] for row in rows if row["deals"]}
    assert set_for == expected & {seeded.people[name].pk for name in ("alice", "bob", "charlie")}
