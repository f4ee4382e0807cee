"""Rows of the rights matrix for quotes, invoices, contracts and acts, and document templates.

A document follows its owner, the owner of the deal it came from. Alice's documents are seen
by Ada, Mia (her department's manager), Alice and Rita (who reads everything); they are hidden
from Bob (sellers see their own documents only) and Charlie. Alice and Mia change them, Rita
only reads. Templates are sales settings: everyone reads them, the administrator changes them.
"""

from django.core.files.base import ContentFile
from django.utils import timezone

from carte.documents.models import DocumentTemplate
from carte.sales.services.documents import create_from_deal
from carte.sales.testing import DealFactory, add_line, legal_entity
from tests.rights import ADMIN, EVERYONE, row

SEE = {"ada", "mia", "alice", "rita"}
EDIT = {"ada", "mia", "alice"}
HIDDEN = {"bob", "charlie"}
DRAFT = ("@alices_draft",)
PRINTED = ("@alices_printed",)
TODAY = timezone.localdate().isoformat()
TEMPLATE_HTML = b"<p>{{ client.name }} {{ totals.total }}</p>"


class Upload:
    """A file for the test client's multipart form that reads the same bytes for every persona."""

    def __init__(self, name: str, content: bytes, content_type: str):
        self.name, self.content, self.content_type = name, content, content_type

    def read(self, *args) -> bytes:
        return self.content


EDIT_FORM = {
    "version": "1",
    "date": TODAY,
    "due_date": "",
    "language": "fr",
    "template": "",
    "notes": "Matrix",
    "lines-0-description": "Matrix work",
    "lines-0-quantity": "1",
    "lines-0-unit_price": "10.00",
}
UPLOAD_FORM = {
    "name": "Matrix",
    "purpose": "invoice",
    "format": "html",
    "language": "",
    "file": Upload("matrix.html", TEMPLATE_HTML, "text/html"),
}

ROWS = [
    row("sales:document_list"),
    row("sales:document_list", query="?kind=invoice&status=draft&overdue=1&start=2024-01-01&end=2099-12-31"),
    row("sales:document_detail", allowed=SEE, hidden=HIDDEN, args=DRAFT),
    row("sales:document_edit", allowed=EDIT, hidden=HIDDEN, args=DRAFT),
    row("sales:document_edit", "POST", allowed=EDIT, hidden=HIDDEN, args=DRAFT, data=EDIT_FORM),
    row("sales:document_status", "POST", allowed=EDIT, hidden=HIDDEN, args=DRAFT, data={"status": "unpaid"}),
    row("sales:document_generate", "POST", allowed=EDIT, hidden=HIDDEN, args=DRAFT),
    row("sales:document_file", allowed=SEE, hidden=HIDDEN, args=PRINTED),
    row("sales:document_create", "POST", allowed=EDIT, hidden=HIDDEN, args=("@alices_deal",), data={"kind": "quote"}),
    row("sales:template_list"),
    row("sales:template_upload", allowed=ADMIN),
    row("sales:template_upload", "POST", allowed=ADMIN, data=UPLOAD_FORM),
    row("sales:template_file", args=("@matrix_template",)),
    row("sales:template_delete", "POST", allowed=ADMIN, args=("@matrix_template",)),
    row("sales:template_builtin", args=("invoice", "html")),
    row("sales:template_builtin", args=("contract", "docx")),
    # The API
    row("GET /api/v1/documents"),
    row("GET /api/v1/documents", query="?kind=invoice&status=draft&ordering=-total"),
    row(
        "POST /api/v1/deals/{deal_id}/documents",
        "POST",
        allowed=EDIT,
        hidden=HIDDEN,
        args=("@alices_deal",),
        data={"kind": "invoice", "language": "ru"},
    ),
    row("GET /api/v1/documents/{document_id}", allowed=SEE, hidden=HIDDEN, args=DRAFT),
    row(
        "PATCH /api/v1/documents/{document_id}",
        "PATCH",
        allowed=EDIT,
        hidden=HIDDEN,
        args=DRAFT,
        data={"version": 1, "notes": "Matrix"},
    ),
    row(
        "POST /api/v1/documents/{document_id}/status",
        "POST",
        allowed=EDIT,
        hidden=HIDDEN,
        args=DRAFT,
        data={"status": "unpaid"},
    ),
    row("POST /api/v1/documents/{document_id}/generate", "POST", allowed=EDIT, hidden=HIDDEN, args=DRAFT),
    row("GET /api/v1/documents/{document_id}/file", allowed=SEE, hidden=HIDDEN, args=PRINTED),
    row("GET /api/v1/document-templates", allowed=EVERYONE),
    row(
        "POST /api/v1/document-templates",
        "POST",
        allowed=ADMIN,
        data={
            "name": "Matrix",
            "purpose": "quote",
            "format": "html",
            "content_base64": "PHA+e3sgY2xpZW50Lm5hbWUgfX08L3A+",
        },
    ),
    row("DELETE /api/v1/document-templates/{template_id}", "DELETE", allowed=ADMIN, args=("@matrix_template",)),
]


def records(world: dict) -> dict:
    alice = world["alice"]
    legal_entity()
    deal = DealFactory(owner=alice, client=world["alices_client"])
    add_line(deal, "2", "100.00")
    draft = create_from_deal(actor=alice, deal=deal, kind="invoice")
    printed = create_from_deal(actor=alice, deal=deal, kind="quote")
    printed.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    template = DocumentTemplate(name="Matrix", purpose="invoice", format="html")
    template.file.save("matrix.html", ContentFile(TEMPLATE_HTML), save=True)
    return {"alices_deal": deal, "alices_draft": draft, "alices_printed": printed, "matrix_template": template}
