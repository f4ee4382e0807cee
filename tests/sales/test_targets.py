"""Monthly sales targets: who sets them, what counts as won, and the "my progress" figure."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.core.errors import Invalid, NotAllowed
from carte.sales.models import Rate, Stage, Target
from carte.sales.queries.targets import monthly_progress, target_rows, won_in_month
from carte.sales.services.deals import create_deal
from carte.sales.services.targets import set_target

pytestmark = pytest.mark.django_db
THIS_MONTH = timezone.localdate().replace(day=1)


def make_deal(owner, *, client, amount, currency="EUR"):
    return create_deal(actor=owner, client=client, title="Ovens", amount=amount, currency=currency)


def _win(deal, when=None):
    """Won now (or at `when`), as if it had reached the won stage then."""
    won = Stage.objects.filter(pipeline=deal.pipeline, outcome=Stage.Outcome.WON).first()
    deal.stage, deal.closed_at = won, when or timezone.now()
    deal.save()
    return deal


def test_a_manager_sets_a_target_for_someone_of_her_department(mia, alice):
    target = set_target(actor=mia, employee=alice, month=date(2026, 11, 17), deals=5, amount="20 000,00")
    assert (target.month, target.deals, target.amount) == (date(2026, 11, 1), 5, Decimal("20000.00"))
    assert set_target(actor=mia, employee=alice, month=date(2026, 11, 1), deals=7).deals == 7
    assert Target.objects.count() == 1


def test_no_deals_and_no_amount_removes_the_target(mia, alice):
    set_target(actor=mia, employee=alice, month=THIS_MONTH, deals=5)
    assert set_target(actor=mia, employee=alice, month=THIS_MONTH, deals=0, amount="") is None
    assert not Target.objects.exists()


def test_sellers_and_other_departments_managers_cannot_set_targets(alice, bob, charlie, mia):
    with pytest.raises(NotAllowed):
        set_target(actor=alice, employee=alice, month=THIS_MONTH, deals=50)
    with pytest.raises(NotAllowed):
        set_target(actor=mia, employee=charlie, month=THIS_MONTH, deals=5)
    assert not Target.objects.exists()


def test_bad_values_are_named_and_change_nothing(mia, alice):
    with pytest.raises(Invalid) as refused:
        set_target(actor=mia, employee=alice, month=THIS_MONTH, deals="many", amount="-5")
    assert set(refused.value.errors) == {"deals", "amount"}
    assert not Target.objects.exists()


def test_won_deals_count_in_the_month_they_were_won_and_convert_to_the_base_currency(alice, alices_client):
    _win(make_deal(alice, client=alices_client, amount="100.00"))
    dollars = make_deal(alice, client=alices_client, amount="50.00", currency="USD")
    _win(dollars)
    Rate.objects.create(currency_id="USD", base_id="EUR", date=THIS_MONTH - timedelta(days=40), rate=Decimal("0.5"))
    _win(make_deal(alice, client=alices_client, amount="999.00"), timezone.now() - timedelta(days=62))
    make_deal(alice, client=alices_client, amount="7.00")  # still open
    won = won_in_month([alice.pk], THIS_MONTH)[alice.pk]
    assert (won.deals, won.amount) == (2, Decimal("125.00"))


def test_an_amount_without_a_rate_is_unknown_rather_than_wrong(alice, alices_client):
    _win(make_deal(alice, client=alices_client, amount="50.00", currency="USD"))
    assert won_in_month([alice.pk], THIS_MONTH)[alice.pk].amount is None


def test_the_progress_figure_compares_won_deals_with_the_target(mia, alice, alices_client):
    _win(make_deal(alice, client=alices_client, amount="100.00"))
    assert monthly_progress(alice)[0].planned is None
    set_target(actor=mia, employee=alice, month=THIS_MONTH, deals=4, amount="1000")
    figure = monthly_progress(alice)[0]
    assert (figure.done, figure.planned) == (1, 4)
    assert "100.00" in figure.detail and "1,000.00" in figure.detail


def test_the_team_is_whoever_the_deals_right_reaches(ada, mia, alice, charlie):
    assert {row.employee.username for row in target_rows(alice, THIS_MONTH)} == {"alice"}
    assert "charlie" not in {row.employee.username for row in target_rows(mia, THIS_MONTH)}
    assert {"alice", "charlie"} <= {row.employee.username for row in target_rows(ada, THIS_MONTH)}


def test_the_targets_page_lists_the_team_in_a_bounded_number_of_queries(
    client, mia, alice, django_assert_max_num_queries
):
    client.force_login(mia)
    set_target(actor=mia, employee=alice, month=THIS_MONTH, deals=3)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("sales:target_list"))
    assert page.status_code == 200
    assert 'name="deals"' in page.content.decode()


def test_a_target_is_set_from_the_page_and_a_bad_one_is_reported(client, mia, alice):
    client.force_login(mia)
    url = reverse("sales:target_set")
    client.post(url, {"employee": alice.pk, "month": "2026-11", "deals": "3", "amount": ""})
    assert Target.objects.get().deals == 3
    page = client.post(url, {"employee": alice.pk, "month": "2026-11", "deals": "-1"}, follow=True)
    assert "Enter 0 to" in page.content.decode()
    assert Target.objects.get().deals == 3


def test_the_api_reads_and_sets_targets(client, mia, alice):
    client.force_login(mia)
    answer = client.put(
        "/api/v1/targets",
        {"employee_id": alice.pk, "month": "2026-11-05", "deals": 2, "amount": "300.50"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["deals"], answer.json()["amount"]) == (2, "300.50")
    rows = client.get("/api/v1/targets?month=2026-11-01").json()
    assert {"employee_id": alice.pk, "deals": 2}.items() <= next(
        r for r in rows if r["employee_id"] == alice.pk
    ).items()
