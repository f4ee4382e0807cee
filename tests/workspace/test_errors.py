import pytest
from django.test import Client, RequestFactory

from carte.workspace import views
from tests.workspace.pages import page_of

pytestmark = pytest.mark.urls("tests.workspace.urls")


def test_an_unknown_address_answers_404_in_the_workspace(alice, login):
    response = login(alice).get("/no/such/page/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert page_of(response).all("main")[0]["id"] == "work-area"
    assert "Quick access" in response.content.decode()


def test_an_unknown_address_answers_404_in_the_public_layout_when_logged_out(db, client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert "Quick access" not in response.content.decode()


def test_a_refusal_from_a_service_answers_403_with_its_message(alice, login):
    response = login(alice).get("/test/refuse/")

    assert response.status_code == 403
    assert "You do not have the right to do this." in response.content.decode()


def test_a_refusal_to_htmx_is_a_fragment_for_the_notification_bar(alice, login):
    response = login(alice).get("/test/refuse/", headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 403
    assert "<html" not in content
    assert "data-error-fragment" in content
    assert "You do not have the right to do this." in content


def test_invalid_input_answers_400_with_each_problem(alice, login):
    response = login(alice).get("/test/refuse-input/")

    content = response.content.decode()
    assert response.status_code == 400
    assert "The name is missing." in content
    assert "This field is required." in content


def test_permission_denied_answers_403_in_the_house_style(alice, login):
    response = login(alice).get("/test/deny/")

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_a_suspicious_request_answers_400_in_the_house_style(alice, login):
    response = login(alice).get("/test/reject/")

    assert response.status_code == 400
    assert "This cannot be done" in response.content.decode()


def test_a_bug_answers_500_with_the_static_page(alice):
    browser = Client(raise_request_exception=False)
    browser.force_login(alice)

    response = browser.get("/test/crash/")

    assert response.status_code == 500
    assert "Something went wrong on the server" in response.content.decode()


def test_the_server_error_page_needs_neither_the_database_nor_the_user():
    request = RequestFactory().get("/")  # no session, no user; without the db fixture a query would fail

    response = views.server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong on the server" in response.content


def test_a_stale_form_gets_the_csrf_page_in_the_house_style(alice):
    request = RequestFactory().post("/")
    request.user = alice

    response = views.csrf_failure(request, reason="CSRF token missing.")

    assert response.status_code == 403
    assert b"Reload the page and try again." in response.content


def test_the_error_pages_have_no_inline_script_or_style(alice, login):
    page = page_of(login(alice).get("/no/such/page/"))

    assert all(script.get("src") for script in page.all("script"))
    assert not [attributes for _tag, attributes in page.elements if "style" in attributes]
