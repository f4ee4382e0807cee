"""Pipelines and stages: the seed, the rules every pipeline keeps, merging a deleted stage, and who may change them."""

import pytest
from django.utils import translation

from carte.core import events
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.sales.models import Deal, Pipeline, Stage, StageChange
from carte.sales.services import deals as deal_services
from carte.sales.services import pipelines as services
from carte.sales.testing import currency, pipeline, stage


@pytest.fixture
def sales(db):
    currency("EUR")
    return pipeline()


def outcomes(of: Pipeline) -> list[tuple[str, str, int]]:
    return list(of.stages.order_by("order").values_list("name", "outcome", "probability"))


def test_a_new_installation_has_the_sales_pipeline(db):
    seeded = Pipeline.objects.get(name="Sales")
    assert seeded.is_default
    assert outcomes(seeded) == [
        ("New", "open", 10),
        ("Qualified", "open", 25),
        ("Proposal", "open", 50),
        ("Negotiation", "open", 75),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert services.seed_pipeline() is None  # never a second time


def test_the_seed_names_stages_in_the_installations_language(db, settings, monkeypatch):
    Pipeline.objects.all().delete()
    settings.LANGUAGE_CODE = "fr"
    spoken = {"Sales": "Ventes", "New": "Nouveau", "Qualified": "Qualifié", "Proposal": "Proposition"}
    spoken |= {"Negotiation": "Négociation", "Won": "Gagné", "Lost": "Perdu"}
    monkeypatch.setattr(
        services,
        "_seed_names",
        lambda: spoken if translation.get_language() == "fr" else {name: name for name in spoken},
    )
    with translation.override("en"):
        seeded = services.seed_pipeline()
    assert seeded.name == "Ventes"
    assert [name for name, _outcome, _chance in outcomes(seeded)][-2:] == ["Gagné", "Perdu"]


def test_only_the_administrator_changes_pipelines(mia, alice, rita, sales):
    for person in (mia, alice, rita):
        with pytest.raises(NotAllowed):
            services.create_pipeline(actor=person, name="Mine")
        with pytest.raises(NotAllowed):
            services.update_stage(actor=person, stage=stage("New"), name="Fresh")
    assert not Pipeline.objects.filter(name="Mine").exists()


def test_a_new_pipeline_starts_valid_and_last(ada, sales):
    created = services.create_pipeline(actor=ada, name="  Renewals ")
    assert created.name == "Renewals" and not created.is_default
    assert [outcome for _name, outcome, _chance in outcomes(created)] == ["open", "won", "lost"]
    assert created.order > sales.order
    assert AuditEntry.objects.filter(model="sales.pipeline", object_id=str(created.pk), verb="create").exists()


def test_a_pipeline_without_a_won_or_lost_stage_is_refused(ada, sales):
    with pytest.raises(Invalid):
        services.create_pipeline(actor=ada, name="Broken", stages=[{"name": "Open", "outcome": "open"}])
    with pytest.raises(Invalid) as refused:
        services.create_pipeline(actor=ada, name="Broken", stages=[{"name": "", "colour": "red", "probability": 101}])
    assert {"stages.0.name", "stages.0.colour", "stages.0.probability"} <= set(refused.value.errors)
    assert not Pipeline.objects.filter(name="Broken").exists()


def test_one_default_pipeline(ada, sales):
    other = services.create_pipeline(actor=ada, name="Renewals", is_default=True)
    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    with pytest.raises(Invalid):
        services.update_pipeline(actor=ada, pipeline=other, is_default=False)
    with pytest.raises(Conflict):
        services.archive_pipeline(actor=ada, pipeline=other)
    services.update_pipeline(actor=ada, pipeline=sales, is_default=True)
    archived = services.archive_pipeline(actor=ada, pipeline=other)
    assert archived.archived
    with pytest.raises(Invalid):
        services.update_pipeline(actor=ada, pipeline=other, is_default=True)


def test_a_pipeline_with_deals_is_archived_not_deleted(ada, alice, alices_client, sales):
    other = services.create_pipeline(actor=ada, name="Renewals")
    deal_services.create_deal(actor=alice, client=alices_client, title="Renew", pipeline=other)
    with pytest.raises(Conflict):
        services.delete_pipeline(actor=ada, pipeline=other)
    empty = services.create_pipeline(actor=ada, name="Empty")
    services.delete_pipeline(actor=ada, pipeline=empty)
    assert not Pipeline.objects.filter(name="Empty").exists()
    with pytest.raises(Conflict):
        services.delete_pipeline(actor=ada, pipeline=sales)  # the default


def test_archived_pipelines_take_no_new_deals(ada, alice, alices_client, sales):
    other = services.archive_pipeline(actor=ada, pipeline=services.create_pipeline(actor=ada, name="Old"))
    with pytest.raises(Invalid) as refused:
        deal_services.create_deal(actor=alice, client=alices_client, title="Old", pipeline=other)
    assert "pipeline" in refused.value.errors


def test_pipelines_reorder_and_move(ada, sales):
    second = services.create_pipeline(actor=ada, name="Second")
    services.move_pipeline(actor=ada, pipeline=second, step=-1)
    assert list(Pipeline.objects.order_by("order").values_list("name", flat=True))[:2] == ["Second", "Sales"]
    with pytest.raises(Invalid):
        services.reorder_pipelines(actor=ada, pipeline_ids=[second.pk])


def test_stages_are_added_before_the_closing_ones(ada, sales):
    added = services.add_stage(actor=ada, pipeline=sales, name="Demo", probability="60", colour="#AA00FF")
    names = [name for name, _outcome, _chance in outcomes(sales)]
    assert names == ["New", "Qualified", "Proposal", "Negotiation", "Demo", "Won", "Lost"]
    assert added.colour == "#aa00ff" and added.probability == 60


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"probability": "-1"}, "probability"),
        ({"probability": "abc"}, "probability"),
        ({"colour": "blue"}, "colour"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_bad_stage_values_are_refused(ada, sales, values, field):
    with pytest.raises(Invalid) as refused:
        services.add_stage(actor=ada, pipeline=sales, **({"name": "Demo"} | values))
    assert field in refused.value.errors
    assert sales.stages.count() == 6


def test_the_last_won_stage_keeps_its_outcome(ada, sales):
    with pytest.raises(Invalid):
        services.update_stage(actor=ada, stage=stage("Won"), outcome="open")
    changed = services.update_stage(actor=ada, stage=stage("Qualified"), name="Qualified lead", probability=30)
    assert (changed.name, changed.probability) == ("Qualified lead", 30)


def test_a_stage_holding_deals_keeps_its_outcome(ada, alice, alices_client, sales):
    services.add_stage(actor=ada, pipeline=sales, name="Signed", probability=100, outcome="won")
    deal_services.create_deal(actor=alice, client=alices_client, title="Ovens", stage=stage("Signed"))
    with pytest.raises(Invalid) as refused:
        services.update_stage(actor=ada, stage=stage("Signed"), outcome="open")
    assert "outcome" in refused.value.errors


def test_stages_reorder_with_every_stage_named_once(ada, sales):
    ids = list(sales.stages.order_by("order").values_list("pk", flat=True))
    services.reorder_stages(actor=ada, pipeline=sales, stage_ids=[ids[1], ids[0], *ids[2:]])
    assert [name for name, *_rest in outcomes(sales)][:2] == ["Qualified", "New"]
    with pytest.raises(Invalid):
        services.reorder_stages(actor=ada, pipeline=sales, stage_ids=ids[:3])
    services.move_stage(actor=ada, stage=stage("New"), step=-1)
    assert [name for name, *_rest in outcomes(sales)][:2] == ["New", "Qualified"]


def test_an_unused_stage_is_deleted(ada, sales):
    services.delete_stage(actor=ada, stage=stage("Qualified"))
    assert not Stage.objects.filter(pipeline=sales, name="Qualified").exists()


def test_a_stage_holding_deals_is_merged_into_another_all_at_once(ada, alice, alices_client, sales):
    deals = [
        deal_services.create_deal(actor=alice, client=alices_client, title=f"Deal {n}", stage=stage("Qualified"))
        for n in range(3)
    ]
    deal_services.update_deal(actor=alice, deal=deals[0], version=deals[0].version, probability=90)
    with pytest.raises(Invalid) as refused:
        services.delete_stage(actor=ada, stage=stage("Qualified"))
    assert "3 deals" in str(refused.value.errors["move_to"][0])
    with pytest.raises(Invalid):
        services.delete_stage(actor=ada, stage=stage("Qualified"), move_to=stage("Won"))  # another outcome
    with pytest.raises(Invalid):
        services.delete_stage(actor=ada, stage=stage("Qualified"), move_to=stage("New", pipeline("Other")))
    assert Deal.objects.filter(stage=stage("Qualified")).count() == 3
    proposal = stage("Proposal")
    with events.Recording() as seen:
        moved = services.delete_stage(actor=ada, stage=stage("Qualified"), move_to=proposal)
    assert moved == 3 and len(seen) == 3
    assert set(Deal.objects.values_list("stage", flat=True)) == {proposal.pk}
    assert sorted(Deal.objects.values_list("probability", flat=True)) == [50, 50, 90]
    assert StageChange.objects.filter(to_stage=proposal).count() == 3  # the history follows


def test_a_pipeline_keeps_one_lost_stage(ada, sales):
    with pytest.raises(Invalid):
        services.delete_stage(actor=ada, stage=stage("Lost"))
    assert Stage.objects.filter(pipeline=sales, outcome="lost").exists()
