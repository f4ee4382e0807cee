"""The document screens: list, page, create from a deal, edit, statuses, print, download, client tab, templates."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from carte.documents.models import DocumentTemplate
from carte.sales.models import SalesDocument
from carte.sales.services import documents as services
from carte.sales.testing import tax
from tests.documents.helpers import deal_with_lines, invoice_for, pdf_text
from tests.screens import assert_csp_safe, browser_for

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# The list


def test_list_shows_what_the_user_may_see_in_bounded_queries(alice, charlie, django_assert_max_num_queries):
    for _ in range(3):
        invoice_for(alice)
    invoice_for(charlie)
    browser = browser_for(alice)
    browser.get(reverse("sales:document_list"))  # warm the per-user caches (rights, menu)
    with django_assert_max_num_queries(14):
        response = browser.get(reverse("sales:document_list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    assert_csp_safe(response.content.decode())
    for _ in range(10):
        invoice_for(alice)
    with django_assert_max_num_queries(14):
        response = browser.get(reverse("sales:document_list"))
    assert len(response.context["rows"]) == 13


def test_list_filters(alice):
    invoice = services.issue(actor=alice, document=invoice_for(alice))
    SalesDocument.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    quote = services.create_from_deal(actor=alice, deal=deal_with_lines(alice, client_name="Other"), kind="quote")
    browser = browser_for(alice)
    url = reverse("sales:document_list")

    def numbers(**params):
        return [row.number for row in browser.get(url, params).context["rows"]]

    assert numbers(kind="quote") == [quote.number]
    assert numbers(status="unpaid") == [invoice.number]
    assert numbers(overdue="1") == [invoice.number]
    assert numbers(client=quote.client_id) == [quote.number]
    today = timezone.localdate()
    assert sorted(numbers(start=today.isoformat(), end=today.isoformat())) == sorted([invoice.number, quote.number])
    assert numbers(end=(today - timedelta(days=1)).isoformat()) == []


def test_bad_filter_is_a_message_not_an_error(alice):
    response = browser_for(alice).get(reverse("sales:document_list"), {"kind": "receipt", "start": "yesterday"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown kind of document: receipt." in html and "Enter a date as YYYY-MM-DD." in html


# A document's page


def test_page_shows_the_draft_with_its_editor_in_bounded_queries(alice, django_assert_max_num_queries):
    document = invoice_for(alice)
    browser = browser_for(alice)
    browser.get(reverse("sales:document_detail", args=[document.pk]))
    with django_assert_max_num_queries(25):
        response = browser.get(reverse("sales:document_detail", args=[document.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert document.number in html and "1,434.56 EUR" in html
    assert "lines-0-description" in html  # the line editor
    assert "Issue the invoice" in html and "Cancel the document" in html
    assert_csp_safe(html)


def test_reader_sees_the_page_without_editing(alice, rita):
    document = invoice_for(alice)
    response = browser_for(rita).get(reverse("sales:document_detail", args=[document.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and document.number in html
    assert "lines-0-description" not in html and "Issue the invoice" not in html and "Generate" not in html


def test_hidden_document_is_not_found(alice, charlie):
    document = invoice_for(alice)
    assert browser_for(charlie).get(reverse("sales:document_detail", args=[document.pk])).status_code == 404
    assert browser_for(charlie).get(reverse("sales:document_file", args=[document.pk])).status_code == 404


# Created from a deal


def test_create_from_the_deal_card(alice):
    deal = deal_with_lines(alice)
    response = browser_for(alice).post(
        reverse("sales:document_create", args=[deal.pk]), {"kind": "quote", "language": "fr"}
    )
    document = SalesDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sales:document_detail", args=[document.pk])
    assert (document.kind, document.language, document.deal) == ("quote", "fr", deal)


def test_create_with_a_bad_kind_says_so(alice):
    deal = deal_with_lines(alice)
    response = browser_for(alice).post(
        reverse("sales:document_create", args=[deal.pk]), {"kind": "receipt"}, follow=True
    )
    assert response.status_code in (200, 400)
    assert "receipt" in response.content.decode()
    assert not SalesDocument.objects.exists()


def test_create_on_a_hidden_deal_is_not_found(alice, charlie):
    deal = deal_with_lines(alice)
    response = browser_for(charlie).post(reverse("sales:document_create", args=[deal.pk]), {"kind": "invoice"})
    assert response.status_code == 404


# Editing


def test_draft_is_saved_with_its_lines(alice):
    document = invoice_for(alice)
    data = {
        "version": document.version,
        "date": document.date.isoformat(),
        "due_date": (document.date + timedelta(days=5)).isoformat(),
        "language": "en",
        "template": "",
        "notes": "Thank you",
        "lines-0-description": "Audit",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "150.00",
        "lines-0-tax": str(tax("20").pk),
    }
    response = browser_for(alice).post(reverse("sales:document_edit", args=[document.pk]), data)
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.notes, document.total, document.lines.count()) == ("Thank you", Decimal("360.00"), 1)


def test_bad_line_is_shown_beside_it_and_nothing_saved(alice):
    document = invoice_for(alice)
    data = {
        "version": document.version,
        "date": document.date.isoformat(),
        "language": "en",
        "notes": "changed",
        "lines-0-description": "Audit",
        "lines-0-quantity": "-1",
        "lines-0-unit_price": "1.999",
    }
    response = browser_for(alice).post(reverse("sales:document_edit", args=[document.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The quantity must be more than zero." in html and "Enter at most 2 decimals." in html
    document.refresh_from_db()
    assert document.notes == "" and document.lines.count() == 2


def test_issued_invoice_edits_only_notes(alice):
    document = services.issue(actor=alice, document=invoice_for(alice))
    browser = browser_for(alice)
    page = browser.get(reverse("sales:document_detail", args=[document.pk])).content.decode()
    assert "lines-0-description" not in page and 'id="document-date"' not in page
    data = {"version": document.version, "language": "fr", "template": "", "notes": "Relance"}
    assert browser.post(reverse("sales:document_edit", args=[document.pk]), data).status_code == 302
    document.refresh_from_db()
    assert (document.notes, document.language, document.lines.count()) == ("Relance", "fr", 2)


def test_stale_form_is_a_conflict(alice):
    document = invoice_for(alice)
    services.update_document(actor=alice, document=document, version=document.version, notes="first")
    data = {"version": document.version, "date": document.date.isoformat(), "language": "en", "notes": "second"}
    response = browser_for(alice).post(reverse("sales:document_edit", args=[document.pk]), data)
    assert response.status_code == 409


def test_reader_cannot_edit(alice, rita):
    document = invoice_for(alice)
    data = {"version": document.version, "date": document.date.isoformat(), "language": "en", "notes": "x"}
    assert browser_for(rita).post(reverse("sales:document_edit", args=[document.pk]), data).status_code == 403


# Statuses, printing, downloading


def test_status_buttons_move_the_document(alice):
    document = invoice_for(alice)
    response = browser_for(alice).post(reverse("sales:document_status", args=[document.pk]), {"status": "unpaid"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == "unpaid"
    refused = browser_for(alice).post(reverse("sales:document_status", args=[document.pk]), {"status": "signed"})
    assert refused.status_code == 409


def test_generate_then_download(alice, rita, mia):
    document = invoice_for(alice)
    browser = browser_for(alice)
    response = browser.post(reverse("sales:document_generate", args=[document.pk]), follow=True)
    assert "The document was generated" in " ".join(messages_of(response))
    document.refresh_from_db()
    assert document.file
    for viewer in (alice, rita, mia):
        download = browser_for(viewer).get(reverse("sales:document_file", args=[document.pk]))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["X-Content-Type-Options"] == "nosniff"
        assert f'filename="{document.number}.pdf"' in download["Content-Disposition"]
        assert "Boulangerie Dupont SARL" in pdf_text(b"".join(download.streaming_content))


def test_failing_template_is_a_message_and_nothing_is_saved(alice):
    template = DocumentTemplate(name="Broken", purpose="invoice", format="html", is_default=True)
    template.file.save("broken.html", SimpleUploadedFile("b.html", b"<p>{{ client.nmae }}</p>"), save=True)
    document = invoice_for(alice)
    response = browser_for(alice).post(reverse("sales:document_generate", args=[document.pk]), follow=True)
    assert response.status_code == 200
    assert "Unknown placeholder “client.nmae”." in messages_of(response)
    document.refresh_from_db()
    assert not document.file


def test_download_before_generation_is_not_found(alice):
    document = invoice_for(alice)
    assert browser_for(alice).get(reverse("sales:document_file", args=[document.pk])).status_code == 404


def test_reader_cannot_generate(alice, rita):
    document = invoice_for(alice)
    assert browser_for(rita).post(reverse("sales:document_generate", args=[document.pk])).status_code == 403


# The client card and the deal card


def test_client_card_tab_lists_documents_with_what_is_owed(alice, charlie, django_assert_max_num_queries):
    document = services.issue(actor=alice, document=invoice_for(alice))
    browser = browser_for(alice)
    url = reverse("clients:tab", args=[document.client_id, "documents"])
    browser.get(url, headers=HTMX)
    with django_assert_max_num_queries(20):
        response = browser.get(url, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert document.number in html and "1,434.56 EUR" in html and "Still owed" in html
    assert_csp_safe(html)
    # Someone who cannot see the client's documents sees no tab at all.
    assert browser_for(charlie).get(url, headers=HTMX).status_code == 404


def test_documents_menu_entry(alice):
    html = browser_for(alice).get(reverse("sales:document_list")).content.decode()
    assert f'href="{reverse("sales:document_list")}"' in html


# Settings → Document templates


def test_templates_page_lists_and_offers_built_ins(ada, alice):
    response = browser_for(ada).get(reverse("sales:template_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        reverse("sales:template_builtin", args=["invoice", "docx"]) in html and 'enctype="multipart/form-data"' in html
    )
    assert_csp_safe(html)
    seller = browser_for(alice).get(reverse("sales:template_list")).content.decode()
    assert 'enctype="multipart/form-data"' not in seller


def test_upload_through_the_form(ada):
    browser = browser_for(ada)
    good = SimpleUploadedFile("mine.html", b"<p>{{ client.name }}</p>", content_type="text/html")
    data = {"name": "Mine", "purpose": "invoice", "format": "html", "language": "", "is_default": "on", "file": good}
    assert browser.post(reverse("sales:template_upload"), data).status_code == 302
    bad = SimpleUploadedFile("bad.html", b"<p>{{ client.nmae }}</p>", content_type="text/html")
    response = browser.post(reverse("sales:template_upload"), data | {"name": "Bad", "file": bad})
    assert response.status_code == 422
    assert "Unknown placeholder “client.nmae”." in response.content.decode()
    assert list(DocumentTemplate.objects.values_list("name", flat=True)) == ["Mine"]


def test_upload_needs_the_right(mia):
    file = SimpleUploadedFile("mine.html", b"<p>{{ client.name }}</p>")
    data = {"name": "Mine", "purpose": "invoice", "format": "html", "file": file}
    assert browser_for(mia).post(reverse("sales:template_upload"), data).status_code == 403


def test_download_and_delete_a_template(ada, django_capture_on_commit_callbacks):
    template = DocumentTemplate(name="Mine", purpose="invoice", format="html")
    template.file.save("m.html", SimpleUploadedFile("m.html", b"<p>{{ client.name }}</p>"), save=True)
    browser = browser_for(ada)
    download = browser.get(reverse("sales:template_file", args=[template.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"<p>{{ client.name }}</p>"
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(reverse("sales:template_delete", args=[template.pk])).status_code == 302
    assert not DocumentTemplate.objects.exists()


@pytest.mark.parametrize(
    ("kind", "format", "content_type"),
    [
        ("invoice", "html", "text/html; charset=utf-8"),
        ("act", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_built_in_download(alice, kind, format, content_type):
    response = browser_for(alice).get(reverse("sales:template_builtin", args=[kind, format]))
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment")


def test_unknown_built_in_is_not_found(alice):
    assert browser_for(alice).get(reverse("sales:template_builtin", args=["receipt", "html"])).status_code == 404


def test_deal_card_lists_its_documents_and_offers_to_create_one(alice, rita):
    document = invoice_for(alice)
    url = reverse("sales:deal_detail", args=[document.deal_id])
    html = browser_for(alice).get(url).content.decode()
    assert document.number in html and reverse("sales:document_create", args=[document.deal_id]) in html
    reader = browser_for(rita).get(url).content.decode()
    assert document.number in reader and reverse("sales:document_create", args=[document.deal_id]) not in reader
