"""The deals import target: rows become deals in their pipeline and stage, on clients found by name,
tax id, email or old id; duplicates by old id; unknown stages and sources; rights; undo."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from carte.clients.models import ReferenceValue
from carte.clients.services import create_client
from carte.core.errors import Conflict, Invalid
from carte.core.testing import ClientFactory
from carte.sales.models import Deal, Pipeline, Stage, StageChange
from carte.sales.services import deals as deal_services
from carte.sales.testing import currency, pipeline, stage
from carte.transfer.models import SourceKey
from carte.transfer.targets import deals as deals_target
from carte.transfer.targets import target
from carte.transfer.targets.base import Context, Options, Row
from tests.sales.conftest import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sales(db):
    currency("EUR")
    currency("USD")
    return pipeline()


@pytest.fixture
def bakery(alice):
    return create_client(
        actor=alice, name="Alice's Bakery", emails=[("orders@bakery.fr", "work")], tax_ids=[("siren", "732 829 320")]
    )


def context_for(actor, *, dry=False, **options) -> Context:
    return Context(actor=actor, options=Options(**options), target_key="deals", dry=dry)


def row(number, **values) -> Row:
    return Row(number, {key: [value] for key, value in values.items()})


def check(actor, rows, **options):
    return target("deals").check(context_for(actor, dry=True, **options), rows)


def save(actor, rows, **options):
    with transaction.atomic():  # the batch's transaction, as the import's run opens it
        return target("deals").save(context_for(actor, **options), rows)


def test_check_says_what_each_row_would_become_and_writes_nothing(alice, bakery):
    outcomes = check(
        alice,
        [
            row(2, title="Ovens", client="Alice's Bakery", stage="Proposition", amount="1 250,50"),
            row(3, title="Mixers", client="Nobody & Co"),
            row(4, title="Flour", client="alice's bakery", amount="lots", expected_close="31/13/2024"),
        ],
        decimal=",",
    )
    assert [o.outcome for o in outcomes] == ["created", "failed", "failed"]
    assert outcomes[0].shown["Stage"] == "Proposal" and outcomes[0].shown["Amount"] == "1250.50"
    assert outcomes[0].shown["Client"] == "Alice's Bakery" and outcomes[0].shown["Pipeline"] == "Sales"
    assert outcomes[1].message.startswith("Client: No client “Nobody & Co”")
    assert "Amount: " in outcomes[2].message and "Expected close: " in outcomes[2].message
    assert not Deal.objects.exists()


def test_save_creates_deals_with_their_values_through_the_deal_services(alice, bob, bakery):
    SourceKey.objects.create(target="clients", key="C-42", object_id=bakery.pk)
    outcomes = save(
        alice,
        [
            row(
                2,
                title="Ovens",
                client="orders@bakery.fr",
                stage="Negotiation",
                amount="1 250,50",
                currency="usd",
                expected_close="31/12/2025",
                probability="60 %",
                source="Recommandation",
                notes="Two ovens\nDelivered in May",
                owner="alice@example.com",
            ),
            row(3, title="Mixers", client="732.829.320"),
            row(4, title="Flour", client="C-42", owner="Alice Seller"),
        ],
        decimal=",",
    )
    assert [o.outcome for o in outcomes] == ["created"] * 3, [o.message for o in outcomes]
    ovens = Deal.objects.get(pk=outcomes[0].object_id)
    assert (ovens.client, ovens.owner, ovens.pipeline, ovens.stage) == (bakery, alice, pipeline(), stage("Negotiation"))
    assert (ovens.amount, ovens.currency_id, ovens.probability) == (Decimal("1250.50"), "USD", 60)
    assert ovens.expected_close == date(2025, 12, 31) and ovens.source.key == "referral"
    assert ovens.notes == "Two ovens\nDelivered in May"
    assert outcomes[0].stamp == str(ovens.version)
    assert StageChange.objects.filter(deal=ovens, to_stage=stage("Negotiation")).exists()
    mixers, flour = (Deal.objects.get(pk=outcome.object_id) for outcome in outcomes[1:])
    assert mixers.client == bakery and mixers.stage == stage("New") and mixers.currency_id == "EUR"
    assert flour.client == bakery and flour.owner == alice


def test_a_lost_deal_needs_its_reason(alice, bakery):
    outcomes = save(
        alice,
        [
            row(2, title="Ovens", client="Alice's Bakery", stage="Lost"),
            row(3, title="Mixers", client="Alice's Bakery", stage="Lost", lost_reason="Price too high"),
            row(4, title="Flour", client="Alice's Bakery", lost_reason="price"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["failed", "created", "failed"]
    assert outcomes[0].message == "Reason lost: Say why the deal was lost."
    assert outcomes[2].message == "Reason lost: Only a lost deal has a reason for being lost."
    mixers = Deal.objects.get(pk=outcomes[1].object_id)
    assert mixers.lost_reason.key == "price" and mixers.closed_at is not None


def test_a_row_that_fails_half_way_leaves_nothing_not_even_the_source_it_added(ada, bakery, monkeypatch):
    real = deal_services.create_deal
    calls = []

    def fail_once(**values):
        calls.append(values)
        if len(calls) == 1:
            raise Invalid(errors={"amount": ["Refused by the test."]})
        return real(**values)

    monkeypatch.setattr(deals_target, "create_deal", fail_once)
    rows = [
        row(2, title="Ovens", client="Alice's Bakery", source="Trade fair"),
        row(3, title="Mixers", client="Alice's Bakery", source="Trade fair"),
    ]
    outcomes = save(ada, rows, unknown_values="create")
    assert [o.outcome for o in outcomes] == ["failed", "created"]
    assert outcomes[0].message == "Amount: Refused by the test."
    fair = ReferenceValue.objects.get(list="source", label="Trade fair")
    assert Deal.objects.get().source == fair


def test_unknown_stages_and_sources_are_refused_or_created_as_the_user_chose(ada, alice, bakery):
    rows = [row(2, title="Ovens", client="Alice's Bakery", stage="Tasting", source="Trade fair")]
    refused = save(ada, rows)[0]
    assert refused.outcome == "failed"
    assert "Stage: “Tasting” is not a stage of the pipeline “Sales”." in refused.message
    assert "Source: “Trade fair” is not in the list of sources." in refused.message
    # Only those who may change the pipelines and the lists may add to them.
    not_hers = save(alice, rows, unknown_values="create")[0]
    assert "and you may not add stages" in not_hers.message and "you may not add values" in not_hers.message
    checked = check(ada, rows, unknown_values="create")[0]
    assert checked.outcome == "created" and checked.shown["Stage"] == "Tasting"
    assert not Stage.objects.filter(name="Tasting").exists()
    created = save(ada, rows, unknown_values="create")[0]
    deal = Deal.objects.get(pk=created.object_id)
    assert deal.stage.name == "Tasting" and deal.stage.pipeline == pipeline() and deal.stage.outcome == "open"
    assert deal.source.label == "Trade fair"


def test_an_unknown_pipeline_is_created_with_its_first_stages(ada, bakery):
    rows = [row(2, title="Ovens", client="Alice's Bakery", pipeline="Renewals", stage="Won")]
    assert save(ada, rows)[0].message == "Pipeline: There is no pipeline “Renewals”."
    checked = check(ada, rows, unknown_values="create")[0]
    assert checked.outcome == "created" and checked.shown["Pipeline"] == "Renewals" and checked.shown["Stage"] == "Won"
    assert not Pipeline.objects.filter(name="Renewals").exists()
    outcome = save(ada, rows, unknown_values="create")[0]
    deal = Deal.objects.get(pk=outcome.object_id)
    assert deal.pipeline.name == "Renewals" and deal.stage.outcome == "won"


def test_a_seller_imports_only_her_own_deals_on_clients_she_sees(alice, bob, bakery, charlies_client):
    outcomes = save(
        alice,
        [
            row(2, title="Ovens", client="Alice's Bakery", owner="bob"),
            row(3, title="Engines", client="Charlie's Garage"),
            row(4, title="Mixers", client="Alice's Bakery"),
        ],
    )
    assert [o.outcome for o in outcomes] == ["failed", "failed", "created"]
    assert outcomes[0].message == "You do not have the right to do this."
    assert outcomes[1].message.startswith("Client: No client “Charlie's Garage”")
    assert list(Deal.objects.values_list("title", "owner")) == [("Mixers", alice.pk)]


def test_rows_that_name_no_owner_go_to_the_owner_chosen_in_the_options(mia, bob, bakery):
    outcome = save(mia, [row(2, title="Ovens", client="Alice's Bakery")], owner=bob.pk)[0]
    assert Deal.objects.get(pk=outcome.object_id).owner == bob


def test_two_clients_with_the_same_name_must_be_told_apart(alice, bakery):
    ClientFactory(name="Alice's Bakery", owner=alice)
    outcome = save(alice, [row(2, title="Ovens", client="Alice's Bakery")])[0]
    assert outcome.message.startswith("Client: Several clients match “Alice's Bakery”")


def test_duplicates_by_old_id_are_skipped_updated_or_created_anyway(alice, bakery):
    first = save(alice, [row(2, external_id="D-1", title="Ovens", client="Alice's Bakery", amount="100")])[0]
    again = [row(2, external_id="D-1", title="Big ovens", client="Alice's Bakery", amount="900", stage="Proposal")]
    skipped = save(alice, again)[0]
    assert skipped.outcome == "skipped" and skipped.object_id == first.object_id and "Ovens" in skipped.message
    updated = save(alice, again, duplicates="update")[0]
    deal = Deal.objects.get(pk=first.object_id)
    assert updated.outcome == "updated" and updated.object_id == deal.pk
    assert (deal.title, deal.amount, deal.stage) == ("Big ovens", Decimal("900.00"), stage("Proposal"))
    assert updated.before["title"] == "Ovens" and updated.before["stage"] == stage("New").pk
    assert updated.stamp == str(deal.version)
    created = save(alice, again, duplicates="create")[0]
    assert created.outcome == "created" and Deal.objects.count() == 2
    # The same old id twice in one file: the second row finds the deal the first one makes.
    twice = save(alice, [row(2, external_id="D-9", title="A", client="Alice's Bakery")] * 2)
    assert [o.outcome for o in twice] == ["created", "skipped"]


def test_undo_deletes_created_deals_and_puts_back_updated_ones(alice, bakery):
    old = save(alice, [row(2, external_id="D-1", title="Ovens", client="Alice's Bakery", amount="100")])[0]
    outcomes = save(
        alice,
        [
            row(2, external_id="D-1", title="Big ovens", amount="900", stage="Lost", lost_reason="price"),
            row(3, external_id="D-2", title="Mixers", client="Alice's Bakery"),
        ],
        duplicates="update",
    )
    updated, created = outcomes
    assert [updated.outcome, created.outcome] == ["updated", "created"], [o.message for o in outcomes]
    chosen = target("deals")
    assert chosen.moved([(updated.object_id, updated.stamp), (created.object_id, created.stamp)]) == set()
    chosen.undo(alice, [created.object_id], [(updated.object_id, updated.before)])
    assert not Deal.objects.filter(pk=created.object_id).exists()
    assert not SourceKey.objects.filter(target="deals", key="D-2").exists()
    deal = Deal.objects.get(pk=old.object_id)
    assert (deal.title, deal.amount, deal.stage, deal.lost_reason, deal.closed_at) == (
        "Ovens",
        Decimal("100.00"),
        stage("New"),
        None,
        None,
    )


def test_deals_changed_since_the_import_are_moved(alice, bakery):
    outcome = save(alice, [row(2, title="Ovens", client="Alice's Bakery")])[0]
    deal = Deal.objects.get(pk=outcome.object_id)
    deal_services.update_deal(actor=alice, deal=deal, version=deal.version, title="Bigger ovens")
    assert target("deals").moved([(deal.pk, outcome.stamp), (999_999, "1")]) == {deal.pk, 999_999}


def test_undo_refuses_when_documents_were_made_from_a_created_deal(alice, bakery):
    outcome = save(alice, [row(2, title="Ovens", client="Alice's Bakery")])[0]
    deal = Deal.objects.get(pk=outcome.object_id)
    make_invoice(alice, client=bakery, deal=deal)
    with pytest.raises(Conflict, match="Ovens"):
        target("deals").undo(alice, [deal.pk], [])
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_exports_write_what_an_import_reads_back(alice, bakery):
    outcome = save(
        alice,
        [row(2, title="Ovens", client="Alice's Bakery", amount="1250.5", stage="Lost", lost_reason="price")],
    )[0]
    chosen = target("deals")
    deal = Deal.objects.select_related(*chosen.select_related).get(pk=outcome.object_id)
    texts = {field.key: field.text(deal) for field in chosen.export_fields()}
    assert texts["amount"] == "1250.50" and texts["stage"] == "Lost" and texts["owner"] == "Alice Seller"
    assert texts["lost_reason"] == "Price too high" and texts["client"] == "Alice's Bakery"
    back = check(alice, [Row(2, {key: [text] for key, text in texts.items() if text})])[0]
    assert back.outcome == "created", back.message
