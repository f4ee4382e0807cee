"""Settings → Document templates: uploads checked by filling them once, defaults, deletion, built-in downloads."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from carte.core.errors import Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.documents import builtin
from carte.documents.models import DocumentTemplate
from carte.sales.services import documents as documents_services
from carte.sales.services import templates as services
from tests.documents.helpers import invoice_for

pytestmark = pytest.mark.django_db


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(actor, content: bytes, *, name="Ours", purpose="invoice", format="html", **options):
    return services.upload_template(
        actor=actor,
        name=name,
        purpose=purpose,
        format=format,
        file=SimpleUploadedFile(f"t.{format}", content),
        **options,
    )


def test_admin_uploads_html_and_docx_templates(ada):
    html = upload(ada, b"<p>{{ client.name }} owes {{ totals.total }}</p>", is_default=True, language="fr")
    docx = upload(ada, docx_bytes("{{ labels.title }} {{ document.number }}"), format="docx", purpose="quote")
    assert (html.purpose, html.format, html.language, html.is_default) == ("invoice", "html", "fr", True)
    assert docx.file.name.startswith("templates/") and docx.file.name.endswith(".docx")
    assert "t.docx" not in docx.file.name  # never the uploaded name
    assert AuditEntry.objects.filter(model="documents.documenttemplate", verb="create").count() == 2


@pytest.mark.parametrize(
    ("content", "format", "field", "fragment"),
    [
        (b"<p>{{ client.nmae }}</p>", "html", "file", "Unknown placeholder “client.nmae”"),
        (b"<p>{% for line in lines %}</p>", "html", "file", "Syntax error"),
        (b"<html><body>   </body></html>", "html", "file", "renders to nothing"),
        (b"{% if false %}x{% endif %}", "html", "file", "renders to nothing"),
        (b"\x89PNG\r\n\x1a\n0000", "html", "file", "not accepted"),
        (b"<p>plain text, not a Word file</p>", "docx", "file", "not accepted"),
        (b"", "html", "file", "empty"),
    ],
)
def test_bad_template_is_refused_naming_the_problem(ada, content, format, field, fragment):
    with pytest.raises(Invalid) as refused:
        upload(ada, content, format=format)
    assert fragment in " ".join(str(message) for message in refused.value.errors[field])
    assert not DocumentTemplate.objects.exists()


def test_docx_with_unknown_placeholder_or_nothing_to_print_is_refused(ada):
    with pytest.raises(Invalid) as refused:
        upload(ada, docx_bytes("Dear {{ contact.nmae }}"), format="docx")
    assert "contact.nmae" in refused.value.errors["file"][0]
    with pytest.raises(Invalid) as refused:
        upload(ada, docx_bytes(""), format="docx")
    assert "renders to nothing" in refused.value.errors["file"][0]
    assert not DocumentTemplate.objects.exists()


def test_zip_bomb_is_refused_unread(ada):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/huge.bin", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(Invalid) as refused:
        upload(ada, out.getvalue(), format="docx")
    assert "too much data" in refused.value.errors["file"][0]


def test_too_large_file_is_refused(ada):
    with pytest.raises(Invalid) as refused:
        upload(ada, b"<p>" + b"x" * (5 * 1024 * 1024) + b"</p>")
    assert "too large" in refused.value.errors["file"][0]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"name": " "}, "name"),
        ({"purpose": "receipt"}, "purpose"),
        ({"format": "pdf"}, "format"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_fields_are_named(ada, options, field):
    with pytest.raises(Invalid) as refused:
        upload(ada, b"<p>{{ client.name }}</p>", **options)
    assert field in refused.value.errors
    assert not DocumentTemplate.objects.exists()


def test_only_sales_settings_editors_upload(alice, mia, rita):
    for person in (alice, mia, rita):
        with pytest.raises(NotAllowed):
            upload(person, b"<p>{{ client.name }}</p>")


def test_one_default_per_kind_and_language(ada):
    first = upload(ada, b"<p>{{ client.name }}</p>", is_default=True)
    second = upload(ada, b"<p>{{ client.name }} 2</p>", is_default=True)
    french = upload(ada, b"<p>{{ client.name }} fr</p>", is_default=True, language="fr")
    first.refresh_from_db()
    assert not first.is_default and second.is_default and french.is_default
    services.make_default(actor=ada, template=first)
    second.refresh_from_db()
    assert not second.is_default


def test_unused_template_is_deleted_with_its_file(ada, django_capture_on_commit_callbacks):
    template = upload(ada, b"<p>{{ client.name }}</p>")
    storage, name = template.file.storage, template.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delete_template(actor=ada, template=template) is True
    assert not DocumentTemplate.objects.exists() and not storage.exists(name)


def test_used_template_is_archived_and_documents_keep_printing_with_it(ada, alice):
    template = upload(ada, b"<p>KEPT {{ client.name }}</p>", is_default=True)
    document = invoice_for(alice, template=template)
    assert services.delete_template(actor=ada, template=template) is False
    template.refresh_from_db()
    assert template.archived and not template.is_default
    assert list(services.visible_templates(ada)) == []
    document.refresh_from_db()
    from tests.documents.helpers import pdf_text

    assert "KEPT" in pdf_text(documents_services.render(document).content)


def test_deleting_needs_the_right(ada, mia):
    template = upload(ada, b"<p>{{ client.name }}</p>")
    with pytest.raises(NotAllowed):
        services.delete_template(actor=mia, template=template)


@pytest.mark.parametrize("kind", ["quote", "invoice", "contract", "act"])
def test_built_in_templates_pass_their_own_check(ada, kind):
    html = services.builtin_file(kind, "html")
    docx = services.builtin_file(kind, "docx")
    assert (html.filename, docx.filename) == (f"{kind}.html", f"{kind}.docx")
    assert upload(ada, html.content, purpose=kind).pk
    assert upload(ada, docx.content, purpose=kind, format="docx").pk
    assert docx.content == builtin.docx_source(kind)


def test_unknown_built_in_is_refused():
    with pytest.raises(Invalid):
        services.builtin_file("receipt", "html")
    with pytest.raises(Invalid):
        services.builtin_file("invoice", "pdf")
