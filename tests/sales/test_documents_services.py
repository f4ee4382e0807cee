"""Creating, editing and moving documents: the rules, the rights, and nothing saved when refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carte.clients.models import TimelineEntry
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.events import Recording
from carte.core.models import AuditEntry
from carte.documents.models import DocumentTemplate
from carte.sales.models import NumberSequence, Payment, SalesDocument
from carte.sales.services import documents as services
from carte.sales.testing import legal_entity, tax
from tests.documents.helpers import TOTAL, deal_with_lines, invoice_for

pytestmark = pytest.mark.django_db
Status = SalesDocument.Status


def test_invoice_copies_the_deal(alice):
    deal = deal_with_lines(alice)
    with Recording() as events:
        document = services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    today = timezone.localdate()
    entity = legal_entity()
    assert (document.client, document.owner, document.deal, document.currency_id) == (deal.client, alice, deal, "EUR")
    assert document.status == Status.DRAFT and document.legal_entity == entity
    assert document.number == f"INV-{today.year}-0001" and document.sequence == 1 and document.year == today.year
    assert document.due_date == today + timedelta(days=entity.payment_days)
    assert (document.net, document.tax_amount, document.total) == (Decimal("1234.56"), Decimal("200.00"), TOTAL)
    lines = list(document.lines.order_by("position"))
    assert [(line.description, line.quantity, line.total) for line in lines] == [
        (f"Line of {deal.title}", Decimal("2"), Decimal("1200.00")),
        (f"Line of {deal.title}", Decimal("1"), Decimal("234.56")),
    ]
    assert document.language == entity.language
    assert AuditEntry.objects.filter(model="sales.salesdocument", object_id=str(document.pk), verb="create").exists()
    entry = TimelineEntry.objects.get(client=deal.client, kind="document")
    assert document.number in entry.summary and entry.link == f"/documents/{document.pk}/"
    assert [event.name for event in events] == ["document.created"]


def test_quote_has_no_due_date_and_its_own_numbers(alice):
    deal = deal_with_lines(alice)
    services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    quote = services.create_from_deal(actor=alice, deal=deal, kind="quote", language="fr")
    assert quote.due_date is None and quote.language == "fr"
    assert quote.number.startswith("Q-") and quote.sequence == 1


def test_deal_without_lines_gives_one_line_of_its_amount(alice):
    from carte.sales.testing import DealFactory

    legal_entity()
    deal = DealFactory(owner=alice, amount=Decimal("750.00"))
    document = services.create_from_deal(actor=alice, deal=deal, kind="quote")
    [line] = document.lines.all()
    assert (line.description, line.quantity, line.unit_price, document.total) == (
        deal.title,
        Decimal(1),
        Decimal("750.00"),
        Decimal("750.00"),
    )


def test_other_entity_numbers_apart(alice):
    deal = deal_with_lines(alice)
    other = legal_entity(name="Second", invoice_pattern="B{yy}-{number:03}")
    services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    document = services.create_from_deal(actor=alice, deal=deal, kind="invoice", legal_entity=other)
    assert document.number == f"B{timezone.localdate().year % 100:02d}-001"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "receipt"}, "kind"),
        ({"kind": "invoice", "language": "de"}, "language"),
    ],
)
def test_bad_choice_is_refused_and_nothing_saved(alice, options, field):
    deal = deal_with_lines(alice)
    with pytest.raises(Invalid) as refused:
        services.create_from_deal(actor=alice, deal=deal, **options)
    assert field in refused.value.errors
    assert not SalesDocument.objects.exists() and not NumberSequence.objects.exists()


def test_archived_entity_or_template_of_another_kind_is_refused(alice):
    deal = deal_with_lines(alice)
    archived = legal_entity(name="Old", archived=True)
    with pytest.raises(Invalid) as refused:
        services.create_from_deal(actor=alice, deal=deal, kind="invoice", legal_entity=archived)
    assert "legal_entity" in refused.value.errors
    quote_template = DocumentTemplate.objects.create(name="Q", purpose="quote", format="html", file="templates/q.html")
    with pytest.raises(Invalid) as refused:
        services.create_from_deal(actor=alice, deal=deal, kind="invoice", template=quote_template)
    assert "template" in refused.value.errors
    assert not SalesDocument.objects.exists()


def test_no_legal_entity_yet_says_what_to_do(alice):
    from carte.sales.models import LegalEntity

    deal = deal_with_lines(alice)
    LegalEntity.objects.all().delete()
    with pytest.raises(Invalid) as refused:
        services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    assert "Company details" in str(refused.value.errors["legal_entity"][0])


def test_deal_line_with_archived_tax_is_named(alice):
    deal = deal_with_lines(alice)
    line = deal.lines.first()
    line.tax = tax("7")
    line.save()
    line.tax.archived = True
    line.tax.save()
    with pytest.raises(Invalid) as refused:
        services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    assert "lines.0.tax" in refused.value.errors
    assert not SalesDocument.objects.exists()


def test_rights_to_create(alice, bob, charlie, mia, rita):
    deal = deal_with_lines(alice)
    for outsider in (
        charlie,
        rita,
        bob,
    ):  # charlie cannot see it; rita reads only; bob sees it but may not create for alice
        with pytest.raises(NotAllowed):
            services.create_from_deal(actor=outsider, deal=deal, kind="invoice")
    assert services.create_from_deal(actor=mia, deal=deal, kind="invoice").owner == alice
    assert SalesDocument.objects.count() == 1


# Editing


def test_draft_lines_dates_and_notes_change(alice):
    document = invoice_for(alice)
    new_date = document.date.replace(day=1)
    updated = services.update_document(
        actor=alice,
        document=document,
        version=document.version,
        date=new_date,
        due_date=str(new_date + timedelta(days=10)),
        notes="  Thanks  ",
        lines=[{"description": "Consulting", "quantity": "3", "unit_price": "100.00", "tax": tax("20").pk}],
    )
    assert updated.version == document.version + 1
    assert (updated.date, updated.due_date, updated.notes) == (new_date, new_date + timedelta(days=10), "Thanks")
    assert (updated.net, updated.tax_amount, updated.total) == (Decimal("300.00"), Decimal("60.00"), Decimal("360.00"))
    assert [line.description for line in updated.lines.all()] == ["Consulting"]
    assert AuditEntry.objects.filter(object_id=str(document.pk), verb="update").count() == 1


def test_bad_lines_name_the_line_and_save_nothing(alice):
    document = invoice_for(alice)
    with pytest.raises(Invalid) as refused:
        services.update_document(
            actor=alice,
            document=document,
            version=document.version,
            notes="changed",
            lines=[
                {"description": "Fine", "quantity": "1", "unit_price": "1.00"},
                {"description": "Bad", "quantity": "-2", "unit_price": "1.005"},
            ],
        )
    assert {"lines.1.quantity", "lines.1.unit_price"} <= set(refused.value.errors)
    document.refresh_from_db()
    assert document.notes == "" and document.total == TOTAL and document.lines.count() == 2


def test_stale_version_is_a_conflict(alice):
    document = invoice_for(alice)
    services.update_document(actor=alice, document=document, version=document.version, notes="first")
    with pytest.raises(Conflict):
        services.update_document(actor=alice, document=document, version=document.version, notes="second")
    document.refresh_from_db()
    assert document.notes == "first"


def test_date_stays_in_the_year_of_the_number(alice):
    document = invoice_for(alice)
    with pytest.raises(Invalid) as refused:
        services.update_document(
            actor=alice, document=document, version=document.version, date=document.date.replace(year=document.year - 1)
        )
    assert "date" in refused.value.errors


def test_due_date_before_date_is_refused(alice):
    document = invoice_for(alice)
    with pytest.raises(Invalid) as refused:
        services.update_document(
            actor=alice, document=document, version=document.version, due_date=document.date - timedelta(days=1)
        )
    assert "due_date" in refused.value.errors


def test_issued_document_keeps_its_lines_and_dates(alice):
    document = services.issue(actor=alice, document=invoice_for(alice))
    with pytest.raises(Conflict) as refused:
        services.update_document(actor=alice, document=document, version=document.version, lines=[])
    assert "lines" in refused.value.errors
    with pytest.raises(Conflict):
        services.update_document(
            actor=alice, document=document, version=document.version, due_date=document.due_date + timedelta(days=1)
        )
    # The same dates again (a form sends them all) and new notes are fine.
    updated = services.update_document(
        actor=alice, document=document, version=document.version, due_date=document.due_date, notes="Paid by wire"
    )
    assert updated.notes == "Paid by wire" and updated.lines.count() == 2


def test_only_owner_side_edits(alice, bob, charlie, rita, mia):
    document = invoice_for(alice)
    for outsider in (bob, rita):
        with pytest.raises(NotAllowed):
            services.update_document(actor=outsider, document=document, version=document.version, notes="x")
    with pytest.raises(NotAllowed):
        services.update_document(actor=charlie, document=document, version=document.version, notes="x")
    assert services.update_document(actor=mia, document=document, version=document.version, notes="ok").notes == "ok"


# Statuses


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("quote", ["sent", "accepted"]),
        ("quote", ["sent", "declined"]),
        ("contract", ["sent", "signed"]),
        ("act", ["sent", "signed"]),
        ("invoice", ["unpaid"]),
        ("quote", ["cancelled"]),
        ("contract", ["sent", "signed", "cancelled"]),
        ("invoice", ["unpaid", "cancelled"]),
    ],
)
def test_allowed_paths(alice, kind, path):
    deal = deal_with_lines(alice)
    document = services.create_from_deal(actor=alice, deal=deal, kind=kind)
    with Recording() as events:
        for status in path:
            document = services.change_status(actor=alice, document=document, status=status)
    assert document.status == path[-1]
    assert [event.data["new"] for event in events if event.name == "document.status_changed"] == path
    assert TimelineEntry.objects.filter(client=deal.client, kind="document").count() == 1 + len(path)


@pytest.mark.parametrize(
    ("kind", "path", "refused"),
    [
        ("quote", [], "accepted"),
        ("quote", [], "signed"),
        ("quote", ["sent"], "unpaid"),
        ("contract", [], "signed"),
        ("invoice", [], "sent"),
        ("invoice", ["unpaid"], "draft"),
        ("quote", ["cancelled"], "sent"),
        ("act", ["sent", "signed"], "sent"),
    ],
)
def test_refused_paths(alice, kind, path, refused):
    document = services.create_from_deal(actor=alice, deal=deal_with_lines(alice), kind=kind)
    for status in path:
        document = services.change_status(actor=alice, document=document, status=status)
    with pytest.raises(Conflict):
        services.change_status(actor=alice, document=document, status=refused)
    document.refresh_from_db()
    assert document.status == (path[-1] if path else "draft")


@pytest.mark.parametrize("status", ["paid", "partly_paid", "nonsense"])
def test_payment_statuses_and_unknown_ones_are_not_set_here(alice, status):
    document = services.issue(actor=alice, document=invoice_for(alice))
    with pytest.raises(Invalid):
        services.change_status(actor=alice, document=document, status=status)
    document.refresh_from_db()
    assert document.status == "unpaid"


def test_invoice_with_payments_cannot_be_cancelled(alice):
    document = services.issue(actor=alice, document=invoice_for(alice))
    Payment.objects.create(invoice=document, amount=Decimal("10.00"))
    with pytest.raises(Conflict) as refused:
        services.change_status(actor=alice, document=document, status="cancelled")
    assert "payments" in str(refused.value.message)
    document.refresh_from_db()
    assert document.status == "unpaid"


def test_paid_invoice_cannot_be_cancelled(alice):
    document = services.issue(actor=alice, document=invoice_for(alice))
    SalesDocument.objects.filter(pk=document.pk).update(status="paid")
    document.refresh_from_db()
    assert "cancelled" not in services.allowed_statuses(document)
    with pytest.raises(Conflict):
        services.change_status(actor=alice, document=document, status="cancelled")


def test_invoice_without_lines_is_not_issued(alice):
    document = invoice_for(alice)
    document = services.update_document(actor=alice, document=document, version=document.version, lines=[])
    with pytest.raises(Invalid):
        services.issue(actor=alice, document=document)


def test_cancelled_document_cannot_change(alice):
    document = services.change_status(actor=alice, document=invoice_for(alice), status="cancelled")
    with pytest.raises(Conflict):
        services.update_document(actor=alice, document=document, version=document.version, notes="x")


def test_status_rights(alice, bob, rita, mia):
    document = invoice_for(alice)
    for outsider in (bob, rita):
        with pytest.raises(NotAllowed):
            services.change_status(actor=outsider, document=document, status="unpaid")
    assert services.change_status(actor=mia, document=document, status="unpaid").status == "unpaid"


def test_template_archived_since_is_kept_but_cannot_be_chosen_again(alice):
    chosen = DocumentTemplate.objects.create(name="T", purpose="invoice", format="html", file="templates/t.html")
    document = invoice_for(alice, template=chosen)
    DocumentTemplate.objects.filter(pk=chosen.pk).update(archived=True)
    chosen.refresh_from_db()
    kept = services.update_document(
        actor=alice, document=document, version=document.version, template=chosen, notes="ok"
    )
    assert kept.template == chosen and kept.notes == "ok"
    other = services.update_document(actor=alice, document=kept, version=kept.version, template=None)
    assert other.template is None
    with pytest.raises(Invalid):
        services.update_document(actor=alice, document=other, version=other.version, template=chosen)
