"""The API schema in docs/openapi.json is the one the code serves: API changes are reviewed as schema diffs."""

import json
from pathlib import Path

from carte.api import api

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_committed_openapi_schema_matches_the_code():
    served = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
    assert served == json.loads(COMMITTED.read_text()), "the API changed: run `make openapi` and commit the schema"


def test_the_schema_is_served_with_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Carte API"
    assert "/api/v1/clients" in schema["paths"]
