"""Helpers shared by the sales tests."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.core.testing import ClientFactory
from carte.sales.models import SalesDocument
from carte.sales.testing import currency, legal_entity

# Far from the numbers the documents services give, so both kinds of invoices can meet in one test.
_invoice_numbers = itertools.count(900_001)


def make_invoice(owner, *, client=None, total="1200.00", status="unpaid", due_in=30, code="EUR", **fields):
    """An invoice written directly (without the documents services): issued and unpaid by default.

    `due_in` is the number of days from today to the due date (negative: overdue; None: no due date).
    """
    sequence = next(_invoice_numbers)
    today = timezone.localdate()
    values = {
        "kind": SalesDocument.Kind.INVOICE,
        "number": f"TEST-INV-{sequence:05d}",
        "year": today.year,
        "sequence": sequence,
        "legal_entity": legal_entity(),
        "client": client or ClientFactory(owner=owner),
        "owner": owner,
        "date": today,
        "due_date": today + timedelta(days=due_in) if due_in is not None else None,
        "currency": currency(code, digits={"JPY": 0, "KWD": 3}.get(code, 2)),
        "status": status,
        "net": Decimal(total),
        "total": Decimal(total),
    }
    return SalesDocument.objects.create(**(values | fields))


@pytest.fixture
def invoice_factory(db):
    return make_invoice
