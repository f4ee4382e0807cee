"""The deal services: each rule once, with the refusals that change nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.clients import services as client_services
from carte.clients.models import Client, TimelineEntry
from carte.core import events
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory, reference
from carte.sales.models import ClientPriceList, Deal, DealLine, PriceList, SalesDocument, StageChange
from carte.sales.services import deals as services
from carte.sales.testing import currency, legal_entity, pipeline, stage, tax


@pytest.fixture
def eur(db):
    return currency("EUR")


@pytest.fixture
def sales(db):
    return pipeline()


@pytest.fixture
def deal(alice, alices_client, eur, sales):
    return services.create_deal(actor=alice, client=alices_client, title="Ovens for the bakery", amount="1000")


def snapshot_counts() -> tuple:
    return (
        Deal.objects.count(),
        DealLine.objects.count(),
        StageChange.objects.count(),
        TimelineEntry.objects.count(),
        AuditEntry.objects.count(),
    )


# Creating


def test_a_new_deal_starts_in_the_first_stage_with_its_probability_and_history(alice, alices_client, eur, sales):
    with events.Recording() as seen:
        deal = services.create_deal(
            actor=alice, client=alices_client, title="  Ovens   for the bakery ", amount="1 250,50", source="website"
        )
    assert deal.title == "Ovens for the bakery"
    assert deal.stage == stage("New") and deal.pipeline == sales
    assert (deal.amount, deal.currency_id, deal.probability) == (Decimal("1250.50"), "EUR", 10)
    assert deal.owner == alice and deal.source.key == "website" and deal.closed_at is None
    assert list(StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage")) == [(None, deal.stage_id)]
    assert [event.name for event in seen] == ["deal.created"]
    assert seen[0].data["deal_id"] == deal.pk and seen[0].actor == alice
    entry = TimelineEntry.objects.get(client=alices_client, kind="deal")
    assert "Ovens for the bakery" in entry.summary and entry.link == f"/deals/{deal.pk}/"
    assert AuditEntry.objects.filter(model="sales.deal", object_id=str(deal.pk), verb="create").exists()


def test_a_deal_created_with_lines_takes_their_total_as_amount(alice, alices_client, eur, sales):
    vat = tax("20")
    lines = [
        {"description": "Oven", "quantity": "2", "unit_price": "100.10", "tax": vat.pk},
        {"description": "Setup", "quantity": "1", "unit_price": "50", "discount": "10"},
    ]
    deal = services.create_deal(actor=alice, client=alices_client, title="Ovens", amount="9", lines=lines)
    assert deal.amount == Decimal("285.24")  # 200.20 + 40.04 tax + 45.00
    assert deal.lines.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"probability": "150"}, "probability"),
        ({"probability": "often"}, "probability"),
        ({"source": "pigeon"}, "source"),
        ({"expected_close": "31/12/2030"}, "expected_close"),
        ({"lines": [{"description": "Oven", "quantity": "-1", "unit_price": "10"}]}, "lines.0.quantity"),
        ({"lines": [{"description": "Oven", "quantity": "1", "unit_price": "10.123"}]}, "lines.0.unit_price"),
    ],
)
def test_bad_values_are_refused_with_the_field_named_and_nothing_saved(alice, alices_client, eur, sales, fields, field):
    before = snapshot_counts()
    values = {"title": "Ovens"} | fields
    with pytest.raises(Invalid) as refused:
        services.create_deal(actor=alice, client=alices_client, **values)
    assert field in refused.value.errors
    assert snapshot_counts() == before


def test_a_currency_without_minor_units_refuses_decimals(alice, alices_client, sales):
    currency("JPY", digits=0)
    with pytest.raises(Invalid) as refused:
        services.create_deal(actor=alice, client=alices_client, title="Ovens", currency="JPY", amount="10.5")
    assert "whole number" in str(refused.value.errors["amount"][0])
    deal = services.create_deal(actor=alice, client=alices_client, title="Ovens", currency="jpy", amount="1050")
    assert deal.amount == Decimal(1050) and deal.currency_id == "JPY"


def test_a_stage_of_another_pipeline_is_refused(alice, alices_client, eur, sales):
    other = pipeline("Renewals")
    with pytest.raises(Invalid) as refused:
        services.create_deal(
            actor=alice, client=alices_client, title="Ovens", pipeline=sales, stage=stage("New", other)
        )
    assert refused.value.errors["stage"] == ["This stage belongs to another pipeline."]


def test_the_contact_person_must_be_linked_to_the_client(alice, alices_client, eur, sales):
    paul = ClientFactory(kind="person", name="Paul Baker", owner=alice)
    with pytest.raises(Invalid) as refused:
        services.create_deal(actor=alice, client=alices_client, title="Ovens", contact=paul)
    assert "contact" in refused.value.errors
    client_services.link_contact(actor=alice, company=alices_client, person=paul, role="purchaser")
    deal = services.create_deal(actor=alice, client=alices_client, title="Ovens", contact=paul)
    assert deal.contact == paul


def test_a_seller_cannot_create_a_deal_on_a_client_she_does_not_see(alice, charlies_client, eur, sales):
    with pytest.raises(NotAllowed):
        services.create_deal(actor=alice, client=charlies_client, title="Poaching")
    assert not Deal.objects.exists()


def test_a_seller_cannot_create_a_deal_for_someone_else_but_a_manager_can(alice, bob, mia, alices_client, eur, sales):
    with pytest.raises(NotAllowed):
        services.create_deal(actor=alice, client=alices_client, title="For Bob", owner=bob)
    deal = services.create_deal(actor=mia, client=alices_client, title="For Bob", owner=bob)
    assert deal.owner == bob


def test_the_reader_cannot_create_deals(rita, alices_client, eur, sales):
    with pytest.raises(NotAllowed):
        services.create_deal(actor=rita, client=alices_client, title="Reading")


# Changing


def test_update_changes_the_fields_and_bumps_the_version(alice, deal):
    updated = services.update_deal(
        actor=alice, deal=deal, version=deal.version, title="Bigger ovens", amount="2000", probability=40, notes="Soon"
    )
    assert (updated.title, updated.amount, updated.probability, updated.version) == (
        "Bigger ovens",
        Decimal("2000"),
        40,
        deal.version + 1,
    )
    entry = AuditEntry.objects.filter(model="sales.deal", verb="update").latest("id")
    assert entry.changes["title"] == ["Ovens for the bakery", "Bigger ovens"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(alice, deal):
    services.update_deal(actor=alice, deal=deal, version=deal.version, title="First")
    with pytest.raises(Conflict):
        services.update_deal(actor=alice, deal=deal, version=deal.version, title="Second")
    deal.refresh_from_db()
    assert deal.title == "First"


def test_a_seller_cannot_hand_her_deal_to_a_teammate_but_a_manager_can(alice, bob, mia, deal):
    with pytest.raises(NotAllowed):
        services.update_deal(actor=alice, deal=deal, version=deal.version, owner=bob)
    assert Deal.objects.get(pk=deal.pk).owner == alice
    moved = services.update_deal(actor=mia, deal=deal, version=deal.version, owner=bob)
    assert moved.owner == bob


def test_teammates_and_strangers_cannot_change_a_sellers_deal(bob, charlie, rita, deal):
    for outsider in (bob, charlie, rita):
        with pytest.raises(NotAllowed):
            services.update_deal(actor=outsider, deal=deal, version=deal.version, title="Mine now")


def test_a_deal_with_lines_refuses_another_amount(alice, deal):
    services.set_lines(actor=alice, deal=deal, lines=[{"description": "Oven", "quantity": "1", "unit_price": "300"}])
    deal.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        services.update_deal(actor=alice, deal=deal, version=deal.version, amount="5")
    assert "amount" in refused.value.errors


def test_changing_the_currency_prices_the_lines_again(alice, deal):
    currency("USD")
    services.set_lines(actor=alice, deal=deal, lines=[{"description": "Oven", "quantity": "2", "unit_price": "300"}])
    deal.refresh_from_db()
    changed = services.update_deal(actor=alice, deal=deal, version=deal.version, currency="USD")
    assert changed.currency_id == "USD" and changed.amount == Decimal("600")
    currency("JPY", digits=0)
    services.set_lines(
        actor=alice, deal=changed, lines=[{"description": "Oven", "quantity": "1", "unit_price": "9.99"}]
    )
    changed.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        services.update_deal(actor=alice, deal=changed, version=changed.version, currency="JPY")
    assert "currency" in refused.value.errors


def test_a_price_list_in_another_currency_is_refused(alice, deal):
    dollars = PriceList.objects.create(name="US", currency=currency("USD"))
    with pytest.raises(Invalid) as refused:
        services.update_deal(actor=alice, deal=deal, version=deal.version, price_list=dollars.pk)
    assert "price_list" in refused.value.errors


# Moving


def test_moving_writes_history_timeline_and_event(alice, deal):
    with events.Recording() as seen:
        moved = services.move_deal(actor=alice, deal=deal, stage=stage("Proposal"))
    assert moved.stage == stage("Proposal") and moved.probability == 50 and moved.version == deal.version + 1
    assert moved.closed_at is None and moved.stage_entered_at > deal.stage_entered_at
    change = StageChange.objects.filter(deal=deal).latest("at")
    assert (change.from_stage, change.to_stage, change.actor) == (stage("New"), stage("Proposal"), alice)
    (event,) = seen
    assert event.name == "deal.stage_changed"
    assert event.data == {
        "deal_id": deal.pk,
        "from_stage_id": stage("New").pk,
        "to_stage_id": stage("Proposal").pk,
        "owner_id": alice.pk,
        "outcome": "open",
    }
    assert TimelineEntry.objects.filter(kind="deal", summary__contains="moved to Proposal").exists()


def test_a_probability_set_by_hand_stays_until_the_deal_closes(alice, deal):
    services.update_deal(actor=alice, deal=deal, version=deal.version, probability=33)
    moved = services.move_deal(actor=alice, deal=deal, stage=stage("Proposal"))
    assert moved.probability == 33
    won = services.move_deal(actor=alice, deal=deal, stage=stage("Won"))
    assert won.probability == 100


def test_winning_closes_the_deal_and_reopening_clears_it(alice, deal):
    won = services.move_deal(actor=alice, deal=deal, stage=stage("Won"))
    assert won.closed_at is not None
    assert TimelineEntry.objects.filter(kind="deal", summary="Deal won: Ovens for the bakery").exists()
    reopened = services.move_deal(actor=alice, deal=deal, stage=stage("Negotiation"))
    assert reopened.closed_at is None and reopened.probability == 75


def test_losing_needs_a_reason_from_the_list(alice, deal):
    before = snapshot_counts()
    with pytest.raises(Invalid) as refused:
        services.move_deal(actor=alice, deal=deal, stage=stage("Lost"))
    assert refused.value.errors["lost_reason"] == ["Say why the deal was lost."]
    with pytest.raises(Invalid):
        services.move_deal(actor=alice, deal=deal, stage=stage("Lost"), lost_reason="bad-weather")
    assert snapshot_counts() == before
    with events.Recording() as seen:
        lost = services.move_deal(actor=alice, deal=deal, stage=stage("Lost"), lost_reason="price")
    assert lost.lost_reason.key == "price" and lost.closed_at is not None and lost.probability == 0
    assert seen[0].data["outcome"] == "lost"
    assert TimelineEntry.objects.filter(summary="Deal lost: Ovens for the bakery (Price too high)").exists()
    reopened = services.move_deal(actor=alice, deal=deal, stage=stage("New"))
    assert reopened.lost_reason is None


def test_moving_to_a_stage_of_another_pipeline_is_refused(alice, deal):
    other = pipeline("Renewals")
    with pytest.raises(Invalid) as refused:
        services.move_deal(actor=alice, deal=deal, stage=stage("Proposal", other))
    assert refused.value.errors == {"stage": ["This stage belongs to another pipeline."]}
    assert Deal.objects.get(pk=deal.pk).stage == stage("New")


def test_moving_to_the_same_stage_changes_nothing(alice, deal):
    with events.Recording() as seen:
        same = services.move_deal(actor=alice, deal=deal, stage=stage("New"))
    assert same.version == deal.version and not seen


def test_changing_pipeline_needs_a_stage_of_the_new_pipeline(alice, deal, sales):
    other = pipeline("Renewals")
    with pytest.raises(Invalid):
        services.change_pipeline(actor=alice, deal=deal, pipeline=other, stage=stage("Proposal", sales))
    moved = services.change_pipeline(actor=alice, deal=deal, pipeline=other)
    assert moved.pipeline == other and moved.stage == stage("New", other)


def test_a_teammate_cannot_move_a_sellers_deal_but_her_manager_can(bob, mia, deal):
    with pytest.raises(NotAllowed):
        services.move_deal(actor=bob, deal=deal, stage=stage("Won"))
    assert services.move_deal(actor=mia, deal=deal, stage=stage("Won")).stage == stage("Won")


# Lines


def test_set_lines_replaces_them_and_the_amount_follows(alice, deal):
    vat = tax("20")
    lines = [
        {"description": "Oven", "quantity": "2", "unit": "pc", "unit_price": "1000", "tax": vat.pk},
        {"description": "Delivery", "quantity": "1", "unit_price": "99.99"},
    ]
    priced = services.set_lines(actor=alice, deal=deal, lines=lines)
    assert priced.amount == Decimal("2499.99")
    assert [line.position for line in priced.lines.all()] == [1, 2]
    emptied = services.set_lines(actor=alice, deal=deal, lines=[])
    assert emptied.amount == Decimal("2499.99") and not emptied.lines.exists()


def test_bad_lines_name_the_line_and_field_and_save_nothing(alice, deal):
    services.set_lines(actor=alice, deal=deal, lines=[{"description": "Oven", "quantity": "1", "unit_price": "10"}])
    before = list(DealLine.objects.values_list("description", flat=True))
    lines = [
        {"description": "Fine", "quantity": "1", "unit_price": "10"},
        {"description": "Minus", "quantity": "-2", "unit_price": "10"},
        {"description": "Cents", "quantity": "1", "unit_price": "0.001"},
    ]
    with pytest.raises(Invalid) as refused:
        services.set_lines(actor=alice, deal=deal, lines=lines)
    assert set(refused.value.errors) == {"lines.1.quantity", "lines.2.unit_price"}
    assert list(DealLine.objects.values_list("description", flat=True)) == before


# Deleting


def test_deleting_a_deal_removes_its_lines_and_history(alice, mia, deal):
    services.set_lines(actor=alice, deal=deal, lines=[{"description": "Oven", "quantity": "1", "unit_price": "10"}])
    services.delete_deal(actor=alice, deal=deal)
    assert not Deal.objects.exists() and not DealLine.objects.exists() and not StageChange.objects.exists()


def test_a_deal_with_documents_cannot_be_deleted(alice, deal):
    SalesDocument.objects.create(
        kind="quote",
        number="Q-1",
        year=2030,
        sequence=1,
        legal_entity=legal_entity(),
        client=deal.client,
        deal=deal,
        owner=alice,
        currency=deal.currency,
    )
    with pytest.raises(Conflict) as refused:
        services.delete_deal(actor=alice, deal=deal)
    assert "lost stage" in str(refused.value.message)
    assert Deal.objects.filter(pk=deal.pk).exists()
    assert not AuditEntry.objects.filter(model="sales.deal", verb="delete").exists()


def test_the_reader_cannot_delete(rita, deal):
    with pytest.raises(NotAllowed):
        services.delete_deal(actor=rita, deal=deal)


# Merging clients


def test_merging_clients_moves_their_deals_documents_and_price_list(ada, alice, deal, alices_client):
    twin = ClientFactory(name="Alice's Bakery SARL", owner=alice)
    paul = ClientFactory(kind="person", name="Paul", owner=alice)
    client_services.link_contact(actor=alice, company=twin, person=paul, role="purchaser")
    other = services.create_deal(actor=alice, client=twin, title="Flour", contact=paul)
    invoice = SalesDocument.objects.create(
        kind="invoice",
        number="INV-1",
        year=2030,
        sequence=1,
        legal_entity=legal_entity(),
        client=twin,
        owner=alice,
        currency=deal.currency,
    )
    retail = PriceList.objects.create(name="Retail", currency=deal.currency)
    ClientPriceList.objects.create(client=twin, price_list=retail)
    result = client_services.merge_clients(actor=ada, survivor=alices_client, others=[twin])
    assert result.moved["deals"] == 1 and result.moved["sales_documents"] == 1
    other.refresh_from_db()
    invoice.refresh_from_db()
    assert other.client == alices_client and invoice.client == alices_client
    assert ClientPriceList.objects.get(client=alices_client).price_list == retail
    assert not Client.objects.filter(pk=twin.pk).exists()


def test_closing_dates_follow_the_stage_when_created_closed(alice, alices_client, eur, sales):
    won = services.create_deal(actor=alice, client=alices_client, title="Done", stage=stage("Won"))
    assert won.closed_at is not None and won.probability == 100
    with pytest.raises(Invalid):
        services.create_deal(actor=alice, client=alices_client, title="Gone", stage=stage("Lost"))
    lost = services.create_deal(
        actor=alice,
        client=alices_client,
        title="Gone",
        stage=stage("Lost"),
        lost_reason=reference("lost_reason", "timing"),
    )
    assert lost.lost_reason.key == "timing"


def test_expected_close_reads_iso_dates(alice, alices_client, eur, sales):
    soon = timezone.localdate() + timedelta(days=10)
    deal = services.create_deal(actor=alice, client=alices_client, title="Soon", expected_close=soon.isoformat())
    assert deal.expected_close == soon
    assert services.create_deal(
        actor=alice, client=alices_client, title="D", expected_close=date(2031, 1, 2)
    ).expected_close
