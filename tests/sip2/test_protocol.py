"""What the server answers to frames a client library would rarely send: before login, damaged, repeated, odd."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from materials.models import Event
from materials.sip2.codec import checksum, format_frame, parse_frame
from tests.sip2.conftest import Library, RawClient, running_server


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    """Protocol behaviour does not depend on the database: SQLite only (the client tests run on both)."""
    return sqlite_engine


def checkin_events(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).where(Event.kind == "checkin")).one())


def test_before_login_a_checkin_is_refused_with_ok_0_and_nothing_is_recorded(
    raw_client: Callable[[], RawClient], engine: Engine
) -> None:
    reply = parse_frame(raw_client().checkin("ON-LOAN-FROM-MAIN"))
    assert reply.command == "10" and reply.fixed[0] == "0"
    assert reply.get("CV") == "99" and "logget ind" in reply.get("AF")
    assert checkin_events(engine) == 0


def test_before_login_status_says_offline_and_supports_nothing(raw_client: Callable[[], RawClient]) -> None:
    reply = parse_frame(raw_client().ask("99", "0080" + "2.00"))
    assert reply.command == "98" and reply.fixed[0] == "N"
    assert reply.get("BX") == "N" * 16


def test_before_login_item_information_is_refused_with_status_other(raw_client: Callable[[], RawClient]) -> None:
    reply = parse_frame(raw_client().item_information("ON-LOAN-FROM-MAIN"))
    assert reply.command == "18" and reply.fixed[:2] == "01"
    assert reply.get("AJ") == ""


def test_every_reply_carries_a_zero_padded_upper_case_checksum_that_verifies(
    raw_client: Callable[[], RawClient],
) -> None:
    client = raw_client()
    for wire in (client.login(), client.checkin("ON-LOAN-FROM-MAIN"), client.item_information("X-1")):
        body, digits = wire[:-5], wire[-5:-1].decode()
        assert body.endswith(b"AZ") and digits == digits.upper() and len(digits) == 4
        assert digits == checksum(body)


def test_a_bad_checksum_is_answered_with_96_and_a_good_resend_is_served(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.send_raw(b"9300CNsorter-1|COhemmelig-1|AY1AZ0000\r")
    assert client.receive().startswith(b"96")
    assert parse_frame(client.login()).fixed == "1"


def test_97_repeats_the_last_reply_byte_for_byte(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.login()
    answer = client.checkin("ON-LOAN-FROM-MAIN")
    client.send_raw(format_frame("97", error_detection=True))
    assert client.receive() == answer


def test_a_frame_resent_with_the_same_sequence_and_checksum_checks_the_copy_in_once(
    engine: Engine, library: Library
) -> None:
    # The clock jumps a minute per reading, so the check-in service's own repeat-scan window cannot be what helps.
    class JumpingClock:
        at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

        def now(self) -> datetime:
            self.at += timedelta(minutes=1)
            return self.at

    with running_server(engine, clock=JumpingClock()) as running:
        client = RawClient(running.port)
        client.login()
        frame = format_frame(
            "09", "N" + "20261127    101500" * 2, [("AO", "x"), ("AB", "ON-LOAN-FROM-MAIN")], sequence="4"
        )
        client.send_raw(frame)
        first = client.receive()
        client.send_raw(frame)
        assert client.receive() == first
        client.close()
    assert checkin_events(engine) == 1


def test_crlf_line_endings_are_understood(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.send_raw(format_frame("93", "00", [("CN", "sorter-1"), ("CO", "hemmelig-1")])[:-1] + b"\r\n")
    assert client.receive() == b"941\r"
    client.send_raw(b"9900802.00\r\n")
    assert parse_frame(client.receive()).fixed[0] == "Y"


def test_an_unknown_command_is_answered_with_96(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.login()
    assert client.ask("63", "001" + "20261127    101500" + " " * 10, [("AA", "patron")]).startswith(b"96")
    assert parse_frame(client.checkin("ON-LOAN-FROM-MAIN")).command == "10"


def test_bytes_that_are_not_utf8_are_answered_with_96(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.send_raw(b"17" + b" " * 18 + b"AB\xff\xfe\xfd|\r")
    assert client.receive().startswith(b"96")


def test_an_overlong_field_in_a_checkin_is_refused_with_ok_0(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.login()
    reply = parse_frame(client.checkin("B" * 300))
    assert reply.command == "10" and reply.fixed[0] == "0"


def test_a_malformed_barcode_is_not_checked_in(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    client.login()
    reply = parse_frame(client.checkin("bad barcode with spaces"))
    assert reply.fixed[0] == "0" and reply.get("CV") == "99"


def test_five_bad_frames_in_a_row_close_the_connection(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    for _ in range(5):
        client.send_raw(b"garbage\r")
        assert client.receive().startswith(b"96")
    assert client.receive() == b""


def test_three_failed_logins_close_the_connection(raw_client: Callable[[], RawClient]) -> None:
    client = raw_client()
    for _ in range(3):
        assert parse_frame(client.login(password="gæt")).fixed == "0"
    assert client.receive() == b""


def test_a_frame_longer_than_the_limit_closes_only_that_connection(raw_client: Callable[[], RawClient]) -> None:
    greedy, other = raw_client(), raw_client()
    greedy.send_raw(b"17" + b"x" * 5000)
    assert greedy.receive() == b""
    assert parse_frame(other.login()).fixed == "1"


def test_a_client_that_stops_in_the_middle_of_a_frame_is_closed_after_the_idle_timeout(
    engine: Engine, library: Library
) -> None:
    with running_server(engine, idle_timeout=0.5) as running:
        client = RawClient(running.port)
        client.send_raw(b"9300CNsorter-1|CO")
        assert client.receive() == b""
        client.close()


BAD_FRAMES = {
    "malformed": (b"garbage\r", b"96", "MalformedFrame"),
    "unknown command": (b"63001" + b"x" * 30 + b"|AApatron|\r", b"96", "unsupported message 63"),
    "overlong field": (b"09N" + b"20261127    101500" * 2 + b"AO|AB" + b"B" * 300 + b"|\r", b"10", "exceeds 255"),
    "not UTF-8": (b"17" + b" " * 18 + b"AB\xff\xfe|\r", b"96", "NotUtf8"),
}


@pytest.mark.parametrize("case", BAD_FRAMES, ids=list(BAD_FRAMES))
def test_each_bad_frame_gets_an_answer_and_a_log_line_and_the_connection_goes_on(
    case: str, raw_client: Callable[[], RawClient], caplog: pytest.LogCaptureFixture
) -> None:
    frame, answer, logged = BAD_FRAMES[case]
    caplog.set_level(logging.INFO, logger="materials.sip2")
    client = raw_client()
    client.login()
    client.send_raw(frame)
    assert client.receive().startswith(answer)
    warnings = [r.getMessage() for r in caplog.records if r.name == "materials.sip2" and r.levelno == logging.WARNING]
    assert any(logged in message for message in warnings), warnings
    assert parse_frame(client.item_information("ON-LOAN-FROM-MAIN")).command == "18"


def test_half_a_frame_then_silence_is_closed_with_a_log_line_while_others_go_on(
    engine: Engine, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="materials.sip2")
    with running_server(engine, idle_timeout=0.5) as running:
        silent, busy = RawClient(running.port), RawClient(running.port)
        silent.send_raw(b"9300CNsorter-1|CO")
        assert parse_frame(busy.login()).fixed == "1"
        assert silent.receive() == b""
        assert parse_frame(busy.item_information("ON-LOAN-FROM-MAIN")).command == "18"
        silent.close()
        busy.close()
    assert any("idle for" in r.getMessage() for r in caplog.records if r.name == "materials.sip2")
