"""Test personas and factories, shared by the whole suite (imported only by tests).

The company: "North" sales department (Alice, Bob, and their manager Mia), "South"
(Charlie), Rita who may only read, and Ada the administrator.
- Alice owns records; Bob is her teammate (department scope reaches Alice's records);
- Charlie is in another department: with "own" or "department" scope he sees nothing of Alice's;
- Mia manages and sees everything; Rita sees everything and changes nothing.
"""

import factory
from django.apps import apps
from django.contrib.auth import get_user_model


def role(key: str):
    return apps.get_model("accounts", "Role").objects.get(key=key)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Department"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"employee{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    role = factory.LazyFunction(lambda: role("sales"))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Client"

    kind = "company"
    name = factory.Sequence(lambda n: f"Client {n:05d}")
    owner = factory.SubFactory(EmployeeFactory)


PASSWORD = "correct horse battery staple"


def make_personas() -> dict:
    north = DepartmentFactory(name="North")
    south = DepartmentFactory(name="South")
    people = {
        "ada": EmployeeFactory(username="ada", first_name="Ada", last_name="Admin", role=role("administrator")),
        "mia": EmployeeFactory(
            username="mia", first_name="Mia", last_name="Manager", role=role("manager"), department=north
        ),
        "alice": EmployeeFactory(username="alice", first_name="Alice", last_name="Seller", department=north),
        "bob": EmployeeFactory(username="bob", first_name="Bob", last_name="Seller", department=north),
        "charlie": EmployeeFactory(username="charlie", first_name="Charlie", last_name="Seller", department=south),
        "rita": EmployeeFactory(username="rita", first_name="Rita", last_name="Reader", role=role("readonly")),
    }
    north.head = people["mia"]
    north.save()
    return people
