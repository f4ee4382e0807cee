"""Factories for sales records (imported only by tests and benchmarks).

They make what they need themselves (EUR, a legal entity, a pipeline) rather than relying on
the seeded settings, so a test states its own world.
"""

from decimal import Decimal

import factory

from carte.core.money import price_line
from carte.core.testing import ClientFactory, EmployeeFactory
from carte.sales.models import Currency, Deal, DealLine, LegalEntity, Pipeline, Product, Stage, Tax

STAGES = [
    ("New", 10, "open"),
    ("Qualified", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def currency(code: str = "EUR", digits: int = 2) -> Currency:
    found, _ = Currency.objects.get_or_create(code=code, defaults={"name": code, "digits": digits})
    if not found.active:
        found.active = True
        found.save(update_fields=["active"])
    return found


def tax(rate: str = "20", *, included: bool = False) -> Tax:
    name = f"VAT {rate} %{' incl.' if included else ''}"
    return Tax.objects.get_or_create(name=name, defaults={"rate": Decimal(rate), "included": included})[0]


def legal_entity(**fields) -> LegalEntity:
    """The default legal entity (made once), or a new one when fields are given."""
    if not fields:
        found = LegalEntity.objects.filter(is_default=True).first()
        if found:
            return found
        fields = {"is_default": True}
    values = {
        "name": "Carte Test",
        "legal_name": "Carte Test SAS",
        "tax_number": "FR40303265045",
        "address": "1 rue de la Paix, 75002 Paris",
        "bank_name": "Banque Test",
        "bank_account": "FR7630006000011234567890189",
        "bank_code": "AGRIFRPP",
        "default_currency": currency(),
    }
    return LegalEntity.objects.create(**(values | fields))


def pipeline(name: str = "Sales") -> Pipeline:
    """A pipeline with the usual stages (New … Negotiation, Won, Lost), made once per name."""
    found, created = Pipeline.objects.get_or_create(name=name)
    if created:
        Stage.objects.bulk_create(
            Stage(pipeline=found, name=stage, order=order, probability=chance, outcome=outcome)
            for order, (stage, chance, outcome) in enumerate(STAGES, start=1)
        )
    return found


def stage(name: str, of: Pipeline | None = None) -> Stage:
    return (of or pipeline()).stages.get(name=name)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n:04d}")
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    unit = "pc"


class DealFactory(factory.django.DjangoModelFactory):
    """A deal on a new client owned by the deal's owner, in the first stage of the "Sales" pipeline."""

    class Meta:
        model = Deal

    owner = factory.SubFactory(EmployeeFactory)
    client = factory.LazyAttribute(lambda deal: ClientFactory(owner=deal.owner))
    title = factory.Sequence(lambda n: f"Deal {n:05d}")
    pipeline = factory.LazyFunction(pipeline)
    stage = factory.LazyAttribute(lambda deal: deal.pipeline.stages.order_by("order").first())
    currency = factory.LazyFunction(currency)
    amount = Decimal("1000.00")
    probability = factory.LazyAttribute(lambda deal: deal.stage.probability)


def add_line(deal: Deal, quantity: str, unit_price: str, *, tax_rate: str = "0", discount: str = "0") -> DealLine:
    """A line priced as the services price it (for tests that need lines without the services)."""
    amounts = price_line(
        Decimal(quantity),
        Decimal(unit_price),
        discount=Decimal(discount),
        tax_rate=Decimal(tax_rate),
        digits=deal.currency.digits,
    )
    return DealLine.objects.create(
        deal=deal,
        position=deal.lines.count() + 1,
        description=f"Line of {deal.title}",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount=Decimal(discount),
        tax_rate=Decimal(tax_rate),
        net=amounts.net,
        tax_amount=amounts.tax,
        total=amounts.total,
    )
