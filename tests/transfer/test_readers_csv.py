"""CSV files as people export them: every delimiter and encoding detected, rows streamed and numbered as shown."""

import time
import tracemalloc
from decimal import Decimal

import pytest

from carte.core.errors import Invalid
from carte.transfer import readers
from carte.transfer.values import parse_date, parse_flag, parse_number
from tests.transfer.files import (
    GOOGLE_CLASSIC_HEADER,
    GOOGLE_HEADER,
    OUTLOOK_HEADER,
    RUSSIAN_HEADER,
    cp1251_semicolon_csv,
    delimited,
    google_contacts_csv,
    outlook_csv,
    persons,
    russian_company_rows,
    saved,
)

HEADER = ["Company", "Contact", "Email", "Phone", "City"]
ROWS = [
    ["Boulangerie Dupré", "Hélène Dupré", "helene@dupre.fr", "+33 1 42 68 53 00", "Paris"],
    ["Müller & Söhne GmbH", "Jürgen Müller", "j.mueller@mueller.de", "+49 30 1234567", "Berlin"],
    ["Café de l'Étoile", "Noël Bézier", "noel@etoile.fr", "04 78 12 34 56", "Lyon"],
]


def read(path, name=None, **given):
    layout = readers.inspect(path, name or path.name, **given)
    return layout, list(readers.rows(path, layout))


def test_a_google_contacts_export_reads_with_its_header_and_multi_line_cells(tmp_path):
    people = persons(4, "fr_FR")
    layout, rows = read(saved(tmp_path, "contacts.csv", google_contacts_csv(people)))
    assert (layout.format, layout.encoding, layout.delimiter, layout.header_row) == ("csv", "utf-8", ",", 1)
    assert layout.columns == GOOGLE_HEADER
    assert [number for number, _cells in rows] == [2, 3, 4, 5]
    first = dict(zip(layout.columns, rows[0][1], strict=True))
    person = people[0]
    assert first["First Name"] == person.first_name
    assert first["Last Name"] == person.last_name
    assert first["E-mail 1 - Value"] == person.emails[0]
    assert first["Phone 1 - Value"] == person.mobile_phone
    assert first["Organization Name"] == person.company
    assert first["Notes"] == person.note.strip()
    address = [person.street, f"{person.postal_code} {person.city}", "France"]
    assert first["Address 1 - Formatted"].splitlines() == address
    assert "\n" in person.note  # the first person's note spans two lines, inside quotes


def test_the_classic_google_contacts_export_reads_too(tmp_path):
    people = persons(2, "en_US")
    layout, rows = read(saved(tmp_path, "google.csv", google_contacts_csv(people, style="classic")))
    assert layout.columns == GOOGLE_CLASSIC_HEADER
    cells = dict(zip(layout.columns, rows[1][1], strict=True))
    assert (cells["Name"], cells["E-mail 2 - Value"]) == (people[1].full_name, people[1].emails[1])


def test_an_outlook_export_in_windows_1252_keeps_its_accents(tmp_path):
    people = persons(5, "fr_FR")
    layout, rows = read(saved(tmp_path, "outlook.csv", outlook_csv(people)))
    assert (layout.encoding, layout.delimiter, layout.header_row) == ("cp1252", ",", 1)
    assert layout.columns == OUTLOOK_HEADER
    by_column = [dict(zip(layout.columns, cells, strict=True)) for _number, cells in rows]
    assert [row["First Name"] for row in by_column] == [person.first_name for person in people]
    assert [row["Company"] for row in by_column] == [person.company for person in people]
    assert any(not row["First Name"].isascii() or not row["Company"].isascii() for row in by_column)
    assert parse_date(by_column[0]["Birthday"], "mdy") == people[0].birthday


def test_a_russian_excel_csv_in_windows_1251_with_semicolons_and_grouped_amounts(tmp_path):
    data = russian_company_rows(30)
    layout, rows = read(saved(tmp_path, "клиенты.csv", cp1251_semicolon_csv(data)))
    assert (layout.encoding, layout.delimiter, layout.header_row) == ("cp1251", ";", 1)
    assert layout.columns == RUSSIAN_HEADER
    assert [cells for _number, cells in rows] == data
    amounts = [parse_number(cells[5], ",") for _number, cells in rows]
    assert amounts[0] == Decimal(data[0][5].replace("\u00a0", "").replace(",", "."))
    assert all(amount >= 1000 for amount in amounts)
    assert parse_date(rows[0][1][6], "dmy").year in range(2020, 2025)
    assert {parse_flag(cells[7]) for _number, cells in rows} == {True, False}


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("utf-16-le", True, "utf-16"),
        ("utf-16-be", True, "utf-16"),
        ("utf-16-le", False, "utf-16-le"),
        ("utf-16-be", False, "utf-16-be"),
        ("cp1252", False, "cp1252"),
    ],
)
def test_every_encoding_is_detected_and_read(tmp_path, encoding, bom, detected):
    path = saved(tmp_path, "clients.csv", delimited([HEADER, *ROWS], encoding=encoding, bom=bom))
    layout, rows = read(path)
    assert layout.encoding == detected
    assert layout.columns == HEADER  # no byte order mark left in the first header
    assert [cells for _number, cells in rows] == ROWS


def test_cyrillic_in_utf_16_without_a_byte_order_mark_is_detected(tmp_path):
    data = russian_company_rows(5)
    path = saved(tmp_path, "export.txt", delimited([RUSSIAN_HEADER, *data], delimiter="\t", encoding="utf-16-le"))
    layout, rows = read(path)
    assert (layout.encoding, layout.delimiter) == ("utf-16-le", "\t")
    assert [cells for _number, cells in rows] == data


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_is_detected_with_quotes_respected(tmp_path, delimiter):
    rows = [*ROWS, ["Dupont, Durand; et associés", "A | B", 'Le "Petit" Bistro', "", "Nice"]]
    layout, read_rows = read(saved(tmp_path, "clients.csv", delimited([HEADER, *rows], delimiter=delimiter)))
    assert layout.delimiter == delimiter
    assert [cells for _number, cells in read_rows] == rows


def test_a_semicolon_file_whose_amounts_hold_commas_is_split_on_semicolons(tmp_path):
    content = "Client;Montant, €\nDupré;1 234,56\nMartin;12,00\nDurand;7,5\n".encode()
    layout, rows = read(saved(tmp_path, "montants.csv", content))
    assert layout.delimiter == ";"
    assert rows == [(2, ["Dupré", "1 234,56"]), (3, ["Martin", "12,00"]), (4, ["Durand", "7,5"])]


def test_quoted_fields_keep_new_lines_and_doubled_quotes_and_rows_keep_their_numbers(tmp_path):
    content = (
        'Name,Note,Phone\r\n"Dupré","first line\r\nsecond ""quoted"" line",01 23\r\n\r\n'
        ',,\r\n  Martin  ,  spaced  ,\r\n"Durand","a\nb\nc",04 56\r\n'
    ).encode()
    layout, rows = read(saved(tmp_path, "notes.csv", content))
    assert rows == [
        (2, ["Dupré", 'first line\r\nsecond "quoted" line', "01 23"]),
        (5, ["Martin", "spaced", ""]),
        (6, ["Durand", "a\nb\nc", "04 56"]),
    ]
    assert readers.count_rows(saved(tmp_path, "notes.csv", content), layout) == 3


def test_short_rows_are_padded_and_extra_cells_dropped(tmp_path):
    content = b"A,B,C\n1\n1,2,3,4,5\n"
    layout, rows = read(saved(tmp_path, "ragged.csv", content))
    assert layout.columns == ["A", "B", "C"]
    assert rows == [(2, ["1", "", ""]), (3, ["1", "2", "3"])]


def test_a_file_without_header_gets_numbered_columns_and_rows_from_one(tmp_path):
    content = delimited(
        [["Dupré", "helene@dupre.fr", "+33 1 42 68 53 00"], ["Martin", "paul@martin.fr", "06 12 34 56 78"]]
    )
    layout, rows = read(saved(tmp_path, "list.csv", content))
    assert layout.header_row == 0
    assert layout.columns == ["Column 1", "Column 2", "Column 3"]
    assert [number for number, _cells in rows] == [1, 2]
    assert rows[0][1][0] == "Dupré"


def test_a_first_row_whose_values_come_back_below_is_data_not_a_header(tmp_path):
    content = delimited([["Dupré", "Paris"], ["Martin", "Paris"], ["Durand", "Lyon"]], delimiter=";")
    layout, rows = read(saved(tmp_path, "cities.csv", content))
    assert layout.header_row == 0
    assert len(rows) == 3


def test_repeated_and_missing_headers_become_unique_names(tmp_path):
    content = b"Email,email,Phone,,Email,Email (2)\na@x.fr,b@x.fr,01,zz,c@x.fr,d@x.fr\n"
    layout, _rows = read(saved(tmp_path, "dupes.csv", content), header_row=1)
    assert layout.columns == ["Email", "email (2)", "Phone", "Column 4", "Email (3)", "Email (2) (2)"]


def test_trailing_empty_columns_excel_adds_are_dropped(tmp_path):
    layout, rows = read(saved(tmp_path, "excel.csv", b"Name;City;;;\r\nDupont;Paris;;;\r\n"))
    assert layout.columns == ["Name", "City"]
    assert rows == [(2, ["Dupont", "Paris"])]


def test_old_mac_line_ends_read_as_lines(tmp_path):
    layout, rows = read(saved(tmp_path, "mac.csv", b"Name,City\rDupont,Paris\rMartin,Lyon\r"))
    assert rows == [(2, ["Dupont", "Paris"]), (3, ["Martin", "Lyon"])]


def test_the_user_overrides_encoding_delimiter_and_header_row(tmp_path):
    path = saved(tmp_path, "clients.csv", cp1251_semicolon_csv(russian_company_rows(3)))
    layout, rows = read(path, encoding="latin-1", delimiter=",", header_row=0)
    assert (layout.encoding, layout.delimiter, layout.header_row) == ("cp1252", ",", 0)
    assert rows[0][0] == 1 and rows[0][1][0] != RUSSIAN_HEADER[0]  # read as asked, however it looks
    layout, rows = read(path, encoding="windows-1251", delimiter=";", header_row=2)
    assert layout.encoding == "cp1251"
    assert [number for number, _cells in rows] == [3, 4]
    assert layout.as_dict() == readers.Layout.from_dict(layout.as_dict()).as_dict()


def test_an_override_that_is_not_a_choice_is_refused_naming_the_setting(tmp_path):
    path = saved(tmp_path, "clients.csv", delimited([HEADER, *ROWS]))
    for given, setting in (({"encoding": "ebcdic"}, "encoding"), ({"delimiter": "#"}, "delimiter")):
        with pytest.raises(Invalid) as refused:
            readers.inspect(path, "clients.csv", **given)
        assert setting in refused.value.errors


def test_skip_passes_over_the_rows_already_imported(tmp_path):
    rows = [[f"Client {index}", f"c{index}@x.fr"] for index in range(1, 11)]
    path = saved(tmp_path, "clients.csv", delimited([["Name", "Email"], *rows[:4], [], *rows[4:]]))
    layout = readers.inspect(path, "clients.csv")
    resumed = list(readers.rows(path, layout, skip=4))
    assert resumed[0] == (7, ["Client 5", "c5@x.fr"])
    assert len(resumed) == 6 and readers.count_rows(path, layout) == 10


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "clients.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("First name,Last name,Email,Phone,Company,City,Amount,Since\r\n")
        for index in range(200_000):
            out.write(
                f"Jean{index},Dupré,jean{index}@example.fr,+33 6 12 34 {index % 100:02d} 00,ACME {index % 997},"
                f'Paris,"1 234,{index % 100:02d}",31/12/2024\r\n'
            )
    return path


def test_a_large_csv_streams_in_constant_memory(big_csv):
    layout = readers.inspect(big_csv, "clients.csv")
    tracemalloc.start()
    try:
        count = 0
        for count, (_number, cells) in enumerate(readers.rows(big_csv, layout), 1):  # noqa: B007
            assert len(cells) == 8
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 2 * 1024 * 1024


def test_a_large_csv_reads_far_faster_than_the_import_needs(big_csv):
    layout = readers.inspect(big_csv, "clients.csv")
    started = time.perf_counter()
    count = readers.count_rows(big_csv, layout)
    rate = count / (time.perf_counter() - started)
    assert count == 200_000
    assert rate > 30_000  # over 100,000 rows/s on an idle machine; margin for a loaded CI; the import needs 5,000
