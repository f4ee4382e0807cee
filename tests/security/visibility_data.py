"""One seeded company for the visibility tests: records of every kind, per owner, in both departments.

North: Alice and Bob sell, Mia manages; South: Charlie sells. Each of them owns a client
("Quokka <name>") with a contact person, a deal, an invoice with a payment and a printed
file, a task, a call and a note. A few records test the edges: a task of Charlie's shared
with Bob, a call nobody took, onboardings and notifications per person. Every record's
name holds "Quokka" so one search word finds them all.

Expected sets are written by hand in the test modules, from the rights of the personas.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from carte.calls.models import Call
from carte.clients.models import Contact
from carte.clients.services.timeline import add_note
from carte.core.testing import ClientFactory, make_personas, reference
from carte.knowledge.models import Onboarding
from carte.planner.services.tasks import create_task
from carte.sales.services.deals import create_deal
from carte.sales.services.documents import create_from_deal
from carte.sales.services.payments import record_payment
from carte.sales.services.targets import set_target
from carte.sales.testing import add_line, currency, legal_entity, pipeline
from carte.workspace.models import Notification

OWNERS = ("alice", "bob", "mia", "charlie")
PERSONAS = ("ada", "mia", "alice", "bob", "charlie", "rita")
WORD = "Quokka"
DUE = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)


@dataclass
class Seeded:
    """The personas and, per kind of record, {name: id}: names are owners or the edge cases'."""

    people: dict
    ids: dict = field(default_factory=dict)

    def of(self, kind: str, *names: str) -> set[int]:
        return {self.ids[kind][name] for name in names}


def seed() -> Seeded:
    people = make_personas()
    currency("EUR")
    pipeline()
    legal_entity()
    world = Seeded(people)
    for owner in OWNERS:
        _seed_owner(world, owner)
    _seed_edges(world)
    return world


def _keep(world: Seeded, kind: str, name: str, record) -> None:
    world.ids.setdefault(kind, {})[name] = record.pk


def _seed_owner(world: Seeded, name: str) -> None:
    owner = world.people[name]
    company = ClientFactory(name=f"{WORD} {name}", owner=owner)
    person = ClientFactory(kind="person", name=f"{WORD} Person {name}", first_name=WORD, last_name=name, owner=owner)
    contact = Contact.objects.create(company=company, person=person, role=reference("contact_role", "purchaser"))
    deal = create_deal(actor=owner, client=company, title=f"{WORD} deal {name}", amount="1000")
    add_line(deal, "1", "100.00")
    invoice = create_from_deal(actor=owner, deal=deal, kind="invoice")
    invoice.file.save(f"{name}.pdf", ContentFile(b"%PDF-1.4 " + name.encode()), save=True)
    invoice.status = "unpaid"
    invoice.save(update_fields=["status"])
    payment = record_payment(actor=owner, invoice=invoice, date="2024-01-10", amount="10.00", method="cash")
    task = create_task(actor=owner, title=f"{WORD} task {name}", due_at=DUE, client=company)
    call = Call.objects.create(
        external_id=f"call-{name}",
        direction="in",
        from_number="+33612345678",
        number="+33612345678",
        client=company,
        employee=owner,
        status="answered",
    )
    note = add_note(actor=owner, client=company, text=f"{WORD} note {name}")
    for kind, record in {
        "client": company,
        "person": person,
        "contact": contact,
        "deal": deal,
        "document": invoice,
        "payment": payment,
        "task": task,
        "call": call,
        "note": note,
    }.items():
        _keep(world, kind, name, record)


def _seed_edges(world: Seeded) -> None:
    people = world.people
    shared = create_task(
        actor=people["ada"],
        assignee=people["charlie"],
        title=f"{WORD} task shared",
        due_at=DUE,
        co_assignees=[people["bob"]],
    )
    _keep(world, "task", "shared", shared)
    nobodys = Call.objects.create(
        external_id="call-nobody", direction="in", from_number="+33600000000", status="missed"
    )
    _keep(world, "call", "nobody", nobodys)
    for name in ("alice", "bob", "charlie"):
        _keep(world, "onboarding", name, Onboarding.objects.create(employee=people[name], started_by=people["ada"]))
    for name in PERSONAS:
        notification = Notification.objects.create(
            recipient=people[name], kind="assigned", title=f"For {name}", link="/"
        )
        _keep(world, "notification", name, notification)
    for name in ("alice", "bob"):
        target = set_target(actor=people["mia"], employee=people[name], month=DUE.date(), deals=3)
        _keep(world, "target", name, target)
    target = set_target(actor=people["ada"], employee=people["charlie"], month=DUE.date(), deals=2)
    _keep(world, "target", "charlie", target)


def seeded_fixture():
    """A test module's fixtures: the world made once, rolled back when the module is done; the
    client signed in as the test's persona.

    Each test runs in a savepoint inside this transaction (pytest-django's `db`), so what a
    test writes is gone before the next one.
    """

    @pytest.fixture(scope="module")
    def shared_seed(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            yield seed()
            transaction.set_rollback(True)

    @pytest.fixture
    def seeded(shared_seed, db):
        return shared_seed

    @pytest.fixture
    def signed_in(client, seeded, persona):
        """The test client logged in as the test's persona."""
        client.force_login(seeded.people[persona])
        return client

    return shared_seed, seeded, signed_in


by_persona = pytest.mark.parametrize("persona", PERSONAS)


WORK_AREA = re.compile(r"<main\b.*?</main>", re.S)


def linked_ids(html: str, prefix: str) -> set[int]:
    """Ids of the records a page's work area links to as `/prefix/<id>/` (menus and strips left out)."""
    found = WORK_AREA.search(html)
    area = found.group(0) if found else html
    return {int(pk) for pk in re.findall(rf'href="/{prefix}/(\d+)/"', area)}


def page_ids(client, url: str, prefix: str, **params) -> set[int]:
    """Ids a page links to; a card's tab is asked as htmx asks it (a fragment)."""
    response = client.get(url, params, headers={"HX-Request": "true"} if "/tabs/" in url else {})
    assert response.status_code == 200, url
    return linked_ids(response.content.decode(), prefix)


def listed(client, url: str, **params) -> tuple[set[int], int]:
    """An API list's ids and its `count`, on one page large enough for the seeded records."""
    body = client.get(url, {"page_size": 200, **params}).json()
    return {item["id"] for item in body["results"]}, body["count"]


def exported_first_cells(client, list_key: str) -> set[str] | int:
    """The first column of an API export in CSV (the names or titles), or the refusal's status."""
    response = client.post("/api/v1/exports", {"list": list_key, "format": "csv"}, content_type="application/json")
    if response.status_code != 200:
        return response.status_code
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))
    return {row[0] for row in rows[1:]}
