"""Companies and private persons with everything on their cards, and the contact links between them.

Skewed like a real CRM: most persons work for a company and a few big companies have
hundreds of contacts; companies have one to three phones and generic mailboxes, persons a
mobile and a work address; French companies have a SIREN, a SIRET and a VAT number,
Russian ones an INN, a KPP and an OGRN.

Bulk inserts skip the models' save() and the services: the columns those fill are filled
here with the same helpers — a phone's `e164` and `digits` (carte.core.phones), a tax id's
`normalized` form (carte.clients.services.cleaning) and the client's `search_document`
(carte.clients.search.document_of, given the generated parts).
"""

import multiprocessing
import os
import random
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from faker.decode import unidecode

from bench import bulk
from bench.generate import NOW, ClientSeed, Load
from bench.steps.locales import LOCALES, Locale
from carte.clients import search
from carte.clients.models import Client, Contact, Email, FieldValue, Messenger, Phone, ReferenceValue, TaxId
from carte.clients.services.cleaning import normalized_tax_id
from carte.core import search as search_engine
from carte.core.phones import digits_of, to_e164

LIST = ReferenceValue.List
HISTORY = timedelta(days=5 * 365)
STATUSES = {"lead": 30, "prospect": 20, "customer": 35, "partner": 8, "former": 7}
ACTIVITY = {"lead": 1, "prospect": 2, "customer": 4, "partner": 3, "former": 1}
EMPLOYED = 0.8  # share of persons who are a company's contact
SAME_OWNER = 0.9  # share of contacts owned by their company's owner
NAME_NOISE = {"ooo", "oao", "zao", "ao", "pao", "rao", "ip", "npo", "sa", "sas", "sarl", "et", "fils", "ltd", "plc"}


class PhoneRow(NamedTuple):
    kind: str
    number: str
    e164: str
    digits: str


class EmailRow(NamedTuple):
    kind: str
    address: str


class TaxIdRow(NamedTuple):
    kind: str
    value: str
    normalized: str


class _Listed(list):
    def all(self):
        return self


class _Card:
    """A generated client as carte.clients.search.document_of reads one (fields and three lists)."""

    def __init__(self, seed: ClientSeed):
        self.name, self.legal_name = seed.name, seed.legal_name
        self.first_name, self.middle_name, self.last_name = seed.first, seed.middle, seed.last
        self.phones, self.emails, self.tax_ids = _Listed(seed.phones), _Listed(seed.emails), _Listed(seed.tax_ids)


def _locale(rng: random.Random) -> Locale:
    return rng.choices(LOCALES, [locale.share for locale in LOCALES])[0]


def _digits(pattern: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in pattern)


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", unidecode(text).lower())


def _domain(name: str, taken: set[str]) -> str:
    """From the company's name, without legal forms: "ООО «Рога и копыта»" → roga-i.example."""
    words = [word for word in re.findall(r"[a-z0-9]+", unidecode(name).lower()) if word not in NAME_NOISE]
    base = "-".join(words[:2]) or "company"
    label, number = base, 1
    while label in taken:
        number += 1
        label = f"{base}{number}"
    taken.add(label)
    return f"{label}.example"


# --- the search index -------------------------------------------------------------------------


def search_index_off(load: Load) -> int:
    """Drop the clients' search index (FTS5 table or trigram index) while the clients are written."""
    search_engine.drop_index(connection, Client._meta.db_table)
    return 0


def search_index(load: Load) -> int:
    """Build the search index once, over every document: far faster than row by row during the load."""
    if connection.vendor == "postgresql":
        # Foreign keys are checked at commit; PostgreSQL builds no index while checks are pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search_engine.install_index(connection, Client._meta.db_table, search.FIELD)
    return len(load.clients)


# --- clients ------------------------------------------------------------------------------


def clients(load: Load) -> int:
    rng = load.random("clients")
    owners = [staff for staff in load.employees if staff.owner_weight]
    owner_weights = [staff.owner_weight for staff in owners]
    statuses, status_weights = zip(*STATUSES.items(), strict=True)
    first_id = bulk.next_id(Client)
    domains: set[str] = set()
    companies = []
    for number in range(load.size.companies):
        locale = _locale(rng)
        name = load.faker(locale.faker, "companies").company()
        company = ClientSeed(
            id=first_id + number,
            kind="company",
            locale=locale,
            name=name,
            status=rng.choices(statuses, status_weights)[0],
            owner=rng.choices(owners, owner_weights)[0].id,
            created=NOW - HISTORY * rng.random(),
            domain=_domain(name, domains),
        )
        companies.append(company)
    load.clients = companies + _persons(load, rng, companies, first_id + len(companies))
    parts = load.random("client parts")
    domain_of = {company.id: company.domain for company in companies}
    for seed in load.clients:
        _add_parts(seed, parts, domain_of)
    documents = _documents([_Card(seed) for seed in load.clients])
    addresses = _addresses(load)
    rows = (
        _client_row(load, rng, seed, document, addresses)
        for seed, document in zip(load.clients, documents, strict=True)
    )
    written = bulk.insert(Client, CLIENT_FIELDS, rows)
    bulk.reset_sequences([Client])  # the ids were given: new clients (an import) must come after them
    return written


def _documents(cards: list[_Card]) -> list[str]:
    """The clients' search documents, computed on every core: folding text is slow pure Python."""
    cores = os.cpu_count() or 1
    if cores < 2 or len(cards) < 10_000:
        return [search.document_of(card) for card in cards]
    # Forked workers only compute; they never touch the database connection they inherit.
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        return pool.map(search.document_of, cards, chunksize=2_000)


def _addresses(load: Load) -> dict[str, list[str]]:
    """A thousand addresses per language to pick from (Faker makes one in 50 µs; there are 100,000 companies)."""
    return {
        locale.language: [load.faker(locale.faker, "addresses").address().replace("\n", ", ") for _ in range(1000)]
        for locale in LOCALES
    }


def _persons(load: Load, rng: random.Random, companies: list[ClientSeed], first_id: int) -> list[ClientSeed]:
    """Persons, most of them contacts of one company (a few of two); big companies have many."""
    weights = [rng.paretovariate(1.2) * ACTIVITY[company.status] for company in companies]
    employers = rng.choices(companies, weights, k=load.size.persons)
    owners = [staff.id for staff in load.employees if staff.owner_weight]
    persons = []
    for number, employer in enumerate(employers):
        employed = rng.random() < EMPLOYED
        locale = employer.locale if employed and rng.random() < 0.9 else _locale(rng)
        fake = load.faker(locale.faker, "persons")
        female = rng.random() < 0.5
        first = fake.first_name_female() if female else fake.first_name_male()
        last = fake.last_name_female() if female else fake.last_name_male()
        middle = ""
        if locale.language == "ru":
            middle = fake.middle_name_female() if female else fake.middle_name_male()
        created = (
            employer.created + (NOW - employer.created) * rng.random() if employed else NOW - HISTORY * rng.random()
        )
        person = ClientSeed(
            id=first_id + number,
            kind="person",
            locale=locale,
            name=f"{first} {last}",
            first=first,
            middle=middle,
            last=last,
            status=employer.status if employed else rng.choice(list(STATUSES)),
            owner=employer.owner if employed and rng.random() < SAME_OWNER else rng.choice(owners),
            created=created,
        )
        if employed:
            person.employers.append(employer.id)
            second = rng.choice(companies)
            if rng.random() < 0.05 and second.id != employer.id:
                person.employers.append(second.id)
        persons.append(person)
    return persons


def _add_parts(seed: ClientSeed, rng: random.Random, domain_of: dict[int, str]) -> None:
    """The client's phones, emails and tax ids, in the formats people type them."""
    locale = seed.locale
    if seed.kind == "company":
        numbers = [("work", rng.choice(locale.landlines)) for _ in range(rng.choice((1, 1, 2, 3)))]
        if rng.random() < 0.15:
            numbers.append(("fax", rng.choice(locale.landlines)))
        seed.emails = [
            EmailRow("work", f"{box}@{seed.domain}") for box in rng.sample(locale.mailboxes, rng.choice((1, 1, 2)))
        ]
    else:
        numbers = [("mobile", rng.choice(locale.mobiles))] if rng.random() < 0.85 else []
        if rng.random() < 0.3:
            numbers.append(("work", rng.choice(locale.landlines)))
        local = f"{_ascii(seed.first)}.{_ascii(seed.last)}"
        if seed.employers and rng.random() < 0.85:
            seed.emails.append(EmailRow("work", f"{local}@{domain_of[seed.employers[0]]}"))
        if rng.random() < 0.4:
            seed.emails.append(EmailRow("personal", f"{local}{rng.randrange(100)}@{rng.choice(locale.mail_providers)}"))
    for kind, pattern in numbers:
        number = _digits(pattern, rng)
        # Phone.save() fills these two; a bulk insert must do it with the same helpers.
        seed.phones.append(PhoneRow(kind, number, to_e164(number, locale.region), digits_of(number)))
    seed.tax_ids = [TaxIdRow(kind, value, normalized_tax_id(value)) for kind, value in _tax_ids(seed, rng)]
    if seed.kind == "company" and rng.random() < 0.5:
        seed.legal_name = seed.name


def _tax_ids(seed: ClientSeed, rng: random.Random) -> list[tuple[str, str]]:
    language = seed.locale.language
    if seed.kind == "person":
        if language == "ru" and rng.random() < 0.2:
            return [("inn", _digits("############", rng))]
        return []
    if language == "fr":
        siren = _digits("### ### ###", rng)
        return [
            ("siren", siren),
            ("siret", f"{siren} {_digits('#####', rng)}"),
            ("vat", f"FR {_digits('##', rng)} {siren}"),
        ]
    if language == "ru":
        return [
            ("inn", _digits("##########", rng)),
            ("kpp", _digits("#########", rng)),
            ("ogrn", _digits("1############", rng)),
        ]
    return [("vat", f"GB {_digits('### #### ##', rng)}")] if rng.random() < 0.8 else []


CLIENT_FIELDS = (
    "id", "kind", "name", "legal_name", "first_name", "middle_name", "last_name", "birthday", "position",
    "website", "bank_details", "address_legal", "address_postal", "address_actual", "industry", "type",
    "status", "source", "owner", "notes", "created_at", "updated_at", "version", "search_document",
)  # fmt: skip


def _client_row(load: Load, rng: random.Random, seed: ClientSeed, document: str, addresses: dict) -> tuple:
    locale, references = seed.locale, load.references
    fake = load.faker(locale.faker, "cards")
    company = seed.kind == "company"
    address = rng.choice(addresses[locale.language]) if company or rng.random() < 0.1 else ""
    bank = fake.iban() if company and rng.random() < 0.3 else ""
    birthday = date(1950, 1, 1) + timedelta(days=rng.randrange(18_000)) if not company and rng.random() < 0.3 else None
    return (
        seed.id, seed.kind, seed.name, seed.legal_name, seed.first, seed.middle, seed.last, birthday,
        "" if company else rng.choice(locale.positions),
        f"https://www.{seed.domain}/" if company and rng.random() < 0.6 else "",
        bank, address, address if rng.random() < 0.3 else "", "",
        _maybe(rng, references[LIST.INDUSTRY], 0.7), _maybe(rng, references[LIST.TYPE], 0.8),
        references[LIST.STATUS][seed.status], _maybe(rng, references[LIST.SOURCE], 0.6), seed.owner,
        rng.choice(locale.notes) if rng.random() < 0.2 else "",
        seed.created, seed.created + (NOW - seed.created) * rng.random(), 1 + rng.randrange(5), document,
    )  # fmt: skip


def _maybe(rng: random.Random, values: dict[str, int], share: float) -> int | None:
    return rng.choice(list(values.values())) if rng.random() < share else None


# --- the parts of a card ----------------------------------------------------------------------


def phones(load: Load) -> int:
    rows = ((seed.id, *phone) for seed in load.clients for phone in seed.phones)
    return bulk.insert(Phone, ("client", "kind", "number", "e164", "digits"), rows)


def emails(load: Load) -> int:
    rows = ((seed.id, *email) for seed in load.clients for email in seed.emails)
    return bulk.insert(Email, ("client", "kind", "address"), rows)


def tax_ids(load: Load) -> int:
    rows = ((seed.id, *tax_id) for seed in load.clients for tax_id in seed.tax_ids)
    return bulk.insert(TaxId, ("client", "kind", "value", "normalized"), rows)


def messengers(load: Load) -> int:
    rng = load.random("messengers")
    rows = (
        (seed.id, rng.choice(("telegram", "whatsapp", "signal", "skype")), f"@{_ascii(seed.first)}_{_ascii(seed.last)}")
        for seed in load.clients
        if seed.kind == "person" and rng.random() < 0.2
    )
    return bulk.insert(Messenger, ("client", "kind", "handle"), rows)


def tags(load: Load) -> int:
    rng = load.random("tags")
    keys = list(load.references[LIST.TAG].values())
    rows = (
        (seed.id, tag)
        for seed in load.clients
        if rng.random() < 0.15
        for tag in rng.sample(keys, rng.choice((1, 1, 2)))
    )
    return bulk.insert(Client.tags.through, ("client", "referencevalue"), rows)


def custom_values(load: Load) -> int:
    rng = load.random("custom values")
    employees = [staff.id for staff in load.employees]
    rows = (
        (seed.id, field.pk, *_custom_value(field, rng, employees, choice))
        for seed in load.clients
        if seed.kind == "company" or rng.random() < 0.1
        for field in load.custom_fields
        if rng.random() < 0.4
        for choice in (rng.sample(field.options, rng.randint(1, 3)) if field.kind == "multichoice" else [None])
    )
    return bulk.insert(FieldValue, ("client", "field", "text", "number", "date", "flag", "employee"), rows)


def _custom_value(field, rng: random.Random, employees: list[int], choice: str | None) -> tuple:
    """(text, number, date, flag, employee) of one value, as carte.clients.services.custom_values writes it."""
    kind = field.kind
    if kind == "text":
        return f"C-{rng.randrange(10**6):06d}", None, None, None, None
    if kind in ("number", "money"):
        number = (
            Decimal(rng.randrange(1, 5000)) if kind == "number" else Decimal(rng.randrange(10**4, 10**8)).scaleb(-2)
        )
        return "", number, None, None, None
    if kind == "date":
        return "", None, NOW.date() + timedelta(days=rng.randrange(-400, 800)), None, None
    if kind == "boolean":
        return "", None, None, rng.random() < 0.5, None
    if kind == "employee":
        return "", None, None, None, rng.choice(employees)
    return choice or rng.choice(field.options), None, None, None, None


def contacts(load: Load) -> int:
    rng = load.random("contacts")
    roles = list(load.references[LIST.CONTACT_ROLE].values())
    rows = (
        (company, seed.id, rng.choice(roles) if rng.random() < 0.7 else None)
        for seed in load.clients
        for company in seed.employers
    )
    return bulk.insert(Contact, ("company", "person", "role"), rows)
