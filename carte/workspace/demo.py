"""A believable demo company, generated with Faker, so a new installation has something to show.

`build_demo_company()` writes 3 departments, 10 employees, 300 companies, 600 contact
persons and 1,000 timeline entries (each company's creation, then calls, emails, meetings
and notes), then the sales side (carte/workspace/demo_sales.py): one legal entity, 25
products and services in the "Retail" price list, 150 deals (100 open, 30 won, 20 lost)
with about 330 lines and 400 stage changes, 15 invoices with their lines and about 15
payments, and the some 450 timeline entries the sales services would have written for
them; then the planner and the phone (carte/workspace/demo_planner.py): this month's sales
targets, 300 tasks with four recurring series, and a call behind each "call" activity plus
this morning's calls of every seller. All in one transaction, with bulk inserts: about 7,500
rows in about a second and a half.

Deterministic: every random choice comes from one `random.Random(seed)` and one Faker
instance seeded with the same number, and every time is counted back from the `now`
the caller passes. Same seed, language and `now` → same names, phones, emails,
timestamps, deals, amounts and invoice numbers (the sales are drawn after the clients and
the planner after the sales, so adding them left the clients and deals as they were). The
`demo` command passes today at 00:00 UTC, so two runs on the same day give the same company.

Department names, positions, contact roles, notes, products, deal titles and timeline
summaries go through gettext inside `translation.override(language)`: they are written in
the chosen language once its catalogue is translated. People's and companies' names come
from Faker's locale for that language; the company sells in EUR (English, French) or RUB
(Russian).

Email domains end in `.example` (reserved by RFC 2606): a demo installation with real
mail settings can never write to a real company.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from faker import Faker
from faker.decode import unidecode

from carte.accounts.models import Department, Employee, Role
from carte.clients import search
from carte.clients.models import Client, Contact, Email, Phone, ReferenceValue, TimelineEntry
from carte.core import audit
from carte.core.errors import Conflict
from carte.core.phones import digits_of, to_e164
from carte.workspace.demo_planner import CallActivity, DemoPlanner
from carte.workspace.demo_sales import DemoSales, moment_between

COMPANIES = 300
PERSONS = 600
TIMELINE = 1000  # one "created" entry per company, the rest are activities
HISTORY = timedelta(days=730)
BATCH_SIZE = 500
DOMAIN_SUFFIX = "example"


@dataclass(frozen=True)
class Locale:
    """How the demo speaks one language: Faker locale, phone region, time zones, mailboxes."""

    faker: str
    region: str
    country_code: str
    time_zones: tuple[str, ...]
    mobile_formats: tuple[str, ...]
    mailboxes: tuple[str, ...]
    currency: str  # what the demo company sells in


LOCALES = {
    # en_GB rather than en_US: its numbers are national UK formats that parse, and its
    # mobiles are in Ofcom's range reserved for drama (07700 900xxx), so nobody is called.
    "en": Locale(
        "en_GB",
        "GB",
        "+44",
        ("Europe/London",),
        ("07700 900###", "07700900###", "+44 7700 900###"),
        ("info", "sales", "office", "accounts", "hello"),
        "EUR",
    ),
    "fr": Locale(
        "fr_FR",
        "FR",
        "+33",
        ("Europe/Paris",),
        ("06 ## ## ## ##", "07 ## ## ## ##", "+33 6 ## ## ## ##"),
        ("contact", "info", "commercial", "compta", "accueil"),
        "EUR",
    ),
    "ru": Locale(
        "ru_RU",
        "RU",
        "+7",
        ("Europe/Moscow", "Europe/Moscow", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk"),
        ("+7 9## ###-##-##", "8 9## ###-##-##", "+7 (9##) ###-##-##"),
        ("info", "office", "sales", "zakaz", "buh"),
        "RUB",
    ),
}

DEPARTMENTS = {
    "sales": pgettext_lazy("demo department", "Sales"),
    "key_accounts": pgettext_lazy("demo department", "Key accounts"),
    "service": pgettext_lazy("demo department", "Service"),
}


@dataclass(frozen=True)
class Post:
    """One employee of the demo company: where they work, their built-in role and position."""

    department: str
    role: str
    position: object
    head: bool = False


SALES_REP = gettext_lazy("Sales representative")
KEY_ACCOUNT_MANAGER = gettext_lazy("Key account manager")
STAFF = [
    Post("sales", "manager", gettext_lazy("Head of sales"), head=True),
    *[Post("sales", "sales", SALES_REP)] * 4,
    Post("sales", "marketing", gettext_lazy("Marketing specialist")),
    Post("key_accounts", "sales", KEY_ACCOUNT_MANAGER, head=True),
    *[Post("key_accounts", "sales", KEY_ACCOUNT_MANAGER)] * 2,
    Post("service", "service", gettext_lazy("Customer service specialist"), head=True),
]
OWNER_ROLES = {"manager": 1, "sales": 3}  # the manager owns fewer clients than a sales person

STATUS_WEIGHTS = {
    "lead": 30,
    "prospect": 25,
    "customer": 30,
    "partner": 8,
    "former": 7,
}
# Customers and partners have more contact persons and more history than leads.
ACTIVITY_WEIGHTS = {
    "lead": 1,
    "prospect": 2,
    "customer": 4,
    "partner": 3,
    "former": 1,
}

# A contact person's position at the company, and their role as our contact.
DECISION_MAKERS = [
    (gettext_lazy("Managing director"), "decision_maker"),
    (pgettext_lazy("demo position", "Owner"), "decision_maker"),
    (gettext_lazy("Director"), "decision_maker"),
]
OTHER_CONTACTS = [
    (gettext_lazy("Chief accountant"), "accountant"),
    (gettext_lazy("Accountant"), "accountant"),
    (gettext_lazy("Purchasing manager"), "purchaser"),
    (gettext_lazy("Buyer"), "purchaser"),
    (gettext_lazy("Technical director"), "technical"),
    (gettext_lazy("Office manager"), "assistant"),
    (gettext_lazy("Logistics manager"), "purchaser"),
]

COMPANY_NOTES = [
    gettext_lazy("Prefers to be contacted by email."),
    gettext_lazy("The budget for next year is decided in October."),
    gettext_lazy("Pays on time; put the purchase order number on every invoice."),
    gettext_lazy("Works with a competitor for maintenance; their contract ends next year."),
    gettext_lazy("Closed in August."),
    gettext_lazy("The delivery address differs from the billing address."),
    gettext_lazy("Interested in a multi-year agreement."),
    gettext_lazy("Speak to the director before sending a quote."),
]

CREATED_SUMMARY = gettext_lazy("Card created")  # the msgid clients.services writes
ACTIVITY_WEIGHTS_BY_KIND = {"call": 35, "email": 30, "meeting": 20, "note": 15}
NO_ANSWER = gettext_lazy("Call with %(person)s: no answer, left a message.")  # an outgoing call not answered
SUMMARIES = {
    "call": [
        gettext_lazy("Call with %(person)s: they asked for a quote."),
        gettext_lazy("Call with %(person)s: the order will be confirmed next week."),
        NO_ANSWER,
        gettext_lazy("Call with %(person)s about delivery dates."),
        gettext_lazy("Call with %(person)s: not interested for now, call back in three months."),
    ],
    "email": [
        gettext_lazy("Sent the price list to %(person)s."),
        gettext_lazy("Email from %(person)s: questions about payment terms."),
        gettext_lazy("Sent a quote to %(person)s."),
        gettext_lazy("Email from %(person)s: the invoice is paid."),
    ],
    "meeting": [
        gettext_lazy("Meeting with %(person)s at their office: product demonstration."),
        gettext_lazy("Meeting with %(person)s: yearly review of the agreement."),
        gettext_lazy("Video meeting with %(person)s about their new project."),
    ],
    "note": [
        gettext_lazy("They are opening a second site next year."),
        gettext_lazy("New purchasing process: orders must go through their portal."),
        gettext_lazy("Asked for a discount on large orders."),
        gettext_lazy("Satisfied with the last delivery."),
        gettext_lazy("Budget approved for the next quarter."),
    ],
}

# Words of a company name that say nothing in a domain: legal forms and "and", after transliteration.
DOMAIN_NOISE = {
    *("inc", "llc", "ltd", "plc", "group", "and", "sons"),
    *("sa", "s", "a", "r", "l", "sarl", "sas", "et", "fils"),
    *("rao", "ao", "ip", "npo", "zao", "ooo", "oao", "i", "ink", "inkorporeited", "partnery", "grupp", "limited"),
}


def build_demo_company(*, seed: int, language: str, now: datetime) -> dict:
    """Write the demo company and answer its counts; refuse (Conflict) when clients exist.

    `now` is the reference time every timestamp is counted back from; pass a fixed
    value for reproducible data. Employees get unusable passwords: an administrator
    sets one before they log in. No administrator is created here.
    """
    with transaction.atomic(), translation.override(language):
        if Client.objects.exists():
            raise Conflict(_("The database already has clients: the demo company goes only into an empty database."))
        departments = _save_departments()
        maker = _Maker(seed, LOCALES[language], language, now)
        taken = set(Employee.objects.values_list("username", flat=True))
        employees = maker.employees(departments, _builtin_roles(), taken)
        companies = maker.companies(_owners(employees))
        persons = maker.persons(companies)
        maker.activities(companies)
        sales = maker.sales()
        sales.plan(companies)
        planner = maker.planner(employees, companies, sales)
        planner.plan()
        _save(maker, departments, employees, companies + persons, sales, planner)
        audit.record(None, audit.Verb.CREATE, label=_("Demo company (seed %(seed)s)") % {"seed": seed})
    return {
        "employees": len(employees),
        "departments": len(departments),
        "companies": len(companies),
        "persons": len(persons),
        "timeline": len(maker.timeline) + len(sales.timeline) + len(planner.timeline),
        "products": len(sales.products),
        "deals": len(sales.deals),
        "invoices": len(sales.invoices),
        "payments": sum(len(invoice.payments) for invoice in sales.invoices),
        "tasks": len(planner.tasks),
        "calls": len(planner.calls),
        "targets": len(planner.targets),
    }


def _save_departments() -> dict[str, Department]:
    """The three departments, reusing one an admin already created under the same name."""
    return {key: Department.objects.get_or_create(name=str(name))[0] for key, name in DEPARTMENTS.items()}


def _builtin_roles() -> dict[str, Role]:
    return {role.key: role for role in Role.objects.filter(key__in={post.role for post in STAFF})}


def _owners(employees: list[Employee]) -> list[tuple[Employee, int]]:
    """Who may own a client (sales people and the manager), with how many they tend to own."""
    return [
        (employee, OWNER_ROLES[post.role])
        for post, employee in zip(STAFF, employees, strict=True)
        if post.role in OWNER_ROLES
    ]


def _save(
    maker: "_Maker",
    departments: dict,
    employees: list[Employee],
    clients: list[Client],
    sales: DemoSales,
    planner: DemoPlanner,
) -> None:
    """Insert everything in bulk, parents first: bulk_create gives each record its id, and
    Django copies it into the children's foreign keys when they are inserted."""
    Employee.objects.bulk_create(employees)
    for post, employee in zip(STAFF, employees, strict=True):
        department = departments[post.department]
        if post.head and department.head_id is None:
            department.head = employee
            department.save(update_fields=["head"])
    Client.objects.bulk_create(clients, batch_size=BATCH_SIZE)
    for model, records in ((Contact, maker.contacts), (Phone, maker.phones), (Email, maker.emails)):
        model.objects.bulk_create(records, batch_size=BATCH_SIZE)
    sales.save(since=maker.now - HISTORY)  # its timeline entries link to the deals and invoices it saves
    planner.save()  # links the call entries to their calls
    timeline = sorted(
        maker.timeline + sales.timeline + planner.timeline, key=lambda entry: entry.at
    )  # ids grow with time
    TimelineEntry.objects.bulk_create(timeline, batch_size=BATCH_SIZE)
    search.refresh(clients)  # bulk_create went around the services, which keep the search documents


def _ascii_words(text: str) -> str:
    """Lower-case ASCII, apostrophes dropped so a word stays whole: "Григорьева" → "grigoreva"."""
    return unidecode(text).lower().replace("'", "")


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only: "Da Costa" → "dacosta", "Фокин" → "fokin"."""
    return re.sub(r"[^a-z0-9]+", "", _ascii_words(text))


@dataclass
class _Maker:
    """Makes the unsaved records, drawing every random value in a fixed order from one seed.

    Phones, emails and the timeline are collected while clients are made (they need
    the client's name and domain) and point to their client object; bulk_create
    gives the clients their ids before the parts are saved.
    """

    seed: int
    locale: Locale
    language: str
    now: datetime
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)
    zone: ZoneInfo = field(init=False)  # office hours are counted in the locale's main time zone
    domains: set[str] = field(default_factory=set)
    emails_taken: set[str] = field(default_factory=set)
    domain_of: dict[int, str] = field(default_factory=dict)
    phones: list[Phone] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    calls: list[CallActivity] = field(default_factory=list)  # the "call" entries, made real calls by the planner
    # id(company) → its contact persons; the clients have no primary key yet.
    contacts_of: dict[int, list[Client]] = field(default_factory=dict)
    references: dict[str, dict[str, ReferenceValue]] = field(default_factory=dict)  # list → key → value
    home: str = ""  # the demo company's own name and mail domain
    home_domain: str = ""

    def __post_init__(self):
        for value in ReferenceValue.objects.filter(archived=False).order_by("list", "order", "id"):
            self.references.setdefault(value.list, {})[value.key] = value
        self.rng = random.Random(self.seed)
        self.fake = Faker(self.locale.faker)
        self.fake.seed_instance(self.seed)
        self.zone = ZoneInfo(self.locale.time_zones[0])

    # --- people and names ---------------------------------------------------------

    def name(self) -> tuple[str, str]:
        """First and last name of one gender (Russian last names agree with it)."""
        if self.rng.random() < 0.5:
            return self.fake.first_name_female(), self.fake.last_name_female()
        return self.fake.first_name_male(), self.fake.last_name_male()

    def employees(self, departments: dict, roles: dict, taken: set[str]) -> list[Employee]:
        self.home = self.fake.unique.company()
        self.home_domain = home = self.domain(self.home)
        joined_before = self.now - HISTORY
        extensions = {key: 100 * (index + 1) for index, key in enumerate(DEPARTMENTS)}
        employees = []
        for post in STAFF:
            first, last = self.name()
            username = self.username(first, last, taken)
            extensions[post.department] += 1
            employees.append(
                Employee(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@{home}",
                    department=departments[post.department],
                    role=roles[post.role],
                    position=str(post.position),
                    phone_extension=str(extensions[post.department]),
                    language=self.language,
                    time_zone=self.rng.choice(self.locale.time_zones),
                    date_joined=joined_before - timedelta(days=self.rng.randint(30, 2000)),
                    # Unusable: nobody logs in as a demo employee until an administrator sets a password.
                    password=make_password(None),
                )
            )
        return employees

    def username(self, first: str, last: str, taken: set[str]) -> str:
        """The ASCII "first.last", with a number added when an employee already has it."""
        base = f"{_ascii(first)}.{_ascii(last)}"
        username, number = base, 1
        while username in taken:
            number += 1
            username = f"{base}{number}"
        taken.add(username)
        return username

    def domain(self, company_name: str) -> str:
        """A domain from the company's name ("Colas Salmon SA" → colas-salmon.example), unique."""
        words = [word for word in re.findall(r"[a-z0-9]+", _ascii_words(company_name)) if word not in DOMAIN_NOISE]
        base = "-".join(words[:2]) or "company"
        label, number = base, 1
        while label in self.domains:
            number += 1
            label = f"{base}{number}"
        self.domains.add(label)
        return f"{label}.{DOMAIN_SUFFIX}"

    # --- time ---------------------------------------------------------------------

    def moment_after(self, start: datetime) -> datetime:
        """A time between `start` and `now`, moved into local office hours when that stays in range."""
        return moment_between(self.rng, self.zone, start, self.now)

    # --- clients ------------------------------------------------------------------

    def companies(self, owners: list[tuple[Employee, int]]) -> list[Client]:
        people, weights = zip(*owners, strict=True)
        statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        companies = []
        for _index in range(COMPANIES):
            name = self.fake.unique.company()
            created = self.moment_after(self.now - HISTORY)
            company = Client(
                kind=Client.Kind.COMPANY,
                name=name,
                status=self.references[ReferenceValue.List.STATUS][self.rng.choices(statuses, status_weights)[0]],
                owner=self.rng.choices(people, weights)[0],
                industry=self.any_reference(ReferenceValue.List.INDUSTRY),
                type=self.any_reference(ReferenceValue.List.TYPE),
                source=self.any_reference(ReferenceValue.List.SOURCE),
                notes=str(self.rng.choice(COMPANY_NOTES)) if self.rng.random() < 0.3 else "",
                created_at=created,
                updated_at=created,
            )
            self.company_parts(company)
            companies.append(company)
        return companies

    def any_reference(self, reference_list: str) -> ReferenceValue | None:
        values = list(self.references.get(reference_list, {}).values())
        return self.rng.choice(values) if values else None

    def company_parts(self, company: Client) -> None:
        domain = self.domain(company.name)
        self.domain_of[id(company)] = domain
        for position in range(self.rng.randint(1, 3)):
            fax = position > 0 and self.rng.random() < 0.3
            self.add_phone(company, Phone.Kind.FAX if fax else Phone.Kind.WORK, self.landline())
        for mailbox in self.rng.sample(self.locale.mailboxes, self.rng.randint(1, 2)):
            self.add_email(company, Email.Kind.WORK, f"{mailbox}@{domain}")
        self.timeline.append(
            TimelineEntry(
                client=company, at=company.created_at, kind="created", summary=str(CREATED_SUMMARY), actor=company.owner
            )
        )

    def persons(self, companies: list[Client]) -> list[Client]:
        weights = [ACTIVITY_WEIGHTS[company.status.key] for company in companies]
        persons = []
        for company in self.rng.choices(companies, weights, k=PERSONS):
            known = self.contacts_of.setdefault(id(company), [])
            position, role = self.rng.choice(OTHER_CONTACTS if known else DECISION_MAKERS)
            person = self.person(company, position)
            known.append(person)
            role = self.references[ReferenceValue.List.CONTACT_ROLE].get(role)
            self.contacts.append(Contact(company=company, person=person, role=role))
            persons.append(person)
        return persons

    def person(self, company: Client, position) -> Client:
        first, last = self.name()
        created = self.moment_after(company.created_at)
        person = Client(
            kind=Client.Kind.PERSON,
            name=f"{first} {last}",
            first_name=first,
            last_name=last,
            position=str(position),
            status=company.status,
            owner=company.owner,
            created_at=created,
            updated_at=created,
        )
        self.add_phone(person, Phone.Kind.MOBILE, self.fake.numerify(self.rng.choice(self.locale.mobile_formats)))
        if self.rng.random() < 0.5:
            self.add_phone(person, Phone.Kind.WORK, self.landline())
        self.add_email(person, Email.Kind.WORK, self.mailbox(first, last, self.domain_of[id(company)]))
        return person

    def mailbox(self, first: str, last: str, domain: str) -> str:
        """first.last@domain, else f.last@domain, else first.last2@domain… when namesakes have them."""
        full, short = f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[:1]}.{_ascii(last)}"
        candidates = [full, short, *(f"{full}{number}" for number in range(2, PERSONS + 2))]
        return next(f"{local}@{domain}" for local in candidates if f"{local}@{domain}" not in self.emails_taken)

    # --- phones and emails --------------------------------------------------------

    def landline(self) -> str:
        """A number in the locale's national formats that parses as one of the country's.

        Faker makes a few that do not, and some Russian ones start with "8 10", which is
        the prefix for dialling abroad.
        """
        for _attempt in range(50):
            number = self.fake.phone_number()
            if to_e164(number, self.locale.region).startswith(self.locale.country_code):
                return number
        return number

    def add_phone(self, client: Client, kind: str, number: str) -> None:
        # bulk_create skips Phone.save(), which fills these two.
        self.phones.append(
            Phone(
                client=client,
                kind=kind,
                number=number,
                digits=digits_of(number),
                e164=to_e164(number, self.locale.region),
            )
        )

    def add_email(self, client: Client, kind: str, address: str) -> None:
        address = address.lower()
        self.emails_taken.add(address)
        self.emails.append(Email(client=client, kind=kind, address=address))

    # --- sales --------------------------------------------------------------------

    def sales(self) -> DemoSales:
        """The sales side, drawn from the same generators once the clients are made."""
        return DemoSales(
            rng=self.rng,
            fake=self.fake,
            language=self.language,
            currency_code=self.locale.currency,
            zone=self.zone,
            now=self.now,
            company=self.home,
            domain=self.home_domain,
            phone=self.landline(),
            references=self.references,
            contacts_of=self.contacts_of,
        )

    # --- planner and calls --------------------------------------------------------

    def planner(self, employees: list[Employee], companies: list[Client], sales: DemoSales) -> DemoPlanner:
        """Tasks, calls and targets, drawn from the same generator once the clients and deals are made."""
        return DemoPlanner(
            rng=self.rng,
            now=self.now,
            zone=self.zone,
            domain=self.home_domain,
            employees=employees,
            companies=companies,
            phones=self.phones,
            deals=sales.deals,
            calls_made=self.calls,
        )

    # --- timeline -----------------------------------------------------------------

    def activities(self, companies: list[Client]) -> None:
        """Calls, emails, meetings and notes, each after its company and person were created."""
        weights = [ACTIVITY_WEIGHTS[company.status.key] for company in companies]
        kinds, kind_weights = zip(*ACTIVITY_WEIGHTS_BY_KIND.items(), strict=True)
        for company in self.rng.choices(companies, weights, k=TIMELINE - len(self.timeline)):
            kind = self.rng.choices(kinds, kind_weights)[0]
            contacts = self.contacts_of.get(id(company), [])
            person = self.rng.choice(contacts) if contacts else company
            at = self.moment_after(max(company.created_at, person.created_at))
            template = self.rng.choice(SUMMARIES[kind])
            summary = str(template) % {"person": person.name}
            entry = TimelineEntry(client=company, at=at, kind=kind, summary=summary[:500], actor=company.owner)
            self.timeline.append(entry)
            if kind == "call":
                self.calls.append(CallActivity(entry, reached=template is not NO_ANSWER))
            company.updated_at = max(company.updated_at, at)
