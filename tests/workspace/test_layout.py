from dataclasses import dataclass

import pytest
from django.urls import reverse

from carte.accounts.models import Role
from carte.core import navigation
from carte.core.navigation import Figure, Link, SearchHit
from carte.core.testing import EmployeeFactory
from tests.workspace.pages import page_of

HOME = "/"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["ada", "mia", "alice", "bob", "charlie", "rita"])
def test_the_home_page_renders_for_every_persona_with_bounded_queries(
    persona, people, login, django_assert_max_num_queries
):
    browser = login(people[persona])

    # session, employee, rights, recent clients, timeline, the open-deals and today's-tasks strips
    # (the progress panel and the notification bell load after the page)
    with django_assert_max_num_queries(10):
        response = browser.get(HOME)

    assert response.status_code == 200
    assert response.templates[0].name == "workspace/home.html"


def test_the_home_page_has_no_inline_script_style_or_handler(alice, alices_client, login):
    page = page_of(login(alice).get(HOME))

    assert page.all("script"), "the page loads its scripts from files"
    assert all(script.get("src") for script in page.all("script"))
    assert not page.all("style")
    for tag, attributes in page.elements:
        assert "style" not in attributes, tag
        assert not [name for name in attributes if name.startswith("on")], tag


def test_the_layout_configures_htmx_without_injected_styles_and_sends_the_csrf_token(alice, login):
    page = page_of(login(alice).get(HOME))

    (config,) = [meta for meta in page.all("meta") if meta.get("name") == "htmx-config"]
    assert '"includeIndicatorStyles": false' in config["content"]
    assert "X-CSRFToken" in page.all("body")[0]["hx-headers"]
    assert any(script["src"].endswith("vendor/htmx.min.js") for script in page.all("script"))


def test_the_layout_has_a_skip_link_and_landmarks(alice, login):
    page = page_of(login(alice).get(HOME))
    tags = {tag for tag, _attributes in page.elements}

    assert "#work-area" in page.links()
    assert {"nav", "main", "aside", "footer", "header"} <= tags
    assert page.all("main")[0]["id"] == "work-area"
    assert [form for form in page.all("form") if form.get("role") == "search"]


def test_every_control_of_the_layout_has_a_label(alice, login):
    page = page_of(login(alice).get(HOME))
    labelled = {label.get("for") for label in page.all("label")}

    for control in page.all("input") + page.all("select"):
        if control.get("type") != "hidden":
            assert control.get("id") in labelled or control.get("aria-label"), control
    for button in page.all("button"):
        assert button.get("aria-label") or button.get("type") in ("submit", "button"), button


def test_the_menu_shows_only_the_modules_the_user_may_open(registries, people, login):
    registries.add_menu(Link("secret", "Salaries", "workspace:settings", "roles", icon="reports", order=5))

    seen_by_ada = login(people["ada"]).get(HOME).content.decode()
    seen_by_alice = login(people["alice"]).get(HOME).content.decode()

    assert "Salaries" in seen_by_ada
    assert "Salaries" not in seen_by_alice
    assert "Clients" in seen_by_alice


def test_a_module_without_its_registry_entries_is_simply_absent(registries, alice, login):
    registries.menu.clear()
    registries.actions.clear()

    response = login(alice).get(HOME)

    assert response.status_code == 200
    assert reverse("clients:list") not in page_of(response).links()


def test_the_action_bar_shows_the_actions_the_user_holds(people, login):
    new_client = reverse("clients:create")

    assert new_client in page_of(login(people["alice"]).get(HOME)).links()
    assert new_client not in page_of(login(people["rita"]).get(HOME)).links()


def test_the_settings_link_shows_only_to_who_has_a_settings_page(people, login):
    settings_index = reverse("workspace:settings")
    # Every built-in role reads the sales settings; a role granting nothing has no settings page.
    guest = EmployeeFactory(username="guest", role=Role.objects.create(name="Guest"))

    assert settings_index in page_of(login(people["ada"]).get(HOME)).links()
    assert settings_index in page_of(login(people["alice"]).get(HOME)).links()
    assert settings_index not in page_of(login(guest).get(HOME)).links()


def test_the_user_menu_links_to_profile_password_and_logs_out_by_post(alice, login):
    page = page_of(login(alice).get(HOME))

    assert {reverse("accounts:profile"), reverse("accounts:password_change")} <= page.links()
    (logout,) = [form for form in page.all("form") if form.get("action") == reverse("accounts:logout")]
    assert logout["method"] == "post"


def test_the_progress_panel_shows_figures_as_progress_bars(registries, alice, login):
    registries.add_progress(lambda user: [Figure("Calls today", 3, 8), Figure("Deals won", 2)])

    browser = login(alice)
    assert reverse("workspace:progress") in browser.get(HOME).content.decode(), "the panel loads its figures"
    response = browser.get(reverse("workspace:progress"), headers={"HX-Request": "true"})
    page = page_of(response)

    assert "Calls today" in response.content.decode()
    bars = page.all("progress")
    assert {"value": "3", "max": "8"}.items() <= bars[-1].items()
    assert len([bar for bar in bars if bar.get("max") == "8"]) == 1


@dataclass(frozen=True)
class OpenDeals:
    key: str = "deals"
    label: str = "My open deals"

    def items(self, user):
        return [SearchHit("Deal", f"Bakery ovens for {user.first_name}", "12,000 EUR", "/deals/1/")]


def test_a_strip_shows_when_a_registry_provides_one_and_only_then(monkeypatch, alice, login):
    browser = login(alice)
    assert "My open deals" not in browser.get(HOME).content.decode()

    monkeypatch.setattr(navigation, "strips", [OpenDeals()])

    content = browser.get(HOME).content.decode()
    assert "My open deals" in content
    assert "Bakery ovens for Alice" in content


@pytest.mark.urls("tests.workspace.urls")
def test_messages_show_in_the_notification_bar_with_a_dismiss_button(alice, login):
    page = page_of(login(alice).get("/test/message/", follow=True))

    (bar,) = [div for div in page.all("div") if div.get("id") == "messages"]
    assert bar["aria-live"] == "polite"
    assert [div for div in page.all("div") if div.get("class") == "message message-success"]
    assert [button for button in page.all("button") if "data-dismiss" in button]


@pytest.mark.parametrize("persona", ["ada", "mia", "alice", "rita"])
def test_the_progress_figures_cost_a_bounded_number_of_queries(persona, people, login, django_assert_max_num_queries):
    browser = login(people[persona])

    with django_assert_max_num_queries(12):
        response = browser.get(reverse("workspace:progress"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.content.decode(), "htmx gets the figures alone"
    assert browser.get(reverse("workspace:progress")).templates[0].name == "workspace/progress.html"
