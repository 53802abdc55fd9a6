"""An Idempotency-Key on every write: a retry gets the first answer, a reused key with another body is refused."""

import hashlib
import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from materials.api import create_app
from materials.api.idempotency import PENDING, fingerprint
from materials.api.schemas import LoanIn
from materials.cli import app as cli_app
from materials.clock import FixedClock
from materials.db import get_engine
from materials.models import Event, IdempotencyKey, Loan, Title
from materials.services.auth import add_api_client
from tests.api.conftest import PATRON_KEY, RAW_PATRON, Api, field_names
from tests.factories import T0, make_small_city

LOAN = {"barcode": "VALBY-ON-SHELF", "patron": RAW_PATRON, "branch": "DK-710115"}


def test_a_retried_loan_gets_the_first_answer_and_lends_the_copy_once(api: Api) -> None:
    first = api.write("post", "/v1/loans", LOAN, key="loan-1")
    again = api.write("post", "/v1/loans", LOAN, key="loan-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    with api.session() as session:
        assert len(session.exec(select(Loan)).all()) == 1
        assert len(session.exec(select(Event).where(Event.kind == "loan")).all()) == 1


def test_the_same_key_with_another_body_is_refused_with_409_and_changes_nothing(api: Api) -> None:
    api.write("put", "/v1/titles/11112222", {"title": "Første udgave"}, key="title-1")
    response = api.write("put", "/v1/titles/11112222", {"title": "Anden udgave"}, key="title-1")
    assert response.status_code == 409
    assert "title-1" in response.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Title).where(Title.faust == "11112222")).one().title == "Første udgave"


def test_the_same_key_on_another_route_is_another_request(sqlite_api: Api) -> None:
    sqlite_api.write("put", "/v1/titles/11112222", {"title": "Titel"}, key="shared")
    response = sqlite_api.write("put", "/v1/titles/33334444", {"title": "Titel"}, key="shared")
    assert response.status_code == 409


def test_keys_belong_to_their_client(sqlite_api: Api) -> None:
    api = sqlite_api
    api.write("put", "/v1/titles/11112222", {"title": "Titel"}, key="k")
    with api.session() as session:
        session.add(
            IdempotencyKey(client="other", key="k2", request_hash="x", status_code=200, created_at=api.clock.now())
        )
        session.commit()
    assert api.write("put", "/v1/titles/11112222", {"title": "Titel"}, key="k2").status_code == 200


def test_a_write_without_an_idempotency_key_is_a_422_naming_the_header(sqlite_api: Api) -> None:
    response = sqlite_api.client.post("/v1/loans", json=LOAN, headers=sqlite_api.headers())
    assert field_names(response) == {"Idempotency-Key"}
    with sqlite_api.session() as session:
        assert session.exec(select(Loan)).first() is None


def test_a_failed_write_does_not_use_up_its_key(sqlite_api: Api) -> None:
    api = sqlite_api
    item = {"faust": "55556666", "home_branch": "DK-710115"}
    assert api.write("put", "/v1/items/NEW-COPY", item, key="item-1").status_code == 404  # title not there yet
    api.write("put", "/v1/titles/55556666", {"title": "Nyhed"})
    assert api.write("put", "/v1/items/NEW-COPY", item, key="item-1").status_code == 201


def test_a_key_whose_first_request_is_still_running_is_refused(sqlite_api: Api) -> None:
    api = sqlite_api
    with api.session() as session:
        # What a concurrent first request leaves until its answer is stored.
        digest = fingerprint(secret=PATRON_KEY, method="POST", path="/v1/loans", body=LoanIn.model_validate(LOAN))
        session.add(
            IdempotencyKey(
                client="ils", key="busy", request_hash=digest, status_code=PENDING, created_at=api.clock.now()
            )
        )
        session.commit()
    response = api.write("post", "/v1/loans", LOAN, key="busy")
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]


def test_the_stored_fingerprint_is_keyed_so_it_cannot_be_matched_against_guessed_patron_ids(sqlite_api: Api) -> None:
    api = sqlite_api
    api.write("post", "/v1/loans", LOAN, key="loan-1")
    with api.session() as session:
        stored = session.exec(select(IdempotencyKey)).one()
    body = LoanIn.model_validate(LOAN)
    assert stored.request_hash == fingerprint(secret=PATRON_KEY, method="POST", path="/v1/loans", body=body)
    assert stored.request_hash != fingerprint(secret="a-guess", method="POST", path="/v1/loans", body=body)
    plain = hashlib.sha256(json.dumps(LOAN, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert stored.request_hash != plain
    assert RAW_PATRON not in json.dumps(stored.response)


def test_the_same_write_sent_twice_at_once_happens_once(api: Api) -> None:
    barrier = threading.Barrier(4)

    def send(key: str) -> int:
        barrier.wait()
        return api.write("post", "/v1/loans", LOAN, key=key).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(pool.map(send, ["same", "same", "other", "another"]))
    # One loan; the same key again is its replay (201) or still running (409); other keys find the copy lent (409).
    assert codes.count(201) in (1, 2)
    assert set(codes) <= {201, 409}
    with api.session() as session:
        assert len(session.exec(select(Loan)).all()) == 1
        assert len(session.exec(select(Event).where(Event.kind == "loan")).all()) == 1


def test_a_key_is_forgotten_after_a_day_and_may_then_carry_a_new_request(api: Api) -> None:
    assert api.write("put", "/v1/titles/11112222", {"title": "Første udgave"}, key="title-1").status_code == 201
    api.clock.advance(hours=23)
    assert api.write("put", "/v1/titles/11112222", {"title": "Anden udgave"}, key="title-1").status_code == 409
    api.clock.advance(hours=2)
    # Pruning has just run: the expired key is still stored, and its use must forget it.
    api.client.app.state.api.keys_pruned_at = api.clock.now()  # type: ignore[attr-defined]
    with api.session() as session:
        assert session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "title-1")).one()
    again = api.write("put", "/v1/titles/11112222", {"title": "Anden udgave"}, key="title-1")
    assert again.status_code == 200 and "idempotent-replayed" not in again.headers
    with api.session() as session:
        assert session.exec(select(Title).where(Title.faust == "11112222")).one().title == "Anden udgave"
        [stored] = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "title-1")).all()
        assert stored.created_at.replace(tzinfo=UTC) == api.clock.now()


def test_the_api_prunes_expired_keys_itself(api: Api) -> None:
    for n in range(3):
        api.write("put", f"/v1/titles/1111222{n}", {"title": "Gammel"}, key=f"old-{n}")
    api.clock.advance(hours=12)
    api.write("put", "/v1/titles/11113333", {"title": "Nyere"}, key="newer")
    with api.session() as session:
        assert len(session.exec(select(IdempotencyKey)).all()) == 4  # nothing has expired yet
    api.clock.advance(hours=13)
    api.write("put", "/v1/titles/11114444", {"title": "Ny"}, key="new")
    with api.session() as session:
        assert sorted(k.key for k in session.exec(select(IdempotencyKey))) == ["new", "newer"]


def test_how_long_keys_live_is_configurable(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        make_small_city(session)
        token = add_api_client(session, name="ils", scopes=["catalogue"]).token
        session.add(IdempotencyKey(client="ils", key="x", request_hash="h", status_code=200, created_at=T0))
        session.add(
            IdempotencyKey(client="ils", key="y", request_hash="h", status_code=200, created_at=T0 + timedelta(hours=1))
        )
        session.commit()
    clock = FixedClock(T0 + timedelta(hours=1, minutes=30))
    app = create_app(sqlite_engine, clock=clock, patron_key=PATRON_KEY, key_ttl=timedelta(hours=1))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "z"}
        assert client.put("/v1/titles/11112222", json={"title": "T"}, headers=headers).status_code == 201
    with Session(sqlite_engine) as session:
        assert sorted(k.key for k in session.exec(select(IdempotencyKey))) == ["y", "z"]
    with pytest.raises(ValueError, match="positive"):
        create_app(sqlite_engine, patron_key=PATRON_KEY, key_ttl=timedelta(0))


def test_prune_keys_command_forgets_keys_older_than_asked(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = get_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for key, age in (("old", 30), ("young", 2)):
            created = now - timedelta(hours=age)
            session.add(IdempotencyKey(client="ils", key=key, request_hash="h", status_code=200, created_at=created))
        session.commit()
    result = CliRunner().invoke(cli_app, ["--db", url, "api", "prune-keys", "--older-than-hours", "24"])
    assert result.exit_code == 0, result.output
    assert "forgot 1 idempotency key" in result.output
    with Session(engine) as session:
        assert [k.key for k in session.exec(select(IdempotencyKey))] == ["young"]
    engine.dispose()
