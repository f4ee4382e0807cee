"""Settings → Pipelines: the page everyone reads, the changes only the administrator makes."""

import pytest

from carte.sales.models import Deal, Pipeline, Stage
from carte.sales.services import deals as deal_services
from carte.sales.testing import currency, pipeline, stage


@pytest.fixture
def sales(db):
    currency("EUR")
    return pipeline()


@pytest.fixture
def browser(client):
    def log_in(employee):
        client.force_login(employee)
        return client

    return log_in


def test_the_page_lists_pipelines_with_their_stages_and_deal_counts(browser, alice, alices_client, ada, sales):
    deal_services.create_deal(actor=alice, client=alices_client, title="Ovens")
    page = browser(ada).get("/settings/pipelines/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Negotiation" in html and "New pipeline" in html
    assert page.context["pipelines"][0].stages.all()[0].deal_count == 1


def test_the_page_is_read_only_for_others(browser, mia, sales):
    html = browser(mia).get("/settings/pipelines/").content.decode()
    assert "Negotiation" in html and "New pipeline" not in html and "/settings/stages/" not in html
    assert browser(mia).get("/settings/pipelines/new/").status_code == 403
    assert browser(mia).post(f"/settings/stages/{stage('New').pk}/", {"name": "x"}).status_code == 403


def test_the_settings_index_offers_pipelines(browser, mia, sales):
    assert "/settings/pipelines/" in browser(mia).get("/settings/").content.decode()


def test_create_rename_and_add_stages(browser, ada, sales):
    user = browser(ada)
    answer = user.post("/settings/pipelines/new/", {"name": "Renewals"})
    renewals = Pipeline.objects.get(name="Renewals")
    assert answer.status_code == 302
    assert user.post(f"/settings/pipelines/{renewals.pk}/", {"name": "Renewal deals"}).status_code == 302
    data = {"name": "Offer", "probability": "40", "colour": "#336699", "outcome": "open"}
    assert user.post(f"/settings/pipelines/{renewals.pk}/stages/new/", data).status_code == 302
    assert Stage.objects.filter(pipeline=renewals, name="Offer").exists()
    bad = user.post(f"/settings/pipelines/{renewals.pk}/stages/new/", data | {"probability": "140"})
    assert bad.status_code == 400 and "from 0 to 100" in bad.content.decode()


def test_archive_restore_move_and_delete(browser, ada, sales):
    user = browser(ada)
    other = pipeline("Other")
    assert user.post(f"/settings/pipelines/{other.pk}/archive/").status_code == 302
    assert Pipeline.objects.get(pk=other.pk).archived
    answer = user.post(f"/settings/pipelines/{sales.pk}/archive/", follow=True)
    assert "cannot be archived" in answer.content.decode()
    assert user.post(f"/settings/pipelines/{other.pk}/restore/").status_code == 302
    assert user.post(f"/settings/pipelines/{other.pk}/move/", {"direction": "up"}).status_code == 302
    assert Pipeline.objects.order_by("order").first() == other
    assert user.post(f"/settings/stages/{stage('Qualified', other).pk}/move/", {"direction": "up"}).status_code == 302
    assert user.post(f"/settings/pipelines/{other.pk}/delete/").status_code == 302
    assert not Pipeline.objects.filter(pk=other.pk).exists()


def test_deleting_a_stage_with_deals_asks_where_they_go(browser, ada, alice, alices_client, sales):
    deal = deal_services.create_deal(actor=alice, client=alices_client, title="Ovens", stage=stage("Qualified"))
    user = browser(ada)
    page = user.get(f"/settings/stages/{stage('Qualified').pk}/delete/")
    assert "This stage holds 1 deal." in page.content.decode()
    refused = user.post(f"/settings/stages/{stage('Qualified').pk}/delete/", {"move_to": ""})
    assert refused.status_code == 400
    assert (
        user.post(f"/settings/stages/{stage('Qualified').pk}/delete/", {"move_to": stage("New").pk}).status_code == 302
    )
    assert Deal.objects.get(pk=deal.pk).stage == stage("New")
