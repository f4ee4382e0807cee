"""Sort, filter, search and page parameters fuzzed on every list: never a 5xx, never a database error.

The lists are the HTML list screens and the API's GET operations that take query parameters
(from the OpenAPI schema), each at the URL the rights matrix gives it, fetched as the
administrator in the matrix's world. Hypothesis draws the parameters: the list's own names and
usual ones (sort, order, filter…), with unknown columns, SQL fragments, quotes, NUL, unicode,
huge and negative numbers, impossible dates, repeated names and array forms ("tags[]", "a,b").
The test client raises what a view raises, so a DatabaseError fails the test with its query.
"""

import re
from urllib.parse import urlencode

import pytest
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from carte.api import api
from tests.test_rights_matrix import ROWS

# HTML screens that list, search, filter or page (a new one named like these is fuzzed by itself).
LIST_NAME = re.compile(
    r"(list|lists|board|search|calendar|exports|notifications|bell|duplicates|adoption|picker|choices|audit_list"
    r"|custom_fields|rates|timeline|report|events|checklist|onboarding_mine)$"
)
NOT_FUZZED = {"workspace:events"}  # the live stream: it stays open (its "?once=1" form is tested in workspace)
USUAL = [
    "q", "search", "find", "sort", "order", "ordering", "filter", "page", "page_size", "per_page", "limit",
    "offset", "status", "kind", "owner", "state", "view", "date", "start", "end", "period", "since", "until",
    "department", "employee", "client", "deal", "list", "columns", "column", "segment", "tags", "pipeline",
    "stage", "month", "language", "category", "unread", "archived", "direction", "outcome", "phase", "before",
    "module", "tab", "name", "phone", "ids", "last_id", "show", "part", "due", "price_list", "target",
]  # fmt: skip
NASTY = [
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE clients_client; --",
    "1) UNION SELECT password FROM accounts_employee --",
    "name; SELECT pg_sleep(0)",
    "%",
    "_",
    "\\",
    "\x00",
    "a\x00b",
    "9" * 40,
    "-1",
    "-99999999999999999999",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "",
    " ",
    "password",
    "-owner__password",
    "owner__password__startswith",
    "__class__",
    "-",
    "--name",
    "name,-name,id",
    "🙂",
    "Ω≈ç√ЖЁ",
    "\u202e\u0000",
    "[]",
    "{}",
    "2024-13-45",
    "9999-12-31",
    "0001-01-01T00:00:00+99:00",
    "true",
    "null",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "a" * 3000,
]
SUFFIXES = ["", "", "", "[]", "[0]", "__in", "__gt", "__regex"]

pairs = st.lists(
    st.tuples(
        st.tuples(st.sampled_from(USUAL), st.sampled_from(SUFFIXES)).map("".join),
        st.one_of(
            st.sampled_from(NASTY),
            st.text(max_size=40),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            st.lists(st.sampled_from(NASTY[:12]), min_size=2, max_size=3).map(",".join),
        ),
    ),
    min_size=1,
    max_size=8,
)


def _api_list_operations() -> set[str]:
    schema = api.get_openapi_schema()["paths"]
    return {
        f"GET {path}"
        for path, operations in schema.items()
        if any(parameter["in"] == "query" for parameter in operations.get("get", {}).get("parameters", []))
    }


def _lists() -> list:
    api_lists = _api_list_operations()
    chosen, seen = [], set()
    for row in ROWS:
        if row.method != "GET" or "ada" not in row.allowed or row.name in seen or row.name in NOT_FUZZED:
            continue
        if row.name in api_lists or (not row.is_api and LIST_NAME.search(row.name)):
            seen.add(row.name)
            chosen.append(row)
    return chosen


LISTS = _lists()


def test_every_api_list_operation_is_fuzzed():
    assert _api_list_operations() - {row.name for row in LISTS} == set()
    assert len([row for row in LISTS if not row.is_api]) >= 30


@pytest.mark.parametrize("row", LISTS, ids=str)
@settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(query=pairs)
@example(query=[("q", "' OR 1=1 --"), ("ordering", "-password"), ("page", "-1"), ("page_size", "9" * 30)])
@example(query=[("q", "a\x00b"), ("sort", "\x00"), ("status", "\x00"), ("page", "99999999999999999999")])
@example(query=[("ordering", "name; DROP TABLE x"), ("ordering", "__class__"), ("tags[]", "1"), ("tags", "1,2")])
@example(query=[("date", "0001-01-01"), ("start", "9999-12-31"), ("end", "-1"), ("month", "2024-13"), ("q", "%_\\")])
def test_fuzzed_list_parameters_never_break_a_list(client, world, row, query):
    world.make_named(row)
    client.force_login(world.people["ada"])
    url = row.url(world).split("?", 1)[0] + "?" + urlencode(query)
    try:
        with transaction.atomic():  # a database error would break the test's transaction for the next example
            response = client.get(url)
    except DatabaseError as error:
        pytest.fail(f"{url[:300]} → database error: {error}")
    assert response.status_code < 500, url[:300]


@pytest.mark.parametrize("url", ["/clients/?q=a%00b", "/search/?q=%00", "/clients/?%00=1", "/api/v1/clients?q=a%00b"])
def test_a_nul_in_the_address_is_refused_before_any_query(client, world, url):
    """PostgreSQL cannot compare text holding NUL: the request is refused as bad (400), on every database."""
    client.force_login(world.people["ada"])
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response["Content-Type"] == "application/problem+json"
    else:
        assert "not allowed (NUL)" in response.content.decode()
