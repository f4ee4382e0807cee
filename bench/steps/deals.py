"""Deals (300,000 with 1,000,000 lines in the medium set), their stage history, invoices and payments.

The board pipeline (the installation's default one) holds 10,000 open deals (medium) of the first
department, the one whose manager the board scenario logs in as; other open deals sit in
two more pipelines, and most deals are closed, won or lost, over the last two years. Lines
are priced from a catalogue of 2,000 products exactly as the services price them, so a
deal's amount is the sum of its lines' totals and every report sum can be checked against
raw SQL.
"""

import random
from datetime import timedelta
from decimal import Decimal

from bench import bulk
from bench.generate import NOW, Load
from carte.accounts.models import Department, Employee
from carte.core.money import price_line, to_stored
from carte.sales.models import (
    Deal,
    DealLine,
    DocumentLine,
    LegalEntity,
    NumberSequence,
    Payment,
    Pipeline,
    Price,
    PriceList,
    Product,
    SalesDocument,
    Stage,
    StageChange,
    Tax,
)
from carte.sales.testing import STAGES, currency
from carte.sales.testing import pipeline as sales_pipeline

PRODUCTS = 2_000  # at most; a small data set gets one product for 30 deals
INVOICED_SHARE = 0.1  # of won deals
HISTORY = timedelta(days=730)
WON_SHARE = 0.4  # of closed deals
ZERO = Decimal(0)


def catalogue(load: Load) -> int:
    """Products and their retail prices in euros, a legal entity and a tax: what the deals are priced from."""
    rng = load.random("catalogue")
    count = min(PRODUCTS, max(10, load.size.deals // 30))
    euro = currency("EUR")
    tax = Tax.objects.filter(rate=Decimal(20)).first() or Tax.objects.create(name="VAT 20 %", rate=Decimal(20))
    retail = PriceList.objects.create(name="Retail", currency=euro, is_default=not PriceList.objects.exists())
    first = bulk.next_id(Product)
    units = ("pc", "h", "day", "kg", "m")
    products = [
        (
            first + index,
            "service" if index % 3 == 0 else "product",
            f"B-{index:05d}",
            f"Article {index:05d}",
            rng.choice(units),
            tax.pk,
            False,
            NOW,
            NOW,
            "",
        )
        for index in range(count)
    ]
    bulk.insert(
        Product,
        ("id", "kind", "sku", "name", "unit", "tax", "archived", "created_at", "updated_at", "description"),
        products,
    )
    prices = {pk: Decimal(rng.randrange(500, 250_000)) / 100 for pk, *_ in products}
    bulk.insert(
        Price, ("price_list", "product", "unit_price"), ((retail.pk, pk, to_stored(p)) for pk, p in prices.items())
    )
    bulk.reset_sequences([Product])
    entity = LegalEntity.objects.filter(is_default=True).first() or LegalEntity.objects.create(
        name="Bench", legal_name="Bench SARL", default_currency=euro, default_tax=tax, is_default=True
    )
    load.info["catalogue"] = {"prices": prices, "units": {pk: unit for pk, _, _, _, unit, *_ in products}}
    load.info["entity"], load.info["tax"] = entity.pk, tax.pk
    return len(products) + len(prices)


def deals(load: Load) -> int:
    """The deals, their lines and their stage history."""
    rng = load.random("deals")
    pipelines = _pipelines()
    board = pipelines[0]
    department = Department.objects.order_by("pk").first()
    load.info["board_pipeline"] = board.pk
    load.info["manager"] = department.head.username
    first_department = {staff.id for staff in load.employees if staff.department == 0 and staff.owner_weight}
    by_owner: dict[int, list[int]] = {}
    for seed in load.clients:
        by_owner.setdefault(seed.owner, []).append(seed.id)
    owners = sorted(by_owner)
    # The board's deals belong to the first department's sellers and manager (every fifth to the
    # benchmark's seller, whose own deals the deal card scenario opens), on the department's clients.
    board_owners = sorted(first_department)
    seller = Employee.objects.get(username=load.info["seller"]).pk
    department_clients = sorted(client for owner in board_owners for client in by_owner.get(owner, []))
    size = load.size
    board_open, other_open = size.board_deals, min(2 * size.board_deals, size.deals // 3)
    counts = _line_counts(rng, size.deals, size.deal_lines)
    catalogue_info = load.info.pop("catalogue")
    prices, units = catalogue_info["prices"], catalogue_info["units"]
    products = sorted(prices)
    tax_rate = Tax.objects.get(pk=load.info["tax"]).rate
    first_deal, first_line = bulk.next_id(Deal), bulk.next_id(DealLine)
    deal_rows, line_rows, changes, won = [], [], [], []
    line_id = first_line
    for index in range(size.deals):
        deal_id = first_deal + index
        if index < board_open:
            pipeline, outcome = board, "open"
            owner = seller if index % 5 == 0 else rng.choice(board_owners)
        elif index < board_open + other_open:
            pipeline, owner, outcome = rng.choice(pipelines[1:]), rng.choice(owners), "open"
        else:
            pipeline, owner = rng.choice(pipelines), rng.choice(owners)
            outcome = "won" if rng.random() < WON_SHARE else "lost"
        stage = rng.choice(pipeline.open_stages) if outcome == "open" else pipeline.closing[outcome]
        created = NOW - HISTORY * rng.random()
        entered = created + (NOW - created) * rng.random()
        amount = ZERO
        for position in range(1, counts[index] + 1):
            product = rng.choice(products)
            quantity = Decimal(rng.choice((1, 1, 2, 3, 5, 10, 25)))
            discount = Decimal(rng.choice((0, 0, 0, 5, 10)))
            priced = price_line(quantity, prices[product], discount=discount, tax_rate=tax_rate)
            amount += priced.total
            line_rows.append(
                _line_row(
                    line_id,
                    deal_id,
                    position,
                    product,
                    units[product],
                    quantity,
                    prices[product],
                    discount,
                    load.info["tax"],
                    tax_rate,
                    priced,
                )
            )
            line_id += 1
        client = rng.choice(department_clients if index < board_open else by_owner[owner])
        closed = entered if outcome != "open" else None
        expected = (entered + timedelta(days=rng.randrange(5, 120))).date()
        deal_rows.append(
            (
                deal_id,
                client,
                f"Deal {deal_id:06d}",
                owner,
                pipeline.pk,
                stage.pk,
                to_stored(amount),
                "EUR",
                expected,
                stage.probability,
                entered,
                closed,
                created,
                entered,
                1,
                "",
            )
        )
        changes.append((deal_id, None, pipeline.first_stage.pk, created, owner))
        if stage.pk != pipeline.first_stage.pk:
            changes.append((deal_id, pipeline.first_stage.pk, stage.pk, entered, owner))
        if outcome == "won" and (not won or rng.random() < INVOICED_SHARE):
            won.append((deal_id, client, owner, entered, amount, len(line_rows) - counts[index], counts[index]))
    written = bulk.insert(
        Deal,
        (
            "id",
            "client",
            "title",
            "owner",
            "pipeline",
            "stage",
            "amount",
            "currency",
            "expected_close",
            "probability",
            "stage_entered_at",
            "closed_at",
            "created_at",
            "updated_at",
            "version",
            "notes",
        ),
        deal_rows,
    )
    written += bulk.insert(DealLine, LINE_FIELDS, line_rows)
    written += bulk.insert(StageChange, ("deal", "from_stage", "to_stage", "at", "actor"), changes)
    written += _invoices(load, rng, won, line_rows)
    bulk.reset_sequences([Deal, DealLine, StageChange, SalesDocument, DocumentLine, Payment])
    load.info["deals"] = {"first": first_deal, "count": size.deals}
    return written


class _Pipeline:
    """A pipeline with its stages sorted as the generator needs them."""

    def __init__(self, pipeline: Pipeline):
        self.pk = pipeline.pk
        stages = list(pipeline.stages.order_by("order"))
        self.first_stage = stages[0]
        self.open_stages = [stage for stage in stages if stage.outcome == "open"]
        self.closing = {outcome: next(s for s in stages if s.outcome == outcome) for outcome in ("won", "lost")}


def _pipelines() -> list[_Pipeline]:
    """The installation's default pipeline first (the board), then two more made here."""
    made = []
    for name in ("Renewals", "Partners"):
        pipeline = Pipeline.objects.create(name=name, order=Pipeline.objects.count() + 1)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=stage, order=order, probability=chance, outcome=outcome)
            for order, (stage, chance, outcome) in enumerate(STAGES, start=1)
        )
        made.append(pipeline)
    seeded = Pipeline.objects.exclude(pk__in=[pipeline.pk for pipeline in made]).order_by("-is_default", "order", "pk")
    board = seeded.first() or sales_pipeline("Sales")
    return [_Pipeline(pipeline) for pipeline in [board, *made]]


def _line_counts(rng: random.Random, deals: int, lines: int) -> list[int]:
    """How many lines each deal has: `lines` in all, spread as evenly as whole numbers allow (3 or 4)."""
    counts = [lines // deals] * deals
    for index in rng.sample(range(deals), lines - sum(counts)):
        counts[index] += 1
    return counts


LINE_FIELDS = (
    "id",
    "deal",
    "position",
    "product",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount",
    "tax",
    "tax_rate",
    "tax_included",
    "net",
    "tax_amount",
    "total",
)


def _line_row(line_id, deal_id, position, product, unit, quantity, price, discount, tax, rate, priced):
    return (
        line_id,
        deal_id,
        position,
        product,
        f"Article {product}",
        to_stored(quantity),
        unit,
        to_stored(price),
        discount,
        tax,
        rate,
        False,
        to_stored(priced.net),
        to_stored(priced.tax),
        to_stored(priced.total),
    )


def _invoices(load: Load, rng: random.Random, won: list, line_rows: list) -> int:
    """An invoice for a tenth of the won deals, its lines copied, most of them paid (some in part)."""
    entity = load.info["entity"]
    first_document, first_line = bulk.next_id(SalesDocument), bulk.next_id(DocumentLine)
    sequences: dict[int, int] = {}
    documents, lines, payments = [], [], []
    for offset, (deal_id, client, owner, closed, amount, start, count) in enumerate(sorted(won, key=lambda w: w[3])):
        document_id = first_document + offset
        year = closed.year
        sequences[year] = sequences.get(year, 0) + 1
        draw = rng.random()
        paid = amount if draw < 0.7 else (amount / 2).quantize(Decimal("0.01")) if draw < 0.8 else ZERO
        status = "paid" if paid == amount else "partly_paid" if paid else "unpaid"
        net = tax = ZERO
        for position, row in enumerate(line_rows[start : start + count], start=1):
            lines.append((first_line + len(lines), document_id, position, *row[3:]))
            net, tax = net + Decimal(row[12]).scaleb(-3), tax + Decimal(row[13]).scaleb(-3)
        documents.append(
            (
                document_id,
                "invoice",
                f"INV-{year}-{sequences[year]:05d}",
                year,
                sequences[year],
                entity,
                client,
                deal_id,
                owner,
                closed.date(),
                (closed + timedelta(days=30)).date(),
                "EUR",
                "fr",
                status,
                to_stored(net),
                to_stored(tax),
                to_stored(amount),
                to_stored(paid),
                closed,
                closed,
                1,
                "",
                "",
            )
        )
        if paid:
            payments.append(
                (
                    document_id,
                    (closed + timedelta(days=rng.randrange(1, 40))).date(),
                    to_stored(paid),
                    "transfer",
                    closed,
                    "",
                    "",
                    False,
                )
            )
    written = bulk.insert(
        SalesDocument,
        (
            "id",
            "kind",
            "number",
            "year",
            "sequence",
            "legal_entity",
            "client",
            "deal",
            "owner",
            "date",
            "due_date",
            "currency",
            "language",
            "status",
            "net",
            "tax_amount",
            "total",
            "paid",
            "created_at",
            "updated_at",
            "version",
            "notes",
            "file",
        ),
        documents,
    )
    written += bulk.insert(DocumentLine, ("id", "document", *LINE_FIELDS[2:]), lines)
    written += bulk.insert(
        Payment, ("invoice", "date", "amount", "method", "created_at", "reference", "note", "overpayment"), payments
    )
    NumberSequence.objects.bulk_create(
        NumberSequence(legal_entity_id=entity, kind="invoice", year=year, last=last) for year, last in sequences.items()
    )
    load.info["invoices"] = [documents[0][0], documents[-1][0]] if documents else []
    return written
