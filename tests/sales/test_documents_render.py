"""Printing documents: the built-in templates in three languages, admins' templates, generation and storage."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader

from carte.core.errors import Invalid, NotAllowed
from carte.documents import builtin, rendering
from carte.documents.models import DocumentTemplate
from carte.sales.services import documents as services
from carte.sales.services import templates
from carte.sales.services.words import in_words
from carte.sales.testing import legal_entity
from tests.documents.helpers import deal_with_lines, docx_text, invoice_for, pdf_text

pytestmark = pytest.mark.django_db


def png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(out, "PNG")
    return out.getvalue()


def uploaded(purpose: str, source: str | bytes, *, format="html", language="", is_default=True, name="Mine"):
    content = source.encode() if isinstance(source, str) else source
    template = DocumentTemplate(name=name, purpose=purpose, format=format, language=language, is_default=is_default)
    template.file.save(f"test.{format}", ContentFile(content), save=True)
    return template


@pytest.mark.parametrize(
    ("language", "total", "words"),
    [
        ("en", "1,434.56 EUR", "one thousand, four hundred and thirty-four euro, fifty-six cents"),
        ("fr", "1 434,56 EUR", "mille quatre cent trente-quatre euros et cinquante-six centimes"),
        ("ru", "1 434,56 EUR", "одна тысяча четыреста тридцать четыре евро, пятьдесят шесть центов"),
    ],
)
def test_invoice_pdf_has_client_total_and_words_in_its_language(alice, language, total, words):
    document = invoice_for(alice, language=language)
    rendered = services.render(document)
    assert rendered.kind == "pdf" and rendered.filename == f"{document.number}.pdf"
    text = " ".join(pdf_text(rendered.content).split())
    assert "Boulangerie Dupont SARL" in text
    assert total in text
    assert words in text
    assert document.number in text


@pytest.mark.parametrize("kind", ["quote", "contract", "act"])
def test_every_kind_prints_with_its_built_in_template(alice, kind):
    document = services.create_from_deal(actor=alice, deal=deal_with_lines(alice), kind=kind)
    text = pdf_text(services.render(document).content)
    assert document.number in text and "Boulangerie Dupont SARL" in text


def test_logo_signature_and_stamp_are_printed(alice):
    entity = legal_entity()
    for name, colour in (("logo", "red"), ("signature", "blue"), ("stamp", "green")):
        getattr(entity, name).save(f"{name}.png", ContentFile(png(colour)), save=False)
    entity.save()
    document = invoice_for(alice)
    pdf = services.render(document).content
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages) == 3


@pytest.mark.parametrize("kind", ["quote", "invoice", "contract", "act"])
@pytest.mark.parametrize("language", ["en", "fr", "ru"])
def test_built_in_docx_fills_every_placeholder(alice, kind, language):
    document = services.create_from_deal(actor=alice, deal=deal_with_lines(alice), kind=kind, language=language)
    document.notes = "Livraison & montage"
    uploaded(kind, builtin.docx_source(kind), format="docx")
    rendered = services.render(document)
    assert rendered.kind == "docx" and rendered.filename.endswith(".docx")
    text = docx_text(rendered.content)
    assert "Boulangerie Dupont SARL" in text and document.number in text and "Livraison & montage" in text
    assert not re.search(r"{[{%]|[}%]}", text)


@pytest.mark.parametrize("kind", ["quote", "invoice", "contract", "act"])
def test_downloadable_html_is_the_built_in_template_in_one_file(alice, kind):
    document = services.create_from_deal(actor=alice, deal=deal_with_lines(alice), kind=kind)
    context = templates.context_for(document, list(document.lines.all()), templates.parties_of(document))
    source = builtin.html_source(kind)
    assert "{% extends" not in source and "{% block" not in source
    alone = rendering.fill_html(source, context)
    inherited = rendering.fill_html(builtin.html_name(kind), context, env=builtin.html_environment())
    assert rendering.visible_text(alone) == rendering.visible_text(inherited)


def test_uploaded_templates_are_chosen_by_language_then_any(alice):
    any_language = uploaded("invoice", "<p>ANY {{ client.name }}</p>")
    uploaded("invoice", "<p>FRENCH {{ client.name }}</p>", language="fr")
    uploaded("quote", "<p>QUOTE {{ client.name }}</p>")
    assert "FRENCH" in pdf_text(services.render(invoice_for(alice, language="fr")).content)
    assert "ANY" in pdf_text(services.render(invoice_for(alice, language="ru")).content)
    chosen = uploaded("invoice", "<p>CHOSEN {{ document.number }}</p>", is_default=False)
    document = invoice_for(alice, language="fr", template=chosen)
    assert "CHOSEN" in pdf_text(services.render(document).content)
    any_language.archived = True
    any_language.save()
    assert "Boulangerie Dupont SARL" in pdf_text(services.render(invoice_for(alice, language="ru")).content)


def test_generate_keeps_the_file_and_replaces_it_next_time(alice, django_capture_on_commit_callbacks):
    document = invoice_for(alice)
    generated = services.generate(actor=alice, document=document)
    assert generated.generated_at is not None
    first = generated.file.name
    assert first.startswith("documents/") and first.endswith(".pdf") and default_storage.exists(first)
    with generated.file.open("rb") as opened:
        assert "Boulangerie Dupont SARL" in pdf_text(opened.read())
    with django_capture_on_commit_callbacks(execute=True):
        again = services.generate(actor=alice, document=generated)
    assert again.file.name != first
    assert default_storage.exists(again.file.name) and not default_storage.exists(first)


def test_failing_admin_template_saves_nothing_and_names_the_placeholder(alice):
    uploaded("invoice", "<p>{{ client.nmae }}</p>")
    document = invoice_for(alice)
    with pytest.raises(Invalid) as refused:
        services.generate(actor=alice, document=document)
    assert "client.nmae" in refused.value.message
    document.refresh_from_db()
    assert not document.file and document.generated_at is None


def test_template_without_its_file_is_a_message(alice):
    template = uploaded("invoice", "<p>x</p>")
    default_storage.delete(template.file.name)
    with pytest.raises(Invalid) as refused:
        services.render(invoice_for(alice))
    assert "lost its file" in refused.value.message


def test_generate_needs_the_right_to_edit(alice, bob, rita, charlie):
    document = invoice_for(alice)
    for outsider in (bob, rita, charlie):
        with pytest.raises(NotAllowed):
            services.generate(actor=outsider, document=document)


def test_cancelled_document_is_not_printed_again(alice):
    from carte.core.errors import Conflict

    document = services.change_status(actor=alice, document=invoice_for(alice), status="cancelled")
    with pytest.raises(Conflict):
        services.generate(actor=alice, document=document)


def test_context_has_raw_values_and_tax_breakdown(alice):
    document = invoice_for(alice)
    context = templates.context_for(document, list(document.lines.order_by("position")), templates.parties_of(document))
    assert context["totals"]["raw"]["total"] == Decimal("1434.56")
    assert [(tax["rate"], tax["tax"]) for tax in context["totals"]["taxes"]] == [("20 %", "200.00 EUR")]
    assert context["lines"][0]["raw"]["quantity"] == Decimal(2) and context["lines"][0]["quantity"] == "2"
    assert context["total_in_words"] == in_words(Decimal("1434.56"), "EUR", "en")
    assert context["contact"]["_present"] is False
