"""Test personas and factories, shared by the whole suite (imported only by tests).

The company: "North" sales department (Alice, Bob, and their manager Mia), "South"
(Charlie), Rita who may only read, and Ada the administrator.
- Alice owns records; Bob is her teammate (department scope reaches Alice's records);
- Charlie is in another department: with "own" or "department" scope he sees nothing of Alice's;
- Mia manages and sees everything; Rita sees everything and changes nothing.
"""

from functools import cache
from importlib import import_module

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
    status = "lead"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Reference values (status, type, source, industry) may be given by key."""
        for name, reference_list in {
            "status": "status",
            "type": "type",
            "source": "source",
            "industry": "industry",
        }.items():
            if isinstance(kwargs.get(name), str):
                kwargs[name] = reference(reference_list, kwargs[name])
        client = super()._create(model_class, *args, **kwargs)
        # Fill the search document as the clients services do (carte.core does not import the app).
        import_module("carte.clients.search").refresh([client])
        return client


def reference(reference_list: str, key: str):
    """A reference list value by key (the clients app's lists; carte.core does not import the app)."""
    return apps.get_model("clients", "ReferenceValue").objects.get(list=reference_list, key=key)


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


def database_state() -> dict:
    """Every row of every table but sessions, as text per table, read in one statement.

    Tests take it before and after a request to prove a refused one wrote nothing; the rights
    matrix does so thousands of times, so the tables are read together rather than one query each.
    """
    from django.db import connection

    tables, statement = _state_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return dict(zip(tables, cursor.fetchone(), strict=True))


@cache
def _state_statement(vendor: str) -> tuple:
    from django.db import connection

    quote = connection.ops.quote_name
    if vendor == "postgresql":
        every = "(SELECT string_agg(t::text, chr(10) ORDER BY t.{pk}) FROM {table} AS t)"
    else:
        every = "(SELECT group_concat(r, char(10)) FROM (SELECT {row} AS r FROM {table} ORDER BY {pk}))"
    models = sorted(
        (model for model in apps.get_models(include_auto_created=True) if model._meta.db_table != "django_session"),
        key=lambda model: model._meta.db_table,
    )
    reads = [
        every.format(
            table=quote(model._meta.db_table),
            pk=quote(model._meta.pk.column),
            row=" || ',' || ".join(f"quote({quote(field.column)})" for field in model._meta.local_concrete_fields),
        )
        for model in models
    ]
    return [model._meta.label for model in models], "SELECT " + ", ".join(reads)
