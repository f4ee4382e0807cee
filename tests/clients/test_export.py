"""Exporting clients as CSV: the export right and its scope, formula-safe cells, streamed, audited once."""

import csv
import io

import pytest

from carte.clients import services
from carte.clients.filters import read_filters
from carte.clients.queries import lists
from carte.core.cells import neutralized as safe_cell
from carte.core.errors import NotAllowed, NotFound
from carte.core.models import AuditEntry

API = "/api/v1/clients/export"


@pytest.fixture
def book(alice, bob, charlie, make_client):
    """Alice's clients (one with dangerous cells), Bob's in her department, Charlie's in South."""
    return {
        "acme": make_client(name="Acme", phones=[("+33 6 12 34 56 78", "work")], emails=[("a@acme.example", "work")]),
        "formula": make_client(name='=HYPERLINK("http://evil.example","click")', notes="x"),
        "bobs": make_client(actor=bob, name="Bob's Bistro", owner=bob),
        "charlies": make_client(actor=charlie, name="Charlie's Garage", owner=charlie),
    }


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def exported(actor, columns=("name", "phone"), **target) -> list[list[str]]:
    export = services.export_clients(actor=actor, columns=lists.read_columns(columns), **target)
    return rows_of("".join(export.lines))


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+33 6 12", "'+33 6 12"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Acme = fine", "Acme = fine"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_start_with_a_quote(text, safe):
    assert safe_cell(text) == safe


def test_export_of_the_filter_has_a_header_and_safe_cells(alice, book):
    rows = exported(alice, criteria=read_filters({}))
    assert rows[0] == ["Name", "Phone"]
    assert ["Acme", "'+33 6 12 34 56 78"] in rows
    assert ['\'=HYPERLINK("http://evil.example","click")', ""] in rows


def test_a_seller_exports_only_what_her_export_scope_allows(alice, bob, mia, book):
    """Sellers see their department but export their own clients only; Charlie's never show."""
    assert sorted(row[0] for row in exported(alice, ("name",), criteria=read_filters({}))[1:]) == [
        '\'=HYPERLINK("http://evil.example","click")',
        "Acme",
    ]
    assert [row[0] for row in exported(bob, ("name",), criteria=read_filters({}))[1:]] == ["Bob's Bistro"]
    assert len(exported(mia, ("name",), criteria=read_filters({}))) == 5


def test_chosen_clients_beyond_the_export_scope_are_refused(alice, book):
    with pytest.raises(NotAllowed) as refused:
        services.export_clients(
            actor=alice, columns=lists.read_columns(["name"]), ids=[book["acme"].pk, book["bobs"].pk]
        )
    assert "Bob's Bistro" in refused.value.message
    with pytest.raises(NotFound):
        services.export_clients(actor=alice, columns=lists.read_columns(["name"]), ids=[book["charlies"].pk])


def test_export_needs_the_right(rita, book):
    with pytest.raises(NotAllowed):
        services.export_clients(actor=rita, columns=lists.read_columns(["name"]), criteria=read_filters({}))


def test_export_is_audited_once_with_its_count_filter_and_columns(alice, book):
    before = AuditEntry.objects.count()
    services.export_clients(
        actor=alice, columns=lists.read_columns(["name", "status"]), criteria=read_filters({"status": "lead"})
    )
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.verb, entry.actor) == ("export", alice)
    assert entry.changes == {"rows": [None, 2], "filters": [None, "status=lead"], "columns": [None, "name, status"]}


def test_every_column_and_custom_fields_in_a_constant_number_of_queries(
    alice, make_client, django_assert_max_num_queries
):
    from carte.clients.models import CustomField

    CustomField.objects.create(key="tier", label="Tier", kind="choice", options=["gold"])
    for n in range(30):
        make_client(name=f"Client {n:02d}", tags=["vip"], custom={"tier": "gold"}, emails=[(f"c{n}@x.example", "work")])
    columns = lists.read_columns([c.key for c in lists.available_columns()])
    with django_assert_max_num_queries(12):
        export = services.export_clients(actor=alice, columns=columns, criteria=read_filters({}))
        rows = rows_of("".join(export.lines))
    assert len(rows) == 31 and rows[1][-1] == "gold"


def test_the_screen_streams_the_csv_of_the_ticked_clients(login, alice, book):
    answer = login(alice).post(
        "/clients/export/", {"scope": "selected", "ids": [book["acme"].pk], "columns": ["name", "email"]}
    )
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="clients-')
    assert rows_of(b"".join(answer.streaming_content).decode()) == [["Name", "Email"], ["Acme", "a@acme.example"]]


def test_the_screen_exports_the_whole_filter_with_the_layout_columns(login, alice, book):
    services.save_columns(actor=alice, columns=["status"])
    answer = login(alice).post("/clients/export/", {"scope": "all", "filter": "q=acme"})
    assert rows_of(b"".join(answer.streaming_content).decode()) == [["Name", "Status"], ["Acme", "Lead"]]


def test_the_api_streams_the_csv(login, alice, book):
    answer = login(alice).post(API, {"filter": {"q": "acme"}, "columns": ["name"]}, content_type="application/json")
    assert answer.status_code == 200
    assert rows_of(b"".join(answer.streaming_content).decode()) == [["Name"], ["Acme"]]


def test_the_api_refuses_charlie_s_clients_to_alice(login, alice, book):
    answer = login(alice).post(API, {"ids": [book["charlies"].pk]}, content_type="application/json")
    assert answer.status_code == 404
