"""The demo company: its shape, its sales, its determinism and the `demo` command's refusals.

One Russian demo company (the hardest locale: transliterated usernames and domains, and
roubles) is built once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint inside it, so tests that wipe and rebuild leave it intact.
"""

import itertools
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from carte.accounts.models import Department, Employee
from carte.calls.models import Call, Connection
from carte.clients.models import Client, Contact, Email, Phone, ReferenceValue, TimelineEntry
from carte.core import policy
from carte.core.money import price_line
from carte.core.phones import digits_of
from carte.planner import recurrence
from carte.planner.models import Task
from carte.sales.models import (
    Currency,
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
    Target,
)
from carte.sales.services.patterns import format_number
from carte.sales.testing import legal_entity
from carte.workspace.demo import build_demo_company

NOW = datetime(2025, 3, 14, tzinfo=UTC)
TODAY = NOW.date()  # the demo's "today" (in Moscow NOW is 03:00 the same day)
SEED = 7
LANGUAGE = "ru"
EXPECTED = {
    "employees": 10,
    "departments": 3,
    "companies": 300,
    "persons": 600,
    "products": 25,
    "deals": 150,
    "invoices": 15,
    "tasks": 300,
    "targets": 7,
}
Outcome, Status = Stage.Outcome, SalesDocument.Status
LINE_FIELDS = ["product__sku", "description", "quantity", "unit", "unit_price", "discount", "tax_id", "tax_rate"]
LINE_FIELDS += ["tax_included", "net", "tax_amount", "total"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The counts and a snapshot of one demo company, kept for the whole module."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = build_demo_company(seed=SEED, language=LANGUAGE, now=NOW)
        yield {"counts": counts, "snapshot": snapshot()}
        transaction.set_rollback(True)


def snapshot() -> dict:
    """Everything a user would see of the demo data, without database ids."""
    return {
        "employees": sorted(
            Employee.objects.values_list(
                "username",
                "first_name",
                "last_name",
                "email",
                "position",
                "phone_extension",
                "time_zone",
                "date_joined",
                "role__key",
                "department__name",
            )
        ),
        "clients": sorted(
            Client.objects.values_list(
                "kind", "name", "status", "owner__username", "position", "notes", "created_at", "updated_at"
            )
        ),
        "phones": sorted(Phone.objects.values_list("client__name", "kind", "number", "e164", "digits")),
        "emails": sorted(Email.objects.values_list("client__name", "address")),
        "contacts": sorted(Contact.objects.values_list("company__name", "person__name", "role")),
        "timeline": sorted(
            TimelineEntry.objects.values_list("client__name", "at", "kind", "summary", "actor__username")
        ),
        **sales_snapshot(),
        **planner_snapshot(),
    }


def rows(queryset, *fields) -> list:
    """The values of `fields` of every record, in a stable order (repr sorts rows that hold None too)."""
    return sorted(queryset.values_list(*fields), key=repr)


def sales_snapshot() -> dict:
    deal = ["deal__client__name", "deal__created_at"]  # what tells a deal apart without its id
    return {
        "entities": rows(
            LegalEntity.objects,
            *("name", "legal_name", "tax_number", "vat_number", "registration_number", "address", "phone"),
            *("email", "bank_account", "bank_code", "signatory_name", "default_currency", "default_tax__rate"),
        ),
        "products": rows(Product.objects, "sku", "kind", "name", "unit", "tax__rate", "prices__unit_price"),
        "deals": rows(
            Deal.objects,
            *("title", "client__name", "contact__name", "owner__username", "stage__name", "amount", "currency"),
            *("expected_close", "probability", "source__key", "lost_reason__key", "created_at", "stage_entered_at"),
            *("closed_at", "updated_at", "version"),
        ),
        "deal_lines": rows(DealLine.objects, *deal, "position", *LINE_FIELDS),
        "stage_changes": rows(
            StageChange.objects, *deal, "from_stage__name", "to_stage__name", "at", "actor__username"
        ),
        "documents": rows(
            SalesDocument.objects,
            *("number", "year", "sequence", "client__name", "deal__created_at", "date", "due_date", "status"),
            *("net", "tax_amount", "total", "paid", "created_at", "updated_at"),
        ),
        "document_lines": rows(DocumentLine.objects, "document__number", "position", *LINE_FIELDS),
        "payments": rows(Payment.objects, "invoice__number", "date", "amount", "method", "reference", "created_at"),
    }


def planner_snapshot() -> dict:
    return {
        "targets": rows(Target.objects, "employee__username", "month", "deals", "amount", "set_by__username"),
        "tasks": rows(
            Task.objects,
            *("kind", "title", "description", "client__name", "deal__title", "assignee__username", "author__username"),
            *("due_at", "all_day", "duration", "priority", "reminders", "rrule", "series_start", "skipped"),
            *("series__title", "status", "result", "done_at", "overdue_at", "next_reminder_at", "created_at"),
            *("updated_at", "co_assignees__username"),
        ),
        "calls": rows(
            Call.objects,
            *("connection__key", "external_id", "direction", "from_number", "to_number", "number", "client__name"),
            *("employee__username", "extension", "started_at", "answered_at", "ended_at", "duration", "status"),
            *("hangup_cause", "recording_url", "result", "callback_task__title", "callback_task__due_at"),
            *("logged_at", "updated_at"),
        ),
    }


def wipe() -> None:
    """Remove the demo data so that a build can run again (rolled back with the test)."""
    for model in (
        Call,
        Task,
        Payment,
        SalesDocument,
        Deal,
        LegalEntity,
        PriceList,
        Product,
    ):  # they protect clients and owners
        model.objects.all().delete()
    Client.objects.all().delete()
    Employee.objects.all().delete()
    Department.objects.all().delete()


def rebuild(seed: int) -> dict:
    wipe()
    build_demo_company(seed=seed, language=LANGUAGE, now=NOW)
    return snapshot()


@pytest.mark.django_db
def test_demo_company_has_the_promised_size(demo):
    counts = dict(demo["counts"])
    assert counts.pop("timeline") == TimelineEntry.objects.count()
    assert counts.pop("payments") == Payment.objects.count()
    assert counts.pop("calls") == Call.objects.count()
    assert counts == EXPECTED
    assert Employee.objects.count() == 10
    assert Department.objects.count() == 3
    assert Client.objects.companies().count() == 300
    assert Client.objects.persons().count() == 600
    calls_today = TimelineEntry.objects.filter(kind="call", at__gt=NOW).count()  # added by the planner's demo
    assert TimelineEntry.objects.exclude(kind__in=["deal", "document", "payment"]).count() == 1000 + calls_today
    assert Product.objects.count() == Price.objects.count() == 25
    assert Deal.objects.count() == 150
    assert SalesDocument.objects.filter(kind=SalesDocument.Kind.INVOICE).count() == SalesDocument.objects.count() == 15


@pytest.mark.django_db
def test_same_seed_gives_the_same_company(demo):
    assert rebuild(SEED) == demo["snapshot"]


@pytest.mark.django_db
def test_another_seed_gives_another_company(demo):
    other = rebuild(SEED + 1)
    for part in ("employees", "clients", "phones", "emails", "calls", "tasks"):
        same = {repr(row) for row in other[part]} & {repr(row) for row in demo["snapshot"][part]}
        assert len(same) < len(other[part]) / 10, part


@pytest.mark.django_db
def test_every_client_is_owned_by_an_active_sales_person_or_the_manager(demo):
    owners = Employee.objects.filter(owned_clients__isnull=False).distinct()
    assert not Client.objects.filter(owner__is_active=False).exists()
    assert set(owners.values_list("role__key", flat=True)) == {"manager", "sales"}


@pytest.mark.django_db
def test_staff_has_the_built_in_roles_and_cannot_log_in_yet(demo):
    employees = list(Employee.objects.select_related("role", "department"))
    roles = sorted(employee.role.key for employee in employees)
    assert roles == ["manager", "marketing", "sales", "sales", "sales", "sales", "sales", "sales", "sales", "service"]
    assert not any(employee.has_usable_password() for employee in employees)
    assert all(re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\d*", employee.username) for employee in employees)
    assert all(employee.position and employee.phone_extension and employee.time_zone for employee in employees)
    assert all(employee.language == LANGUAGE for employee in employees)
    assert not Department.objects.filter(head=None).exists()


@pytest.mark.django_db
def test_phones_have_digits_and_e164_filled(demo):
    phones = list(Phone.objects.all())
    assert all(phone.digits == digits_of(phone.number) != "" for phone in phones)
    assert all(phone.e164.startswith("+7") for phone in phones)


@pytest.mark.django_db
def test_emails_are_lower_case_on_reserved_domains(demo):
    addresses = list(Email.objects.values_list("address", flat=True))
    assert all(address == address.lower() and address.endswith(".example") for address in addresses)
    assert len(set(addresses)) == len(addresses)


@pytest.mark.django_db
def test_each_contact_person_works_for_a_company_of_the_same_owner(demo):
    contacts = Contact.objects.select_related("company", "person")
    assert contacts.count() == 600
    assert all(contact.role and contact.person.owner_id == contact.company.owner_id for contact in contacts)


@pytest.mark.django_db
def test_timeline_lies_in_the_two_years_before_now_and_is_signed_by_the_owner(demo):
    entries = TimelineEntry.objects.select_related("client")
    kinds = {"created", "note", "call", "email", "meeting", "deal", "document", "payment"}
    assert {entry.kind for entry in entries} == kinds
    # Today's calls are this morning, after NOW (today at 00:00 UTC), so that "Calls today" has figures.
    assert all(NOW - timedelta(days=731) < entry.at < NOW + timedelta(days=1) for entry in entries)
    assert all(entry.at < NOW for entry in entries if entry.kind != "call")
    assert all(entry.actor_id == entry.client.owner_id for entry in entries)


@pytest.mark.django_db
def test_if_empty_does_nothing_when_clients_exist(demo):
    out = StringIO()
    call_command("demo", seed=99, if_empty=True, stdout=out)
    assert out.getvalue() == ""
    assert snapshot() == demo["snapshot"]


@pytest.mark.django_db
def test_demo_command_refuses_a_database_with_clients(demo):
    with pytest.raises(CommandError, match="already has clients") as refusal:
        call_command("demo", seed=99)
    assert refusal.value.returncode == 1
    assert snapshot() == demo["snapshot"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_demo_command_fills_an_empty_database_and_says_so(language):
    wipe()
    out = StringIO()
    call_command("demo", seed=1, language=language, stdout=out)
    assert out.getvalue().strip() == (
        "Demo company ready: 10 employees, 3 departments, 300 companies, 600 contact persons, "
        f"{TimelineEntry.objects.count()} timeline entries, 150 deals, {SalesDocument.objects.count()} invoices, "
        f"{Task.objects.count()} tasks, {Call.objects.count()} calls."
    )
    assert not Phone.objects.filter(e164="").exists()
    entity = LegalEntity.objects.get()
    assert entity.default_currency_id == "EUR" and entity.language == language
    assert not Deal.objects.exclude(currency="EUR").exists()


# The sales side


def sales_people() -> list[Employee]:
    return list(Employee.objects.filter(role__key="sales").order_by("username"))


@pytest.mark.django_db
def test_the_legal_entity_sells_in_roubles_with_vat_by_default(demo):
    entity = LegalEntity.objects.select_related("default_currency", "default_tax").get()
    assert entity.is_default and entity.language == LANGUAGE
    assert entity.name == entity.legal_name and entity.address and entity.tax_number and entity.bank_account
    assert entity.email.endswith(".example")
    assert entity.default_currency.code == "RUB" and entity.default_currency.active
    assert entity.default_tax is not None and entity.default_tax.rate == 20
    retail = PriceList.objects.get()
    assert retail.is_default and retail.currency_id == "RUB"
    products = Product.objects.select_related("tax")
    assert {product.kind for product in products} == {"product", "service"}
    assert all(product.name and product.unit and product.tax == entity.default_tax for product in products)
    assert len({product.sku for product in products}) == 25
    assert not Price.objects.exclude(price_list=retail).exists()
    assert not Price.objects.filter(unit_price__lte=0).exists()


@pytest.mark.django_db
def test_deals_fill_the_default_pipeline_mostly_open(demo):
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("order"))
    open_stages = [stage for stage in stages if stage.outcome == Outcome.OPEN]
    count = Counter(Deal.objects.values_list("stage", flat=True))
    by_outcome = Counter(Deal.objects.values_list("stage__outcome", flat=True))
    assert by_outcome == {Outcome.OPEN: 100, Outcome.WON: 30, Outcome.LOST: 20}
    assert all(count[stage.pk] for stage in open_stages)
    assert count[open_stages[0].pk] > count[open_stages[-1].pk]  # more deals early in the pipeline
    assert not Deal.objects.exclude(pipeline=pipeline).exists()
    deals = Deal.objects.select_related("stage", "lost_reason")
    assert all(deal.probability == deal.stage.probability for deal in deals)
    assert all(deal.currency_id == "RUB" and deal.price_list is not None for deal in deals)
    lost = [deal for deal in deals if deal.stage.outcome == Outcome.LOST]
    assert all(deal.lost_reason.list == ReferenceValue.List.LOST_REASON for deal in lost)
    assert not Deal.objects.exclude(stage__outcome=Outcome.LOST).filter(lost_reason__isnull=False).exists()


@pytest.mark.django_db
def test_every_deal_belongs_to_its_clients_owner_who_sees_both(demo):
    deals = list(Deal.objects.select_related("client", "owner", "contact"))
    assert all(deal.owner_id == deal.client.owner_id for deal in deals)
    assert all(policy.can(deal.owner, policy.Action.VIEW, deal.client) for deal in deals)
    assert all(policy.can(deal.owner, policy.Action.EDIT, deal) for deal in deals)
    assert {deal.owner.role.key for deal in deals} <= {"manager", "sales"}
    contacts = set(Contact.objects.values_list("company", "person"))
    with_contact = [deal for deal in deals if deal.contact_id]
    assert with_contact and all((deal.client_id, deal.contact_id) in contacts for deal in with_contact)


@pytest.mark.django_db
def test_deal_amounts_are_the_sum_of_lines_priced_as_the_services_price_them(demo):
    digits = Currency.objects.get(code="RUB").digits
    prices = dict(Price.objects.values_list("product", "unit_price"))
    lines_of = defaultdict(list)
    for line in DealLine.objects.order_by("position"):
        lines_of[line.deal_id].append(line)
        assert line.product_id and line.unit_price == prices[line.product_id]
        assert line.description and line.unit and line.quantity > 0
        amounts = price_line(
            line.quantity,
            line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            tax_included=line.tax_included,
            digits=digits,
        )
        assert (line.net, line.tax_amount, line.total) == (amounts.net, amounts.tax, amounts.total)
    assert any(line.discount for lines in lines_of.values() for line in lines)
    for deal in Deal.objects.all():
        lines = lines_of[deal.pk]
        assert 1 <= len(lines) <= 4
        assert [line.position for line in lines] == list(range(1, len(lines) + 1))
        assert deal.amount == sum((line.total for line in lines), start=Decimal(0))


@pytest.mark.django_db
def test_stage_history_leads_to_each_deals_stage(demo):
    history = defaultdict(list)
    for change in StageChange.objects.order_by("at", "id"):
        history[change.deal_id].append(change)
    for deal in Deal.objects.select_related("stage", "client"):
        changes = history[deal.pk]
        assert changes[0].from_stage_id is None and changes[0].at == deal.created_at
        assert all(later.from_stage_id == earlier.to_stage_id for earlier, later in itertools.pairwise(changes))
        assert changes[-1].to_stage_id == deal.stage_id and changes[-1].at == deal.stage_entered_at
        assert all(change.actor_id == deal.owner_id for change in changes)
        assert len(changes) == deal.version
        assert deal.client.created_at <= deal.created_at <= deal.stage_entered_at <= NOW
        assert deal.updated_at == deal.stage_entered_at
        assert deal.expected_close >= deal.created_at.date()
        if deal.stage.is_closed:
            assert deal.closed_at == deal.stage_entered_at
            assert NOW - timedelta(days=366) < deal.closed_at
        else:
            assert deal.closed_at is None
            assert TODAY - timedelta(days=11) <= deal.expected_close <= TODAY + timedelta(days=91)


@pytest.mark.django_db
def test_invoices_are_numbered_without_gaps_in_each_year(demo):
    entity = LegalEntity.objects.get()
    invoices = list(SalesDocument.objects.order_by("year", "sequence"))
    by_year = defaultdict(list)
    for invoice in invoices:
        by_year[invoice.year].append(invoice)
        assert invoice.legal_entity_id == entity.pk and invoice.date.year == invoice.year
        assert invoice.number == format_number(entity.invoice_pattern, year=invoice.year, number=invoice.sequence)
    assert len(by_year) >= 2  # the won deals of the last year straddle New Year
    for year, numbered in by_year.items():
        assert [invoice.sequence for invoice in numbered] == list(range(1, len(numbered) + 1))
        assert [invoice.date for invoice in numbered] == sorted(invoice.date for invoice in numbered)
        assert NumberSequence.objects.get(legal_entity=entity, kind="invoice", year=year).last == len(numbered)


@pytest.mark.django_db
def test_half_of_the_won_deals_have_an_invoice_with_their_lines(demo):
    won = Deal.objects.filter(stage__outcome=Outcome.WON)
    invoices = list(SalesDocument.objects.select_related("deal", "legal_entity"))
    assert len(invoices) == won.count() // 2
    assert len({invoice.deal_id for invoice in invoices}) == len(invoices)
    for invoice in invoices:
        deal = invoice.deal
        assert deal.stage.outcome == Outcome.WON and invoice.client_id == deal.client_id
        assert invoice.owner_id == invoice.created_by_id == deal.owner_id and invoice.contact_id == deal.contact_id
        assert deal.closed_at.date() <= invoice.date <= TODAY
        assert invoice.due_date == invoice.date + timedelta(days=invoice.legal_entity.payment_days)
        copied = list(invoice.lines.order_by("position").values_list(*LINE_FIELDS))
        assert copied == list(deal.lines.order_by("position").values_list(*LINE_FIELDS))
        lines = list(invoice.lines.all())
        assert invoice.total == deal.amount == sum(line.total for line in lines)
        assert invoice.net == sum(line.net for line in lines)
        assert invoice.tax_amount == sum(line.tax_amount for line in lines)
        assert invoice.net + invoice.tax_amount == invoice.total


@pytest.mark.django_db
def test_invoice_status_follows_its_payments(demo):
    invoices = list(SalesDocument.objects.prefetch_related("payments"))
    for invoice in invoices:
        payments = list(invoice.payments.all())
        assert invoice.paid == sum((payment.amount for payment in payments), start=Decimal(0))
        expected = (
            Status.UNPAID if not payments else Status.PAID if invoice.paid == invoice.total else Status.PARTLY_PAID
        )
        assert invoice.status == expected
        assert invoice.paid <= invoice.total and all(payment.amount > 0 for payment in payments)
        assert all(invoice.date <= payment.date <= TODAY for payment in payments)
        assert not any(payment.overpayment for payment in payments)
    statuses = Counter(invoice.status for invoice in invoices)
    assert statuses[Status.PAID] + statuses[Status.PARTLY_PAID] > len(invoices) / 2
    assert statuses[Status.PARTLY_PAID] >= 1
    overdue = [invoice for invoice in invoices if invoice.status == Status.UNPAID and invoice.due_date < TODAY]
    assert 1 <= len(overdue) <= 4


@pytest.mark.django_db
def test_sales_timeline_entries_link_to_the_clients_deals_and_invoices(demo):
    deal_url = {
        reverse("sales:deal_detail", args=[pk]): client for pk, client in Deal.objects.values_list("pk", "client")
    }
    document_url = {
        reverse("sales:document_detail", args=[pk]): client
        for pk, client in SalesDocument.objects.values_list("pk", "client")
    }
    entries = TimelineEntry.objects.filter(kind__in=["deal", "document", "payment"])
    for entry in entries:
        urls = deal_url if entry.kind == "deal" else document_url
        assert urls[entry.link] == entry.client_id
        assert entry.link == reverse(
            f"sales:{'deal' if entry.kind == 'deal' else 'document'}_detail", args=[entry.record_id]
        )
    assert entries.filter(kind="deal").count() == StageChange.objects.count()
    assert entries.filter(kind="payment").count() == Payment.objects.count()
    assert entries.filter(kind="document").count() == 2 * SalesDocument.objects.count()  # created, then issued


@pytest.mark.django_db
def test_a_demo_seller_opens_the_board_a_deal_and_an_invoice(demo, client):
    invoice = SalesDocument.objects.select_related("deal", "owner").filter(owner__role__key="sales").first()
    seller = invoice.owner
    deal = Deal.objects.filter(owner=seller, stage__outcome=Outcome.OPEN).select_related("client").first()
    client.force_login(seller)
    board = client.get(reverse("sales:deal_board"))
    assert board.status_code == 200
    assert escape(deal.title) in board.content.decode()
    card = client.get(reverse("sales:deal_detail", args=[deal.pk]))
    assert card.status_code == 200
    assert escape(deal.client.name) in card.content.decode()
    shown = client.get(reverse("sales:document_detail", args=[invoice.pk]))
    assert shown.status_code == 200
    assert invoice.number in shown.content.decode()


@pytest.mark.django_db
def test_the_demo_keeps_to_itself_beside_an_admins_company_and_catalogue(demo):
    wipe()
    own = legal_entity()
    own_list = PriceList.objects.create(name="Wholesale", currency=own.default_currency, is_default=True)
    Product.objects.create(name="Our own laptop", sku="HW-1001")
    build_demo_company(seed=SEED, language=LANGUAGE, now=NOW)
    own.refresh_from_db()
    own_list.refresh_from_db()
    assert own.is_default and own_list.is_default
    demo_entity = LegalEntity.objects.exclude(pk=own.pk).get()
    assert not demo_entity.is_default
    assert not SalesDocument.objects.exclude(legal_entity=demo_entity).exists()
    assert not NumberSequence.objects.filter(legal_entity=own).exists()
    assert not PriceList.objects.exclude(pk=own_list.pk).get().is_default
    assert Product.objects.filter(sku="HW-1001").count() == 1
    assert Product.objects.filter(sku="").count() == 1  # the demo's laptop, without the SKU already taken


# The planner, the calls and the targets


def sellers() -> list[Employee]:
    """Who owns clients and makes calls: the sales people and the manager."""
    return list(Employee.objects.filter(role__key__in=["sales", "manager"]).order_by("username"))


def local_day(moment: datetime, employee: Employee):
    return moment.astimezone(recurrence.zone_of(employee)).date()


@pytest.mark.django_db
def test_each_seller_has_this_months_target_set_by_a_manager(demo):
    targets = list(Target.objects.select_related("employee__role", "set_by__role"))
    assert {target.employee for target in targets} == set(sales_people())
    for target in targets:
        assert target.month == TODAY.replace(day=1)
        assert 2 <= target.deals <= 5 and target.amount > 0 and target.amount % 1000 == 0
        assert target.set_by.role.key == "manager"


@pytest.mark.django_db
def test_tasks_keep_the_columns_the_planner_derives(demo):
    from carte.planner.services.reminders import next_reminder_at  # the planner's own rule

    tasks = list(Task.objects.select_related("assignee"))
    assert len(tasks) == 300
    for task in tasks:
        zone = recurrence.zone_of(task.assignee)
        assert task.overdue_at == recurrence.overdue_at(task.due_at, task.all_day, zone)
        if task.status == Task.Status.OPEN:
            assert task.next_reminder_at == next_reminder_at(task, NOW), task
        else:
            assert task.next_reminder_at is None
        assert (task.done_at is not None) == (task.status == Task.Status.DONE)
        assert bool(task.result) == (task.status == Task.Status.DONE)
        if task.status == Task.Status.OPEN and task.overdue_at < NOW:
            assert task.overdue_notified_at >= task.overdue_at  # the scheduler would have said so already
        assert task.created_at <= task.updated_at
    future = [task for task in tasks if task.due_at > NOW and task.status == Task.Status.OPEN]
    assert any(task.reminders == [15] for task in future) and any(task.reminders == [60, 15] for task in future)
    assert all(task.next_reminder_at for task in future if task.reminders)


@pytest.mark.django_db
def test_tasks_lie_in_office_hours_within_a_month_of_today(demo):
    plain = Task.objects.filter(series__isnull=True, rrule="").exclude(author=None).select_related("assignee")
    for task in plain:
        local = task.due_at.astimezone(recurrence.zone_of(task.assignee))
        assert abs((local.date() - TODAY).days) <= 31
        assert (local.hour, local.minute) == (0, 0) if task.all_day else 9 <= local.hour <= 17
    assert {task.kind for task in plain} == set(Task.Kind.values)
    assert plain.filter(all_day=True).exists()
    assert Task.objects.filter(co_assignees__isnull=False, series__isnull=True, rrule="").exists()
    past = plain.filter(due_at__lt=NOW, created_at__lt=NOW)
    done = past.filter(status=Task.Status.DONE).count()
    assert 0.5 * past.count() < done < 0.7 * past.count()
    assert Task.objects.overdue(NOW).count() >= 10
    with_client = Task.objects.filter(client__isnull=False).select_related("client", "assignee", "deal")
    assert all(task.client.owner_id == task.assignee_id for task in with_client)
    assert all(task.deal.client_id == task.client_id for task in with_client if task.deal_id)
    assert with_client.filter(deal__isnull=False).exists()


@pytest.mark.django_db
def test_series_read_back_and_their_done_copies_are_past_occurrences(demo):
    series = list(Task.objects.exclude(rrule="").select_related("assignee"))
    assert 3 <= len(series) <= 5
    for task in series:
        zone = recurrence.zone_of(task.assignee)
        rule = recurrence.parse(task.rrule, task.series_start, zone)
        copies = list(task.done_occurrences.all())
        past = [moment.astimezone(UTC) for moment in rule.between(task.series_start, NOW, inc=True)]
        skipped = [datetime.fromisoformat(moment) for moment in task.skipped]
        assert sorted(copy.due_at for copy in copies) == [moment for moment in past if moment not in skipped]
        assert all(copy.status == Task.Status.DONE and copy.title == task.title for copy in copies)
        assert task.status == Task.Status.OPEN and task.due_at == rule.after(NOW).astimezone(UTC)
    meeting = Task.objects.get(
        rrule=recurrence.rule_text(
            recurrence.Repeat("WEEKLY", weekdays=("MO",)), recurrence.zone_of(series[0].assignee)
        )
    )
    local = meeting.due_at.astimezone(recurrence.zone_of(meeting.assignee))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert meeting.co_assignees.count() >= 3 and meeting.skipped
    assert Task.objects.filter(rrule="FREQ=MONTHLY").exists()


@pytest.mark.django_db
def test_every_employee_has_tasks_today_and_every_seller_calls(demo):
    for employee in Employee.objects.all():
        today = [task for task in employee.tasks.all() if local_day(task.due_at, employee) == TODAY]
        assert 2 <= len(today) <= 5, employee
    for seller in sellers():
        calls = [call for call in seller.calls.all() if local_day(call.started_at, seller) == TODAY]
        assert 2 <= len(calls) <= 5, seller
        assert Counter(call.status for call in calls)[Call.Status.ANSWERED] >= 1


@pytest.mark.django_db
def test_every_call_is_with_its_client_on_one_of_its_numbers_at_the_employees_extension(demo):
    numbers = defaultdict(set)
    for client, e164, digits in Phone.objects.exclude(kind=Phone.Kind.FAX).values_list("client", "e164", "digits"):
        numbers[client].add(e164 or digits)
    calls = list(Call.objects.select_related("employee", "client", "callback_task"))
    assert len(calls) > 200
    for call in calls:
        assert call.number in numbers[call.client_id]
        assert call.employee.phone_extension == call.extension and call.client.owner_id == call.employee_id
        ours, theirs = (
            (call.to_number, call.from_number) if call.direction == "in" else (call.from_number, call.to_number)
        )
        assert (ours, theirs) == (call.extension, call.number)
        assert call.started_at <= call.ended_at == call.logged_at == call.updated_at
        answered = call.status == Call.Status.ANSWERED
        assert (call.answered_at is not None) == answered and (call.duration > 0) == answered
        assert call.callback_task is not None if call.direction == "in" and not answered else call.callback_task is None
        if call.callback_task:
            assert call.callback_task.client_id == call.client_id
            assert call.callback_task.assignee_id == call.employee_id and call.callback_task.kind == Task.Kind.CALL
    statuses = Counter(call.status for call in calls)
    assert (
        statuses[Call.Status.ANSWERED] > len(calls) / 2 and statuses[Call.Status.MISSED] and statuses[Call.Status.BUSY]
    )


@pytest.mark.django_db
def test_each_call_entry_of_the_timeline_links_to_its_call(demo):
    calls = {reverse("calls:call_detail", args=[call.pk]): call for call in Call.objects.all()}
    entries = list(TimelineEntry.objects.filter(kind="call"))
    assert len(entries) == len(calls)
    for entry in entries:
        call = calls[entry.link]
        assert (call.client_id, call.started_at, call.employee_id) == (entry.client_id, entry.at, entry.actor_id)
        assert entry.record_id == call.pk


@pytest.mark.django_db
def test_only_a_few_calls_came_through_the_demo_phone_system_which_cannot_be_used(demo):
    pbx = Connection.objects.get()
    assert not pbx.active and pbx.secret == "" and pbx.ami_password == ""
    through = Call.objects.filter(connection=pbx)
    assert 0 < through.count() < Call.objects.count() / 5
    assert not through.filter(external_id="").exists()
    assert not Call.objects.filter(connection=None).exclude(external_id="").exists()
