"""The scan station's loop: take a scan from the field, ask check-in, and keep what the screen shows.

A scan that cannot reach the database (or fails in any way that is not check-in's own answer) is NOT recorded; it
is kept in a list that the station's screen shows until the same barcode is scanned again successfully, so no copy
is forgotten on the table. The list belongs to the station, not to the browser session: a reload keeps it.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import streamlit as st
from sqlmodel import Session

from dashboard.components.context import DATABASE_DOWN, now, reader, settings, writer
from materials.errors import MaterialsError
from materials.services.checkin import last_decisions

FIELD_KEY = "scan_code"
PARTS_KEY = "scan_parts_checked"
HISTORY_KEY = "scan_history"
HISTORY_LENGTH = 10
SESSION_KEY = "scan_db_session"
RECENT_KEY = "scan_recent_times"
RESTORED_KEY = "scan_history_restored"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanLine:
    at: datetime
    barcode: str
    status: str  # ok / exception / error / unrecorded
    headline: str  # what the screen shows huge: the destination, or what went wrong
    reason: str
    bin: str | None = None
    destination: str | None = None
    kind: str = ""
    title: str | None = None
    duplicate: bool = False
    millis: float = 0.0


def _decision_line(decision: Any, at: datetime, millis: float) -> ScanLine:
    exception = decision.kind == "exception"
    return ScanLine(
        at=at,
        barcode=decision.barcode,
        status="exception" if exception else "ok",
        headline="Fejlkassen" if exception else (decision.destination_name or decision.destination or "?"),
        reason=decision.reason,
        bin=decision.bin,
        destination=decision.destination,
        kind=str(decision.kind),
        title=decision.title,
        duplicate=decision.duplicate,
        millis=millis,
    )


def station_session() -> Session:
    """One writing session per screen, kept between scans: check-in keeps the sorting room's places (bins,
    branches, shelves) in its session, so a scan does not read them again. check_in expires what it holds and
    commits or rolls back itself, so nothing stale or half-done is carried from one scan to the next."""
    url = settings().database_url
    kept = st.session_state.get(SESSION_KEY)
    if kept is not None and kept[0] == url:
        return cast(Session, kept[1])
    session = writer()
    st.session_state[SESSION_KEY] = (url, session)
    return session


def forget_station_session() -> None:
    kept = st.session_state.pop(SESSION_KEY, None)
    if kept is not None:
        kept[1].close()


def scan(check_in: Callable[..., Any], barcode: str, *, station: str, actor: str, parts_checked: bool) -> ScanLine:
    """One scan through check-in, every failure turned into a line the screen can show."""
    at = now()
    started = time.perf_counter()
    try:
        decision = check_in(station_session(), barcode, station, at, actor=actor, parts_checked=parts_checked)
    except DATABASE_DOWN:
        forget_station_session()
        return _not_recorded(at, barcode, "Databasen svarer ikke.")
    except MaterialsError as exc:
        return ScanLine(at=at, barcode=barcode, status="error", headline="Fejl", reason=str(exc))
    except Exception as exc:  # whatever else went wrong, the copy in the hand must not be forgotten
        log.exception("scan of %s at %s failed", barcode, station)
        forget_station_session()
        return _not_recorded(at, barcode, f"Fejl i systemet ({type(exc).__name__}).")
    return _decision_line(decision, at, (time.perf_counter() - started) * 1000)


def _not_recorded(at: datetime, barcode: str, why: str) -> ScanLine:
    return ScanLine(
        at=at, barcode=barcode, status="unrecorded", headline="IKKE registreret",
        reason=f"{why} Læg materialet til side og scan det igen, når skærmen virker.",
    )  # fmt: skip


@st.cache_resource(show_spinner=False)
def _set_aside() -> tuple[threading.Lock, dict[str, list[ScanLine]]]:
    """Scans not recorded, per station, for as long as the screens' server runs (it serves one database)."""
    return threading.Lock(), {}


def forget_set_aside() -> None:
    _set_aside.clear()


def _keep_set_aside(station: str, line: ScanLine) -> None:
    lock, lines = _set_aside()
    with lock:
        kept = [u for u in lines.get(station, []) if u.barcode != line.barcode]
        lines[station] = [*kept, line] if line.status == "unrecorded" else kept


def on_scan(check_in: Callable[..., Any], *, station: str, actor: str) -> None:
    """The scan field's callback: runs before the page is drawn again, then the field is empty for the next."""
    barcode = str(st.session_state.get(FIELD_KEY, "")).strip()
    if not barcode:
        return
    parts_checked = bool(st.session_state.get(PARTS_KEY, False))
    line = scan(check_in, barcode, station=station, actor=actor, parts_checked=parts_checked)
    if line.status in ("ok", "exception"):
        recent: list[datetime] = st.session_state.setdefault(RECENT_KEY, [])
        recent.append(line.at)
        st.session_state[RECENT_KEY] = [at for at in recent if at > line.at - timedelta(hours=1)]
    history: list[ScanLine] = st.session_state.setdefault(HISTORY_KEY, [])
    st.session_state[RESTORED_KEY] = False
    history.insert(0, line)
    del history[HISTORY_LENGTH:]
    _keep_set_aside(station, line)


def history(station: str) -> list[ScanLine]:
    """The last scans, newest first. A new browser session (a reload) starts from the station's event log."""
    if HISTORY_KEY not in st.session_state:
        try:
            st.session_state[HISTORY_KEY] = _recorded(station)
        except DATABASE_DOWN:
            return []
        st.session_state[RESTORED_KEY] = True
    return list(st.session_state[HISTORY_KEY])


def restored() -> bool:
    """Whether the history was read from the log (a reload) and nothing has been scanned in this session yet."""
    return bool(st.session_state.get(RESTORED_KEY))


def _recorded(station: str) -> list[ScanLine]:
    with reader() as session:
        decisions = last_decisions(session, station=station, limit=HISTORY_LENGTH)
    return [_decision_line(decision, at, 0.0) for at, decision in decisions]


def unrecorded(station: str) -> list[ScanLine]:
    """The station's scans that were not recorded, oldest first (a reload of the browser keeps them)."""
    lock, lines = _set_aside()
    with lock:
        return list(lines.get(station, []))


def scans_last_hour(at: datetime) -> int:
    """Scans recorded from this screen in the hour before `at` (kept in the session, no query needed)."""
    return sum(1 for t in st.session_state.get(RECENT_KEY, []) if t > at - timedelta(hours=1))
