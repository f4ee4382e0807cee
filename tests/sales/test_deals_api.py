"""The deals and pipelines API: happy paths, refusals as problem+json, and what each persona may do."""

import json

import pytest

from carte.core import events
from carte.sales.models import Deal, Pipeline
from carte.sales.services import deals as services
from carte.sales.testing import currency, pipeline, stage, tax


@pytest.fixture
def sales(db):
    currency("EUR")
    return pipeline()


@pytest.fixture
def api(client):
    """Call the API as a persona: api(alice).post("/deals", {...})."""

    class Caller:
        def __init__(self, employee):
            client.force_login(employee)

        def __getattr__(self, method):
            def call(path, data=None):
                body = json.dumps(data) if data is not None else None
                send = getattr(client, method)
                if method == "get":
                    return send(f"/api/v1{path}", data or {})
                return send(f"/api/v1{path}", data=body, content_type="application/json")

            return call

    return Caller


@pytest.fixture
def deal(alice, alices_client, sales):
    return services.create_deal(actor=alice, client=alices_client, title="Ovens", amount="1200")


def test_create_read_and_list_deals(api, alice, alices_client, sales):
    vat = tax("20")
    payload = {
        "client": alices_client.pk,
        "title": "Ovens",
        "expected_close": "2031-03-01",
        "source": "website",
        "lines": [{"description": "Oven", "quantity": "2", "unit_price": "100.50", "tax": vat.pk}],
    }
    created = api(alice).post("/deals", payload)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "241.20" and body["currency"] == "EUR" and body["stage"]["name"] == "New"
    assert body["lines"][0]["total"] == "241.2" and body["owner"]["id"] == alice.pk
    assert body["source"]["key"] == "website"
    read = api(alice).get(f"/deals/{body['id']}")
    assert read.json()["title"] == "Ovens"
    listed = api(alice).get("/deals", {"q": "ov", "state": "open", "owner": "me"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


def test_bad_input_is_a_problem_naming_the_field(api, alice, alices_client, sales):
    bad = api(alice).post("/deals", {"client": alices_client.pk, "title": "X", "currency": "XYZ", "amount": "1.234"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert {"currency"} <= set(bad.json()["errors"])
    lines = [{"description": "Oven", "quantity": "-3", "unit_price": "10"}]
    bad = api(alice).post("/deals", {"client": alices_client.pk, "title": "X", "lines": lines})
    assert "lines.0.quantity" in bad.json()["errors"]
    assert not Deal.objects.exists()


def test_a_hidden_client_is_a_404(api, alice, charlies_client, sales):
    assert api(alice).post("/deals", {"client": charlies_client.pk, "title": "X"}).status_code == 404


def test_patch_needs_the_version(api, alice, deal):
    changed = api(alice).patch(f"/deals/{deal.pk}", {"version": deal.version, "title": "Big ovens", "probability": 60})
    assert changed.status_code == 200 and changed.json()["title"] == "Big ovens"
    stale = api(alice).patch(f"/deals/{deal.pk}", {"version": deal.version, "title": "Again"})
    assert stale.status_code == 409
    assert api(alice).patch(f"/deals/{deal.pk}", {"title": "No version"}).status_code == 422


def test_move_lost_needs_a_reason_and_history_lists_the_stays(api, alice, deal):
    with events.Recording() as seen:
        moved = api(alice).post(f"/deals/{deal.pk}/move", {"stage": stage("Proposal").pk})
    assert moved.status_code == 200 and moved.json()["stage"]["name"] == "Proposal"
    assert [event.name for event in seen] == ["deal.stage_changed"]
    refused = api(alice).post(f"/deals/{deal.pk}/move", {"stage": stage("Lost").pk})
    assert refused.status_code == 400 and "lost_reason" in refused.json()["errors"]
    lost = api(alice).post(f"/deals/{deal.pk}/move", {"stage": stage("Lost").pk, "lost_reason": "competitor"})
    assert lost.json()["lost_reason"]["key"] == "competitor" and lost.json()["closed_at"]
    other = api(alice).post(f"/deals/{deal.pk}/move", {"stage": stage("New", pipeline("Renewals")).pk})
    assert other.status_code == 400
    assert other.json()["errors"]["stage"] == ["This stage belongs to another pipeline."]
    history = api(alice).get(f"/deals/{deal.pk}/history").json()
    assert [stay["stage"]["name"] for stay in history] == ["New", "Proposal", "Lost"]
    assert history[-1]["left"] is None and history[0]["seconds"] >= 0


def test_move_to_another_pipeline(api, alice, deal):
    other = pipeline("Renewals")
    moved = api(alice).post(f"/deals/{deal.pk}/move", {"stage": stage("Qualified", other).pk, "pipeline": other.pk})
    assert moved.status_code == 200 and moved.json()["pipeline"]["id"] == other.pk


def test_put_lines_sets_the_amount(api, alice, deal):
    lines = [
        {"description": "Oven", "quantity": 3, "unit_price": "19.99"},
        {"description": "Fee", "quantity": "1", "unit_price": 5},
    ]
    answer = api(alice).put(f"/deals/{deal.pk}/lines", {"lines": lines})
    assert answer.status_code == 200 and answer.json()["amount"] == "64.97"
    bad = api(alice).put(
        f"/deals/{deal.pk}/lines", {"lines": [{"description": "x", "quantity": "1", "unit_price": "0.001"}]}
    )
    assert bad.status_code == 400 and "lines.0.unit_price" in bad.json()["errors"]


def test_delete_a_deal(api, alice, rita, deal):
    assert api(rita).delete(f"/deals/{deal.pk}").status_code == 403
    assert api(alice).delete(f"/deals/{deal.pk}").status_code == 204
    assert not Deal.objects.exists()


def test_rights_own_department_and_readers(api, alice, bob, mia, rita, charlie, deal):
    assert api(bob).get(f"/deals/{deal.pk}").status_code == 404
    assert api(charlie).get(f"/deals/{deal.pk}").status_code == 404
    assert api(mia).get(f"/deals/{deal.pk}").status_code == 200
    assert api(rita).get(f"/deals/{deal.pk}").status_code == 200
    assert api(rita).patch(f"/deals/{deal.pk}", {"version": deal.version, "title": "x"}).status_code == 403
    assert api(mia).patch(f"/deals/{deal.pk}", {"version": deal.version, "owner": bob.pk}).status_code == 200
    assert Deal.objects.get(pk=deal.pk).owner == bob


def test_the_board(api, alice, deal):
    services.create_deal(actor=alice, client=deal.client, title="Won", stage=stage("Won"), amount="10")
    board = api(alice).get("/deals/board").json()
    assert board["pipeline"]["name"] == "Sales" and len(board["columns"]) == 6
    first = board["columns"][0]
    assert first["count"] == 1 and first["totals"] == [{"currency": "EUR", "amount": "1200.00"}]
    assert first["cards"][0]["title"] == "Ovens"
    assert board["columns"][4]["cards"][0]["title"] == "Won"
    assert api(alice).get("/deals/board", {"pipeline": 999999}).status_code == 404


def test_pipelines_read_by_all_changed_by_the_administrator(api, ada, mia, sales):
    listed = api(mia).get("/pipelines").json()
    assert listed[0]["name"] == "Sales" and len(listed[0]["stages"]) == 6
    assert api(mia).post("/pipelines", {"name": "Mine"}).status_code == 403
    created = api(ada).post("/pipelines", {"name": "Renewals"})
    assert created.status_code == 201 and [s["outcome"] for s in created.json()["stages"]] == ["open", "won", "lost"]
    pk = created.json()["id"]
    added = api(ada).post(f"/pipelines/{pk}/stages", {"name": "Offer", "probability": 40, "colour": "#123456"})
    assert added.status_code == 201
    ids = [s["id"] for s in api(ada).get(f"/pipelines/{pk}").json()["stages"]]
    reordered = api(ada).put(f"/pipelines/{pk}/order", {"stages": list(reversed(ids))})
    assert [s["id"] for s in reordered.json()["stages"]] == list(reversed(ids))
    bad = api(ada).patch(f"/stages/{added.json()['id']}", {"colour": "blue"})
    assert bad.status_code == 400 and "colour" in bad.json()["errors"]
    assert api(ada).patch(f"/pipelines/{pk}", {"archived": True}).json()["archived"] is True
    assert api(ada).patch(f"/pipelines/{pk}", {"archived": False, "is_default": True}).json()["is_default"] is True
    assert api(ada).delete(f"/pipelines/{sales.pk}").status_code == 204  # no longer the default, and no deal
    assert not Pipeline.objects.filter(pk=sales.pk).exists()


def test_deleting_a_stage_with_deals_needs_move_to(api, ada, alice, deal):
    qualified = stage("Qualified")
    services.move_deal(actor=alice, deal=deal, stage=qualified)
    refused = api(ada).delete(f"/stages/{qualified.pk}")
    assert refused.status_code == 400 and "move_to" in refused.json()["errors"]
    assert api(ada).delete(f"/stages/{qualified.pk}?move_to={stage('Proposal').pk}").status_code == 204
    assert Deal.objects.get(pk=deal.pk).stage == stage("Proposal")
