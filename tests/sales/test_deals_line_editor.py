"""The line editor shared by deals and documents: reading posted rows and showing errors beside them."""

from decimal import Decimal

from django.http import QueryDict
from django.template.loader import render_to_string

from carte.sales.forms.lines import editor_rows, read_lines


def posted(**rows) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in rows.items():
        data[key.replace("__", "-")] = value
    return data


def test_rows_are_read_in_order_without_empty_or_removed_ones():
    data = posted(
        lines__10__description="Tenth",
        lines__10__quantity="1",
        lines__2__description="Second",
        lines__2__quantity=" 2 ",
        lines__2__tax="",
        lines__3__description="Removed",
        lines__3__quantity="1",
        lines__3__remove="1",
        lines__4__unit="pc",
        lines__4__tax="3",
        other__0__description="Not ours",
        lines__x__description="Not a row",
    )
    assert read_lines(data) == [
        {"description": "Second", "quantity": "2", "tax": ""},
        {"description": "Tenth", "quantity": "1"},
    ]
    assert read_lines(data, prefix="other") == [{"description": "Not ours"}]


def test_editor_rows_put_each_error_beside_its_field():
    lines = [
        {"description": "Oven", "quantity": Decimal("2.000"), "unit_price": Decimal("10.5"), "tax": 3, "product": None},
        {"description": "Bad", "quantity": "-1", "unit_price": "1"},
    ]
    errors = {"lines.1.quantity": ["The quantity must be more than zero."], "lines": ["At most 500 lines."]}
    editor = editor_rows(lines, errors, currency=type("EUR", (), {"digits": 2, "code": "EUR"})())
    first, second = editor.rows[:2]
    assert first.values["quantity"] == "2" and first.values["unit_price"] == "10.50" and first.values["tax"] == "3"
    assert second.errors == {"quantity": ["The quantity must be more than zero."]} and not first.errors
    assert len(editor.rows) == 4 and editor.next_index == 4  # two blank rows to fill
    assert editor.errors == ["At most 500 lines."]


def test_the_template_renders_rows_errors_and_the_blank_row_template(db):
    html = render_to_string(
        "sales/lines/editor.html",
        {
            "lines": [{"description": "Oven", "quantity": "-1", "unit_price": "10"}],
            "errors": {"lines.0.quantity": ["The quantity must be more than zero."]},
            "currency": None,
            "taxes": [],
            "prefix": "lines",
            "price_list": None,
        },
    )
    assert 'name="lines-0-quantity"' in html and 'value="-1"' in html
    assert "The quantity must be more than zero." in html
    assert 'name="lines-__index__-description"' in html  # the row "Add a line" copies
    assert " style=" not in html and "onclick" not in html
