"""The company behind the data set: 30 employees in 3 departments, with the built-in roles.

Each department has a manager (its head), seven sales people, one marketing and one
service employee; managers and sales people own the clients. The benchmark logs in as
`bench.seller`, a sales person of the first department: the built-in "sales" role lets
them see their department's clients (about a third of the data set).
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from faker.decode import unidecode

from bench.generate import Load
from bench.steps.locales import LOCALES, Locale
from carte.accounts.models import Department, Employee, Role

DEPARTMENTS = ("North", "South", "Key accounts")
POSTS = ("manager", *["sales"] * 7, "marketing", "service")
OWNER_WEIGHTS = {"manager": 1, "sales": 3}
SELLER = "bench.seller"


@dataclass(frozen=True)
class Staff:
    """An employee of the data set, as the client steps need them."""

    id: int
    department: int
    role: str

    @property
    def owner_weight(self) -> int:
        return OWNER_WEIGHTS.get(self.role, 0)


def employees(load: Load) -> int:
    rng = load.random("employees")
    roles = {role.key: role for role in Role.objects.filter(key__in=set(POSTS))}
    departments = [Department.objects.get_or_create(name=name)[0] for name in DEPARTMENTS]
    password = make_password(None)  # nobody logs in with a password: the benchmark uses a session
    taken = set(Employee.objects.values_list("username", flat=True))
    people, posts = [], []
    for index, department in enumerate(departments):
        for position, role in enumerate(POSTS):
            locale = rng.choice(LOCALES)
            seller = index == 0 and position == 1
            people.append(_employee(load, locale, roles[role], department, password, taken, seller))
            posts.append((index, role))
    Employee.objects.bulk_create(people)
    for index, department in enumerate(departments):
        department.head = people[index * len(POSTS)]
        department.save(update_fields=["head"])
    load.employees = [Staff(person.pk, index, role) for person, (index, role) in zip(people, posts, strict=True)]
    load.info["seller"] = SELLER
    load.info["seller_department"] = 0
    return len(people)


def _employee(load: Load, locale: Locale, role: Role, department, password: str, taken: set, seller: bool):
    fake = load.faker(locale.faker, "employees")
    first, last = fake.first_name(), fake.last_name()
    username = SELLER if seller else _username(first, last, taken)
    taken.add(username)
    return Employee(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@carte-bench.example",
        department=department,
        role=role,
        position=str(role),
        # The seller works in French in Paris: the benchmark measures translated pages and local times.
        language="fr" if seller else locale.language,
        time_zone="Europe/Paris" if seller else locale.time_zone,
        password=password,
    )


def _username(first: str, last: str, taken: set) -> str:
    base = "".join(ch for ch in unidecode(f"{first}.{last}").lower() if ch.isalnum() or ch == ".")
    username, number = base, 1
    while username in taken:
        number += 1
        username = f"{base}{number}"
    return username
