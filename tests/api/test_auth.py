"""No call without a valid token; no write without the scope for it."""

import pytest
from sqlmodel import select

from materials.models import ApiClient, Event, Title
from tests.api.conftest import Api

EXAMPLES = {"{faust}": "29158987", "{barcode}": "VALBY-ON-SHELF", "{reservation_id}": "1", "{isil}": "DK-710115"}
WRITE_SCOPES = {
    ("put", "/v1/titles/{faust}"): "catalogue",
    ("put", "/v1/items/{barcode}"): "catalogue",
    ("post", "/v1/items/{barcode}/withdrawal"): "catalogue",
    ("post", "/v1/loans"): "circulation",
    ("post", "/v1/returns"): "circulation",
    ("post", "/v1/reservations"): "circulation",
    ("post", "/v1/reservations/{reservation_id}/cancellation"): "circulation",
}


def operations(api: Api) -> list[tuple[str, str]]:
    schema = api.client.get("/openapi.json").json()
    return [(method, path) for path, ops in schema["paths"].items() for method in ops]


def concrete(path: str) -> str:
    for placeholder, value in EXAMPLES.items():
        path = path.replace(placeholder, value)
    return path


def test_every_operation_without_a_token_is_refused_with_401(sqlite_api: Api) -> None:
    api = sqlite_api
    ops = operations(api)
    assert len(ops) >= 10
    for method, path in ops:
        url = concrete(path) + ("?external_id=R-1" if path == "/v1/reservations" else "")
        response = api.client.request(method, url, headers={"Idempotency-Key": "k1"})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"


def test_every_write_needs_a_token_in_the_schema_and_an_idempotency_key(sqlite_api: Api) -> None:
    api = sqlite_api
    schema = api.client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    writes = {(m, p) for p, ops in schema["paths"].items() for m in ops if m != "get"}
    assert writes == set(WRITE_SCOPES)
    for method, path in writes:
        operation = schema["paths"][path][method]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header" and p["required"]}
        assert "Idempotency-Key" in headers, (method, path)
        assert operation["security"] == [{"HTTPBearer": []}]


def test_a_wrong_token_is_refused_and_changes_nothing(sqlite_api: Api) -> None:
    api = sqlite_api
    response = api.client.put(
        "/v1/titles/12345678",
        json={"title": "Ny titel"},
        headers={"Authorization": "Bearer not-a-token", "Idempotency-Key": "k1"},
    )
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Title).where(Title.faust == "12345678")).first() is None


@pytest.mark.parametrize(("method", "path"), sorted(WRITE_SCOPES))
def test_a_client_without_the_scope_gets_403_and_nothing_changes(sqlite_api: Api, method: str, path: str) -> None:
    api = sqlite_api
    with api.session() as session:
        events_before = len(session.exec(select(Event)).all())
    response = api.write(method, concrete(path), {}, who="reader")
    assert response.status_code == 403
    assert WRITE_SCOPES[(method, path)] in response.json()["detail"]
    with api.session() as session:
        assert len(session.exec(select(Event)).all()) == events_before


def test_a_read_only_client_may_read(sqlite_api: Api) -> None:
    api = sqlite_api
    assert api.read("/v1/items/VALBY-ON-SHELF", who="reader").status_code == 200


def test_a_revoked_client_is_refused_at_once_even_after_a_good_call(sqlite_api: Api) -> None:
    api = sqlite_api
    assert api.read("/v1/branches").status_code == 200
    with api.session() as session:
        client = session.exec(select(ApiClient).where(ApiClient.name == "ils")).one()
        client.active = False
        session.add(client)
        session.commit()
    assert api.read("/v1/branches").status_code == 401
