"""The documents API: list, create from a deal, read, change, statuses, print, download; templates."""

import io

import pytest
from django.test import Client as Browser
from docx import Document

from carte.documents.models import DocumentTemplate
from carte.sales.models import SalesDocument
from carte.sales.services import documents as services
from carte.sales.testing import tax
from tests.documents.helpers import deal_with_lines, invoice_for, pdf_text

pytestmark = pytest.mark.django_db
API = "/api/v1"


def api_for(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def post(browser, url, body=None):
    return browser.post(f"{API}{url}", body or {}, content_type="application/json")


def patch(browser, url, body):
    return browser.patch(f"{API}{url}", body, content_type="application/json")


def test_create_from_a_deal_and_read_it(alice):
    deal = deal_with_lines(alice)
    response = post(api_for(alice), f"/deals/{deal.pk}/documents", {"kind": "invoice", "language": "fr"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "invoice" and data["status"] == "draft" and data["language"] == "fr"
    assert (data["total"], data["net"], data["tax_amount"], data["currency"]) == ("1434.56", "1234.56", "200.00", "EUR")
    assert [(line["unit_price"], line["total"], line["quantity"]) for line in data["lines"]] == [
        ("500.00", "1200.00", "2"),
        ("234.56", "234.56", "1"),
    ]
    assert data["next_statuses"] == ["unpaid", "cancelled"] and data["sequence"] == 1
    read = api_for(alice).get(f"{API}/documents/{data['id']}")
    assert read.status_code == 200 and read.json()["number"] == data["number"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "receipt"}, "kind"),
        ({"kind": "invoice", "language": "de"}, "language"),
        ({"kind": "invoice", "legal_entity": 999999}, "legal_entity"),
        ({"kind": "invoice", "template": 999999}, "template"),
    ],
)
def test_create_refuses_bad_values_by_name(alice, body, field):
    deal = deal_with_lines(alice)
    response = post(api_for(alice), f"/deals/{deal.pk}/documents", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not SalesDocument.objects.exists()


def test_create_on_a_hidden_deal_is_not_found(alice, charlie):
    deal = deal_with_lines(alice)
    assert post(api_for(charlie), f"/deals/{deal.pk}/documents", {"kind": "invoice"}).status_code == 404


def test_list_and_filters(alice, charlie):
    invoice = invoice_for(alice)
    quote = services.create_from_deal(actor=alice, deal=deal_with_lines(alice), kind="quote")
    invoice_for(charlie)
    browser = api_for(alice)
    everything = browser.get(f"{API}/documents").json()
    assert everything["count"] == 2
    assert [row["number"] for row in browser.get(f"{API}/documents?kind=quote").json()["results"]] == [quote.number]
    assert browser.get(f"{API}/documents?client={invoice.client_id}").json()["count"] == 1
    assert browser.get(f"{API}/documents?ordering=-total").status_code == 200
    refused = browser.get(f"{API}/documents?status=lost")
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_patch_lines_and_notes_of_a_draft(alice):
    document = invoice_for(alice)
    body = {
        "version": document.version,
        "notes": "Merci",
        "lines": [{"description": "Audit", "quantity": "2", "unit_price": "150.00", "tax": tax("20").pk}],
    }
    response = patch(api_for(alice), f"/documents/{document.pk}", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["notes"] == "Merci" and data["total"] == "360.00" and len(data["lines"]) == 1
    assert data["version"] == document.version + 1


def test_patch_bad_line_is_named_and_nothing_saved(alice):
    document = invoice_for(alice)
    body = {"version": document.version, "lines": [{"description": "X", "quantity": "0", "unit_price": "1"}]}
    response = patch(api_for(alice), f"/documents/{document.pk}", body)
    assert response.status_code == 400 and "lines.0.quantity" in response.json()["errors"]
    document.refresh_from_db()
    assert document.lines.count() == 2


def test_patch_stale_version_and_issued_lines_are_conflicts(alice):
    document = invoice_for(alice)
    browser = api_for(alice)
    assert patch(browser, f"/documents/{document.pk}", {"version": 99, "notes": "x"}).status_code == 409
    services.issue(actor=alice, document=document)
    document.refresh_from_db()
    response = patch(browser, f"/documents/{document.pk}", {"version": document.version, "lines": []})
    assert response.status_code == 409


def test_status_changes(alice, rita):
    document = invoice_for(alice)
    assert post(api_for(rita), f"/documents/{document.pk}/status", {"status": "unpaid"}).status_code == 403
    response = post(api_for(alice), f"/documents/{document.pk}/status", {"status": "unpaid"})
    assert response.status_code == 200 and response.json()["status"] == "unpaid"
    assert post(api_for(alice), f"/documents/{document.pk}/status", {"status": "paid"}).status_code == 400
    assert post(api_for(alice), f"/documents/{document.pk}/status", {"status": "accepted"}).status_code == 409


def test_generate_and_download(alice, rita, charlie):
    document = invoice_for(alice)
    assert api_for(alice).get(f"{API}/documents/{document.pk}/file").status_code == 404
    response = post(api_for(alice), f"/documents/{document.pk}/generate")
    assert response.status_code == 200 and response.json()["has_file"] is True
    download = api_for(rita).get(f"{API}/documents/{document.pk}/file")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "Boulangerie Dupont SARL" in pdf_text(b"".join(download.streaming_content))
    assert api_for(charlie).get(f"{API}/documents/{document.pk}/file").status_code == 404


def test_generate_with_a_broken_template_names_the_placeholder(alice):
    from django.core.files.base import ContentFile

    template = DocumentTemplate(name="Broken", purpose="invoice", format="html", is_default=True)
    template.file.save("b.html", ContentFile(b"<p>{{ totals.totl }}</p>"), save=True)
    document = invoice_for(alice)
    response = post(api_for(alice), f"/documents/{document.pk}/generate")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["Unknown placeholder “totals.totl”."]


def docx_upload(text: str) -> io.BytesIO:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    out.name = "template.docx"
    return out


def test_templates_upload_list_and_delete(ada, alice):
    browser = api_for(ada)
    form = {"name": "Ours", "purpose": "invoice", "format": "docx", "is_default": "true"}
    created = browser.post(f"{API}/document-templates", form | {"file": docx_upload("{{ client.name }}")})
    assert created.status_code == 201, created.content
    assert created.json()["is_default"] is True and created.json()["format"] == "docx"
    refused = browser.post(f"{API}/document-templates", form | {"file": docx_upload("{{ client.nmae }}")})
    assert refused.status_code == 400 and "client.nmae" in refused.json()["errors"]["file"][0]
    listed = api_for(alice).get(f"{API}/document-templates").json()
    assert [template["name"] for template in listed] == ["Ours"]
    seller = api_for(alice).post(f"{API}/document-templates", form | {"file": docx_upload("{{ client.name }}")})
    assert seller.status_code == 403
    as_json = post(
        browser,
        "/document-templates",
        {
            "name": "Json",
            "purpose": "quote",
            "format": "html",
            "content_base64": "PHA+e3sgY2xpZW50Lm5hbWUgfX08L3A+",
        },
    )
    assert as_json.status_code == 201, as_json.content
    bad = post(
        browser, "/document-templates", {"name": "X", "purpose": "quote", "format": "html", "content_base64": "@@"}
    )
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    assert post(browser, "/document-templates", {"name": "X", "purpose": "quote", "format": "html"}).status_code == 400
    assert browser.delete(f"{API}/document-templates/{as_json.json()['id']}").status_code == 204
    assert browser.delete(f"{API}/document-templates/{created.json()['id']}").status_code == 204
    assert not DocumentTemplate.objects.exists()
    assert browser.delete(f"{API}/document-templates/999999").status_code == 404
