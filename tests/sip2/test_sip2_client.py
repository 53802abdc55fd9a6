"""End to end with an independent client (the PyPI package `sip2`): login, status, checkin, item information."""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from materials.domain.states import ItemStatus
from materials.models import Event, Item, Sip2Account
from materials.sip2.messages import SUPPORTED_MESSAGES
from tests.factories import make_item, make_title
from tests.sip2.conftest import ACCOUNT, PASSWORD, SORTER_STATION, Library


def login(client: Any, name: str = ACCOUNT, password: str = PASSWORD) -> dict[str, Any]:
    return client.sip_login_response(client.get_response(client.sip_login_request(name, password)))


def checkin(client: Any, barcode: str) -> dict[str, Any]:
    return client.sip_checkin_response(client.get_response(client.sip_checkin_request(barcode)))


def item_information(client: Any, barcode: str) -> dict[str, Any]:
    return client.sip_item_information_response(client.get_response(client.sip_item_information_request(barcode)))


def first(response: dict[str, Any], code: str) -> str | None:
    values = response["variable"].get(code)
    return values[0] if values else None


def test_the_account_is_stored_with_a_hashed_password(engine: Engine, library: Library) -> None:
    with Session(engine) as session:
        account = session.exec(select(Sip2Account).where(Sip2Account.name == ACCOUNT)).one()
    assert PASSWORD not in account.password_hash and account.password_hash.startswith("$argon2")


def test_a_machine_logs_in_and_the_status_lists_only_what_the_server_implements(
    sip2_client: Any, library: Library
) -> None:
    assert login(sip2_client)["fixed"]["Ok"] == "1"
    status = sip2_client.sip_sc_status_response(sip2_client.get_response(sip2_client.sip_sc_status_request()))
    assert status["fixed"]["OnlineStatus"] == "Y"
    assert status["fixed"]["CheckinOk"] == "Y"
    assert status["fixed"]["CheckoutOk"] == "N"
    assert status["fixed"]["ProtocolVersion"] == "2.00"
    assert first(status, "BX") == SUPPORTED_MESSAGES == "NNYNYYYNNNYNNNNN"
    assert first(status, "AO") == library.sorting.isil
    assert first(status, "AN") == SORTER_STATION


def test_a_wrong_password_is_refused_with_login_response_0(sip2_client: Any) -> None:
    assert login(sip2_client, password="forkert")["fixed"]["Ok"] == "0"


def test_the_sequence_number_is_echoed_in_every_reply(sip2_client: Any) -> None:
    login(sip2_client)
    for _ in range(3):
        request = sip2_client.sip_checkin_request("ON-LOAN-FROM-MAIN")
        reply = sip2_client.sip_checkin_response(sip2_client.get_response(request))
        assert first(reply, "AY") == str(sip2_client._seq)


def test_a_reserved_copy_at_the_sorter_goes_to_the_pickup_branch_bin_with_alert_02(
    sip2_client: Any, library: Library
) -> None:
    login(sip2_client)
    reply = checkin(sip2_client, "RESERVED-FOR-VALBY")
    assert reply["fixed"]["Ok"] == "1"
    assert reply["fixed"]["Resensitize"] == "Y"
    assert reply["fixed"]["Alert"] == "Y"
    assert first(reply, "AB") == "RESERVED-FOR-VALBY"
    assert first(reply, "AQ") == library.main.isil  # permanent location: the home branch
    assert first(reply, "AJ") == "Kongens Fald"
    assert first(reply, "CL") == "B18"
    assert first(reply, "CT") == library.valby.isil
    assert first(reply, "CV") == "02"
    assert "Reserveret" in (first(reply, "AF") or "")


def test_a_copy_nobody_waits_for_goes_to_another_library_with_alert_04(sip2_client: Any, library: Library) -> None:
    login(sip2_client)
    reply = checkin(sip2_client, "ON-LOAN-FROM-MAIN")
    assert reply["fixed"]["Ok"] == "1"
    assert first(reply, "CV") == "04"
    assert first(reply, "CT") == library.main.isil
    assert first(reply, "CL") == "B01"


def test_an_unknown_barcode_is_not_checked_in_and_goes_to_special_handling(sip2_client: Any) -> None:
    login(sip2_client)
    reply = checkin(sip2_client, "NOT-IN-THE-CATALOGUE")
    assert reply["fixed"]["Ok"] == "0"
    assert reply["fixed"]["Alert"] == "Y"
    assert first(reply, "CV") == "99"
    assert first(reply, "CL") == "X"
    assert "Ukendt stregkode" in (first(reply, "AF") or "")


def test_every_check_in_is_recorded_as_done_by_the_account_at_its_station(
    sip2_client: Any, engine: Engine, library: Library
) -> None:
    login(sip2_client)
    checkin(sip2_client, "ON-LOAN-FROM-MAIN")
    with Session(engine) as session:
        events = session.exec(select(Event).where(Event.kind == "checkin")).all()
        item = session.exec(select(Item).where(Item.barcode == "ON-LOAN-FROM-MAIN")).one()
    assert [(e.barcode, e.actor, e.station) for e in events] == [("ON-LOAN-FROM-MAIN", ACCOUNT, SORTER_STATION)]
    assert item.status == ItemStatus.IN_SORTING


def test_item_information_gives_the_sip2_circulation_status_of_each_state(
    sip2_client: Any, engine: Engine, library: Library
) -> None:
    expected = {
        ItemStatus.ON_SHELF: "03",
        ItemStatus.ON_LOAN: "04",
        ItemStatus.ON_HOLD_SHELF: "08",
        ItemStatus.IN_SORTING: "09",
        ItemStatus.IN_TRANSIT: "10",
        ItemStatus.MISSING: "13",
        ItemStatus.WITHDRAWN: "01",
    }
    with Session(engine, expire_on_commit=False) as session:
        title = make_title(session, "Tilstande")
        for status in expected:
            make_item(session, title, library.main, f"STATE-{status.upper()}", status=status)
    login(sip2_client)
    for status, code in expected.items():
        reply = item_information(sip2_client, f"STATE-{status.upper()}")
        assert reply["fixed"]["CirculationStatus"] == code, status
        assert first(reply, "AJ") == "Tilstande"
        assert first(reply, "AQ") == library.main.isil


def test_item_information_of_a_copy_in_transit_names_its_destination(
    sip2_client: Any, engine: Engine, library: Library
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        title = make_title(session, "På vej")
        make_item(
            session, title, library.sorting, "ON-THE-VAN", status=ItemStatus.IN_TRANSIT, home=library.main,
            destination_branch_id=library.valby.id,
        )  # fmt: skip
    login(sip2_client)
    reply = item_information(sip2_client, "ON-THE-VAN")
    assert reply["fixed"]["CirculationStatus"] == "10"
    assert first(reply, "CT") == library.valby.isil
    assert first(reply, "AP") == library.sorting.isil


def test_item_information_after_a_check_in_says_waiting_to_be_reshelved(sip2_client: Any) -> None:
    login(sip2_client)
    checkin(sip2_client, "ON-LOAN-FROM-MAIN")
    assert item_information(sip2_client, "ON-LOAN-FROM-MAIN")["fixed"]["CirculationStatus"] == "09"


def test_item_information_of_an_unknown_barcode_says_other_and_why(sip2_client: Any) -> None:
    login(sip2_client)
    reply = item_information(sip2_client, "NO-SUCH-COPY")
    assert reply["fixed"]["CirculationStatus"] == "01"
    assert "Ukendt stregkode" in (first(reply, "AF") or "")
