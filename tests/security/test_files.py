"""Files: every upload screen refuses what is too large or not what its name says, keeps nothing of
the uploaded name, and takes a bounded number of files; every download is an attachment (or, for our
own checked images, inline in a sandbox) that browsers do not sniff; XML inside a workbook cannot
reach files or expand entities.

Already proved elsewhere and not repeated: the services' content checks (tests/sales/
test_company_entities.py, test_documents_templates.py), XLSX zip bombs, too many entries and unsafe
entry names refused before openpyxl opens the file (tests/transfer/test_bad_files.py:
test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked,
test_a_workbook_over_the_size_or_entry_limits_or_with_unsafe_names_is_refused), backup archives with
`../`, absolute paths, links, lying sizes or checksums refused before anything is restored
(tests/backups/test_faults.py), and who may download what (the rights matrix).
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from carte.core.errors import Invalid
from carte.core.testing import database_state
from carte.sales.services import company
from carte.transfer import readers
from tests.test_rights_matrix import ROWS, World, _make_world, send

MEGABYTE = 1024 * 1024


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


HTML_PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@dataclass(frozen=True)
class Entry:
    """An upload screen: where it posts, its other fields, a good file, its size limit, and whether it keeps files."""

    url: str
    fields: dict
    good: tuple[str, bytes]
    limit: int
    keeps_files: bool = True


def entries(acme) -> dict[str, Entry]:
    return {
        "company image": Entry(
            reverse("sales:entity_image_upload", args=[acme.pk, "logo"]), {}, ("logo.png", png()), 2 * MEGABYTE
        ),
        "document template": Entry(
            reverse("sales:template_upload"),
            {"name": "Ours", "purpose": "invoice", "format": "html", "language": ""},
            ("invoice.html", b"<p>{{ client.name }} owes {{ totals.total }}</p>"),
            5 * MEGABYTE,
        ),
        "import": Entry(
            reverse("transfer:import_new"),
            {"target": "clients"},
            ("clients.csv", b"Name,Email\r\nDupont,dupont@example.com\r\n"),
            4096,  # CARTE_IMPORT_MAX_MB, made small below
        ),
        "currency rates": Entry(
            reverse("sales:rate_import"), {}, ("rates.csv", b"2024-01-31,USD,0.92\n"), 2 * MEGABYTE, keeps_files=False
        ),
    }


# Content that is not what the name says, for each screen: (what it is, name, content, other fields).
DISGUISED = [
    ("company image", "html as png", "logo.png", HTML_PAGE, {}),
    ("company image", "svg with script as png", "logo.png", SVG_WITH_SCRIPT, {}),
    ("company image", "svg with script", "logo.svg", SVG_WITH_SCRIPT, {}),
    ("document template", "docx that is no zip", "invoice.docx", b"<p>{{ client.name }}</p>", {"format": "docx"}),
    ("document template", "png as html", "invoice.html", png(), {}),
    ("import", "html as xlsx", "clients.xlsx", HTML_PAGE, {}),
    ("import", "png as csv", "clients.csv", png(), {}),
    ("currency rates", "png as csv", "rates.csv", png(), {}),
    ("currency rates", "zip as csv", "rates.csv", b"PK\x03\x04" + bytes(200), {}),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_BYTES = 4096
    return settings.MEDIA_ROOT


@pytest.fixture
def screens(ada, client, media):
    client.force_login(ada)
    return entries(company.create_legal_entity(actor=ada, name="Acme", legal_name="Acme SAS"))


def stored(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def post(client, entry: Entry, name: str, content: bytes, content_type="application/octet-stream"):
    return client.post(entry.url, {**entry.fields, "file": SimpleUploadedFile(name, content, content_type)})


@pytest.mark.parametrize(
    ("screen", "name", "content", "fields"), [case[:1] + case[2:] for case in DISGUISED], ids=[c[1] for c in DISGUISED]
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(
    client, screens, media, screen, name, content, fields
):
    entry = screens[screen]
    before = database_state()
    upload = SimpleUploadedFile(name, content, "image/png" if name.endswith(".png") else "text/plain")
    response = client.post(entry.url, {**entry.fields, **fields, "file": upload})
    assert response.status_code in (400, 422)
    assert database_state() == before
    assert stored(media) == []


@pytest.mark.parametrize("screen", ["company image", "document template", "import", "currency rates"])
def test_a_file_over_the_screens_limit_is_refused(client, screens, media, screen):
    entry = screens[screen]
    name, content = entry.good
    padding = b"\n" if name.endswith(".csv") else b" "
    before = database_state()
    response = post(client, entry, name, content + padding * (entry.limit - len(content) + 1))
    assert response.status_code in (400, 422)
    assert b"larger than" in response.content or b"too large" in response.content
    assert database_state() == before
    assert stored(media) == []


@pytest.mark.parametrize("screen", ["company image", "document template", "import"])
def test_a_kept_file_is_stored_under_a_generated_name_inside_the_media_folder(client, screens, media, screen, tmp_path):
    entry = screens[screen]
    name, content = entry.good
    hostile = "../../" + name.replace(".", "-evil.")
    response = post(client, entry, hostile, content)
    assert response.status_code == 302
    (kept,) = stored(media)
    relative = kept.relative_to(media).as_posix()
    assert "evil" not in relative and ".." not in relative
    assert kept.read_bytes() == content
    assert not [path for path in tmp_path.rglob("*evil*")]


def test_a_request_with_more_files_than_allowed_is_refused_unread(client, screens, media, settings):
    entry = screens["document template"]
    name, content = entry.good
    files = [
        SimpleUploadedFile(f"{number}-{name}", content) for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    before = database_state()
    response = client.post(entry.url, {**entry.fields, "file": files})
    assert response.status_code == 400
    assert database_state() == before
    assert stored(media) == []


def test_uploaded_files_are_never_served_from_the_media_folder(client, screens, media):
    entry = screens["company image"]
    assert post(client, entry, *entry.good).status_code == 302
    (kept,) = stored(media)
    assert client.get("/media/" + kept.relative_to(media).as_posix()).status_code == 404


# --- downloads -------------------------------------------------------------------------------------

DOWNLOADS = {
    "backups:backup_download",
    "sales:document_file",
    "sales:template_file",
    "sales:template_builtin",
    "GET /api/v1/documents/{document_id}/file",
    "transfer:export_download",
    "GET /api/v1/exports/{export_id}/file",
    "transfer:import_report",
    "GET /api/v1/imports/{import_id}/report",
}
OUR_IMAGES = {"sales:entity_image"}
DOWNLOAD_ROWS = [row for row in ROWS if row.method == "GET" and row.name in DOWNLOADS | OUR_IMAGES]


def test_every_download_is_in_the_rights_matrix():
    assert {row.name for row in DOWNLOAD_ROWS} == DOWNLOADS | OUR_IMAGES


@pytest.fixture(scope="module")
def download_world(django_db_setup, django_db_blocker):
    """The rights matrix's world (records, printed documents, exports, backups), made once for these tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _make_world()
        transaction.set_rollback(True)


@pytest.mark.parametrize("row", DOWNLOAD_ROWS, ids=str)
def test_every_download_is_an_attachment_that_is_not_sniffed(client, download_world, db, row):
    world = World(people=download_world.people, records=dict(download_world.records))
    persona = "ada" if "ada" in row.allowed else sorted(row.allowed)[0]
    client.force_login(world.people[persona])
    world.make_named(row)
    response = send(client, row, world, persona)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    if row.name in OUR_IMAGES:  # a logo shown in a page: a checked image, its own type, in a sandbox
        assert disposition.startswith("inline;")
        assert response["Content-Type"] in {"image/png", "image/jpeg", "image/gif", "image/webp"}
        assert "sandbox" in response["Content-Security-Policy"]
    else:
        assert disposition.startswith("attachment;")


# --- XML inside workbooks --------------------------------------------------------------------------

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_with_shared_strings(strings_xml: bytes) -> bytes:
    """A workbook whose cells A1, B1, A2 are shared strings 0, 1 and 2 of `strings_xml` (as Excel saves them)."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
        ).encode(),
        "_rels/.rels": (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="xl/workbook.xml" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            b"</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Clients" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            b'<Relationship Id="rId2" Target="sharedStrings.xml" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
            b"</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN}"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>d@x.fr</t></is></c></row>'
            "</sheetData></worksheet>"
        ).encode(),
        "xl/sharedStrings.xml": strings_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def shared_strings(third: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{prolog}<sst xmlns="{MAIN}" count="3" uniqueCount="3">'
        f"<si><t>Name</t></si><si><t>Email</t></si><si><t>{third}</t></si></sst>"
    ).encode()


def read_all(tmp_path, content: bytes) -> list[list[str]] | None:
    """The cells of the workbook, or None when it is refused."""
    path = tmp_path / "clients.xlsx"
    path.write_bytes(content)
    try:
        layout = readers.inspect(path, "clients.xlsx")
        return [layout.columns] + [cells for _number, cells in readers.rows(path, layout)]
    except Invalid:
        return None


def test_shared_strings_are_read_so_the_attacks_below_reach_the_parser(tmp_path):
    assert read_all(tmp_path, workbook_with_shared_strings(shared_strings("Dupont"))) == [
        ["Name", "Email"],
        ["Dupont", "d@x.fr"],
    ]


def test_an_external_entity_in_shared_strings_reads_no_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    prolog = f'<!DOCTYPE sst [<!ENTITY leak SYSTEM "file://{secret}">]>'
    cells = read_all(tmp_path, workbook_with_shared_strings(shared_strings("&leak;", prolog)))
    assert cells is None or "TOP-SECRET-VALUE" not in str(cells)


def test_entities_that_expand_a_billion_times_in_shared_strings_are_refused_or_left_unexpanded(tmp_path):
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{level} "{f"&l{level - 1};" * 10}">' for level in range(1, 10)]
    laughs = "".join(entities)
    cells = read_all(tmp_path, workbook_with_shared_strings(shared_strings("&l9;", f"<!DOCTYPE sst [{laughs}]>")))
    assert cells is None or "lollol" not in str(cells)
