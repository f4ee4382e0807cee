"""The deal card's Documents fragment: what each persona sees, and the "create" menu."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from carte.sales.models import SalesDocument
from carte.sales.queries.documents import documents_for_deal
from carte.sales.testing import DealFactory, currency, legal_entity

pytestmark = pytest.mark.django_db


def document_on(deal, number="INV-2025-0001", **fields):
    values = {
        "kind": "invoice",
        "number": number,
        "year": 2025,
        "sequence": int(number.rsplit("-", 1)[-1]),
        "legal_entity": legal_entity(),
        "client": deal.client,
        "deal": deal,
        "owner": deal.owner,
        "currency": currency(),
        "status": "unpaid",
        "total": Decimal("1234.50"),
        "paid": Decimal("200"),
    }
    return SalesDocument.objects.create(**(values | fields))


def test_owner_sees_documents_with_total_owed_and_create_menu(alice, django_assert_max_num_queries):
    deal = DealFactory(owner=alice)
    document_on(deal)
    with django_assert_max_num_queries(3):
        context = documents_for_deal(alice, deal)
    [row] = context["documents"]
    assert (row.number, row.total, row.owed, row.is_owed) == ("INV-2025-0001", "1,234.50 EUR", "1,034.50 EUR", True)
    assert context["can_create"]
    html = render_to_string("sales/documents/deal_documents.html", context)
    assert "INV-2025-0001" in html
    assert f'action="/deals/{deal.pk}/documents/new/"' in html


def test_reader_sees_documents_without_the_create_menu(alice, rita):
    deal = DealFactory(owner=alice)
    document_on(deal)
    context = documents_for_deal(rita, deal)
    assert len(context["documents"]) == 1
    assert not context["can_create"]
    assert "Create a document" not in render_to_string("sales/documents/deal_documents.html", context)


def test_someone_elses_documents_are_not_listed(alice, charlie):
    deal = DealFactory(owner=alice)
    document_on(deal)
    context = documents_for_deal(charlie, deal)
    assert context["documents"] == [] and not context["can_create"]


def test_no_document_yet_says_so(alice):
    deal = DealFactory(owner=alice)
    legal_entity()
    html = render_to_string("sales/documents/deal_documents.html", documents_for_deal(alice, deal))
    assert "No quote, invoice, contract or act for this deal yet." in html
