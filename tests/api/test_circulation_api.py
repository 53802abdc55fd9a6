"""Loans, returns and reservations pushed by the library system; status, route and pick lists asked for."""

from datetime import timedelta

from sqlmodel import select

from materials.domain.states import ItemStatus, ReservationState
from materials.models import Event, Item, Loan, Reservation
from tests.api.conftest import RAW_PATRON, Api, field_names
from tests.factories import T0, make_item

LOAN = {"barcode": "VALBY-ON-SHELF", "patron": RAW_PATRON, "branch": "DK-710115"}


def item(api: Api, barcode: str = "VALBY-ON-SHELF") -> Item:
    with api.session() as session:
        return session.exec(select(Item).where(Item.barcode == barcode)).one()


def test_a_loan_puts_the_copy_on_loan_and_records_the_client(api: Api) -> None:
    response = api.write("post", "/v1/loans", {**LOAN, "at": "2026-11-03T10:00:00+01:00"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["barcode"], body["branch"], body["collected_reservation_id"]) == ("VALBY-ON-SHELF", "DK-710115", None)
    assert item(api).status == ItemStatus.ON_LOAN
    assert api.read("/v1/items/VALBY-ON-SHELF").json()["status"] == "on_loan"
    with api.session() as session:
        assert session.exec(select(Event).where(Event.kind == "loan")).one().actor == "api:ils"


def test_lending_a_copy_already_on_loan_is_a_409(sqlite_api: Api) -> None:
    sqlite_api.write("post", "/v1/loans", LOAN)
    response = sqlite_api.write("post", "/v1/loans", {**LOAN, "patron": "someone-else"})
    assert response.status_code == 409
    assert "VALBY-ON-SHELF" in response.json()["detail"]


def test_a_loan_of_an_unknown_barcode_is_a_404_and_changes_nothing(sqlite_api: Api) -> None:
    api = sqlite_api
    response = api.write("post", "/v1/loans", {**LOAN, "barcode": "NO-SUCH-COPY"})
    assert response.status_code == 404
    assert "NO-SUCH-COPY" in response.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Loan)).first() is None
        assert session.exec(select(Event)).first() is None


def test_a_loan_with_wrong_types_names_every_bad_field_and_changes_nothing(sqlite_api: Api) -> None:
    body = {"barcode": 17, "patron": "", "branch": "Valby", "at": "yesterday"}
    assert field_names(sqlite_api.write("post", "/v1/loans", body)) == {"barcode", "patron", "branch", "at"}
    assert field_names(sqlite_api.write("post", "/v1/loans", {**LOAN, "at": "2026-11-03T10:00:00"})) == {"at"}
    assert item(sqlite_api).status == ItemStatus.ON_SHELF


def test_a_return_is_checked_in_and_answers_with_the_route_and_its_reason(api: Api) -> None:
    api.write("post", "/v1/loans", LOAN)
    api.clock.advance(days=3)
    response = api.write("post", "/v1/returns", {"barcode": "VALBY-ON-SHELF", "station": "automat-710115"})
    assert response.status_code == 200, response.text
    route = response.json()
    assert route["kind"] in {"stay", "home", "rebalance", "storage"}
    assert route["reason"]
    with api.session() as session:
        loan = session.exec(select(Loan)).one()
        assert loan.returned_at is not None
        checkin = session.exec(select(Event).where(Event.kind == "checkin")).one()
        assert checkin.actor == "api:ils"
    status = api.read("/v1/items/VALBY-ON-SHELF").json()
    assert status["last_route"]["kind"] == route["kind"]
    assert status["last_route"]["reason"] == route["reason"]
    assert status["last_route"]["station"] == "automat-710115"


def test_a_return_of_an_unknown_barcode_or_at_an_unknown_station_is_a_404_and_records_nothing(sqlite_api: Api) -> None:
    api = sqlite_api
    unknown_copy = api.write("post", "/v1/returns", {"barcode": "NO-SUCH-COPY", "station": "automat-710115"})
    unknown_station = api.write("post", "/v1/returns", {"barcode": "VALBY-ON-SHELF", "station": "nowhere"})
    assert (unknown_copy.status_code, unknown_station.status_code) == (404, 404)
    assert "NO-SUCH-COPY" in unknown_copy.json()["detail"]
    assert "nowhere" in unknown_station.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Event)).first() is None


def test_a_placed_reservation_gets_a_shelf_copy_and_can_be_asked_for_and_cancelled(api: Api) -> None:
    placed = api.write(
        "post",
        "/v1/reservations",
        {"faust": "29158987", "pickup": "DK-710112", "patron": RAW_PATRON, "external_id": "R-1"},
    )
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert (body["state"], body["item"], body["pickup"], body["external_id"]) == (
        "allocated",
        "VALBY-ON-SHELF",
        "DK-710112",
        "R-1",
    )
    picklist = api.read("/v1/branches/DK-710115/picklist").json()
    assert [line["barcode"] for line in picklist["lines"]] == ["VALBY-ON-SHELF"]
    assert picklist["lines"][0]["pickup"] == "DK-710112"
    assert api.read(f"/v1/reservations/{body['id']}").json() == body
    assert api.read("/v1/reservations?external_id=R-1").json() == [body]
    assert api.read("/v1/reservations?external_id=R-2").json() == []
    cancelled = api.write("post", f"/v1/reservations/{body['id']}/cancellation", {})
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert api.read("/v1/branches/DK-710115/picklist").json()["lines"] == []
    with api.session() as session:
        actors = {e.actor for e in session.exec(select(Event).where(Event.kind.like("reservation_%")))}  # type: ignore[attr-defined]
    assert actors == {"api:ils"}


def test_a_reservation_for_an_unknown_title_or_branch_is_a_404_and_nothing_is_placed(sqlite_api: Api) -> None:
    api = sqlite_api
    unknown_title = api.write("post", "/v1/reservations", {"faust": "12121212", "pickup": "DK-710112", "patron": "p"})
    unknown_branch = api.write("post", "/v1/reservations", {"faust": "29158987", "pickup": "DK-799999", "patron": "p"})
    assert (unknown_title.status_code, unknown_branch.status_code) == (404, 404)
    assert "12121212" in unknown_title.json()["detail"]
    assert "DK-799999" in unknown_branch.json()["detail"]
    with api.session() as session:
        assert session.exec(select(Reservation)).first() is None


def test_a_second_reservation_with_the_same_external_id_is_a_409(sqlite_api: Api) -> None:
    body = {"faust": "29158987", "pickup": "DK-710112", "patron": "p", "external_id": "R-1"}
    assert sqlite_api.write("post", "/v1/reservations", body).status_code == 201
    again = sqlite_api.write("post", "/v1/reservations", body)
    assert again.status_code == 409
    assert "R-1" in again.json()["detail"]


def test_cancelling_twice_or_an_unknown_reservation_is_refused(sqlite_api: Api) -> None:
    api = sqlite_api
    placed = api.write("post", "/v1/reservations", {"faust": "29158987", "pickup": "DK-710112", "patron": "p"}).json()
    api.write("post", f"/v1/reservations/{placed['id']}/cancellation", {})
    assert api.write("post", f"/v1/reservations/{placed['id']}/cancellation", {}).status_code == 409
    assert api.write("post", "/v1/reservations/999/cancellation", {}).status_code == 404
    assert api.read("/v1/reservations/999").status_code == 404
    assert field_names(api.read("/v1/reservations/abc")) == {"reservation_id"}


def test_the_patron_collecting_their_own_reservation_closes_it(sqlite_api: Api) -> None:
    api = sqlite_api
    placed = api.write("post", "/v1/reservations", {"faust": "29158987", "pickup": "DK-710115", "patron": RAW_PATRON})
    loan = api.write("post", "/v1/loans", LOAN).json()
    assert loan["collected_reservation_id"] == placed.json()["id"]
    assert api.read(f"/v1/reservations/{placed.json()['id']}").json()["state"] == "collected"


def test_lending_a_copy_meant_for_another_patron_gives_their_reservation_another_copy(sqlite_api: Api) -> None:
    api = sqlite_api
    with api.session() as session:
        spare = make_item(session, api.title, api.city.sundby, "SUNDBY-SPARE", location=api.city.shelves["Sundby"])
    placed = api.write("post", "/v1/reservations", {"faust": "29158987", "pickup": "DK-710115", "patron": "someone"})
    assert placed.json()["item"] == "VALBY-ON-SHELF"
    api.write("post", "/v1/loans", LOAN)
    now = api.read(f"/v1/reservations/{placed.json()['id']}").json()
    assert (now["state"], now["item"]) == (str(ReservationState.ALLOCATED), spare.barcode)


def test_branches_and_an_unknown_branchs_pick_list(sqlite_api: Api) -> None:
    branches = sqlite_api.read("/v1/branches").json()
    assert {"isil": "DK-710115", "name": "Valby", "kind": "branch"} in branches
    assert sqlite_api.read("/v1/branches/DK-799999/picklist").status_code == 404
    assert field_names(sqlite_api.read("/v1/branches/Valby/picklist")) == {"isil"}


def test_times_default_to_the_clock(sqlite_api: Api) -> None:
    sqlite_api.clock.advance(hours=2)
    loan = sqlite_api.write("post", "/v1/loans", LOAN).json()
    assert loan["loaned_at"].startswith((T0 + timedelta(hours=2)).isoformat()[:16])


def test_a_second_return_of_a_copy_inside_the_scan_window_is_the_same_check_in(sqlite_api: Api) -> None:
    api = sqlite_api
    api.write("post", "/v1/loans", LOAN)
    body = {"barcode": "VALBY-ON-SHELF", "station": "automat-710115"}
    first = api.write("post", "/v1/returns", body)
    repeat = api.write("post", "/v1/returns", body)  # another key: a second scan, inside the duplicate window
    assert (first.status_code, repeat.status_code) == (200, 200)
    assert repeat.json()["duplicate"] is True
    assert repeat.json()["reason"] == first.json()["reason"]
    assert api.write("post", "/v1/returns", body, key="key-3").json() == repeat.json()  # and its own key replays
    with api.session() as session:
        assert len(session.exec(select(Event).where(Event.kind == "checkin")).all()) == 1


def test_a_return_reported_for_a_branch_is_checked_in_at_its_return_machine(sqlite_api: Api) -> None:
    api = sqlite_api
    api.write("post", "/v1/loans", LOAN)
    response = api.write("post", "/v1/returns", {"barcode": "VALBY-ON-SHELF", "branch": "DK-710115"})
    assert response.status_code == 200, response.text
    with api.session() as session:
        assert session.exec(select(Event).where(Event.kind == "checkin")).one().station == "automat-710115"


def test_a_return_needs_exactly_one_of_station_and_branch(sqlite_api: Api) -> None:
    both = {"barcode": "VALBY-ON-SHELF", "branch": "DK-710115", "station": "automat-710115"}
    for body in (both, {"barcode": "VALBY-ON-SHELF"}):
        response = sqlite_api.write("post", "/v1/returns", body)
        assert response.status_code == 422
        assert "either station or branch" in response.text
    unknown = sqlite_api.write("post", "/v1/returns", {"barcode": "VALBY-ON-SHELF", "branch": "DK-799999"})
    assert unknown.status_code == 404
    assert "DK-799999" in unknown.json()["detail"]
