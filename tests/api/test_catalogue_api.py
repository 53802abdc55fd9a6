"""Titles and copies from the library system, and withdrawals: happy paths and bad input."""

from sqlmodel import select

from materials.domain.states import ItemStatus, ReservationState
from materials.models import Event, Item, Reservation, Title
from tests.api.conftest import Api, field_names
from tests.factories import make_item, make_reservation

NEW_TITLE = {
    "title": "Min kamp 1",
    "author": "Karl Ove Knausgård",
    "isbn13": "978-87-02-08071-1",
    "subjects": ["Selvbiografi", "Norge"],
    "classification": "99.4",
    "year": 2009,
    "language": "dan",
}


def test_a_new_title_is_added_then_updated_and_each_change_names_its_actor(api: Api) -> None:
    created = api.write("put", "/v1/titles/87654321", NEW_TITLE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["faust"] == "87654321"
    assert body["isbn13"] == "9788702080711"
    assert body["subjects"] == ["selvbiografi", "norge"]
    assert body["copies"] == 0
    updated = api.write("put", "/v1/titles/87654321", {**NEW_TITLE, "year": 2010})
    assert updated.status_code == 200
    assert api.read("/v1/titles/87654321").json()["year"] == 2010
    with api.session() as session:
        events = session.exec(select(Event).where(Event.kind.in_(["title_added", "title_updated"]))).all()  # type: ignore[attr-defined]
    assert [(e.kind, e.actor) for e in events] == [("title_added", "api:ils"), ("title_updated", "api:ils")]
    assert events[1].payload["fields"] == ["year"]


def test_a_title_with_a_bad_isbn_or_year_is_a_422_naming_each_field(sqlite_api: Api) -> None:
    response = sqlite_api.write("put", "/v1/titles/87654321", {**NEW_TITLE, "isbn13": "9788702080712", "year": "x"})
    assert field_names(response) == {"isbn13", "year"}
    assert "check digit" in response.text


def test_an_unknown_field_or_a_malformed_faust_is_named(sqlite_api: Api) -> None:
    assert field_names(sqlite_api.write("put", "/v1/titles/87654321", {"title": "T", "colour": "red"})) == {"colour"}
    assert field_names(sqlite_api.write("put", "/v1/titles/8765", {"title": "T"})) == {"faust"}


def test_an_unknown_title_is_a_404_naming_the_faust(sqlite_api: Api) -> None:
    response = sqlite_api.read("/v1/titles/99999999")
    assert response.status_code == 404
    assert "99999999" in response.json()["detail"]


def test_a_new_copy_stands_on_the_shelf_at_its_home_branch(sqlite_api: Api) -> None:
    api = sqlite_api
    response = api.write("put", "/v1/items/NEW-AT-SUNDBY", {"faust": "29158987", "home_branch": "DK-710112"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["branch"], body["home_branch"], body["shelfmark"]) == (
        "on_shelf",
        "DK-710112",
        "DK-710112",
        "sk Jens",
    )
    assert api.read("/v1/titles/29158987").json()["copies"] == 2
    moved = api.write("put", "/v1/items/NEW-AT-SUNDBY", {"faust": "29158987", "home_branch": "DK-710115"})
    assert moved.status_code == 200
    assert moved.json()["home_branch"] == "DK-710115"
    assert moved.json()["branch"] == "DK-710112"


def test_a_copy_of_an_unknown_title_or_branch_is_a_404_and_nothing_is_added(sqlite_api: Api) -> None:
    api = sqlite_api
    unknown_title = api.write("put", "/v1/items/NEW-COPY", {"faust": "12121212", "home_branch": "DK-710115"})
    unknown_branch = api.write("put", "/v1/items/NEW-COPY", {"faust": "29158987", "home_branch": "DK-799999"})
    assert (unknown_title.status_code, unknown_branch.status_code) == (404, 404)
    assert "12121212" in unknown_title.json()["detail"]
    assert "DK-799999" in unknown_branch.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Item).where(Item.barcode == "NEW-COPY")).first() is None


def test_a_copy_with_wrong_types_is_a_422_naming_the_fields(sqlite_api: Api) -> None:
    body = {"faust": 29158987, "home_branch": "Valby", "parts": "two"}
    assert field_names(sqlite_api.write("put", "/v1/items/NEW-COPY", body)) == {"faust", "home_branch", "parts"}
    assert field_names(sqlite_api.write("put", "/v1/items/bad barcode!", {})) >= {"barcode"}


def test_a_withdrawn_copy_is_out_and_its_reservation_gets_another_copy(api: Api) -> None:
    with api.session() as session:
        other = make_item(session, api.title, api.city.sundby, "SUNDBY-SPARE", location=api.city.shelves["Sundby"])
        reservation = make_reservation(
            session, api.title, api.city.osterbro, state=ReservationState.ALLOCATED, item=api.item
        )
    response = api.write("post", "/v1/items/VALBY-ON-SHELF/withdrawal", {"reason": "Vandskadet"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    with api.session() as session:
        again = session.get(Reservation, reservation.id)
        assert again is not None
        assert again.item_id == other.id
        withdrawn = session.exec(select(Event).where(Event.kind == "item_withdrawn")).one()
        assert withdrawn.actor == "api:ils"
    second = api.write("post", "/v1/items/VALBY-ON-SHELF/withdrawal", {})
    assert second.status_code == 409
    assert "withdrawn already" in second.json()["detail"]


def test_a_copy_on_loan_cannot_be_withdrawn(sqlite_api: Api) -> None:
    api = sqlite_api
    api.write("post", "/v1/loans", {"barcode": "VALBY-ON-SHELF", "patron": "p-1", "branch": "DK-710115"})
    response = api.write("post", "/v1/items/VALBY-ON-SHELF/withdrawal", {})
    assert response.status_code == 409
    assert "on loan" in response.json()["detail"]
    with api.session() as session:
        item = session.exec(select(Item).where(Item.barcode == "VALBY-ON-SHELF")).one()
        assert item.status == ItemStatus.ON_LOAN


def test_withdrawing_an_unknown_barcode_is_a_404_naming_it(sqlite_api: Api) -> None:
    response = sqlite_api.write("post", "/v1/items/NO-SUCH-COPY/withdrawal", {})
    assert response.status_code == 404
    assert "NO-SUCH-COPY" in response.json()["detail"]
    with sqlite_api.session() as session:
        assert session.exec(select(Title)).all()  # the library is as it was
        assert session.exec(select(Event).where(Event.kind == "item_withdrawn")).first() is None
