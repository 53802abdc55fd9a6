"""Patron ids come in from the library system and go no further: a keyed hash in the database, nothing out."""

from sqlalchemy import Engine, MetaData, select
from sqlmodel import select as sql_select

from materials.domain.privacy import patron_pseudonym
from materials.models import Patron
from tests.api.conftest import PATRON_KEY, RAW_PATRON, Api


def database_text(engine: Engine) -> str:
    """Every value in every table, as text."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(
            repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(select(table)).all()
        )


def test_a_patron_id_never_appears_in_any_answer_or_in_the_database(api: Api) -> None:
    loan = {"barcode": "VALBY-ON-SHELF", "patron": RAW_PATRON, "branch": "DK-710115"}
    reservation = {"faust": "29158987", "pickup": "DK-710112", "patron": RAW_PATRON}
    answers = [
        api.write("post", "/v1/reservations", reservation),
        api.write("post", "/v1/loans", loan, key="the-loan"),
        api.write("post", "/v1/loans", loan, key="the-loan"),  # replayed
        api.write("post", "/v1/loans", {**loan, "barcode": "NO-SUCH-COPY"}),  # 404
        api.write("post", "/v1/loans", {**loan, "branch": 7}),  # 422 on another field
        api.write("post", "/v1/reservations", {**reservation, "faust": "x"}),  # 422 on another field
        api.write("post", "/v1/reservations", {"patron": RAW_PATRON}),  # 422, missing fields
        api.write("post", "/v1/returns", {"barcode": "VALBY-ON-SHELF", "station": "automat-710115"}),
        api.read("/v1/items/VALBY-ON-SHELF"),
        api.read("/v1/reservations/1"),
        api.read("/v1/branches/DK-710115/picklist"),
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 404, 422, 422, 422, 200, 200, 200, 200]
    for answer in answers:
        assert RAW_PATRON not in answer.text
        assert RAW_PATRON not in str(answer.headers)
    stored = database_text(api.engine)
    assert RAW_PATRON not in stored
    with api.session() as session:
        patrons = session.exec(sql_select(Patron)).all()
    assert [p.pseudonym for p in patrons] == [patron_pseudonym(RAW_PATRON, PATRON_KEY)]


def test_a_patron_id_of_the_wrong_type_is_named_but_not_echoed(sqlite_api: Api) -> None:
    response = sqlite_api.write(
        "post", "/v1/loans", {"barcode": "VALBY-ON-SHELF", "patron": 101701234, "branch": "DK-710115"}
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "patron"]]
    assert "101701234" not in response.text


def test_the_openapi_schema_has_no_patron_in_any_answer(sqlite_api: Api) -> None:
    schemas = sqlite_api.client.get("/openapi.json").json()["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("Out") or name == "Problem":
            assert "patron" not in schema.get("properties", {}), name
