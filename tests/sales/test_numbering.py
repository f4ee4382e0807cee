"""Document numbers: one counter per legal entity, kind and year; a rolled-back creation gives its number back."""

import pytest
from django.db import transaction

from carte.sales.models import NumberSequence, SalesDocument
from carte.sales.services import documents as services
from carte.sales.services.numbering import next_number
from carte.sales.testing import legal_entity
from tests.documents.helpers import deal_with_lines

pytestmark = pytest.mark.django_db


def test_numbers_follow_each_other_per_entity_kind_and_year():
    first, second = legal_entity(), legal_entity(name="Second", invoice_pattern="S{yy}/{number:05}")
    import datetime

    day = datetime.date(2025, 3, 1)
    with transaction.atomic():
        assert next_number(first, "invoice", day) == (2025, 1, "INV-2025-0001")
        assert next_number(first, "invoice", day) == (2025, 2, "INV-2025-0002")
        assert next_number(first, "quote", day) == (2025, 1, "Q-2025-0001")
        assert next_number(second, "invoice", day) == (2025, 1, "S25/00001")
        assert next_number(first, "invoice", datetime.date(2026, 1, 2)) == (2026, 1, "INV-2026-0001")
        assert next_number(first, "invoice", day) == (2025, 3, "INV-2025-0003")
    assert NumberSequence.objects.count() == 4


def test_pattern_change_applies_to_the_next_number():
    import datetime

    entity = legal_entity()
    day = datetime.date(2025, 3, 1)
    with transaction.atomic():
        next_number(entity, "act", day)
        entity.act_pattern = "A-{number}"
        assert next_number(entity, "act", day) == (2025, 2, "A-2")


@pytest.mark.django_db(transaction=True)
def test_next_number_refuses_to_run_outside_a_transaction():
    import datetime

    entity = legal_entity()
    with pytest.raises(RuntimeError):
        next_number(entity, "invoice", datetime.date(2025, 1, 1))
    assert not NumberSequence.objects.exists()


def test_rolled_back_creation_gives_its_number_back(alice):
    deal = deal_with_lines(alice)
    services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_from_deal(actor=alice, deal=deal, kind="invoice")
        raise RuntimeError("the printer caught fire")
    third = services.create_from_deal(actor=alice, deal=deal, kind="invoice")
    assert third.sequence == 2
    assert list(SalesDocument.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]
