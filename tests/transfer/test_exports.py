"""Exports of every list: what each list shows, to whom, in CSV, XLSX and vCard, at once or in the background."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from carte.accounts.models import Role
from carte.calls.models import Call
from carte.clients import services as client_services
from carte.clients.filters import read_filters
from carte.clients.models import Contact, CustomField
from carte.clients.queries.lists import available_columns, cell_text, clients_for, with_columns
from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.core.testing import reference
from carte.planner.services import create_task
from carte.sales.testing import DealFactory, ProductFactory
from carte.transfer.exports import writers
from carte.transfer.exports.client_columns import client_rows
from carte.transfer.exports.writers import csv_text
from carte.transfer.models import Export
from carte.transfer.readers import vcard as vcard_reader
from carte.transfer.services import exports
from carte.transfer.targets import target

Phone, Mail = client_services.PhoneData, client_services.EmailData


@pytest.fixture
def book(alice, bob, charlie):
    """What each list holds: Alice's records (some with cells a spreadsheet would run), Bob's and Charlie's."""
    make = client_services.create_client
    acme = make(
        actor=alice,
        name="Acme, Inc; Paris",
        phones=[Phone("+33 6 12 34 56 78", "mobile")],
        emails=[Mail("sales@acme.example")],
        notes="First line\nSecond; line, with commas",
        address_actual="1 rue de la Paix\n75002 Paris",
        website="https://acme.example",
    )
    formula = make(actor=alice, name='=HYPERLINK("http://evil.example","click")')
    ivan = make(
        actor=alice,
        kind="person",
        name="",
        first_name="Иван",
        last_name="Петров",
        position="Закупщик",
        phones=[Phone("+7 912 345-67-89", "work")],
        emails=[Mail("ivan@acme.example", "personal")],
    )
    Contact.objects.create(company=acme, person=ivan, role=reference("contact_role", "purchaser"))
    bobs = make(actor=bob, name="Bob's Bistro")
    charlies = make(actor=charlie, name="Charlie's Garage")
    return {
        "acme": acme,
        "formula": formula,
        "ivan": ivan,
        "bobs": bobs,
        "charlies": charlies,
        "deal": DealFactory(owner=alice, client=acme, title="+Big order", amount=Decimal("1234.5")),
        "charlies_deal": DealFactory(owner=charlie, client=charlies, title="Garage deal"),
        "task": create_task(actor=alice, title="@Call back", client=acme, due_at=timezone.now() + timedelta(days=1)),
        "charlies_task": create_task(actor=charlie, title="Charlie's task", due_at=timezone.now() + timedelta(days=1)),
        "call": Call.objects.create(
            direction="in", number="+33612345678", client=acme, employee=alice, status="answered", result="-5 stars"
        ),
        "charlies_call": Call.objects.create(direction="out", number="+33699999999", employee=charlie, status="missed"),
        "product": ProductFactory(name="\tTabbed widget", sku="W-1"),
        "archived_product": ProductFactory(name="Old widget", sku="W-0", archived=True),
    }


def exported(actor, list_key, params=None, file_format="csv", **options) -> bytes:
    export = exports.export_list(
        actor=actor, list_key=list_key, params=params or {}, file_format=file_format, options=options
    )
    assert isinstance(export, exports.ExportFile)
    return b"".join(export.chunks)


def csv_rows(data: bytes, encoding="utf-8-sig", delimiter=",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


# list, who exports, header, a cell of a row they get, a cell of a row they must not get
CASES = {
    "clients": (
        "alice",
        ["Name", "Kind", "Status", "Owner", "Phone", "Email", "Updated"],
        "Acme, Inc; Paris",
        "Charlie's Garage",
    ),
    "contacts": ("alice", ["Company", "Contact person", "Role", "Position", "Phone", "Email"], "Иван Петров", None),
    "deals": (
        "alice",
        [
            "Title",
            "Client",
            "Pipeline",
            "Stage",
            "Amount",
            "Currency",
            "Expected close",
            "Probability, %",
            "Owner",
            "Updated",
        ],
        "'+Big order",
        "Garage deal",
    ),
    "tasks": (
        "alice",
        ["When", "Task", "Kind", "Status", "Priority", "Client", "Deal", "Assignee"],
        "'@Call back",
        "Charlie's task",
    ),
    "calls": (
        "alice",
        ["When", "Direction", "Number", "Client", "Employee", "Status", "Duration (seconds)", "Result"],
        "'-5 stars",
        "+33699999999",
    ),
    "products": (
        "ada",
        ["Name", "SKU", "Kind", "Unit", "Tax", "Archived", "Description", "Changed"],
        "'\tTabbed widget",
        "Old widget",
    ),
}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("list_key", list(CASES))
def test_each_list_exports_its_header_and_the_rows_the_actor_may_export(people, book, list_key, file_format):
    persona, header, shown, hidden = CASES[list_key]
    data = exported(people[persona], list_key, file_format=file_format)
    rows = csv_rows(data) if file_format == "csv" else xlsx_rows(data)
    assert rows[0] == header
    cells = {str(cell) for row in rows[1:] for cell in row}
    assert shown in cells
    assert hidden is None or hidden not in cells


@pytest.mark.parametrize("list_key", list(CASES))
def test_who_lacks_the_export_right_is_refused(rita, book, list_key):
    with pytest.raises(NotAllowed):
        exports.export_list(actor=rita, list_key=list_key, params={}, file_format="csv")
    assert not AuditEntry.objects.filter(verb=AuditEntry.Verb.EXPORT).exists()


def test_a_seller_exports_no_products_she_may_only_read(alice, book):
    with pytest.raises(NotAllowed):
        exports.export_list(actor=alice, list_key="products", params={}, file_format="csv")


def test_an_export_holds_only_what_the_actor_may_export_not_all_they_see(bob, book):
    """Bob sees his department's clients but exports only his own (sales: export "own")."""
    names = [row[0] for row in csv_rows(exported(bob, "clients"))[1:]]
    assert names == ["Bob's Bistro"]


def test_an_export_follows_the_list_filters_and_sort(alice, book):
    rows = csv_rows(exported(alice, "clients", {"kind": "company", "ordering": "-name"}, keys=["name"]))
    assert [row[0] for row in rows] == ["Name", "Acme, Inc; Paris", '\'=HYPERLINK("http://evil.example","click")']
    deals = csv_rows(exported(alice, "deals", {"q": "nothing like it"}))
    assert deals == [deals[0]]


def test_contacts_of_one_company(alice, book, make_other_company):
    rows = csv_rows(exported(alice, "contacts", {"company": str(book["acme"].pk)}))
    assert rows[1][:4] == ["Acme, Inc; Paris", "Иван Петров", "Purchaser", "Закупщик"]
    assert csv_rows(exported(alice, "contacts", {"company": str(make_other_company.pk)})) == [rows[0]]


@pytest.fixture
def make_other_company(alice):
    return client_services.create_client(actor=alice, name="Other Ltd")


def test_bad_filters_options_and_formats_are_refused_with_a_message(alice, book):
    for list_key, params, file_format, options, field in [
        ("clients", {"colour": "red"}, "csv", {}, "colour"),
        ("deals", {"state": "sleeping"}, "csv", {}, "state"),
        ("calls", {"direction": "sideways"}, "csv", {}, "direction"),
        ("deals", {}, "vcard", {}, "format"),
        ("clients", {}, "pdf", {}, "format"),
        ("clients", {}, "csv", {"delimiter": "#"}, "delimiter"),
        ("clients", {}, "csv", {"encoding": "ebcdic"}, "encoding"),
        ("clients", {}, "csv", {"keys": ["shoe_size"]}, "columns"),
        ("deals", {}, "csv", {"columns": "all"}, "columns"),
        ("nothing", {}, "csv", {}, "list"),
    ]:
        with pytest.raises(Invalid) as refused:
            exports.export_list(actor=alice, list_key=list_key, params=params, file_format=file_format, options=options)
        assert field in refused.value.errors, (list_key, params, file_format, options)


def test_an_export_is_audited_once_with_its_row_count(alice, book):
    exported(alice, "deals")
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.EXPORT)
    assert entry.actor == alice
    assert entry.changes["list"] == [None, "deals"]
    assert entry.changes["rows"] == [None, 1]


# --- cells, delimiters and encodings -------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_starting_like_a_formula_are_neutralized_in_csv_and_xlsx(start):
    text = f"{start}1+2"
    data = b"".join(writers.csv_chunks([f"{start}head"], [[text, "plain"]]))
    rows = csv_rows(data)
    assert rows == [[f"'{start}head"], [f"'{text}", "plain"]]
    spool = io.BytesIO()
    writers.write_xlsx(spool, [f"{start}head"], [[text, "plain"]])
    assert xlsx_rows(spool.getvalue()) == [[f"'{start}head"], [f"'{text}", "plain"]]


def test_numbers_stay_numbers_and_times_are_local(alice, book, settings):
    rows = csv_rows(exported(alice, "deals"))
    assert rows[1][4:6] == ["1234.50", "EUR"]
    workbook = xlsx_rows(exported(alice, "deals", file_format="xlsx"))
    assert workbook[1][4] == Decimal("1234.5")
    assert workbook[1][9].tzinfo is None  # a spreadsheet time: local, without a zone


def test_a_chosen_delimiter_and_windows_1251_round_trip_cyrillic(alice, book):
    data = exported(alice, "contacts", delimiter=";", encoding="cp1251")
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data, encoding="cp1251", delimiter=";")
    assert rows[1][1] == "Иван Петров"


def test_a_character_the_encoding_cannot_hold_is_written_as_a_question_mark():
    data = b"".join(writers.csv_chunks(["Name"], [["Café 東京"]], encoding="cp1251"))
    assert csv_rows(data, encoding="cp1251") == [["Name"], ["Caf? ??"]]


def test_utf8_has_a_byte_order_mark_by_default_and_utf16_reads_back(alice, book):
    assert exported(alice, "deals").startswith(b"\xef\xbb\xbf")
    assert not exported(alice, "deals", encoding="utf-8").startswith(b"\xef\xbb\xbf")
    data = exported(alice, "contacts", encoding="utf-16", delimiter="tab")
    assert csv_rows(data, encoding="utf-16", delimiter="\t")[1][1] == "Иван Петров"


def test_the_fast_client_columns_write_what_the_list_shows(alice, book):
    """Every column of the client list, custom fields included, as the list's own cell_text gives it."""
    notes = CustomField.objects.create(key="level", label="Level", kind="number")
    client_services.update_client(
        actor=alice,
        client=book["acme"],
        version=book["acme"].version,
        tags=[reference("tag", "vip")],
        custom={"level": "3"},
        tax_ids=[client_services.TaxIdData("vat", "FR40303265045")],
    )
    fields = [notes]
    columns = available_columns(fields)
    clients = with_columns(clients_for(alice, read_filters({}), "export"), columns)
    slow = [[csv_text(cell_text(client, column)) for column in columns] for client in clients]
    fast = [[csv_text(value) for value in row] for row in client_rows(clients, columns, chunk_size=2)]
    assert fast == slow
    assert ["3"] in [[row[-1]] for row in fast]
    assert "VAT number FR40303265045" in {cell for row in fast for cell in row}


def test_every_field_of_the_card_is_the_clients_target_fields(alice, book):
    rows = csv_rows(exported(alice, "clients", columns="all"))
    assert rows[0] == [str(f.label) for f in target("clients").export_fields()]
    assert len(rows) == 4  # Acme, the formula and Ivan


# --- vCard ------------------------------------------------------------------------------------


def unfolded(data: bytes) -> list[str]:
    """The content lines of a vCard stream: every physical line ends with CRLF and is at most 75 octets."""
    physical = data.split(b"\r\n")
    assert physical[-1] == b""
    assert all(len(line) <= 75 for line in physical)
    lines: list[str] = []
    for line in (raw.decode() for raw in physical[:-1]):
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def test_clients_as_vcard_4(alice, book):
    lines = unfolded(exported(alice, "clients", {"ordering": "name"}, file_format="vcard"))
    assert lines.count("BEGIN:VCARD") == lines.count("VERSION:4.0") == lines.count("END:VCARD") == 3
    assert "FN:Acme\\, Inc\\; Paris" in lines
    assert "TEL;VALUE=uri;TYPE=cell:tel:+33612345678" in lines
    assert "EMAIL;TYPE=work:sales@acme.example" in lines
    assert "NOTE:First line\\nSecond\\; line\\, with commas" in lines
    assert "ADR;TYPE=work:;;1 rue de la Paix\\n75002 Paris;;;;" in lines
    assert "URL:https://acme.example" in lines
    assert "N:Петров;Иван;;;" in lines
    assert "ORG:Acme\\, Inc\\; Paris" in lines  # the person's company
    assert "TITLE:Закупщик" in lines
    assert "EMAIL;TYPE=home:ivan@acme.example" in lines
    uids = [line for line in lines if line.startswith("UID:urn:uuid:")]
    assert len(set(uids)) == 3


def test_the_exported_vcards_read_back_with_the_vcard_reader(alice, book, tmp_path):
    path = tmp_path / "clients.vcf"
    path.write_bytes(exported(alice, "clients", {"ordering": "name"}, file_format="vcard"))
    cards = [dict(zip(vcard_reader.KEYS, cells, strict=True)) for _number, cells in vcard_reader.cards(path, "utf-8")]
    formula, acme, ivan = cards
    assert formula["full_name"].startswith("=HYPERLINK")  # an address book runs no formula: the name as it is
    assert (acme["kind"], acme["full_name"], acme["organization"]) == ("company", "Acme, Inc; Paris", "")
    assert ivan["kind"] == "person"
    assert acme["mobile_phones"] == "+33612345678"
    assert acme["work_emails"] == "sales@acme.example"
    assert acme["note"] == "First line\nSecond; line, with commas"
    assert acme["address"] == "1 rue de la Paix, 75002 Paris"
    assert acme["website"] == "https://acme.example"
    assert (ivan["first_name"], ivan["last_name"], ivan["title"]) == ("Иван", "Петров", "Закупщик")
    assert ivan["organization"] == "Acme, Inc; Paris"
    assert ivan["work_phones"] == "+79123456789"
    assert ivan["personal_emails"] == "ivan@acme.example"


def test_long_vcard_lines_fold_between_characters():
    line = "NOTE:" + "Ж" * 100
    folded = writers.folded(line).encode()
    assert all(len(part) <= 75 for part in folded.split(b"\r\n"))
    assert folded.decode().replace("\r\n ", "") == line + "\r\n"


# --- in the background --------------------------------------------------------------------------


@pytest.fixture
def small_inline(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_INLINE_ROWS", 0)


def test_a_large_export_is_prepared_in_the_background_and_offered_to_its_owner_only(
    alice, bob, book, small_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = exports.export_list(actor=alice, list_key="clients", params={}, file_format="xlsx")
    assert isinstance(export, Export)
    export.refresh_from_db()
    assert (export.status, export.rows) == (Export.Status.DONE, 3)
    found, path = exports.download(actor=alice, export_id=export.pk)
    assert path.parent == exports.exports_dir()
    assert [row[0] for row in xlsx_rows(path.read_bytes())][1:] == sorted(
        ["Acme, Inc; Paris", '\'=HYPERLINK("http://evil.example","click")', "Иван Петров"]
    )
    with pytest.raises(NotFound):
        exports.download(actor=bob, export_id=export.pk)
    assert exports.exports_for(bob) == []
    assert exports.exports_for(alice) == [export]


def test_the_background_export_checks_the_rights_again_when_it_runs(
    alice, book, small_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_list(actor=alice, list_key="deals", params={}, file_format="csv")
    alice.role = Role.objects.get(key="readonly")
    alice.save()
    exports.write_export(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert export.error
    with pytest.raises(Conflict):
        exports.download(actor=alice, export_id=export.pk)
    assert list(exports.exports_dir().glob("*.part")) == []


def test_old_exports_and_their_files_are_removed(alice, book, small_inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old = exports.export_list(actor=alice, list_key="deals", params={}, file_format="csv")
        recent = exports.export_list(actor=alice, list_key="deals", params={}, file_format="csv")
    old.refresh_from_db()
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert exports.remove_old_exports() == 1
    assert not (exports.exports_dir() / old.stored_name).exists()
    assert list(Export.objects.all()) == [recent]
    assert exports.download(actor=alice, export_id=recent.pk)[1].is_file()


def test_an_export_runs_the_same_queries_whatever_the_number_of_rows(alice, book):
    def queries_for(list_key, file_format="csv", **options) -> int:
        with CaptureQueriesContext(connection) as captured:
            exported(alice, list_key, file_format=file_format, **options)
        return len(captured)

    counts = {
        (key, fmt): queries_for(key, fmt)
        for key, fmt in [("clients", "csv"), ("clients", "vcard"), ("contacts", "csv"), ("calls", "xlsx")]
    }
    counts[("clients", "all")] = queries_for("clients", columns="all")
    for n in range(40):
        acme = client_services.create_client(
            actor=alice, name=f"More {n}", phones=[Phone(f"+33 6 12 34 56 {n:02d}")], tags=["vip"]
        )
        person = client_services.create_client(actor=alice, kind="person", name="", first_name="P", last_name=f"{n}")
        Contact.objects.create(company=acme, person=person)
        Call.objects.create(direction="in", number=f"+336123456{n:02d}", client=acme, employee=alice, status="answered")
    for (key, fmt), count in counts.items():
        again = queries_for(key, columns="all") if fmt == "all" else queries_for(key, fmt)
        assert again == count, (key, fmt)


# --- screens and API --------------------------------------------------------------------------


def test_the_export_control_shows_only_to_who_may_export(client, alice, rita, book):
    client.force_login(alice)
    page = client.get(reverse("sales:deal_list"), {"state": "open"}).content.decode()
    assert 'action="/exports/new/"' in page
    assert 'name="filter" value="state=open"' in page
    client.force_login(rita)
    assert 'action="/exports/new/"' not in client.get(reverse("sales:deal_list")).content.decode()


def test_the_clients_list_control_carries_its_columns_and_offers_contacts(client, alice, book):
    client.force_login(alice)
    page = client.get(reverse("clients:list"), {"kind": "company"}).content.decode()
    assert 'name="keys" value="phone"' in page
    assert 'value="contacts"' in page
    assert 'value="vcard"' in page


def test_exporting_from_a_screen_sends_the_file(client, alice, book):
    client.force_login(alice)
    data = {"list": "deals", "format": "csv", "filter": "state=open", "delimiter": ";", "encoding": "utf-8"}
    response = client.post(reverse("transfer:export_start"), data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="deals-')
    assert response["X-Row-Count"] == "1"
    rows = csv_rows(b"".join(response.streaming_content), encoding="utf-8", delimiter=";")
    assert rows[1][0] == "'+Big order"


def test_a_large_export_from_a_screen_goes_to_the_exports_page(
    client, alice, bob, book, small_inline, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("transfer:export_start"), {"list": "clients", "format": "csv"})
    assert response.status_code == 302
    assert response["Location"] == reverse("transfer:exports")
    page = client.get(reverse("transfer:exports"), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in page  # polls while the file is being written
    export = Export.objects.get()
    exports.write_export(export.pk)
    page = client.get(reverse("transfer:exports")).content.decode()
    assert reverse("transfer:export_download", args=[export.pk]) in page
    assert "every 2s" not in page
    download = client.get(reverse("transfer:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xef\xbb\xbfName")
    client.force_login(bob)
    assert client.get(reverse("transfer:export_download", args=[export.pk])).status_code == 404


def test_the_api_sends_a_small_export_and_prepares_a_large_one(client, alice, bob, book, monkeypatch):
    client.force_login(alice)
    payload = {"list": "calls", "format": "csv", "filter": {"direction": "in"}, "options": {"delimiter": "tab"}}
    response = client.post("/api/v1/exports", payload, content_type="application/json")
    assert response.status_code == 200
    assert csv_rows(b"".join(response.streaming_content), delimiter="\t")[1][2] == "'+33612345678"
    monkeypatch.setattr(exports, "EXPORT_INLINE_ROWS", 0)
    response = client.post("/api/v1/exports", payload | {"format": "xlsx"}, content_type="application/json")
    assert response.status_code == 202
    export_id = response.json()["id"]
    exports.write_export(export_id)
    shown = client.get(f"/api/v1/exports/{export_id}").json()
    assert (shown["status"], shown["rows"]) == ("done", 1)
    assert [item["id"] for item in client.get("/api/v1/exports").json()] == [export_id]
    file = client.get(shown["file_url"])
    assert file.status_code == 200
    assert xlsx_rows(b"".join(file.streaming_content))[1][2] == "'+33612345678"
    client.force_login(bob)
    assert client.get(f"/api/v1/exports/{export_id}").status_code == 404
    assert client.get(shown["file_url"]).status_code == 404
    refused = client.post("/api/v1/exports", {"list": "products"}, content_type="application/json")
    assert refused.status_code == 403


def test_the_exports_directory_is_under_media_root(settings):
    assert exports.exports_dir() == Path(settings.MEDIA_ROOT) / "exports"
