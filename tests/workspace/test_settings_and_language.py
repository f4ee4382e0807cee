from django.conf import settings
from django.urls import reverse

from carte.accounts.models import Role
from carte.core.navigation import Link
from carte.core.testing import EmployeeFactory
from tests.workspace.pages import page_of

SETTINGS = "/settings/"
SET_LANGUAGE = "/i18n/setlang/"


def test_the_settings_index_lists_the_pages_the_user_may_open(registries, ada, login):
    registries.add_settings_page(Link("pipelines", "Pipelines", "workspace:home", "roles", order=1))

    response = login(ada).get(SETTINGS)

    assert response.status_code == 200
    assert "Pipelines" in response.content.decode()


def test_the_settings_index_hides_the_pages_the_user_may_not_open(registries, mia, login):
    registries.add_settings_page(Link("pipelines", "Pipelines", "workspace:home", "roles", "edit", order=1))

    response = login(mia).get(SETTINGS)  # a manager reads roles and the audit log, edits no role

    assert response.status_code == 200
    assert "Pipelines" not in response.content.decode()


def test_the_settings_index_is_refused_to_who_has_no_settings_page(people, login):
    guest = EmployeeFactory(username="guest", role=Role.objects.create(name="Guest"))

    response = login(guest).get(SETTINGS)

    assert response.status_code == 403


def test_the_language_switcher_changes_the_language(alice, login):
    browser = login(alice)

    response = browser.post(SET_LANGUAGE, {"language": "fr", "next": "/"})

    assert response.status_code == 302
    assert response.url == "/"
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert page_of(browser.get("/")).all("html")[0]["lang"] == "fr"


def test_the_language_switcher_works_before_logging_in(db, client):
    login_page = reverse("accounts:login")

    response = client.post(SET_LANGUAGE, {"language": "ru", "next": login_page})

    assert response.status_code == 302
    assert response.url == login_page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_the_language_switcher_offers_every_language(alice, login):
    page = page_of(login(alice).get("/"))

    codes = [option["value"] for option in page.all("option")]
    assert codes == [code for code, _name in settings.LANGUAGES]


def test_the_switch_wins_over_the_profile_language_and_becomes_it(alice, login):
    alice.language = "ru"
    alice.save()
    browser = login(alice)

    browser.post(SET_LANGUAGE, {"language": "fr", "next": "/"})

    alice.refresh_from_db()
    assert alice.language == "fr"
    assert page_of(browser.get("/")).all("html")[0]["lang"] == "fr"
