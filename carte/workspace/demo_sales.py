"""The sales side of the demo company: our legal entity, the catalogue, deals, invoices and payments.

`DemoSales.plan()` draws every sale from the demo's random generator and Faker once the
clients are made (so the clients stay exactly as they were), and `DemoSales.save()` writes
the records in bulk once the clients have their ids. It makes, in the demo's language:

- one legal entity named after the demo company, selling in EUR (English, French) or RUB
  (Russian), a currency it switches on; VAT 20 % is its default tax;
- 25 products and services with their units, priced in the default "Retail" price list;
- 150 deals in the default pipeline: 100 open, spread over its open stages (more in the
  early ones), 30 won and 20 lost with a reason. A deal belongs to its client's owner, has
  1–4 lines priced as `carte.core.money.price_line` prices them (its amount is their total),
  its stage history, and the entries the deal services write on the client's timeline;
- invoices for half of the won deals with the deal's lines, numbered in date order through
  `carte.sales.services.numbering.next_number` (so without gaps in each year); most are paid,
  a few in part, a few not at all (some of those overdue), with their payments.

It writes as the system: no permission checks, no audit entry per record and no domain
events (a demo must not wake automations or notifications). The services' rules are kept
by construction, and tests/workspace/test_demo.py checks them.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import F
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from faker import Faker

from carte.clients.models import Client, ReferenceValue, TimelineEntry
from carte.core.money import ZERO, LineAmounts, price_line, rounded, totals
from carte.sales.models import (
    Currency,
    Deal,
    DealLine,
    DocumentLine,
    LegalEntity,
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
from carte.sales.services.money import seed_money_settings
from carte.sales.services.numbering import next_number
from carte.sales.services.pipelines import seed_pipeline
from carte.sales.services.templates import money

BATCH_SIZE = 500
OPEN_DEALS, WON_DEALS, LOST_DEALS = 100, 30, 20
DEAL_HISTORY = timedelta(days=365)  # deals start at most a year back
CLOSING_TIME = timedelta(days=120)  # a closed deal was decided within four months
DEFAULT_TAX_RATE = Decimal(20)
PAYMENT_DAYS = 30
DISCOUNTS = (5, 10, 15)
Outcome = Stage.Outcome
Status = SalesDocument.Status

PIECE = pgettext_lazy("demo unit", "pc")
BOX = pgettext_lazy("demo unit", "box")
REEL = pgettext_lazy("demo unit", "reel")
HOUR = pgettext_lazy("demo unit", "h")
VISIT = pgettext_lazy("demo unit", "visit")
DAY = pgettext_lazy("demo unit", "day")
MONTH = pgettext_lazy("demo unit", "month")
USER = pgettext_lazy("demo unit", "user")


@dataclass(frozen=True)
class Item:
    """A product or service of the demo catalogue: its retail prices and the quantities people buy."""

    sku: str
    kind: str
    name: object  # a lazy translation, read in the demo's language
    unit: object
    prices: dict[str, str]  # by currency code
    quantities: Sequence


def _item(sku, kind, name, unit, eur, rub, quantities) -> Item:
    return Item(sku, kind, name, unit, {"EUR": eur, "RUB": rub}, quantities)


HOURS = (2, 4, 6, 7.5, 8, 12, 16, 24, 40)
PRODUCT, SERVICE = Product.Kind.PRODUCT, Product.Kind.SERVICE
CATALOGUE = {
    "laptop": _item(
        "HW-1001",
        PRODUCT,
        pgettext_lazy("demo product", "Business laptop, 14-inch"),
        PIECE,
        "1090",
        "98900",
        range(2, 21),
    ),
    "workstation": _item(
        "HW-1002", PRODUCT, pgettext_lazy("demo product", "Desktop workstation"), PIECE, "1450", "129900", range(1, 11)
    ),
    "monitor": _item(
        "HW-1003", PRODUCT, pgettext_lazy("demo product", "27-inch monitor"), PIECE, "289", "27490", range(2, 26)
    ),
    "dock": _item(
        "HW-1004", PRODUCT, pgettext_lazy("demo product", "Docking station"), PIECE, "179", "15990", range(2, 21)
    ),
    "headset": _item(
        "HW-1005", PRODUCT, pgettext_lazy("demo product", "Headset with microphone"), PIECE, "69", "5490", range(5, 41)
    ),
    "printer": _item(
        "HW-1101", PRODUCT, pgettext_lazy("demo product", "A4 laser printer"), PIECE, "349", "32900", range(1, 7)
    ),
    "mfp": _item(
        "HW-1102",
        PRODUCT,
        pgettext_lazy("demo product", "A3 multifunction printer"),
        PIECE,
        "2390",
        "219000",
        range(1, 4),
    ),
    "toner": _item(
        "HW-1103", PRODUCT, pgettext_lazy("demo product", "Toner cartridge"), PIECE, "89", "7990", range(4, 41)
    ),
    "paper": _item(
        "HW-1104",
        PRODUCT,
        pgettext_lazy("demo product", "Copy paper A4, box of 5 reams"),
        BOX,
        "27.50",
        "2150",
        range(10, 121, 5),
    ),
    "access_point": _item(
        "HW-1201", PRODUCT, pgettext_lazy("demo product", "Wi-Fi access point"), PIECE, "239", "19900", range(2, 16)
    ),
    "switch": _item(
        "HW-1202",
        PRODUCT,
        pgettext_lazy("demo product", "Network switch, 24 ports"),
        PIECE,
        "459",
        "42500",
        range(1, 7),
    ),
    "firewall": _item(
        "HW-1203", PRODUCT, pgettext_lazy("demo product", "Firewall appliance"), PIECE, "1290", "118000", (1, 1, 2)
    ),
    "cable": _item(
        "HW-1204",
        PRODUCT,
        pgettext_lazy("demo product", "Network cable, 305 m reel"),
        REEL,
        "149",
        "12900",
        range(1, 7),
    ),
    "nas": _item(
        "HW-1301", PRODUCT, pgettext_lazy("demo product", "Network storage, 4 bays"), PIECE, "899", "79900", (1, 1, 2)
    ),
    "ups": _item(
        "HW-1302",
        PRODUCT,
        pgettext_lazy("demo product", "Uninterruptible power supply, 1500 VA"),
        PIECE,
        "419",
        "36900",
        range(1, 9),
    ),
    "camera": _item(
        "HW-1401",
        PRODUCT,
        pgettext_lazy("demo product", "Conference room camera"),
        PIECE,
        "1190",
        "104000",
        range(1, 5),
    ),
    "installation": _item(
        "SV-2001", SERVICE, pgettext_lazy("demo product", "Installation and setup"), HOUR, "85", "4500", HOURS
    ),
    "visit": _item(
        "SV-2002",
        SERVICE,
        pgettext_lazy("demo product", "Technician visit on site"),
        VISIT,
        "120",
        "6500",
        range(1, 11),
    ),
    "delivery": _item(
        "SV-2003", SERVICE, pgettext_lazy("demo product", "Delivery and unpacking"), VISIT, "65", "3000", (1, 1, 1, 2)
    ),
    "audit": _item("SV-2101", SERVICE, pgettext_lazy("demo product", "Network audit"), DAY, "780", "45000", (1, 2, 3)),
    "migration": _item("SV-2102", SERVICE, pgettext_lazy("demo product", "Data migration"), HOUR, "95", "5200", HOURS),
    "training": _item(
        "SV-2103", SERVICE, pgettext_lazy("demo product", "Staff training, one day"), DAY, "950", "55000", (1, 1, 2, 3)
    ),
    "maintenance": _item(
        "SV-2201",
        SERVICE,
        pgettext_lazy("demo product", "Maintenance contract"),
        MONTH,
        "390",
        "24000",
        (6, 12, 12, 24),
    ),
    "helpdesk": _item(
        "SV-2202",
        SERVICE,
        pgettext_lazy("demo product", "Help desk support, yearly per user"),
        USER,
        "144",
        "9900",
        range(10, 81, 5),
    ),
    "backup": _item(
        "SV-2203", SERVICE, pgettext_lazy("demo product", "Cloud backup, 1 TB"), MONTH, "49", "3500", (12, 12, 24)
    ),
}


@dataclass(frozen=True)
class Offer:
    """What a deal is about: its title and the items it sells, the first always among its lines."""

    title: object
    items: tuple[str, ...]


OFFERS = [
    Offer(
        pgettext_lazy("demo deal", "Equipment for the new office"),
        ("laptop", "monitor", "dock", "headset", "installation", "delivery"),
    ),
    Offer(
        pgettext_lazy("demo deal", "Network upgrade"),
        ("switch", "access_point", "firewall", "cable", "installation", "audit"),
    ),
    Offer(pgettext_lazy("demo deal", "Printing fleet renewal"), ("mfp", "printer", "toner", "paper", "delivery")),
    Offer(pgettext_lazy("demo deal", "Yearly maintenance contract"), ("maintenance", "helpdesk", "visit")),
    Offer(pgettext_lazy("demo deal", "Video conferencing room"), ("camera", "monitor", "headset", "installation")),
    Offer(pgettext_lazy("demo deal", "Backup and storage"), ("nas", "backup", "ups", "migration")),
    Offer(
        pgettext_lazy("demo deal", "Workstations for the design team"),
        ("workstation", "monitor", "ups", "installation"),
    ),
    Offer(pgettext_lazy("demo deal", "Staff training"), ("training", "visit")),
    Offer(
        pgettext_lazy("demo deal", "Moving to new premises"),
        ("cable", "switch", "access_point", "visit", "delivery"),
    ),
    Offer(pgettext_lazy("demo deal", "Office supplies"), ("paper", "toner")),
]

# Which clients have which deals, by the client's status: customers win, leads are still open.
CLIENT_WEIGHTS = {
    Outcome.OPEN: {"lead": 3, "prospect": 4, "customer": 3, "partner": 2, "former": 0},
    Outcome.WON: {"lead": 0, "prospect": 1, "customer": 5, "partner": 4, "former": 2},
    Outcome.LOST: {"lead": 2, "prospect": 3, "customer": 1, "partner": 1, "former": 2},
}
LOST_REASON_WEIGHTS = {"price": 35, "competitor": 25, "no_budget": 20, "no_decision": 12, "timing": 8}
PAYMENT_METHODS = {Payment.Method.TRANSFER: 85, Payment.Method.CARD: 15}

RETAIL = pgettext_lazy("demo price list", "Retail")
BANK = pgettext_lazy("demo company", "Example Savings Bank")


def _legal_numbers(language: str, fake: Faker) -> dict[str, str]:
    """The identifiers and bank account a company of the demo's country prints on its invoices."""
    if language == "ru":
        return {
            "tax_number": fake.businesses_inn(),
            "registration_number": fake.businesses_ogrn(),
            "bank_account": fake.checking_account(),
            "bank_code": fake.bic(),
            "bank_details": _("Correspondent account: %(number)s") % {"number": fake.correspondent_account()},
        }
    if language == "fr":
        return {
            "registration_number": fake.siret(),
            "vat_number": fake.company_vat(),
            "bank_account": fake.iban(),
            "bank_code": fake.swift(length=8),
        }
    return {
        "registration_number": fake.numerify("########"),
        "vat_number": fake.vat_id(),
        "bank_account": fake.iban(),
        "bank_code": fake.swift(length=8),
    }


def moment_between(rng: random.Random, zone: ZoneInfo, start: datetime, end: datetime) -> datetime:
    """A time between `start` and `end`, moved into local office hours when that stays in range."""
    moment = start + (end - start) * rng.random()
    local = moment.astimezone(zone)
    office = datetime.combine(local.date(), time(rng.randint(9, 17), rng.randrange(0, 60, 5)), zone)
    return office if start < office < end else moment


@dataclass
class _Invoice:
    """A planned invoice: its document (numbered when saved), its deal, when it was issued, its payments."""

    document: SalesDocument
    deal: Deal
    issued_at: datetime
    payments: list[Payment]


@dataclass
class DemoSales:
    """Plans the sales records from the demo's generators, then saves them; see the module docstring."""

    rng: random.Random
    fake: Faker
    language: str
    currency_code: str
    zone: ZoneInfo
    now: datetime
    company: str  # the demo company's name
    domain: str  # its mail domain
    phone: str
    references: dict[str, dict[str, ReferenceValue]]
    contacts_of: dict[int, list[Client]]  # id(company) → its contact persons
    currency: Currency = field(init=False)
    tax: Tax = field(init=False)
    entity: LegalEntity = field(init=False)
    price_list: PriceList = field(init=False)
    products: dict[str, Product] = field(default_factory=dict)
    prices: list[Price] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    lines_of: dict[int, list[dict]] = field(default_factory=dict)  # id(deal) → its lines' field values
    changes: list[StageChange] = field(default_factory=list)
    invoices: list[_Invoice] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    deal_entries: list[tuple[TimelineEntry, Deal]] = field(default_factory=list)  # linked once the deal has an id

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    # --- planning -----------------------------------------------------------------

    def plan(self, companies: list[Client]) -> None:
        self.currency = self._currency()
        self.tax = self._tax()
        self.entity = self._entity()
        self._catalogue()
        pipeline = Pipeline.objects.filter(archived=False).order_by("-is_default", "order", "id").first()
        pipeline = pipeline or seed_pipeline()
        self._deals(companies, pipeline, list(pipeline.stages.order_by("order", "id")))
        self._invoices()

    def _currency(self) -> Currency:
        if not Currency.objects.exists():  # the seeding of migrate did not run (a flushed database)
            seed_money_settings()
        return Currency.objects.get(code=self.currency_code)

    def _tax(self) -> Tax:
        """VAT 20 %, as installations start with it, or a new one when an admin removed it (saved later)."""
        found = Tax.objects.filter(rate=DEFAULT_TAX_RATE, included=False, archived=False).order_by("order", "id")
        rate = formats.number_format(DEFAULT_TAX_RATE)
        return found.first() or Tax(name=_("VAT %(rate)s %%") % {"rate": rate}, rate=DEFAULT_TAX_RATE)

    def _entity(self) -> LegalEntity:
        return LegalEntity(
            name=self.company,
            legal_name=self.company,
            address=self.fake.address(),
            phone=self.phone,
            email=f"billing@{self.domain}",
            website=f"https://www.{self.domain}",
            bank_name=str(BANK),
            signatory_name=self.fake.name(),
            signatory_title=_("Managing director"),
            accountant_name=self.fake.name(),
            default_currency=self.currency,
            default_tax=self.tax,
            language=self.language,
            payment_days=PAYMENT_DAYS,
            # An administrator's own company stays the default; the demo's comes beside it.
            is_default=not LegalEntity.objects.filter(is_default=True).exists(),
            **_legal_numbers(self.language, self.fake),
        )

    def _catalogue(self) -> None:
        taken = set(Product.objects.exclude(sku="").values_list("sku", flat=True))
        self.price_list = PriceList(
            name=str(RETAIL),
            currency=self.currency,
            is_default=not PriceList.objects.filter(is_default=True).exists(),
        )
        for key, item in CATALOGUE.items():
            product = Product(
                kind=item.kind,
                sku="" if item.sku in taken else item.sku,
                name=str(item.name),
                unit=str(item.unit),
                tax=self.tax,
            )
            self.products[key] = product
            price = Decimal(item.prices[self.currency.code])
            self.prices.append(Price(price_list=self.price_list, product=product, unit_price=price))

    def _deals(self, companies: list[Client], pipeline: Pipeline, stages: list[Stage]) -> None:
        open_stages = [stage for stage in stages if stage.outcome == Outcome.OPEN]
        won = next(stage for stage in stages if stage.outcome == Outcome.WON)
        lost = next(stage for stage in stages if stage.outcome == Outcome.LOST)
        reasons = list(self.references.get(ReferenceValue.List.LOST_REASON, {}).values())
        # More deals in the early stages: weights 5, 4, 3, 2 for four open stages.
        weights = [len(open_stages) - index + 1 for index in range(len(open_stages))]
        counts = [OPEN_DEALS * weight // sum(weights) for weight in weights]
        for index in range(OPEN_DEALS - sum(counts)):
            counts[index % len(counts)] += 1
        plan = [stage for stage, count in zip(open_stages, counts, strict=True) for _index in range(count)]
        plan += [won] * WON_DEALS + [lost] * (LOST_DEALS if reasons else 0)
        self.rng.shuffle(plan)
        client_weights = {
            outcome: [by_status.get(company.status.key, 1) for company in companies]
            for outcome, by_status in CLIENT_WEIGHTS.items()
        }
        reason_weights = [LOST_REASON_WEIGHTS.get(reason.key, 5) for reason in reasons]
        for stage in plan:
            client = self.rng.choices(companies, client_weights[stage.outcome])[0]
            deal = self._deal(client, pipeline, stage)
            if stage.outcome == Outcome.LOST:
                deal.lost_reason = self.rng.choices(reasons, reason_weights)[0]
            self._history(deal, self._path(open_stages, stage), open_stages)

    def _deal(self, client: Client, pipeline: Pipeline, stage: Stage) -> Deal:
        offer = self.rng.choice(OFFERS)
        keys = [offer.items[0], *self.rng.sample(offer.items[1:], self.rng.randint(0, min(3, len(offer.items) - 1)))]
        contacts = self.contacts_of.get(id(client), [])
        deal = Deal(
            client=client,
            contact=self.rng.choice(contacts) if contacts and self.rng.random() < 0.85 else None,
            title=str(offer.title),
            owner=client.owner,
            pipeline=pipeline,
            stage=stage,
            currency=self.currency,
            price_list=self.price_list,
            probability=stage.probability,
            source=client.source,
        )
        lines = [self._line(key, position) for position, key in enumerate(keys, start=1)]
        self.lines_of[id(deal)] = lines
        deal.amount = totals(LineAmounts(line["net"], line["tax_amount"], line["total"]) for line in lines).total
        self.deals.append(deal)
        return deal

    def _line(self, key: str, position: int) -> dict:
        """One line's field values, priced as carte.sales.services.lines prices a product's line."""
        item, product = CATALOGUE[key], self.products[key]
        quantity = Decimal(str(self.rng.choice(item.quantities)))
        discount = Decimal(self.rng.choice(DISCOUNTS)) if self.rng.random() < 0.25 else ZERO
        unit_price = Decimal(item.prices[self.currency.code])
        tax = self.tax
        amounts = price_line(
            quantity,
            unit_price,
            discount=discount,
            tax_rate=tax.rate,
            tax_included=tax.included,
            digits=self.currency.digits,
        )
        return {
            "position": position,
            "product": product,
            "description": product.name,
            "quantity": quantity,
            "unit": product.unit,
            "unit_price": unit_price,
            "discount": discount,
            "tax": tax,
            "tax_rate": tax.rate,
            "tax_included": tax.included,
            "net": amounts.net,
            "tax_amount": amounts.tax,
            "total": amounts.total,
        }

    def _path(self, open_stages: list[Stage], stage: Stage) -> list[Stage]:
        """The stages a deal went through to `stage`, in order; a few in the middle were skipped."""
        if stage.outcome == Outcome.OPEN:
            reached = open_stages.index(stage) + 1
        elif stage.outcome == Outcome.WON:
            reached = self.rng.randint(max(1, len(open_stages) - 1), len(open_stages))
        else:
            reached = self.rng.randint(1, len(open_stages))
        passed = [
            open_stage
            for index, open_stage in enumerate(open_stages[:reached])
            if index in (0, reached - 1) or self.rng.random() < 0.8
        ]
        return passed if stage.outcome == Outcome.OPEN else [*passed, stage]

    def _history(self, deal: Deal, path: list[Stage], open_stages: list[Stage]) -> None:
        """When the deal was created, moved along `path` and expected to close; its history and timeline entries.

        Open deals in early stages are recent; later stages hold older ones, and closed deals
        span the last year. Later stages close sooner, and some expected dates have already
        passed, as in real pipelines; none is before the deal was created.
        """
        if deal.stage.is_closed:
            start = max(deal.client.created_at, self.now - DEAL_HISTORY)
        else:
            index = open_stages.index(deal.stage)
            start = max(deal.client.created_at, self.now - timedelta(days=45 * (index + 1) + 15))
        created = self.between(start, self.now)
        moves = len(path) - 1
        if deal.stage.is_closed:
            closed = self.between(created, min(self.now, created + CLOSING_TIME))
            times = [created, *sorted(self.between(created, closed) for _move in range(moves - 1)), closed]
            deal.closed_at = closed
            expected = closed.astimezone(self.zone).date() + timedelta(days=self.rng.randint(-20, 14))
        else:
            times = [created, *sorted(self.between(created, self.now) for _move in range(moves))]
            ahead = self.rng.randint(-10, 30) + 20 * (len(open_stages) - 1 - index)
            expected = self.today + timedelta(days=ahead)
        deal.expected_close = max(expected, created.astimezone(self.zone).date())
        deal.created_at, deal.stage_entered_at, deal.version = created, times[-1], len(path)
        previous = None
        for stage, at in zip(path, times, strict=True):
            self.changes.append(StageChange(deal=deal, from_stage=previous, to_stage=stage, at=at, actor=deal.owner))
            if previous is None:
                summary = _("New deal: %(title)s") % {"title": deal.title}
            elif stage.outcome == Outcome.WON:
                summary = _("Deal won: %(title)s") % {"title": deal.title}
            elif stage.outcome == Outcome.LOST:
                summary = _("Deal lost: %(title)s (%(reason)s)") % {"title": deal.title, "reason": deal.lost_reason}
            else:
                summary = _("Deal “%(title)s” moved to %(stage)s") % {"title": deal.title, "stage": stage.name}
            entry = TimelineEntry(client=deal.client, at=at, kind="deal", summary=summary[:500], actor=deal.owner)
            self.timeline.append(entry)
            self.deal_entries.append((entry, deal))
            previous = stage

    def _invoices(self) -> None:
        """Invoices for half of the won deals: the older ones mostly paid, a few left unpaid (overdue)."""
        won = [deal for deal in self.deals if deal.stage.outcome == Outcome.WON]
        chosen = sorted(self.rng.sample(won, len(won) // 2), key=lambda deal: deal.closed_at)
        documents = [self._invoice(deal) for deal in chosen]
        past_due = [document for document in documents if document.due_date < self.today]
        unpaid = min(len(past_due), max(1, round(len(past_due) * 0.15)))
        partly = min(len(past_due) - unpaid, max(1, round(len(past_due) * 0.15)))
        statuses = [Status.UNPAID] * unpaid + [Status.PARTLY_PAID] * partly
        statuses += [Status.PAID] * (len(past_due) - len(statuses))
        self.rng.shuffle(statuses)
        status_of = dict(zip(map(id, past_due), statuses, strict=True))
        for document, deal in zip(documents, chosen, strict=True):
            status = status_of.get(id(document)) or self.rng.choice((Status.UNPAID, Status.PAID))
            issued_at = min(document.created_at + timedelta(minutes=self.rng.randint(5, 120)), self.now)
            payments = self._payments(document, status, issued_at)
            document.status = status
            document.paid = sum((payment.amount for payment in payments), start=ZERO)
            document.version = 2 + len(payments)  # created, issued, then one change per payment
            self.invoices.append(_Invoice(document, deal, issued_at, payments))

    def _invoice(self, deal: Deal) -> SalesDocument:
        closed = deal.closed_at or self.now  # always set on a won deal
        day = min((closed + timedelta(days=self.rng.randint(0, 3))).astimezone(self.zone).date(), self.today)
        lines = self.lines_of[id(deal)]
        amounts = totals(LineAmounts(line["net"], line["tax_amount"], line["total"]) for line in lines)
        return SalesDocument(
            kind=SalesDocument.Kind.INVOICE,
            legal_entity=self.entity,
            client=deal.client,
            contact=deal.contact,
            deal=deal,
            owner=deal.owner,
            date=day,
            due_date=day + timedelta(days=self.entity.payment_days),
            currency=self.currency,
            language=self.entity.language,
            net=amounts.net,
            tax_amount=amounts.tax,
            total=amounts.total,
            created_by=deal.owner,
            created_at=self.on(day, after=closed),
        )

    def _payments(self, document: SalesDocument, status: str, issued_at: datetime) -> list[Payment]:
        """The payments that bring the invoice to `status`: one or two for paid, one for partly paid."""
        total, digits = document.total, self.currency.digits
        if status == Status.UNPAID:
            return []
        if status == Status.PARTLY_PAID:
            amounts = [rounded(total * Decimal(self.rng.randint(20, 70)) / 100, 0)]
            if not ZERO < amounts[0] < total:
                amounts = [rounded(total / 2, digits)]
            last = min(document.due_date, self.today)
        else:
            amounts = [total]
            if self.rng.random() < 0.25:  # a deposit, then the rest
                deposit = rounded(total * Decimal(self.rng.choice((30, 40, 50))) / 100, 0)
                amounts = [deposit, total - deposit] if ZERO < deposit < total else amounts
            last = min(document.due_date + timedelta(days=15), self.today)
        first = issued_at.astimezone(self.zone).date()
        last = max(first, min(last, self.today - timedelta(days=1)))  # money comes in during office hours
        days = sorted(first + timedelta(days=self.rng.randint(0, max(0, (last - first).days))) for _each in amounts)
        methods, weights = zip(*PAYMENT_METHODS.items(), strict=True)
        return [
            Payment(
                invoice=document,
                date=day,
                amount=amount,
                method=self.rng.choices(methods, weights)[0],
                created_by=document.owner,
                created_at=self.on(day, after=issued_at),
            )
            for day, amount in zip(days, amounts, strict=True)
        ]

    # --- time ---------------------------------------------------------------------

    def between(self, start: datetime, end: datetime) -> datetime:
        return moment_between(self.rng, self.zone, start, end)

    def on(self, day: date, *, after: datetime) -> datetime:
        """An office hour of `day`, kept between `after` and now."""
        moment = datetime.combine(day, time(self.rng.randint(9, 17), self.rng.randrange(0, 60, 5)), self.zone)
        return max(after, min(moment, self.now))

    # --- saving -------------------------------------------------------------------

    def save(self, *, since: datetime) -> None:
        """Write everything, parents first (bulk_create gives each record the id its children need).

        `since` is when the demo company began: the catalogue and the legal entity date from it.
        Afterwards `timeline` holds every entry to insert, with its link.
        """
        Currency.objects.filter(pk=self.currency.pk).update(active=True)
        if self.tax.pk is None:
            self.tax.save()
        self.entity.save()
        LegalEntity.objects.filter(pk=self.entity.pk).update(created_at=since, updated_at=since)
        products = Product.objects.bulk_create(self.products.values())
        Product.objects.filter(pk__in=[product.pk for product in products]).update(created_at=since, updated_at=since)
        self.price_list.save()
        Price.objects.bulk_create(self.prices)
        Deal.objects.bulk_create(self.deals, batch_size=BATCH_SIZE)
        # bulk_create stamps updated_at with the real time (auto_now): a deal was last changed when it moved.
        Deal.objects.filter(pk__in=[deal.pk for deal in self.deals]).update(updated_at=F("stage_entered_at"))
        DealLine.objects.bulk_create(
            (DealLine(deal=deal, **values) for deal in self.deals for values in self.lines_of[id(deal)]),
            batch_size=BATCH_SIZE,
        )
        StageChange.objects.bulk_create(self.changes, batch_size=BATCH_SIZE)
        for entry, deal in self.deal_entries:
            entry.link, entry.record_id = reverse("sales:deal_detail", args=[deal.pk]), deal.pk
        self._save_invoices()

    def _save_invoices(self) -> None:
        for invoice in sorted(self.invoices, key=lambda invoice: (invoice.document.date, invoice.document.created_at)):
            document = invoice.document
            document.year, document.sequence, document.number = next_number(
                self.entity, SalesDocument.Kind.INVOICE, document.date
            )
            for payment in invoice.payments:
                if payment.method == Payment.Method.TRANSFER:
                    payment.reference = document.number
        documents = SalesDocument.objects.bulk_create([invoice.document for invoice in self.invoices])
        DocumentLine.objects.bulk_create(
            DocumentLine(document=invoice.document, **values)
            for invoice in self.invoices
            for values in self.lines_of[id(invoice.deal)]
        )
        Payment.objects.bulk_create(payment for invoice in self.invoices for payment in invoice.payments)
        for invoice in self.invoices:
            document = invoice.document
            document.updated_at = max([invoice.issued_at, *(payment.created_at for payment in invoice.payments)])
            self._invoice_timeline(invoice)
        SalesDocument.objects.bulk_update(documents, ["updated_at"])

    def _invoice_timeline(self, invoice: _Invoice) -> None:
        """What the document and payment services write on the client's timeline."""
        document, deal = invoice.document, invoice.deal
        link = reverse("sales:document_detail", args=[document.pk])
        entries = [
            (document.created_at, "document", _("%(document)s created from the deal “%(deal)s”."), {"deal": deal}),
            (
                invoice.issued_at,
                "document",
                _("%(document)s issued (%(total)s)."),
                {"total": money(document.total, self.currency)},
            ),
        ]
        for payment in invoice.payments:
            amount = f"{rounded(payment.amount, self.currency.digits)} {self.currency.code}"
            entries.append(
                (payment.created_at, "payment", _("Payment of %(amount)s received for %(invoice)s"), {"amount": amount})
            )
        for at, kind, message, values in entries:
            summary = message % ({"document": document, "invoice": document} | values)
            self.timeline.append(
                TimelineEntry(
                    client=document.client,
                    at=at,
                    kind=kind,
                    summary=summary[:500],
                    link=link,
                    record_id=document.pk,
                    actor=deal.owner,
                )
            )
