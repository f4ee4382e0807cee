"""The call screens: the log, a call, notes, logging by hand, the pop-up, click-to-call, the tab, telephony."""

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carte.calls.models import Call, Connection
from carte.clients.models import TimelineEntry
from carte.core.testing import ClientFactory
from tests.calls.conftest import send
from tests.calls.originate_server import PhoneSystem
from tests.screens import assert_csp_safe, browser_for

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
NUMBER = "+33612345678"


@pytest.fixture
def missed(connection, extensions, caller):
    return send(connection, "missed", "missed-1", direction="in", from_=NUMBER, extension="101").call


def test_the_log_lists_calls_newest_first_with_missed_ones_highlighted(alice, missed):
    response = browser_for(alice).get(reverse("calls:call_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "call-unanswered" in html and "Bakery Dupont" in html and f'data-phone="{NUMBER}"' in html
    assert_csp_safe(html)


def test_the_logs_filters_narrow_and_answer_htmx_with_the_results_only(alice, missed):
    browser = browser_for(alice)
    response = browser.get(reverse("calls:call_list"), {"status": "answered"}, headers=HTMX)
    assert "<html" not in response.content.decode() and "No call matches" in response.content.decode()
    response = browser.get(reverse("calls:call_list"), {"find": "1234"})
    assert "Bakery Dupont" in response.content.decode()
    response = browser.get(reverse("calls:call_list"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert response.status_code == 200 and "before its start" in response.content.decode()


def test_a_teammate_does_not_see_alices_calls_in_the_log(bob, missed):
    assert "Bakery Dupont" not in browser_for(bob).get(reverse("calls:call_list")).content.decode()


@pytest.mark.parametrize("size", [1, 20])
def test_the_log_runs_a_bounded_number_of_queries(mia, alice, size, connection, extensions):
    for n in range(size):
        client = ClientFactory(owner=alice, name=f"Caller {n}")
        client.phones.create(number=f"+3361234{n:04d}")
        send(connection, "missed", f"c{n}", direction="in", from_=f"+3361234{n:04d}", extension="101")
    browser = browser_for(mia)
    browser.get(reverse("calls:call_list"))  # warm the caches of the layout
    with CaptureQueriesContext(database) as queries:
        assert browser.get(reverse("calls:call_list")).status_code == 200
    assert len(queries) <= 20, [query["sql"][:80] for query in queries]


def test_the_call_page_shows_the_callback_task_and_offers_a_new_client_for_an_unknown_number(
    alice, connection, extensions
):
    call = send(connection, "missed", "x", direction="in", from_="+44 20 7946 0018", extension="101").call
    html = browser_for(alice).get(reverse("calls:call_detail", args=[call.pk])).content.decode()
    assert "Call back +442079460018" in html
    assert f"{reverse('clients:create')}?phone=%2B442079460018" in html
    assert_csp_safe(html)


def test_notes_are_saved_from_the_call_page_with_htmx(alice, missed):
    url = reverse("calls:call_edit", args=[missed.pk])
    response = browser_for(alice).post(url, {"notes": "Wants a quote", "result": "Quote"}, headers=HTMX)
    assert response.status_code == 200 and "Call saved." in response.content.decode()
    missed.refresh_from_db()
    assert (missed.notes, missed.result) == ("Wants a quote", "Quote")


def test_a_too_long_result_is_shown_on_the_form_and_nothing_changes(alice, missed):
    url = reverse("calls:call_edit", args=[missed.pk])
    response = browser_for(alice).post(url, {"notes": "x", "result": "r" * 400})
    assert response.status_code == 422 and "errors" in response.content.decode()
    missed.refresh_from_db()
    assert missed.notes == ""


def test_logging_a_call_by_hand_from_the_client_card(alice, caller):
    browser = browser_for(alice)
    page = browser.get(reverse("calls:call_log"), {"client": caller.pk})
    assert "Bakery Dupont" in page.content.decode()
    data = {
        "direction": "out",
        "client": caller.pk,
        "started_at": "2024-01-15 09:00",
        "status": "answered",
        "minutes": "3",
        "seconds": "12",
        "result": "Order confirmed",
    }
    response = browser.post(reverse("calls:call_log"), data)
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("calls:call_detail", args=[call.pk])
    assert (call.client, call.duration, call.result) == (caller, 192, "Order confirmed")
    assert TimelineEntry.objects.get(kind="call").summary == "Outgoing call, 3 min 12 s, answered"


def test_logging_a_call_without_number_or_client_says_what_is_missing(alice):
    data = {"direction": "out", "started_at": "2024-01-15 09:00", "status": "answered"}
    response = browser_for(alice).post(reverse("calls:call_log"), data)
    assert response.status_code == 422 and "Give the number or the client." in response.content.decode()
    assert not Call.objects.exists()


def test_the_popup_shows_the_callers_card_in_a_few_queries(alice, missed, django_assert_max_num_queries):
    browser = browser_for(alice)
    browser.get(reverse("calls:popup", args=[missed.pk]))
    with django_assert_max_num_queries(14):
        response = browser.get(reverse("calls:popup", args=[missed.pk]), headers=HTMX)
    html = response.content.decode()
    assert "Bakery Dupont" in html and "Open card" in html and "New task" in html and "Missed call" in html
    assert "<html" not in html
    assert_csp_safe(html)


def test_the_popup_of_an_unknown_number_offers_a_new_client(alice, connection, extensions):
    call = send(connection, "ringing", "u", direction="in", from_="+44 20 7946 0018", extension="101").call
    html = browser_for(alice).get(reverse("calls:popup", args=[call.pk])).content.decode()
    assert "New client" in html and "phone=%2B442079460018" in html


def test_the_popup_is_not_shown_to_someone_who_may_not_see_the_call(bob, missed):
    assert browser_for(bob).get(reverse("calls:popup", args=[missed.pk])).status_code == 404


def test_the_client_cards_calls_tab_lists_its_calls_with_a_count(alice, caller, missed):
    browser = browser_for(alice)
    card = browser.get(reverse("clients:card", args=[caller.pk]), {"tab": "calls"}).content.decode()
    assert "Missed call" in card or "Missed" in card
    tab = browser.get(reverse("clients:tab", args=[caller.pk, "calls"]), headers=HTMX).content.decode()
    assert reverse("calls:call_detail", args=[missed.pk]) in tab
    assert f'data-phone="{NUMBER}"' in card  # the card's numbers are clickable for click-to-call


def test_click_to_call_from_a_number_answers_a_message_for_the_notification_bar(extensions, caller):
    with PhoneSystem("click") as phone:
        Connection.objects.create(name="PBX", key="pbx", secret="click", originate_url=phone.url)
        browser = browser_for(extensions["alice"])
        assert browser.get(reverse("calls:place")).json() == {"available": True}
        response = browser.post(reverse("calls:place"), {"number": NUMBER, "client": caller.pk}, headers=HTMX)
        assert response.status_code == 200 and "pick up your phone" in response.content.decode()
        phone.status = 500
        refused = browser.post(reverse("calls:place"), {"number": NUMBER}, headers=HTMX)
    assert refused.status_code == 409 and "data-error-fragment" in refused.content.decode()
    assert Call.objects.count() == 1


def test_without_a_connection_numbers_stay_tel_links(alice):
    assert browser_for(alice).get(reverse("calls:place")).json() == {"available": False}


def test_the_new_call_action_and_the_calls_menu_are_in_the_workspace(alice):
    html = browser_for(alice).get(reverse("workspace:home")).content.decode()
    assert reverse("calls:call_list") in html and reverse("calls:call_log") in html
    assert 'aria-keyshortcuts="k"' in html


def test_the_telephony_settings_show_the_webhook_address_and_the_journal(ada, connection):
    send(connection, "ringing", "j", direction="in", from_=NUMBER, extension="999")
    browser = browser_for(ada)
    assert reverse("calls:connection_list") in browser.get(reverse("workspace:settings")).content.decode()
    edit = browser.get(reverse("calls:connection_edit", args=[connection.pk])).content.decode()
    assert f"/api/v1/telephony/{connection.key}/events" in edit and connection.secret in edit
    journal = browser.get(reverse("calls:connection_events", args=[connection.pk]), {"outcome": "unmatched"})
    assert "No active employee has the extension" in journal.content.decode()
    assert_csp_safe(journal.content.decode())


def test_an_administrator_creates_a_connection_and_is_shown_its_secret(ada):
    data = {"name": "Head office", "kind": "webhook", "key": "", "ami_port": "5038"}
    response = browser_for(ada).post(reverse("calls:connection_create"), data)
    connection = Connection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "calls:connection_edit", args=[connection.pk]
    )
    assert connection.key == "head-office"
