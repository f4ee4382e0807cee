"""Rows of the rights matrix for payments.

Payments follow their invoice: Alice's invoice is seen by Ada, Mia (her department's
manager), Alice and Rita (who reads everything); it is hidden from Bob (sellers see their
own documents only) and Charlie. Sellers record payments on their own invoices but delete
none; managers do both for their department; Rita only reads.
"""

from carte.sales.services.payments import record_payment
from tests.rights import EVERYONE, row
from tests.sales.conftest import make_invoice

SEE = {"ada", "mia", "alice", "rita"}
RECORD = {"ada", "mia", "alice"}
DELETE = {"ada", "mia"}
HIDDEN = {"bob", "charlie"}
PAYMENT = {"date": "2024-01-15", "amount": "100.00", "method": "transfer", "reference": "MATRIX"}
INVOICE = ("@alices_invoice",)

ROWS = [
    row("sales:payment_list"),
    row("sales:payment_list", query="?method=transfer&date_from=2024-01-01&find=Bakery"),
    row("sales:payment_create", "POST", allowed=RECORD, hidden=HIDDEN, args=INVOICE, data=PAYMENT),
    row("sales:payment_delete", "POST", allowed=DELETE, hidden=HIDDEN, args=("@alices_payment",)),
    row("GET /api/v1/payments", allowed=EVERYONE),
    row("GET /api/v1/payments", query="?method=transfer&client=1&q=Bakery"),
    row("GET /api/v1/documents/{document_id}/payments", allowed=SEE, hidden=HIDDEN, args=INVOICE),
    row(
        "POST /api/v1/documents/{document_id}/payments",
        "POST",
        allowed=RECORD,
        hidden=HIDDEN,
        args=INVOICE,
        data=PAYMENT,
    ),
    row("DELETE /api/v1/payments/{payment_id}", "DELETE", allowed=DELETE, hidden=HIDDEN, args=("@alices_payment",)),
    row(
        "GET /api/v1/clients/{client_id}/balance",
        allowed=EVERYONE - {"charlie"},
        hidden={"charlie"},
        args=("@alices_client",),
    ),
]


def records(world: dict) -> dict:
    alice, client = world["alice"], world["alices_client"]
    invoice = make_invoice(alice, client=client, total="1200.00")
    paid = make_invoice(alice, client=client, total="300.00")
    payment = record_payment(actor=alice, invoice=paid, date="2024-01-10", amount="100.00", method="cash")
    return {"alices_invoice": invoice, "alices_paid_invoice": paid, "alices_payment": payment}
