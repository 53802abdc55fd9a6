"""Schemathesis against the OpenAPI schema, over the ASGI app on a real (SQLite) database.

For every operation, requests generated from the schema — valid ones and invalid ones — with a token that holds
every scope: no answer is a server error, and every answer (status code, content type, headers, body) is one the
schema documents. Bounded and derandomised, so the run is quick and the same every time.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api
from tests.api.test_auth import WRITE_SCOPES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
READS = [
    ("get", "/v1/titles/{faust}"),
    ("get", "/v1/items/{barcode}"),
    ("get", "/v1/reservations/{reservation_id}"),
    ("get", "/v1/reservations"),
    ("get", "/v1/branches"),
    ("get", "/v1/branches/{isil}/picklist"),
]
OPERATIONS = sorted(WRITE_SCOPES) + READS
EXAMPLES = 20  # per operation, valid and invalid requests mixed


def test_the_fuzzed_operations_are_all_there_are(sqlite_api: Api) -> None:
    document = sqlite_api.client.get("/openapi.json").json()
    assert {(m, p) for p, ops in document["paths"].items() for m in ops} == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_answer_keeps_to_the_schema_and_none_is_a_server_error(sqlite_api: Api, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", sqlite_api.client.app)
    operation = schema[path][method.upper()]
    headers = sqlite_api.headers()
    cases = st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
