"""The adoption check on the tiny data set: the figures computed, the page measured as a manager and an admin."""

from argparse import Namespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as Browser

from bench import adoption, generate, report, sample, transfer
from carte.calls.models import Call
from carte.clients.models import Client
from carte.core.models import AuditEntry
from carte.reports.models import CardGap, DailyActivity

TINY = generate.SIZES["tiny"]


@pytest.fixture
def built(db):
    return generate.build(TINY, seed=3)


def test_the_adoption_check_computes_the_figures_and_measures_the_page(built):
    drawn = sample.draw(built.info, count=6)
    calls, entries = Call.objects.count(), AuditEntry.objects.count()
    check = adoption.adoption(drawn, Namespace(requests=3, warmup=1))
    assert (
        Call.objects.count() == calls and AuditEntry.objects.exclude(verb="login").count() <= entries
    )  # busy day gone
    people = get_user_model().objects.filter(is_active=True).exclude(username=transfer.IMPORTER).count()
    assert check["busy_day_rows"] == people and check["day_seconds"] >= 0 and check["snapshot_seconds"] > 0
    assert check["cards"] == Client.objects.count() and check["cards_to_fix"] == CardGap.objects.count() > 0
    assert check["activity_rows"] == DailyActivity.objects.count() > 0  # the data set's tasks and stage moves
    assert set(check["pages"]) == {"manager", "admin"}
    for page in check["pages"].values():
        assert page["median_ms"] > 0 and page["raw_sql_median_ms"] > 0
        assert page["queries_small"] == page["queries_large"]
    assert check["full_scans"] == [] and check["met"]
    assert "adoption on sqlite" in "\n".join(report._check_lines("sqlite", [check]))


def test_a_full_scan_of_a_large_table_is_reported(built, monkeypatch):
    drawn = sample.draw(built.info, count=3)
    monkeypatch.setattr(adoption, "FULL_SCAN_ROWS", 0)
    browser = Browser()
    browser.force_login(drawn.manager)
    scans = adoption.full_scans(browser, "/clients/")
    assert scans and all(scan["rows"] > 0 and scan["sql"].startswith("SELECT") for scan in scans)
