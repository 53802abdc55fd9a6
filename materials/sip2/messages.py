"""The answers we send, built from plain values: 94 login, 98 ACS status, 10 checkin, 18 item information.

Nothing here touches the database or the network; `connection` decides which answer a request gets.
"""

from dataclasses import dataclass, field
from datetime import datetime

from materials.domain.states import ItemStatus, RouteKind
from materials.sip2.backend import CheckinOutcome, ItemInfo, Terminal
from materials.sip2.codec import sip_datestamp

# Positions in BX: patron status, checkout, checkin, block patron, SC/ACS status, request resend, login,
# patron information, end patron session, fee paid, item information, item status update, patron enable,
# hold, renew, renew all. Only what this server implements says Y.
SUPPORTED_MESSAGES = "NNYNYYYNNNYNNNNN"
PROTOCOL_VERSION = "2.00"
TIMEOUT_PERIOD = "010"  # tenths of a second the machine should wait for an answer before resending
RETRIES_ALLOWED = "003"

# SIP2 circulation status codes (18) for our item statuses.
CIRCULATION_STATUS = {
    ItemStatus.ON_SHELF: "03",  # available
    ItemStatus.ON_DISPLAY: "03",  # available (face-out on a display)
    ItemStatus.ON_LOAN: "04",  # charged
    ItemStatus.IN_SORTING: "09",  # waiting to be re-shelved
    ItemStatus.IN_TRANSIT: "10",  # in transit between library locations
    ItemStatus.ON_HOLD_SHELF: "08",  # waiting on hold shelf
    ItemStatus.MISSING: "13",  # missing
    ItemStatus.WITHDRAWN: "01",  # other: no longer in the collection
}
STATUS_OTHER = "01"

ALERT_HOLD_HERE = "01"
ALERT_HOLD_ELSEWHERE = "02"
ALERT_SEND_ELSEWHERE = "04"
ALERT_SPECIAL_HANDLING = "99"


@dataclass(frozen=True)
class Reply:
    command: str
    fixed: str
    fields: list[tuple[str, object]] = field(default_factory=list)


def flag(value: bool) -> str:
    return "Y" if value else "N"


def login_response(ok: bool) -> Reply:
    return Reply("94", "1" if ok else "0")


def acs_status(*, terminal: Terminal | None, at: datetime, message: str = "") -> Reply:
    """98: online and accepting check-ins once logged in; before login everything says N."""
    online = terminal is not None
    fixed = (
        flag(online)  # on-line status
        + flag(online)  # checkin ok
        + "N"  # checkout ok
        + "N"  # ACS renewal policy
        + "N"  # status update ok
        + "N"  # off-line ok
        + TIMEOUT_PERIOD
        + RETRIES_ALLOWED
        + sip_datestamp(at)
        + PROTOCOL_VERSION
    )
    fields: list[tuple[str, object]] = [
        ("AO", terminal.isil if terminal else ""),
        ("AM", terminal.library_name if terminal else None),
        ("BX", SUPPORTED_MESSAGES if online else "N" * 16),
        ("AN", terminal.station if terminal else None),
        ("AF", message or None),
    ]
    return Reply("98", fixed, fields)


def alert_type(outcome: CheckinOutcome, *, here: str) -> str | None:
    """CV: what the sorter or the person at the machine must do with the copy, or None when it stays here."""
    if not outcome.known or outcome.kind == RouteKind.EXCEPTION:
        return ALERT_SPECIAL_HANDLING
    if outcome.kind == RouteKind.HOLD:
        return ALERT_HOLD_HERE if outcome.destination in (None, here) else ALERT_HOLD_ELSEWHERE
    if outcome.destination is not None and outcome.destination != here:
        return ALERT_SEND_ELSEWHERE
    return None


def checkin_response(outcome: CheckinOutcome, *, terminal: Terminal, institution: str, at: datetime) -> Reply:
    alert = alert_type(outcome, here=terminal.isil)
    fixed = (
        ("1" if outcome.known else "0")  # ok
        + flag(outcome.known)  # resensitize: the security tag goes back on a copy we took back
        + ("N" if outcome.known else "U")  # magnetic media: we lend no tapes
        + flag(alert is not None)
        + sip_datestamp(at)
    )
    fields: list[tuple[str, object]] = [
        ("AO", institution or terminal.isil),
        ("AB", outcome.barcode),
        ("AQ", outcome.permanent_location or ""),
        ("AJ", outcome.title or None),
        ("CL", outcome.sort_bin),
        ("CT", outcome.destination),
        ("CV", alert),
        ("CY", outcome.shelf_code),
        ("AF", outcome.reason or None),
    ]
    return Reply("10", fixed, fields)


def checkin_refusal(*, barcode: str, institution: str, at: datetime, message: str) -> Reply:
    """10 with ok 0: not checked in; the alert sends the copy to special handling."""
    fields: list[tuple[str, object]] = [
        ("AO", institution),
        ("AB", barcode),
        ("AQ", ""),
        ("CV", ALERT_SPECIAL_HANDLING),
        ("AF", message),
    ]
    return Reply("10", "0NUY" + sip_datestamp(at), fields)


def item_information_response(info: ItemInfo, *, at: datetime) -> Reply:
    status = CIRCULATION_STATUS.get(ItemStatus(info.status), STATUS_OTHER) if info.known else STATUS_OTHER
    fixed = status + "00" + "01" + sip_datestamp(at)  # security marker other, fee type other
    fields: list[tuple[str, object]] = [
        ("CF", info.holds_waiting if info.known else None),
        ("AH", sip_datestamp(info.due_at) if info.due_at else None),
        ("CM", sip_datestamp(info.hold_pickup_deadline) if info.hold_pickup_deadline else None),
        ("AB", info.barcode),
        ("AJ", info.title),
        ("AQ", info.permanent_location),
        ("AP", info.current_location),
        ("CT", info.destination if info.status == ItemStatus.IN_TRANSIT else None),
        ("AF", None if info.known else f"Ukendt stregkode {info.barcode}"),
    ]
    return Reply("18", fixed, fields)


def item_information_refusal(*, barcode: str, at: datetime, message: str) -> Reply:
    return Reply("18", STATUS_OTHER + "00" + "01" + sip_datestamp(at), [("AB", barcode), ("AJ", ""), ("AF", message)])


def resend_request() -> Reply:
    """96: the frame arrived damaged or unreadable; send it again."""
    return Reply("96", "")
