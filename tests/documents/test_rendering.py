"""Filling templates: DOCX and HTML → PDF, placeholders named when wrong, nothing fetched from outside."""

import http.server
import io
import threading

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from carte.documents.rendering import TemplateProblem, check_template, fill_html, render_docx, render_pdf
from tests.documents.helpers import docx_text, pdf_text

CONTEXT = {
    "client": {"name": "Dupont & Fils", "address": "3 rue Haute\n69001 Lyon"},
    "contact": {"_present": False, "name": ""},
    "lines": [{"description": "Pain", "total": "12.00 EUR"}, {"description": "Croissant", "total": "3.50 EUR"}],
    "totals": {"total": "15.50 EUR"},
    "images": {"logo": ""},
}


def png(colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(out, "PNG")
    return out.getvalue()


def docx_with(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


# HTML → PDF


def test_pdf_has_the_filled_values_escaped():
    pdf = render_pdf(
        "<h1>{{ client.name }}</h1><p>{% for line in lines %}{{ line.description }} {% endfor %}</p>"
        "<p>{{ totals.total }}</p>",
        CONTEXT,
        {},
    )
    text = pdf_text(pdf)
    assert "Dupont & Fils" in text and "Pain Croissant" in text and "15.50 EUR" in text


def test_html_is_escaped_in_values():
    filled = fill_html("<p>{{ client.name }}</p>", {"client": {"name": "<script>x</script>"}})
    assert filled == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    ("template", "placeholder"),
    [
        ("<p>{{ client.nmae }}</p>", "client.nmae"),
        ("<p>{{ clinet.name }}</p>", "clinet"),
        ("{% for line in lines %}<p>{{ line.descripton }}</p>{% endfor %}", "line.descripton"),
        ("<p>{% if client.nmae %}x{% endif %}</p>", "client.nmae"),
        ("<p>{{ client.items }}</p>", "client.items"),
    ],
)
def test_unknown_placeholder_is_named(template, placeholder):
    with pytest.raises(TemplateProblem) as refused:
        render_pdf(template, CONTEXT, {})
    assert refused.value.message == f"Unknown placeholder “{placeholder}”."
    assert refused.value.errors == {"file": [refused.value.message]}


def test_syntax_error_gives_its_line():
    with pytest.raises(TemplateProblem) as refused:
        render_pdf("<p>fine</p>\n<p>{{ client.name }</p>", CONTEXT, {})
    assert "line 2" in refused.value.message


@pytest.mark.parametrize(
    "template",
    [
        "<p>{{ client.__class__ }}</p>",
        "<p>{{ ''.__class__.__mro__ }}</p>",
        "<p>{{ 'x' * 100000000 }}</p>",
        "<p>{{ 2 ** 100000 }}</p>",
        "{% for i in range(100000000) %}{% endfor %}",
    ],
)
def test_sandbox_refuses_escapes_and_huge_output(template):
    with pytest.raises(TemplateProblem):
        render_pdf(template, CONTEXT, {})


@pytest.mark.parametrize(
    "template",
    [
        "",
        "   ",
        "<html><head><title>T</title><style>p{}</style></head><body>  </body></html>",
        "{% if false %}x{% endif %}",
    ],
)
def test_template_that_renders_to_nothing_is_refused(template):
    with pytest.raises(TemplateProblem) as refused:
        render_pdf(template, CONTEXT, {})
    assert "renders to nothing" in refused.value.message


def test_other_failures_are_messages_not_tracebacks():
    with pytest.raises(TemplateProblem) as refused:
        render_pdf("<p>{{ 1 / 0 }}</p>", CONTEXT, {})
    assert "cannot be filled" in refused.value.message
    with pytest.raises(TemplateProblem):
        render_pdf('{% extends "other.html" %}', CONTEXT, {})


@pytest.fixture
def web_server():
    """A local web server counting the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_nothing_is_fetched_from_the_network(web_server):
    address, hits = web_server
    template = (
        f'<html><head><link rel="stylesheet" href="{address}/style.css"></head><body>'
        f'<p>Hello</p><img src="{address}/logo.png"><style>@import url("{address}/more.css");</style>'
        f'<a rel="attachment" href="{address}/file.txt">file</a></body></html>'
    )
    pdf = render_pdf(template, CONTEXT, {})
    assert hits == []
    assert images_in(pdf) == 0


def test_nothing_is_read_from_the_file_system(tmp_path):
    (tmp_path / "pic.png").write_bytes(png())
    (tmp_path / "style.css").write_text('body::before { content: "LEAKED"; }')
    template = (
        f'<html><head><link rel="stylesheet" href="file://{tmp_path}/style.css"></head><body>'
        f'<p>Hello</p><img src="file://{tmp_path}/pic.png"><img src="file:///etc/passwd">'
        '<link rel="attachment" href="file:///etc/passwd"></body></html>'
    )
    pdf = render_pdf(template, CONTEXT, {})
    assert "LEAKED" not in pdf_text(pdf)
    assert images_in(pdf) == 0
    assert PdfReader(io.BytesIO(pdf)).attachments == {}


def test_given_files_and_data_urls_are_shown():
    import base64

    inline = base64.b64encode(png("blue")).decode()
    template = f'<p>Hi</p><img src="{{{{ images.logo }}}}"><img src="data:image/png;base64,{inline}">'
    pdf = render_pdf(template, {"images": {"logo": "logo.png"}}, {"logo.png": png()})
    assert images_in(pdf) == 2


# DOCX


def test_docx_placeholders_are_filled_and_escaped():
    template = docx_with(
        "Client: {{ client.name }}",
        "{{ client.address }}",
        "{%p for line in lines %}",
        "{{ line.description }}: {{ line.total }}",
        "{%p endfor %}",
        "Total {{ totals.total }}",
    )
    text = docx_text(render_docx(template, CONTEXT))
    assert "Client: Dupont & Fils" in text
    assert "Pain: 12.00 EUR" in text and "Croissant: 3.50 EUR" in text and "Total 15.50 EUR" in text
    assert "{{" not in text and "{%" not in text


def test_docx_unknown_placeholder_is_named():
    with pytest.raises(TemplateProblem) as refused:
        render_docx(docx_with("Dear {{ client.nmae }}"), CONTEXT)
    assert refused.value.message == "Unknown placeholder “client.nmae”."


def test_docx_syntax_error_shows_where():
    with pytest.raises(TemplateProblem) as refused:
        render_docx(docx_with("Fine", "Broken {{ client.name }"), CONTEXT)
    assert "Syntax error" in refused.value.message and "Broken" in refused.value.message


@pytest.mark.parametrize("content", [b"PK\x03\x04not really a zip", b"%PDF-1.4 nope", b"<p>html</p>"])
def test_not_a_docx_is_refused(content):
    with pytest.raises(TemplateProblem) as refused:
        render_docx(content, CONTEXT)
    assert "not a Word document" in refused.value.message


def test_docx_that_renders_to_nothing_is_refused():
    with pytest.raises(TemplateProblem) as refused:
        render_docx(docx_with("{% if false %}never{% endif %}", ""), CONTEXT)
    assert "renders to nothing" in refused.value.message


def test_docx_images_come_from_given_files():
    content = render_docx(docx_with("Logo {{ images.logo }}"), {"images": {"logo": "logo.png"}}, {"logo.png": png()})
    assert len(Document(io.BytesIO(content)).inline_shapes) == 1


def test_check_template_reads_html_as_utf8():
    check_template("html", "<p>{{ client.name }} é</p>".encode(), CONTEXT)
    with pytest.raises(TemplateProblem):
        check_template("html", b"<p>\xff\xfe</p>", CONTEXT)
