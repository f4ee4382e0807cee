"""Schema fuzzing: schemathesis sends generated requests to every API operation and checks each answer.

The schema is the app's own (carte.api), the requests go through the WSGI application in this
process, on the test database with the rights matrix's world, as each role's API token. Every
answer must not be a server error and must match the schema the operation declares.
- The administrator fuzzes every operation, valid and invalid input mixed;
- the manager, a seller and the read-only role fuzz every read, where their scopes differ (their
  writes run the administrator's code, and the rights matrix proves who may make each: fuzzing
  every write for every role would cost minutes for little more);
- the administrator also runs chains of operations along the links schemathesis infers (an id
  that one answer gives is used in the next request).
Path parameters are drawn half the time from the records that exist, so the requests get past 404.
"""

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from carte.accounts.services import create_token
from carte.api import api
from tests.test_rights_matrix import _make_world

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Few examples per operation keep the whole file within a minute on each database; the seeded ids
# and the mix of valid and invalid input make each of them count.
FUZZ = settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
READS = settings(FUZZ, max_examples=3)
CHAINS = settings(
    max_examples=12,
    stateful_step_count=6,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# A path parameter's records: the model whose name it carries ("price_list_id": PriceList) unless named here.
ID_MODELS = {
    "document_id": "sales.SalesDocument",
    "entity_id": "sales.LegalEntity",
    "template_id": "documents.DocumentTemplate",
}
TEXT_PARAMETERS = {
    "code": lambda: list(apps.get_model("sales", "Currency").objects.values_list("code", flat=True)),
    "key": lambda: [
        *apps.get_model("clients", "CustomField").objects.values_list("key", flat=True),
        *apps.get_model("clients", "ReferenceValue").objects.values_list("key", flat=True)[:20],
    ],
    "reference_list": lambda: sorted(
        set(apps.get_model("clients", "ReferenceValue").objects.values_list("list", flat=True))
    ),
    "image": lambda: ["logo", "signature", "stamp"],
}
# The values of the path parameters in the world, filled by the `world` fixture.
existing: dict[str, list] = {}

_handler = WSGIHandler()


def application(environ, start_response):
    """Carte's WSGI application, keeping the test's database connection open across requests.

    Django closes the connection when a request starts and ends; inside the test's transaction
    that would lose the world. django.test.Client does the same for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _handler(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(),
    # The coverage phase sends dozens of boundary values per operation: minutes, not seconds.
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}}),
)
schema.app = application


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, path parameters that name records of the world."""
    names = [name for name in path_parameters or {} if existing.get(name)]
    if not names:
        return st.just(path_parameters)
    chosen = st.fixed_dictionaries({name: st.sampled_from(existing[name]) for name in names})
    return st.one_of(st.just(path_parameters), chosen.map(lambda values: {**path_parameters, **values}))


def _values_of(parameter: str) -> list:
    if parameter in TEXT_PARAMETERS:
        return TEXT_PARAMETERS[parameter]()
    name = parameter.removesuffix("_id")
    if parameter in ID_MODELS:
        model = apps.get_model(ID_MODELS[parameter])
    else:
        model = next(
            model
            for model in apps.get_models()
            if model.__module__.startswith("carte.") and model._meta.model_name == name.replace("_", "")
        )
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:20])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The rights matrix's world and a token for each persona, made once per test process and
    rolled back at the end; each test runs in a savepoint inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        made = _make_world()
        parameters = {
            parameter.name for result in schema.get_all_operations() for parameter in result.ok().path_parameters
        }
        existing.update({parameter: _values_of(parameter) for parameter in parameters})
        tokens = {name: create_token(actor=person, name="fuzz")[1] for name, person in made.people.items()}
        yield tokens
        existing.clear()
        transaction.set_rollback(True)


@pytest.fixture
def token(world, db, persona):
    return world[persona]


@schema.parametrize()
@pytest.mark.parametrize("persona", ["ada"])
@FUZZ
def test_no_operation_fails_or_breaks_its_schema_for_the_administrator(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@schema.include(method="GET").parametrize()
@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
@READS
def test_no_read_fails_or_breaks_its_schema_for_the_other_roles(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_chains_of_operations_neither_fail_nor_break_the_schema(world, db):
    headers = {"Authorization": f"Bearer {world['ada']}"}

    class Chains(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=kwargs)

    Chains.run(settings=CHAINS)


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI document names each schema by its class: a second class of the same name
    silently replaces the first in it, and the API then documents the wrong fields."""
    names: dict[str, str] = {}
    clashes = []
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("carte.") or "[" in cls.__name__:
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        if names.setdefault(cls.__name__, where) != where:
            clashes.append(f"{names[cls.__name__]} and {where}")
    assert not clashes, clashes


# What the fuzzing found, kept as plain examples so that they stay fixed whatever it draws next.


def test_an_id_beyond_64_bits_is_invalid_input_not_a_server_error(client, world, db):
    answer = client.post(
        "/api/v1/clients/merge",
        {"survivor": 1, "others": [2**70], "choices": {}, "versions": {}},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['ada']}"},
    )
    # SQLite cannot bind such a number (invalid input); PostgreSQL looks for it and finds nothing.
    assert answer.status_code in (404, 422)
    assert answer["Content-Type"] == "application/problem+json"


def test_a_starter_article_cannot_take_a_language_its_translation_has(client, world, db):
    article = apps.get_model("knowledge", "Article")
    english = article.objects.exclude(starter_key="").filter(language="en").first()
    french = article.objects.get(starter_key=english.starter_key, language="fr")
    answer = client.put(
        f"/api/v1/knowledge/articles/{english.pk}",
        {"title": english.title, "body": english.body, "language": "fr"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['ada']}"},
    )
    assert answer.status_code == 400
    assert "language" in answer.json()["errors"]
    english.refresh_from_db()
    french.refresh_from_db()
    assert (english.language, french.language) == ("en", "fr")


@pytest.mark.parametrize("field", ["status", "owner"])
def test_a_client_cannot_lose_its_status_or_owner(client, world, db, field):
    card = apps.get_model("clients", "Client").objects.order_by("pk").first()
    answer = client.patch(
        f"/api/v1/clients/{card.pk}",
        {"version": card.version, field: None},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['ada']}"},
    )
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    card.refresh_from_db()
    assert getattr(card, f"{field}_id") is not None


def test_a_reason_for_lost_deals_can_be_deleted_when_unused(client, world, db):
    reason = apps.get_model("clients", "ReferenceValue").objects.create(list="lost_reason", key="weather", label="Rain")
    answer = client.delete(
        "/api/v1/reference-lists/lost_reason/weather", headers={"Authorization": f"Bearer {world['ada']}"}
    )
    assert answer.status_code == 204
    assert not type(reason).objects.filter(pk=reason.pk).exists()


def test_a_department_cannot_lose_its_name(client, world, db):
    north = apps.get_model("accounts", "Department").objects.get(name="North")
    answer = client.patch(
        f"/api/v1/departments/{north.pk}",
        {"name": None},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world['ada']}"},
    )
    assert answer.status_code == 400
    assert "name" in answer.json()["errors"]
    north.refresh_from_db()
    assert north.name == "North"
