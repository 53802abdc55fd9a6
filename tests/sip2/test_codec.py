"""Frames: checksums, fields, the error-detection trailer, and what a damaged frame raises."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from materials.sip2.codec import (
    MAX_FIELD_CHARS,
    MAX_FRAME_BYTES,
    ChecksumMismatch,
    FieldTooLong,
    FrameBuffer,
    FrameError,
    FrameTooLong,
    MalformedFrame,
    NotUtf8,
    checksum,
    clean_value,
    format_frame,
    parse_frame,
)

# The checkin request printed in the 3M SIP2 documentation's checksum example (via the PyPI sip2 package).
DOCUMENTED_CHECKIN = "09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"

codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2).filter(lambda c: c not in ("AY", "AZ"))
values = st.text(max_size=60)
safe_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="|"), max_size=MAX_FIELD_CHARS
)
fixed_17 = st.text(alphabet="0123456789 ", min_size=18, max_size=18)
sequences = st.none() | st.sampled_from("0123456789")


def test_the_checksum_of_the_documented_checkin_is_eb80() -> None:
    assert checksum(DOCUMENTED_CHECKIN.encode()) == "EB80"


def test_a_checksum_is_zero_padded_to_four_upper_case_hex_digits() -> None:
    # Bytes that sum to 0xFF01 leave 0x00FF.
    data = bytes([0xFF] * 256 + [0x01])
    assert sum(data) & 0xFFFF == 0xFF01
    assert checksum(data) == "00FF"


@given(st.binary(max_size=300))
def test_bytes_plus_their_checksum_sum_to_zero(data: bytes) -> None:
    digits = checksum(data)
    assert len(digits) == 4 and digits == digits.upper()
    assert (sum(data) + int(digits, 16)) & 0xFFFF == 0


@given(fixed_17, st.lists(st.tuples(codes, safe_values), max_size=6), sequences)
def test_a_formatted_item_information_frame_parses_back_to_the_same_fields(
    fixed: str, fields: list[tuple[str, str]], sequence: str | None
) -> None:
    wire = format_frame("17", fixed, fields, sequence=sequence, error_detection=sequence is not None)
    frame = parse_frame(wire)
    assert frame.command == "17"
    assert frame.fixed == fixed
    assert list(frame.fields) == fields
    assert frame.sequence == sequence


@given(codes, values)
def test_a_value_with_separators_or_control_characters_is_cleaned_and_cannot_split_the_frame(
    code: str, value: str
) -> None:
    wire = format_frame("17", " " * 18, [(code, value), ("AB", "ITEM-1")], sequence="3")
    assert wire.count(b"\r") == 1 and wire.endswith(b"\r")
    frame = parse_frame(wire)
    assert frame.fields == ((code, clean_value(value)), ("AB", "ITEM-1"))


@given(st.lists(st.tuples(codes, safe_values.map(lambda v: v[:40])), max_size=4), st.data())
def test_any_changed_byte_in_a_checksummed_frame_is_refused(fields: list[tuple[str, str]], data: st.DataObject) -> None:
    wire = bytearray(format_frame("17", "20261127    010203", fields, sequence="5"))
    position = data.draw(st.integers(min_value=0, max_value=len(wire) - 2))
    replacement = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b not in (wire[position], 13)))
    wire[position] = replacement
    with pytest.raises(FrameError):
        parse_frame(bytes(wire))


def test_a_checksum_written_without_leading_zeros_is_accepted() -> None:
    body = b"9900802.00AY1AZ"
    digits = checksum(body)
    short = digits.lstrip("0") or "0"
    frame = parse_frame(body + short.encode() + b"\r")
    assert frame.command == "99" and frame.sequence == "1"


def test_a_wrong_checksum_raises_checksum_mismatch() -> None:
    with pytest.raises(ChecksumMismatch):
        parse_frame(b"9900802.00AY1AZ0000\r")


def test_crlf_endings_and_a_leading_line_feed_are_ignored() -> None:
    wire = format_frame("99", "0080" + "2.00", sequence="2")
    assert parse_frame(b"\n" + wire[:-1] + b"\r\n").sequence == "2"


def test_bytes_that_are_not_utf8_raise_not_utf8() -> None:
    with pytest.raises(NotUtf8):
        parse_frame(b"17" + b" " * 18 + b"AB\xff\xfe|\r")


def test_a_frame_without_a_two_digit_command_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        parse_frame(b"XY123\r")


def test_a_checkin_with_a_short_fixed_part_is_malformed() -> None:
    with pytest.raises(MalformedFrame):
        parse_frame(b"09N2026\r")


def test_a_damaged_trailer_is_malformed_not_a_field() -> None:
    with pytest.raises(MalformedFrame):
        parse_frame(b"17" + b" " * 18 + b"ABX|AY1AZ12G4\r")


def test_an_overlong_field_raises_field_too_long_naming_the_command() -> None:
    with pytest.raises(FieldTooLong) as raised:
        parse_frame(b"17" + b" " * 18 + b"AB" + b"x" * (MAX_FIELD_CHARS + 1) + b"|\r")
    assert raised.value.command == "17"


def test_an_overlong_frame_raises_frame_too_long() -> None:
    with pytest.raises(FrameTooLong):
        parse_frame(b"17" + b" " * MAX_FRAME_BYTES + b"\r")


def test_an_unknown_command_parses_with_its_text_as_the_fixed_part() -> None:
    frame = parse_frame(b"63001201611270100000Y         AOx|AAp|\r")
    assert frame.command == "63" and frame.fields == ()


def test_a_frame_buffer_cuts_frames_at_carriage_returns_across_reads() -> None:
    buffer = FrameBuffer()
    assert buffer.feed(b"941AY1AZFDE0\r\n98") == [b"941AY1AZFDE0\r"]
    assert buffer.feed(b"YYNNNN\r") == [b"\n98YYNNNN\r"]
