"""Files that are not what they claim, empty, binary, zip bombs, huge lines, too many columns, mixed encodings:
each refused with a clear message (the row named when one row is at fault), never a crash."""

import io
import os
import random
import tracemalloc
import zipfile

import pytest

from carte.core.errors import Invalid
from carte.transfer import readers
from carte.transfer.readers import workbook
from carte.transfer.readers.text import SAMPLE_SIZE
from tests.transfer.files import delimited, persons, russian_company_rows, saved, vcard3, xlsx


def refusal(path, name=None, **given) -> str:
    """The message inspect() refuses the file with, under "file"."""
    with pytest.raises(Invalid) as refused:
        readers.inspect(path, name or path.name, **given)
    assert list(refused.value.errors) == ["file"]
    return str(refused.value.errors["file"][0])


def refusal_while_reading(path, name=None) -> str:
    layout = readers.inspect(path, name or path.name)
    with pytest.raises(Invalid) as refused:
        for _row in readers.rows(path, layout):
            pass
    return str(refused.value.errors["file"][0])


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \n", b"\xef\xbb\xbf", b";;;\r\n;;;\r\n"])
def test_an_empty_file_is_refused(tmp_path, content):
    assert refusal(saved(tmp_path, "empty.csv", content)) == "The file is empty."


def test_random_bytes_are_refused_as_not_text(tmp_path):
    content = random.Random(3).randbytes(50_000)
    assert "not text" in refusal(saved(tmp_path, "clients.csv", content))


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj" + bytes(200), "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Save it as .xlsx or .csv"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "Unpack it"),
        (b"\xef\xbb\xbf\r\n<html><body><table><tr><td>Name</td></tr></table></body></html>", "save it as .xlsx"),
        (b'<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?><Workbook/>', "save it as .xlsx"),
    ],
)
def test_a_binary_file_is_refused_saying_what_it_looks_like(tmp_path, content, said):
    assert said in refusal(saved(tmp_path, "clients.xlsx", content))
    assert said in refusal(saved(tmp_path, "clients.csv", content), format="csv")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    assert "zip archive" in refusal(saved(tmp_path, "clients.xlsx", _zip({"clients.csv": b"a,b\n1,2\n"})))
    word = _zip({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"})
    assert "Word document" in refusal(saved(tmp_path, "clients.xlsx", word))


def test_a_damaged_workbook_is_refused(tmp_path):
    content = xlsx([["Name", "Email"], ["Dupré", "h@dupre.fr"]])
    assert "damaged" in refusal(saved(tmp_path, "cut.xlsx", content[: len(content) // 2]))
    broken = _zip({"xl/workbook.xml": b"<workbook><sheets><sheet", "[Content_Types].xml": b"<Types"})
    assert "damaged" in refusal(saved(tmp_path, "broken.xlsx", broken))


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "clients.xlsx"
    zeros = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _chunk in range(64):  # 64 MB of zeros, written a megabyte at a time
                entry.write(zeros)
    assert os.path.getsize(path) < 1024 * 1024
    tracemalloc.start()
    try:
        message = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "far more data than a real workbook" in message
    assert peak < 5 * 1024 * 1024


def test_a_workbook_over_the_size_or_entry_limits_or_with_unsafe_names_is_refused(tmp_path, monkeypatch):
    path = saved(tmp_path, "clients.xlsx", xlsx([["Name", "Email"], ["Dupré", "h@dupre.fr"]]))
    assert readers.inspect(path, "clients.xlsx").columns == ["Name", "Email"]
    with monkeypatch.context() as patch:
        patch.setattr(workbook, "ZIP_MAX_UNPACKED", 2000)
        assert "far more data" in refusal(path)
    with monkeypatch.context() as patch:
        patch.setattr(workbook, "ZIP_MAX_ENTRIES", 3)
        assert "far more data" in refusal(path)
    for name in ("../../etc/evil.xml", "/tmp/evil.xml", "xl/..\\..\\evil.xml"):
        unsafe = _zip({"xl/workbook.xml": b"<workbook/>", name: b"x"})
        assert "unsafe names" in refusal(saved(tmp_path, "unsafe.xlsx", unsafe))


def _long_line_csv(path, line_at: int, good_rows: int = 5, size: int = 10 * 1024 * 1024):
    """A CSV of ~12 MB whose row `line_at` is one line of `size` characters, written in pieces."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Name,Email,Note\r\n")
        for number in range(2, good_rows + 2):
            if number == line_at:
                out.write("Dupré,dupre@x.fr,")
                for _piece in range(size // 65536):
                    out.write("abc,def;" * 8192)
                out.write("\r\n")
            else:
                out.write(f"Client {number},c{number}@x.fr,ok\r\n")
        out.write("Last,last@x.fr," + "z" * (2 * 1024 * 1024 - 20) + "\r\n")  # pushes the file past 12 MB
    return path


def test_a_10_mb_line_at_the_start_is_refused_naming_its_row(tmp_path):
    path = _long_line_csv(tmp_path / "clients.csv", line_at=3)
    assert os.path.getsize(path) > 12 * 1024 * 1024
    assert refusal(path).startswith("Row 3: the line is too long")


def test_a_10_mb_line_later_in_the_file_is_refused_while_reading_in_bounded_memory(tmp_path):
    path = _long_line_csv(tmp_path / "clients.csv", line_at=200, good_rows=300)
    layout = readers.inspect(path, "clients.csv")
    tracemalloc.start()
    try:
        with pytest.raises(Invalid) as refused:
            for _row in readers.rows(path, layout):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(refused.value.errors["file"][0]).startswith("Row 200: the line is too long")
    assert peak < 12 * 1024 * 1024  # a line is never read whole: at most MAX_LINE characters at a time


def test_a_field_of_many_lines_over_the_limit_is_refused_naming_its_row(tmp_path):
    content = b'Name,Note\r\nDupre,ok\r\nMartin,"' + b"a line of a very long note\r\n" * 60_000 + b'"\r\n'
    path = saved(tmp_path, "notes.csv", content)
    assert refusal(path).startswith("Row 3: a field is too long")


def test_a_file_of_1000_columns_is_refused(tmp_path):
    header = [f"Field {index}" for index in range(1, 1001)]
    path = saved(tmp_path, "wide.csv", delimited([header, [str(index) for index in range(1000)]]))
    assert refusal(path) == "This file has 1000 columns: at most 500 can be imported."
    wide = xlsx([header[:600], list(range(600))])
    assert "600 columns" in refusal(saved(tmp_path, "wide.xlsx", wide))


def test_mixed_encodings_at_the_start_are_refused_naming_the_first_row_that_breaks(tmp_path):
    utf8 = delimited([["Name", "City"], ["Hélène Dupré", "Besançon"], ["Noël", "Orléans"]])
    cp1251 = delimited([["Пётр Петров", "Москва"]], encoding="cp1251")
    message = refusal(saved(tmp_path, "mixed.csv", utf8 + cp1251))
    assert message.startswith("Row 4: some characters cannot be read as UTF-8")


def test_mixed_encodings_later_in_the_file_are_refused_while_reading_naming_the_row(tmp_path):
    people = persons(20, "fr_FR")
    rows = [[person.full_name, person.city] for person in people] * (SAMPLE_SIZE // 200)
    utf8 = delimited([["Name", "City"], *rows])
    assert len(utf8) > 2 * SAMPLE_SIZE
    broken_row = len(rows) + 2
    content = utf8 + delimited(russian_company_rows(3), encoding="cp1251")
    message = refusal_while_reading(saved(tmp_path, "mixed.csv", content))
    assert message.startswith(f"Row {broken_row}: some characters cannot be read as UTF-8")


def test_a_file_the_chosen_encoding_cannot_read_is_refused(tmp_path):
    path = saved(tmp_path, "clients.csv", delimited([["Имя"], ["Пётр"]], encoding="cp1251"))
    assert "cannot be read as UTF-8" in refusal(path, encoding="utf-8")
    vcard = saved(tmp_path, "clients.vcf", vcard3(persons(1, "ru_RU"), quoted=False).decode().encode("cp1251"))
    assert "cannot be read as UTF-8" in refusal(vcard, encoding="utf-8")
    assert "cannot be read as UTF-16" in refusal(vcard, encoding="utf-16")  # no mark: little-endian, as Windows


def test_formula_cells_of_a_csv_read_as_plain_text(tmp_path):
    formulas = ["=SUM(A1:A9)", "+33 1 42", "-2+3", "@cmd", '=HYPERLINK("http://x.example","click")']
    path = saved(tmp_path, "formulas.csv", delimited([["A", "B", "C", "D", "E"], formulas]))
    layout = readers.inspect(path, "formulas.csv")
    assert list(readers.rows(path, layout)) == [(2, formulas)]


def test_wrong_overrides_are_refused_naming_the_setting(tmp_path):
    path = saved(tmp_path, "clients.csv", delimited([["Name", "Email"], ["Dupré", "h@dupre.fr"]]))
    for given, setting in (
        ({"format": "pdf"}, "format"),
        ({"header_row": -1}, "header_row"),
        ({"header_row": "first"}, "header_row"),
        ({"header_row": 9}, "header_row"),
    ):
        with pytest.raises(Invalid) as refused:
            readers.inspect(path, "clients.csv", **given)
        assert list(refused.value.errors) == [setting]
    with pytest.raises(Invalid) as refused:
        readers.inspect(path, "clients.csv", format="xlsx")
    assert refused.value.errors == {"format": ["This file is not an Excel workbook."]}
