"""Two people paying the whole invoice at the same moment: the row lock lets only one through.

PostgreSQL only: SQLite has a single writer, so the race cannot happen there.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from carte.core.errors import Invalid
from carte.sales.models import Payment, SalesDocument
from carte.sales.services.payments import record_payment
from tests.sales.conftest import make_invoice

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and concurrent writers"),
]
ROUNDS = 5


def test_two_full_payments_at_once_one_is_refused(alice, mia):
    invoices = [make_invoice(alice, total="500.00") for _ in range(ROUNDS)]
    for invoice in invoices:
        outcomes: list[str] = []
        start = threading.Barrier(2)

        def pay(actor, invoice=invoice, outcomes=outcomes, start=start):
            try:
                start.wait()
                record_payment(
                    actor=actor, invoice=invoice, date=timezone.localdate(), amount="500.00", method="transfer"
                )
                outcomes.append("recorded")
            except Invalid:
                outcomes.append("refused")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=pay, args=(actor,)) for actor in (alice, mia)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["recorded", "refused"]
        fresh = SalesDocument.objects.get(pk=invoice.pk)
        assert (fresh.status, fresh.paid) == ("paid", Decimal("500.00"))
        assert Payment.objects.filter(invoice=invoice).count() == 1
