"""The benchmark harness cannot rot: a tiny data set is built and every scenario measured on the test database."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from bench import backups, checks, generate, runner, sample, scenarios, transfer
from carte.backups import engine
from carte.clients import search
from carte.clients.models import Client, Contact, Phone, TaxId, TimelineEntry
from carte.clients.services.cleaning import normalized_tax_id
from carte.core import policy
from carte.core.money import price_line
from carte.core.phones import digits_of
from carte.planner.models import Task
from carte.sales.models import (
    Deal,
    DealLine,
    DocumentLine,
    LegalEntity,
    NumberSequence,
    Payment,
    Pipeline,
    Price,
    PriceList,
    Product,
    SalesDocument,
)
from tests.backups.files import database_url

TINY = generate.SIZES["tiny"]


@pytest.fixture
def built(db):
    return generate.build(TINY, seed=3)


def test_the_tiny_data_set_has_its_sizes(built):
    assert Client.objects.companies().count() == TINY.companies
    assert Client.objects.persons().count() == TINY.persons
    assert TimelineEntry.objects.count() == TINY.timeline
    assert built.rows["employees"] == 30
    assert Contact.objects.exists()


def test_bulk_inserts_fill_what_save_and_the_services_would(built):
    for phone in Phone.objects.all():
        assert phone.digits == digits_of(phone.number)
    for tax_id in TaxId.objects.all():
        assert tax_id.normalized == normalized_tax_id(tax_id.value)
    for client in Client.objects.prefetch_related("phones", "emails", "tax_ids"):
        assert client.search_document == search.document_of(client)


def test_the_seller_sees_the_longest_history_and_an_empty_one(built):
    seller = sample.draw(built.info, count=5).seller
    visible = policy.visible(seller, Client.objects.all())
    longest = TimelineEntry.objects.values("client").annotate(n=Count("id")).order_by("-n").first()
    assert longest["client"] == built.info["longest_history"]
    assert visible.filter(pk=built.info["longest_history"]).exists()
    assert visible.filter(pk=built.info["empty_history"]).exists()
    assert not TimelineEntry.objects.filter(client=built.info["empty_history"]).exists()


def _written() -> list:
    return [
        list(Client.objects.order_by("pk").values_list("name", "search_document", "status__key")),
        list(Phone.objects.order_by("pk").values_list("number", flat=True)),
        list(TimelineEntry.objects.order_by("pk").values_list("at", "summary")),
        list(Deal.objects.order_by("pk").values_list("title", "amount", "stage__name", "client__name")),
        list(Task.objects.order_by("pk").values_list("title", "due_at", "status", "assignee__username")),
    ]


def test_the_same_seed_builds_the_same_data(db):
    generate.build(TINY, seed=5)
    first = _written()
    for model in (
        Task,
        Payment,
        DocumentLine,
        SalesDocument,
        NumberSequence,
        Deal,
        Price,
        PriceList,
        Product,
        LegalEntity,
    ):
        model.objects.all().delete()
    Pipeline.objects.exclude(is_default=True).delete()
    Client.objects.all().delete()
    get_user_model().objects.all().delete()
    generate.build(TINY, seed=5)
    assert _written() == first


def test_a_data_set_is_reused_only_when_its_marker_matches(built):
    assert generate.read_marker() is None or not generate.reusable(generate.read_marker(), TINY, 3)
    generate.write_marker(built)
    marker = generate.read_marker()
    assert generate.reusable(marker, TINY, 3)
    assert not generate.reusable(marker, TINY, 4)
    assert not generate.reusable(marker, generate.SIZES["medium"], 3)
    assert not generate.same_data({**marker, "generator": 0}, TINY, 3)
    older = {**marker, "migrations": ["clients.0001_initial"]}
    assert not generate.reusable(older, TINY, 3)
    assert generate.same_data(older, TINY, 3)  # new migrations are applied to it in place


def test_every_scenario_answers_through_the_pages_and_runs_its_raw_sql(built):
    drawn = sample.draw(built.info, count=6)
    browsers = runner.browsers(drawn)
    for scenario in scenarios.SCENARIOS:
        result = runner.measure(scenario, drawn, browsers[scenario.browser], database="test", requests=3, warmup=1)
        assert result.median_ms > 0, scenario.name
        assert result.raw_sql_median_ms > 0, scenario.name
        assert result.queries_min > 0, scenario.name


def test_a_page_that_fails_stops_the_scenario(built):
    drawn = sample.draw(built.info, count=3)
    broken = scenarios.Scenario(
        "missing card", 50, lambda s, i: "/clients/0/", scenarios.card_sql, lambda s: ("/clients/0/",) * 2
    )
    with pytest.raises(runner.PageFailed):
        runner.measure(broken, drawn, runner.browsers(drawn)["seller"], database="test", requests=1, warmup=0)


def test_deals_are_priced_as_the_services_price_them(built):
    assert Deal.objects.count() == TINY.deals
    assert DealLine.objects.count() == TINY.deal_lines
    for deal in Deal.objects.prefetch_related("lines"):
        assert deal.amount == sum(line.total for line in deal.lines.all())
        for line in deal.lines.all():
            assert (
                line.total
                == price_line(line.quantity, line.unit_price, discount=line.discount, tax_rate=line.tax_rate).total
            )
    open_on_board = Deal.objects.filter(pipeline=built.info["board_pipeline"], closed_at=None)
    assert open_on_board.count() == TINY.board_deals


def test_the_checks_print_an_invoice_and_find_the_totals_equal_to_raw_sql(built):
    drawn = sample.draw(built.info, count=3)
    printed = checks.invoice_pdf(drawn, requests=1)
    assert printed["measured"] == 1 and printed["median_ms"] > 0
    totals = checks.report_totals(drawn)
    assert totals["met"], totals
    assert totals["board_deals"] > 0


@pytest.fixture
def committed(transactional_db):
    """The tiny data set, committed: a backup reads the database through connections of its own."""
    return generate.build(TINY, seed=3)


def test_the_transfer_and_backup_checks_import_verify_undo_export_and_back_up(
    committed, tmp_path, monkeypatch, settings
):
    monkeypatch.setattr(transfer, "BENCH_DIR", tmp_path)
    before = Client.objects.count()
    imported = transfer.import_clients(seed=3, rows=300)
    assert imported["verified"] and imported["undone"], imported
    assert imported["rows_created"] + imported["rows_skipped"] == 300 and imported["rows_skipped"] >= 3
    assert Client.objects.count() == before
    exported = transfer.export_clients(inline_rows=True)
    assert exported["rows"] == Client.objects.companies().count()

    monkeypatch.setattr(backups, "BENCH_DIR", tmp_path)
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "templates").mkdir(parents=True)
    (tmp_path / "media" / "templates" / "offer.html").write_text("<p>{{ client.name }}</p>")
    (tmp_path / "media" / "logo.png").write_bytes(bytes(range(256)) * 40)
    made = backups.backup()
    assert made["met"] and not made["error"], made
    assert made["files"] == 2 and made["tables"] > 0 and made["rows"] >= Client.objects.count()
    assert made["archive_mb"] >= made["database_mb"] > 0 and made["verify_seconds"] is not None
    assert engine.archives(tmp_path / "backups") == []  # removed afterwards

    drawn = sample.draw(committed.info, count=6)
    elsewhere = {  # another process cannot open SQLite's in-memory test database: it backs up a file copy
        "CARTE_DATABASE_URL": database_url(tmp_path),
        "CARTE_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "carte.settings",
    }
    loaded = backups.backup_load(drawn, requests=5, warmup=1, at_least=3, environment=elsewhere)
    assert not loaded["error"], loaded
    assert loaded["requests_without"] == 5 and loaded["requests_during"] >= 3
    assert loaded["backups_made"] >= 1 and loaded["backup_archive_seconds"] is not None
    during = loaded["steps"]["archiving"]["requests"] + loaded["steps"]["verifying"]["requests"]
    assert during == loaded["requests_during"]
    assert loaded["ratio"] == pytest.approx(loaded["p95_during_ms"] / loaded["p95_without_ms"], rel=0.01)
    assert not (tmp_path / "backups").exists()  # every archive removed, then the folder


def test_a_backup_that_fails_says_why_and_is_not_met(tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "BENCH_DIR", tmp_path)
    (tmp_path / "backups").write_text("a file where the backup folder should be")
    made = backups.backup()
    assert made["met"] is False and made["error"].startswith("the archive failed"), made
