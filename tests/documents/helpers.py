"""Deals ready to become documents, and text read back from printed files (for the documents tests)."""

import io
from decimal import Decimal

from carte.core.testing import ClientFactory
from carte.sales.models import Deal
from carte.sales.services import documents as services
from carte.sales.testing import DealFactory, add_line, currency, legal_entity, tax


def deal_with_lines(owner, *, client_name="Boulangerie Dupont", code="EUR") -> Deal:
    """A deal of `owner` with two lines: 2 × 500.00 at 20 % and 1 × 234.56 at 0 % (total 1 434.56)."""
    legal_entity()
    client = ClientFactory(owner=owner, name=client_name, legal_name=f"{client_name} SARL")
    deal = DealFactory(owner=owner, client=client, currency=currency(code))
    taxed = add_line(deal, "2", "500.00", tax_rate="20")
    taxed.tax = tax("20")
    taxed.save(update_fields=["tax"])
    add_line(deal, "1", "234.56")
    return deal


def invoice_for(owner, **options):
    """A draft invoice made by the service from a new deal of `owner`."""
    deal = deal_with_lines(owner)
    return services.create_from_deal(actor=options.pop("actor", owner), deal=deal, kind="invoice", **options)


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Thin and no-break spaces (French and Russian thousands) read as plain spaces.
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts).replace("\u202f", " ").replace("\u00a0", " ")


TOTAL = Decimal("1434.56")
