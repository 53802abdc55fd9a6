"""The answers built from plain values: alert types, flags and fields of 10 and 18."""

from datetime import UTC, datetime

from materials.sip2.backend import CheckinOutcome, ItemInfo, Terminal
from materials.sip2.codec import format_frame, parse_frame
from materials.sip2.messages import alert_type, checkin_response, item_information_response

HERE = "DK-710118"
AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TERMINAL = Terminal(account="automat-valby", station="automat-710118", branch_id=2, isil=HERE, library_name="Valby")


def outcome(kind: str, destination: str | None, *, known: bool = True, shelf_code: str | None = None) -> CheckinOutcome:
    return CheckinOutcome(
        barcode="B-1", known=known, kind=kind, destination=destination, sort_bin=None, reason="Grund",
        title="Titel", shelf_code=shelf_code, permanent_location="DK-710100",
    )  # fmt: skip


def test_a_hold_for_this_library_is_alert_01_and_for_another_02() -> None:
    assert alert_type(outcome("hold", HERE), here=HERE) == "01"
    assert alert_type(outcome("hold", "DK-710100"), here=HERE) == "02"


def test_a_copy_that_stays_here_raises_no_alert_and_one_going_elsewhere_is_04() -> None:
    assert alert_type(outcome("stay", HERE), here=HERE) is None
    assert alert_type(outcome("rebalance", "DK-710100"), here=HERE) == "04"
    assert alert_type(outcome("storage", "DK-719999"), here=HERE) == "04"


def test_an_exception_or_an_unknown_copy_is_special_handling_99() -> None:
    assert alert_type(outcome("exception", None), here=HERE) == "99"
    assert alert_type(outcome("exception", None, known=False), here=HERE) == "99"


def test_a_hold_answer_carries_the_hold_shelf_code_and_never_more_about_the_patron() -> None:
    reply = checkin_response(outcome("hold", HERE, shelf_code="H-042"), terminal=TERMINAL, institution="", at=AT)
    frame = parse_frame(format_frame(reply.command, reply.fixed, reply.fields))
    assert frame.fixed[:4] == "1YNY"
    assert frame.get("CY") == "H-042" and frame.get("CV") == "01"
    assert frame.get("AO") == HERE and frame.get("DA") == ""


def test_a_copy_that_stays_answers_without_alert_or_destination_alert_fields() -> None:
    reply = checkin_response(outcome("stay", HERE), terminal=TERMINAL, institution="DK-710118", at=AT)
    frame = parse_frame(format_frame(reply.command, reply.fixed, reply.fields))
    assert frame.fixed[:4] == "1YNN"
    assert frame.get("CV") == "" and frame.get("CY") == ""


def test_the_transaction_date_is_copenhagen_local_time_with_a_blank_zone() -> None:
    reply = item_information_response(ItemInfo(barcode="B-1", known=False), at=AT)
    assert reply.fixed[6:] == "20261127    100000"
