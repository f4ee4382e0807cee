"""Settings → Getting started, the card on the home page, the mail page and the checklist in the API (thin)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from carte.core import setup
from carte.sales.services.company import create_legal_entity
from tests.workspace.pages import page_of

pytestmark = pytest.mark.django_db

CHECKLIST = reverse("knowledge:setup_checklist")
CARD = reverse("knowledge:setup_card")
API = "/api/v1/setup/checklist"


@pytest.fixture
def all_done(monkeypatch):
    """Every step done, as if the company had set everything up."""
    monkeypatch.setattr(
        setup, "steps", [setup.SetupStep(s.key, s.label, s.why, s.url_name, lambda: True, s.order) for s in setup.steps]
    )


def test_getting_started_lists_every_step_with_why_and_where_and_a_progress_bar(client, ada):
    create_legal_entity(actor=ada, name="Acme", legal_name="Acme SAS", address="1 rue de la Paix, Paris")
    client.force_login(ada)

    response = client.get(CHECKLIST)

    assert response.status_code == 200
    page = page_of(response)
    links = page.links()
    for step in setup.steps:
        assert reverse(step.url_name) in links
        assert escape(str(step.why)) in response.content.decode()
    (bar,) = page.all("progress")
    done = sum(state for _step, state in setup.checklist())  # the company, and the personas' team
    assert (bar["value"], bar["max"]) == (str(done), str(len(setup.steps)))
    (company,) = [item for item in page.all("li") if item.get("data-step") == "company"]
    assert company["data-done"] == "yes"
    assert reverse("knowledge:wizard") in links


def test_getting_started_runs_a_bounded_number_of_queries(client, ada, django_assert_max_num_queries):
    client.force_login(ada)

    # session, user, rights, the steps (at most two small queries each), the rollout
    with django_assert_max_num_queries(6 + 2 * len(setup.steps)):
        assert client.get(CHECKLIST).status_code == 200


def test_getting_started_is_the_first_settings_page_of_administrators_only(client, ada, alice, mia):
    client.force_login(ada)
    pages = client.get(reverse("workspace:settings")).context["pages"]
    assert pages[0].url == CHECKLIST

    for person in (alice, mia):
        client.force_login(person)
        assert CHECKLIST not in [page.url for page in client.get(reverse("workspace:settings")).context["pages"]]
        assert client.get(CHECKLIST).status_code == 403


def test_the_home_page_loads_the_setup_card_after_the_page_for_administrators_only(client, ada, alice):
    client.force_login(ada)
    home = client.get("/").content.decode()
    assert f'hx-get="{CARD}"' in home
    assert "steps done" not in home, "the checklist is read by the card's own request"

    client.force_login(alice)
    assert CARD not in client.get("/").content.decode()


def test_the_card_shows_the_progress_and_the_next_three_steps(client, ada):
    client.force_login(ada)

    response = client.get(CARD, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    done = sum(state for _step, state in setup.checklist())
    assert f"{done} of {len(setup.steps)} steps done" in content
    assert len(page_of(response).all("li")) == 3
    assert response["Vary"].count("HX-Request") == 1


def test_the_card_is_empty_once_the_checklist_is_complete(client, ada, all_done):
    client.force_login(ada)

    response = client.get(CARD, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response.content == b""


def test_the_card_without_htmx_leads_to_getting_started(client, ada):
    client.force_login(ada)

    assert client.get(CARD)["Location"] == CHECKLIST


def test_the_mail_page_says_how_mail_is_configured_without_its_password(client, ada, settings):
    client.force_login(ada)
    assert "Not configured" in client.get(reverse("knowledge:setup_mail")).content.decode()

    settings.EMAIL_URL = "smtp+tls://carte:s3cret@smtp.example.com:587"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER = "smtp.example.com", 587, "carte"
    settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS = "s3cret", True
    content = client.get(reverse("knowledge:setup_mail")).content.decode()

    assert "smtp.example.com:587" in content and "STARTTLS" in content
    assert "s3cret" not in content


def test_the_api_gives_the_checklist_with_its_progress(client, ada):
    create_legal_entity(actor=ada, name="Acme", legal_name="Acme SAS", address="Paris")
    client.force_login(ada)

    body = client.get(API).json()

    assert [step["key"] for step in body["steps"]] == [step.key for step in setup.steps]
    company = body["steps"][0]
    assert (company["key"], company["done"], company["url"]) == ("company", True, reverse("sales:entity_list"))
    assert company["why"] and company["label"] == "Company details"
    done = sum(state for _step, state in setup.checklist())
    assert (body["done"], body["total"], body["complete"]) == (done, len(setup.steps), False)
    assert body["percent"] == round(100 * done / len(setup.steps))


def test_the_api_refuses_the_checklist_to_who_may_not_set_up(client, mia):
    client.force_login(mia)

    response = client.get(API)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
