"""XLSX workbooks as people keep them: a title above the header, merged cells, dates and numbers as Excel keeps them."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from carte.core.errors import Invalid
from carte.transfer import readers
from carte.transfer.readers import workbook
from carte.transfer.readers.workbook import cell_text
from carte.transfer.values import parse_date, parse_number
from tests.transfer.files import persons, saved, xlsx

HEADER = ["Company", "Contact", "Amount", "Signed", "Active"]


def read(path, **given):
    layout = readers.inspect(path, path.name, **given)
    return layout, list(readers.rows(path, layout))


def test_a_title_above_the_header_is_passed_over_and_rows_keep_excel_numbers(tmp_path):
    data = [
        HEADER,
        ["Dupré SARL", "Hélène Dupré", 1234.5, datetime(2024, 12, 31), True],
        ["Martin & Fils", "Paul Martin", 12345.0, datetime(2024, 3, 1, 10, 30), False],
    ]
    path = saved(tmp_path, "clients.xlsx", xlsx(data, title="Clients 2024 — export", header_row=3))
    layout, rows = read(path)
    assert (layout.format, layout.sheet, layout.sheets, layout.header_row) == ("xlsx", "Clients", ["Clients"], 3)
    assert layout.columns == HEADER
    assert rows == [
        (4, ["Dupré SARL", "Hélène Dupré", "1234.5", "2024-12-31", "true"]),
        (5, ["Martin & Fils", "Paul Martin", "12345", "2024-03-01 10:30", "false"]),
    ]
    assert parse_number(rows[0][1][2], ".") == Decimal("1234.5")
    assert parse_date(rows[1][1][3], "dmy") == date(2024, 3, 1)


def test_a_merged_range_fills_each_of_its_cells_with_its_top_left_value(tmp_path):
    data = [
        ["Company", "Phones", None, "City"],
        ["Dupré SARL", "01 42 68 53 00", "06 12 34 56 78", "Paris"],
        [None, "01 42 68 53 01", "06 12 34 56 79", None],
        ["Martin & Fils", "04 78 12 34 56", None, "Lyon"],
    ]
    path = saved(tmp_path, "merged.xlsx", xlsx(data, merged=["B1:C1", "A2:A3", "D2:D3"]))
    layout, rows = read(path)
    assert layout.header_row == 1
    assert layout.columns == ["Company", "Phones", "Phones (2)", "City"]
    assert rows == [
        (2, ["Dupré SARL", "01 42 68 53 00", "06 12 34 56 78", "Paris"]),
        (3, ["Dupré SARL", "01 42 68 53 01", "06 12 34 56 79", "Paris"]),
        (4, ["Martin & Fils", "04 78 12 34 56", "", "Lyon"]),
    ]


def test_a_chosen_sheet_is_read_and_every_sheet_is_listed(tmp_path):
    deals = [["Deal", "Client", "Amount"], ["Website", "Dupré SARL", 4800], ["Audit", "Martin & Fils", 1500.75]]
    content = xlsx([HEADER, ["Dupré SARL", "Hélène", 1, None, True]], sheets={"Deals": deals})
    path = saved(tmp_path, "book.xlsx", content)
    layout, rows = read(path, sheet="Deals")
    assert (layout.sheet, layout.sheets) == ("Deals", ["Clients", "Deals"])
    assert layout.columns == ["Deal", "Client", "Amount"]
    assert rows == [(2, ["Website", "Dupré SARL", "4800"]), (3, ["Audit", "Martin & Fils", "1500.75"])]
    with pytest.raises(Invalid) as refused:
        readers.inspect(path, "book.xlsx", sheet="Invoices")
    assert "sheet" in refused.value.errors


def test_when_the_first_sheet_is_empty_the_first_with_data_is_read(tmp_path):
    content = xlsx([["Name", "Email"], ["Dupré", "h@dupre.fr"]], sheet="Data", first_sheet=("Notes", []))
    layout, rows = read(saved(tmp_path, "book.xlsx", content))
    assert (layout.sheet, layout.sheets) == ("Data", ["Notes", "Data"])
    assert rows == [(2, ["Dupré", "h@dupre.fr"])]


def test_a_formula_cell_reads_as_the_value_excel_cached_never_evaluated(tmp_path):
    data = [["Item", "Price", "Quantity", "Total", "Label"], ["Bread", 2.5, 4, None, None]]
    formulas = {"D2": ("B2*C2", 10), "E2": ('CONCATENATE("Bread"," x4")', "Bread x4")}
    layout, rows = read(saved(tmp_path, "formulas.xlsx", xlsx(data, formulas=formulas)))
    assert rows == [(2, ["Bread", "2.5", "4", "10", "Bread x4"])]


def test_a_sheet_of_numbers_only_has_no_header_and_the_user_can_say_where_it_is(tmp_path):
    path = saved(tmp_path, "numbers.xlsx", xlsx([[1, 2.5], [3, 4.25]]))
    layout, rows = read(path)
    assert (layout.header_row, layout.columns) == (0, ["Column 1", "Column 2"])
    assert rows == [(1, ["1", "2.5"]), (2, ["3", "4.25"])]
    path = saved(tmp_path, "people.xlsx", xlsx([HEADER, ["A", "B", 1, None, None]], title="People", header_row=3))
    layout, rows = read(path, header_row=0)
    assert rows[:2] == [(1, ["People", "People", "People", "People", "People"]), (3, HEADER)]
    for wrong in (2, 9):
        with pytest.raises(Invalid) as refused:
            readers.inspect(path, "people.xlsx", header_row=wrong)
        assert list(refused.value.errors) == ["header_row"]


def test_people_from_a_workbook_with_skip_and_count(tmp_path):
    people = persons(12, "ru_RU")
    data = [["Фамилия", "Имя", "Email", "Дата рождения"]]
    data += [[person.last_name, person.first_name, person.emails[0], person.birthday] for person in people]
    path = saved(tmp_path, "люди.xlsx", xlsx(data, sheet="Контакты"))
    layout = readers.inspect(path, "люди.xlsx")
    assert readers.count_rows(path, layout) == 12
    rows = list(readers.rows(path, layout, skip=10))
    assert [number for number, _cells in rows] == [12, 13]
    assert rows[-1][1] == [people[-1].last_name, people[-1].first_name, people[-1].emails[0], str(people[-1].birthday)]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  text ", "  text "),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (12345.0, "12345"),
        (0.1, "0.1"),
        (-1234.5678, "-1234.5678"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "0.00000015"),
        (datetime(2024, 12, 31), "2024-12-31"),
        (datetime(2024, 12, 31, 10, 30), "2024-12-31 10:30"),
        (datetime(2024, 12, 31, 10, 30, 15), "2024-12-31 10:30:15"),
        (date(2024, 12, 31), "2024-12-31"),
        (time(9, 5), "09:05"),
        (timedelta(hours=26, minutes=5), "26:05:00"),
    ],
)
def test_cells_read_as_excel_stores_them(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("padding", [0, 1024 * 1024 - 5, 3 * 1024 * 1024])
def test_merged_ranges_are_found_after_the_rows_wherever_the_reading_blocks_end(padding):
    sheet = (
        b'<worksheet xmlns:x="urn:x"><sheetData>'
        + b"<row/>" * (padding // 6)
        + b'</sheetData><x:mergeCells count="2"><x:mergeCell ref="A1:B2"/><x:mergeCell ref=\'C3:C9\' />'
        + b'</x:mergeCells><pageMargins left="0.7"/></worksheet>'
    )
    section = workbook._merge_section(io.BytesIO(sheet))
    assert [reference.decode() for reference in workbook.MERGE_REFERENCE.findall(section)] == ["A1:B2", "C3:C9"]
    assert workbook._merge_section(io.BytesIO(b"<worksheet><sheetData/></worksheet>")) == b""
