"""The demo company: its shape, its determinism and the `demo` command's refusals.

One Russian demo company (the hardest locale: transliterated usernames and domains) is
built once for the module inside a transaction that is rolled back at the end; each test
runs in a savepoint inside it, so tests that wipe and rebuild leave it intact.
"""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from carte.accounts.models import Department, Employee
from carte.clients.models import Client, Contact, Email, Phone, TimelineEntry
from carte.core.phones import digits_of
from carte.workspace.demo import build_demo_company

NOW = datetime(2025, 3, 14, tzinfo=UTC)
SEED = 7
LANGUAGE = "ru"
EXPECTED = {"employees": 10, "departments": 3, "companies": 300, "persons": 600, "timeline": 1000}


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
    }


def wipe() -> None:
    """Remove the demo data so that a build can run again (rolled back with the test)."""
    Client.objects.all().delete()
    Employee.objects.all().delete()
    Department.objects.all().delete()


def rebuild(seed: int) -> dict:
    wipe()
    build_demo_company(seed=seed, language=LANGUAGE, now=NOW)
    return snapshot()


@pytest.mark.django_db
def test_demo_company_has_the_promised_size(demo):
    assert demo["counts"] == EXPECTED
    assert Employee.objects.count() == 10
    assert Department.objects.count() == 3
    assert Client.objects.companies().count() == 300
    assert Client.objects.persons().count() == 600
    assert TimelineEntry.objects.count() == 1000


@pytest.mark.django_db
def test_same_seed_gives_the_same_company(demo):
    assert rebuild(SEED) == demo["snapshot"]


@pytest.mark.django_db
def test_another_seed_gives_another_company(demo):
    other = rebuild(SEED + 1)
    for part in ("employees", "clients", "phones", "emails"):
        assert len(set(other[part]) & set(demo["snapshot"][part])) < len(other[part]) / 10, part


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
    assert {entry.kind for entry in entries} == {"created", "note", "call", "email", "meeting"}
    assert all(NOW - timedelta(days=731) < entry.at < NOW for entry in entries)
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
        "Demo company ready: 10 employees, 3 departments, 300 companies, 600 contact persons, 1000 timeline entries."
    )
    assert not Phone.objects.filter(e164="").exists()
