"""The deal screens: the board, the card, the form, lines, moves, the list and the client's tab."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carte.clients import services as client_services
from carte.core.testing import ClientFactory
from carte.sales.models import Deal, DealLine, StageChange
from carte.sales.services import deals as services
from carte.sales.testing import currency, pipeline, stage, tax
from tests.screens import assert_csp_safe

HTMX = {"HX-Request": "true"}


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


@pytest.fixture
def deal(alice, alices_client, sales):
    return services.create_deal(actor=alice, client=alices_client, title="Ovens for the bakery", amount="1200")


def make_deals(owner, count: int, *, client=None, at: str = "New", **fields) -> list[Deal]:
    client = client or ClientFactory(owner=owner)
    return [
        services.create_deal(actor=owner, client=client, title=f"Deal {n:03d}", stage=stage(at), amount="10", **fields)
        for n in range(count)
    ]


# The board


def test_the_board_shows_the_columns_with_counts_and_totals(browser, alice, deal, sales):
    services.create_deal(actor=alice, client=deal.client, title="In dollars", amount="5", currency=currency("USD"))
    page = browser(alice).get("/deals/board/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ovens for the bakery" in html and "Alice&#x27;s Bakery" in html
    column = page.context["board"].columns[0]
    assert column.stage.name == "New" and column.count == 2
    assert [(total.code, total.amount) for total in column.totals] == [("EUR", Decimal("1200")), ("USD", Decimal("5"))]
    assert [c.stage.outcome for c in page.context["board"].columns] == ["open"] * 4 + ["won", "lost"]
    assert "vendor/Sortable.min.js" in html and "carte/kanban.js" in html
    assert_csp_safe(html)


def test_the_board_hides_the_deals_of_others(browser, charlie, bob, deal):
    assert "Ovens for the bakery" not in browser(charlie).get("/deals/board/").content.decode()
    assert "Ovens for the bakery" not in browser(bob).get("/deals/board/").content.decode()  # own deals only


def test_the_manager_sees_the_departments_deals(browser, mia, deal):
    assert "Ovens for the bakery" in browser(mia).get("/deals/board/").content.decode()


def test_the_board_orders_cards_by_expected_close_without_date_last(browser, alice, alices_client, sales):
    today = timezone.localdate()
    for title, days in (("Later", 20), ("Undated", None), ("Sooner", 5)):
        close = today + timedelta(days=days) if days is not None else None
        services.create_deal(actor=alice, client=alices_client, title=title, expected_close=close)
    cards = browser(alice).get("/deals/board/").context["board"].columns[0].cards
    assert [card.title for card in cards] == ["Sooner", "Later", "Undated"]


def test_won_and_lost_columns_show_recent_closings_unless_a_period_is_given(browser, alice, alices_client, sales):
    recent, old = make_deals(alice, 2, client=alices_client, at="Won")
    Deal.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=45))
    won = browser(alice).get("/deals/board/").context["board"].columns[4]
    assert [card.pk for card in won.cards] == [recent.pk] and won.count == 1
    start = (timezone.localdate() - timedelta(days=60)).isoformat()
    won = browser(alice).get(f"/deals/board/?close_from={start}").context["board"].columns[4]
    assert won.count == 2


def test_board_filters_by_owner_and_client(browser, mia, alice, bob, sales):
    make_deals(alice, 2)
    bobs = make_deals(bob, 1)
    page = browser(mia).get(f"/deals/board/?owner={bob.pk}")
    assert page.context["board"].columns[0].count == 1
    page = browser(mia).get(f"/deals/board/?client={bobs[0].client_id}")
    assert page.context["board"].columns[0].count == 1
    assert browser(mia).get("/deals/board/?owner=me").context["board"].columns[0].count == 0


def test_a_bad_filter_is_shown_not_a_crash(browser, alice, sales):
    page = browser(alice).get("/deals/board/?close_from=yesterday")
    assert page.status_code == 200
    assert "Enter a date as YYYY-MM-DD." in page.content.decode()


def test_a_column_pages_its_cards_and_more_loads_the_next_page(browser, alice, sales):
    make_deals(alice, 30)
    page = browser(alice).get("/deals/board/")
    first = page.context["board"].columns[0]
    assert len(first.cards) == 25 and first.has_more
    more = re.search(r'href="([^"]*column=\d+&amp;page=2)"', page.content.decode()).group(1).replace("&amp;", "&")
    fragment = browser(alice).get(more, headers=HTMX)
    assert fragment.content.decode().count("data-deal=") == 5
    assert b"<html" not in fragment.content
    assert browser(alice).get(more).status_code == 200  # without JavaScript: the whole board


BOARD_QUERIES = 16  # session, user, rights, pipelines, stages, totals, cards, and the layout's panels


@pytest.mark.parametrize("count", [3, 30])
def test_the_board_runs_a_bounded_number_of_queries(browser, mia, alice, bob, count, django_assert_max_num_queries):
    for owner in (alice, bob):
        make_deals(owner, count // 2 + 1)
        make_deals(owner, count // 3 + 1, at="Proposal")
        make_deals(owner, 2, at="Won")
    user = browser(mia)
    with django_assert_max_num_queries(BOARD_QUERIES):
        assert user.get("/deals/board/").status_code == 200


def test_the_board_query_count_does_not_grow_with_deals(browser, mia, alice, sales):
    user = browser(mia)
    counts = []
    for count in (3, 30):
        make_deals(alice, count)
        make_deals(alice, 1, at="Won")
        with CaptureQueriesContext(connection) as queries:
            assert user.get("/deals/board/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_column_heads_come_back_for_htmx(browser, alice, deal):
    heads = browser(alice).get(f"/deals/board/?pipeline={deal.pipeline_id}&part=heads", headers=HTMX)
    html = heads.content.decode()
    assert html.count('hx-swap-oob="true"') == 6 and "1,200.00" in html


# Moving from the board and from the card


def test_dropping_a_card_moves_the_deal_and_answers_the_card(browser, alice, deal):
    answer = browser(alice).post(f"/deals/{deal.pk}/move/", {"stage": stage("Proposal").pk, "board": "1"}, headers=HTMX)
    assert answer.status_code == 200
    assert f'data-deal="{deal.pk}"' in answer.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == stage("Proposal")


def test_dropping_on_lost_asks_why_then_moves(browser, alice, deal):
    user = browser(alice)
    question = user.post(f"/deals/{deal.pk}/move/", {"stage": stage("Lost").pk, "board": "1"}, headers=HTMX)
    assert question.status_code == 200
    assert 'name="lost_reason"' in question.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == stage("New")
    answer = user.post(
        f"/deals/{deal.pk}/move/", {"stage": stage("Lost").pk, "lost_reason": "price", "board": "1"}, headers=HTMX
    )
    assert answer.status_code == 200
    moved = Deal.objects.get(pk=deal.pk)
    assert moved.stage == stage("Lost") and moved.lost_reason.key == "price"


def test_a_refused_move_answers_the_message_and_changes_nothing(browser, bob, rita, charlie, deal):
    for person, status in ((bob, 404), (rita, 403), (charlie, 404)):
        answer = browser(person).post(f"/deals/{deal.pk}/move/", {"stage": stage("Won").pk, "board": "1"}, headers=HTMX)
        assert answer.status_code == status
        assert b"data-error-fragment" in answer.content
    assert Deal.objects.get(pk=deal.pk).stage == stage("New")


def test_a_stage_of_another_pipeline_is_refused_with_a_message(browser, alice, deal):
    other = stage("Proposal", pipeline("Renewals"))
    answer = browser(alice).post(f"/deals/{deal.pk}/move/", {"stage": other.pk, "board": "1"}, headers=HTMX)
    assert answer.status_code == 400
    assert "This stage belongs to another pipeline." in answer.content.decode()


def test_moving_from_the_card_without_javascript_comes_back_to_the_card(browser, alice, deal):
    answer = browser(alice).post(f"/deals/{deal.pk}/move/", {"stage": stage("Won").pk})
    assert answer.status_code == 302 and answer["Location"] == f"/deals/{deal.pk}/"
    answer = browser(alice).post(f"/deals/{deal.pk}/move/", {"stage": stage("Lost").pk})
    assert answer.status_code == 302
    assert Deal.objects.get(pk=deal.pk).stage == stage("Won")


def test_moving_from_the_card_with_htmx_answers_its_stage_part_and_history(browser, alice, deal):
    answer = browser(alice).post(f"/deals/{deal.pk}/move/", {"stage": stage("Qualified").pk}, headers=HTMX)
    html = answer.content.decode()
    assert 'id="deal-stage"' in html and 'id="deal-history"' in html and 'hx-swap-oob="true"' in html


def test_a_deal_moves_to_another_pipeline_from_its_card(browser, alice, deal):
    other = pipeline("Renewals")
    answer = browser(alice).post(
        f"/deals/{deal.pk}/move/", {"stage": stage("Qualified", other).pk, "change_pipeline": "1"}
    )
    assert answer.status_code == 302
    assert Deal.objects.get(pk=deal.pk).pipeline == other


# The card


def test_the_card_shows_the_deal_lines_history_and_documents(browser, alice, deal):
    services.set_lines(actor=alice, deal=deal, lines=[{"description": "Oven", "quantity": "2", "unit_price": "600"}])
    services.move_deal(actor=alice, deal=deal, stage=stage("Proposal"))
    page = browser(alice).get(f"/deals/{deal.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ovens for the bakery" in html and "Oven" in html and "1,200.00" in html
    assert "Stage history" in html and "Proposal" in html
    assert "Documents" in html  # the documents part of the card
    assert_csp_safe(html)


def test_the_card_is_hidden_from_outsiders(browser, charlie, bob, deal):
    assert browser(charlie).get(f"/deals/{deal.pk}/").status_code == 404
    assert browser(bob).get(f"/deals/{deal.pk}/").status_code == 404


def test_the_reader_sees_the_card_without_actions(browser, rita, deal):
    html = browser(rita).get(f"/deals/{deal.pk}/").content.decode()
    assert "Ovens for the bakery" in html and f"/deals/{deal.pk}/edit/" not in html and "stage-moves" not in html


def fill(deal, alice, size: int) -> None:
    services.set_lines(
        actor=alice,
        deal=deal,
        lines=[
            {"description": f"Line {n}", "quantity": "1", "unit_price": "10", "tax": tax("20").pk} for n in range(size)
        ],
    )
    for n in range(size):
        services.move_deal(actor=alice, deal=deal, stage=stage("Proposal" if n % 2 == 0 else "Qualified"))


CARD_QUERIES = 20  # the deal, lines, history, stages, pipelines, reasons, documents, money and the layout's panels


def test_the_card_runs_a_bounded_number_of_queries_whatever_it_holds(browser, alice, alices_client, sales):
    small = services.create_deal(actor=alice, client=alices_client, title="Small")
    large = services.create_deal(actor=alice, client=alices_client, title="Large")
    fill(small, alice, 1)
    fill(large, alice, 40)
    user = browser(alice)
    counts = []
    for deal in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert user.get(f"/deals/{deal.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= CARD_QUERIES


# Creating, editing, deleting


def test_new_deal_starts_by_finding_the_client(browser, alice, alices_client, charlies_client, sales):
    user = browser(alice)
    assert "Whom is it with?" in user.get("/deals/new/").content.decode()
    found = user.get("/deals/new/?find=bakery", headers=HTMX).content.decode()
    assert f"/deals/new/?client={alices_client.pk}" in found and "<html" not in found
    assert "Garage" not in user.get("/deals/new/?find=garage").content.decode()
    assert user.get(f"/deals/new/?client={charlies_client.pk}").status_code == 404


def test_creating_a_deal_from_the_form(browser, alice, alices_client, sales):
    user = browser(alice)
    form = user.get(f"/deals/new/?client={alices_client.pk}")
    assert form.status_code == 200 and "Alice&#x27;s Bakery" in form.content.decode()
    data = {"client": alices_client.pk, "title": "New ovens", "owner": alice.pk, "currency": "EUR", "amount": "1 500"}
    data |= {"pipeline": sales.pk, "stage": stage("Qualified").pk, "source": "referral", "probability": ""}
    answer = user.post("/deals/new/", data)
    deal = Deal.objects.get(title="New ovens")
    assert answer.status_code == 302 and answer["Location"] == f"/deals/{deal.pk}/"
    assert (deal.amount, deal.stage, deal.probability, deal.source.key) == (
        Decimal(1500),
        stage("Qualified"),
        25,
        "referral",
    )


def test_a_bad_form_shows_the_errors_and_saves_nothing(browser, alice, alices_client, sales):
    data = {"client": alices_client.pk, "title": "Ovens", "owner": alice.pk, "currency": "EUR", "amount": "12.345"}
    answer = browser(alice).post("/deals/new/", data | {"pipeline": sales.pk})
    assert answer.status_code == 400
    assert "Enter at most 2 decimals." in answer.content.decode()
    assert not Deal.objects.exists()


def test_editing_a_deal_and_a_stale_form(browser, alice, deal):
    user = browser(alice)
    assert user.get(f"/deals/{deal.pk}/edit/").status_code == 200
    data = {"title": "Renamed", "owner": alice.pk, "currency": "EUR", "amount": "1200", "probability": "10"}
    answer = user.post(f"/deals/{deal.pk}/edit/", data | {"version": deal.version})
    assert answer.status_code == 302
    assert Deal.objects.get(pk=deal.pk).title == "Renamed"
    stale = user.post(f"/deals/{deal.pk}/edit/", data | {"title": "Again", "version": deal.version})
    assert stale.status_code == 409 and "changed this deal" in stale.content.decode()
    assert Deal.objects.get(pk=deal.pk).title == "Renamed"


def test_deleting_a_deal_goes_back_to_the_client(browser, alice, deal):
    user = browser(alice)
    assert user.get(f"/deals/{deal.pk}/delete/").status_code == 200
    answer = user.post(f"/deals/{deal.pk}/delete/")
    assert answer.status_code == 302 and answer["Location"] == f"/clients/{deal.client_id}/?tab=deals"
    assert not Deal.objects.exists()


# Lines


def test_the_line_editor_saves_rows_and_the_amount_follows(browser, alice, deal):
    user = browser(alice)
    page = user.get(f"/deals/{deal.pk}/lines/")
    html = page.content.decode()
    assert page.status_code == 200 and "lines-0-description" in html and "carte/lines.js" in html
    assert_csp_safe(html)
    vat = tax("20")
    data = {
        "version": deal.version,
        "lines-0-description": "Oven",
        "lines-0-quantity": "2",
        "lines-0-unit": "pc",
        "lines-0-unit_price": "500",
        "lines-0-tax": vat.pk,
        "lines-1-description": "",
        "lines-1-quantity": "",
        "lines-3-description": "Setup",
        "lines-3-quantity": "1",
        "lines-3-unit_price": "100",
        "lines-3-tax": "",
    }
    answer = user.post(f"/deals/{deal.pk}/lines/", data)
    assert answer.status_code == 302
    saved = Deal.objects.get(pk=deal.pk)
    assert saved.amount == Decimal("1300") and saved.lines.count() == 2


def test_bad_lines_come_back_with_their_errors(browser, alice, deal):
    data = {
        "lines-0-description": "Oven",
        "lines-0-quantity": "-1",
        "lines-0-unit_price": "10",
        "lines-1-description": "Cents",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "0.005",
    }
    answer = browser(alice).post(f"/deals/{deal.pk}/lines/", data)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "The quantity must be more than zero." in html and "Enter at most 2 decimals." in html
    assert 'value="-1"' in html  # what they typed stays
    assert not DealLine.objects.exists()


def test_lines_of_a_deal_are_for_those_who_may_edit_it(browser, bob, rita, deal):
    assert browser(bob).get(f"/deals/{deal.pk}/lines/").status_code == 404
    assert browser(rita).get(f"/deals/{deal.pk}/lines/").status_code == 403


# The list


def test_the_list_filters_and_sorts(browser, alice, alices_client, sales):
    make_deals(alice, 3, client=alices_client)
    services.create_deal(actor=alice, client=alices_client, title="Big oven", amount="9000")
    user = browser(alice)
    page = user.get("/deals/?q=oven&ordering=-amount")
    assert [deal.title for deal in page.context["page"].items] == ["Big oven"]
    page = user.get(f"/deals/?stage={stage('New').pk}&state=open&ordering=-amount")
    assert page.context["page"].items[0].title == "Big oven" and page.context["page"].count == 4
    assert user.get("/deals/?state=won").context["page"].count == 0
    fragment = user.get("/deals/?state=open", headers=HTMX)
    assert b"<html" not in fragment.content and b"Big oven" in fragment.content
    refused = user.get("/deals/?ordering=owner__password")
    assert refused.status_code == 200 and "Cannot sort by" in refused.content.decode()


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_runs_a_bounded_number_of_queries(browser, mia, alice, count, django_assert_max_num_queries):
    currency("EUR")
    pipeline()
    make_deals(alice, count)
    user = browser(mia)
    with django_assert_max_num_queries(15):
        assert user.get("/deals/").status_code == 200


# The client card's tab and the workspace


def test_the_client_card_has_a_deals_tab_with_open_deals_first(browser, alice, alices_client, sales):
    won = services.create_deal(actor=alice, client=alices_client, title="Done deal", stage=stage("Won"))
    services.create_deal(actor=alice, client=alices_client, title="Open deal")
    page = browser(alice).get(f"/clients/{alices_client.pk}/?tab=deals")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Open deal") < html.index("Done deal") and won.pk
    assert f"/deals/new/?client={alices_client.pk}" in html
    tab = next(shown for shown in page.context["tabs"] if shown.key == "deals")
    assert tab.count == 1


@pytest.mark.parametrize("count", [1, 20])
def test_the_deals_tab_runs_a_bounded_number_of_queries(browser, alice, alices_client, sales, count):
    make_deals(alice, count, client=alices_client)
    user = browser(alice)
    with CaptureQueriesContext(connection) as queries:
        assert user.get(f"/clients/{alices_client.pk}/?tab=deals").status_code == 200
    assert len(queries) <= 26


def test_the_workspace_shows_my_open_deals_progress_and_finds_deals(browser, alice, deal):
    services.create_deal(actor=alice, client=deal.client, title="Won one", stage=stage("Won"))
    user = browser(alice)
    html = user.get("/").content.decode()
    assert "My open deals" in html and "Ovens for the bakery" in html
    assert "Deals won this month" in user.get("/progress/", headers={"HX-Request": "true"}).content.decode()
    found = user.get("/search/?q=ovens").content.decode()
    assert f"/deals/{deal.pk}/" in found


def test_the_search_hides_others_deals(browser, charlie, deal):
    assert f"/deals/{deal.pk}/" not in browser(charlie).get("/search/?q=ovens").content.decode()


def test_a_linked_contact_is_offered_on_the_form(browser, alice, alices_client, sales):
    paul = ClientFactory(kind="person", name="Paul Baker", owner=alice)
    client_services.link_contact(actor=alice, company=alices_client, person=paul, role="purchaser")
    html = browser(alice).get(f"/deals/new/?client={alices_client.pk}").content.decode()
    assert "Paul Baker" in html


def test_the_history_shows_time_spent(browser, alice, deal):
    StageChange.objects.filter(deal=deal).update(at=timezone.now() - timedelta(days=3, hours=5))
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - timedelta(days=3, hours=5))
    html = browser(alice).get(f"/deals/{deal.pk}/").content.decode()
    assert "3 days 5 h" in html
