"""SIP2 frames: fixed fields, `XXvalue|` variable fields and the error-detection trailer `AY<n>AZ<checksum>`.

A frame on the wire ends with a carriage return. The checksum is the 16-bit two's complement of the sum of every
byte up to and including `AZ`, written as four upper-case hex digits. We sum the UTF-8 bytes; for ASCII frames that
is the same as summing characters, which is what most machines do.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from materials.clock import to_local
from materials.errors import MaterialsError

MAX_FRAME_BYTES = 2048
MAX_FIELD_CHARS = 255

# Length of the fixed part after the two-digit command, for the messages this server reads and writes.
FIXED_LENGTHS = {
    "93": 2,  # UID algorithm, PWD algorithm
    "99": 8,  # status code, max print width, protocol version
    "09": 37,  # no block, transaction date, return date
    "17": 18,  # transaction date
    "97": 0,
    "96": 0,
    "94": 1,  # ok
    "98": 34,  # six flags, timeout, retries, date/time sync, protocol version
    "10": 22,  # ok, resensitize, magnetic media, alert, transaction date
    "18": 24,  # circulation status, security marker, fee type, transaction date
}

_TRAILER = re.compile(rb"(?:AY([0-9]))?AZ([0-9A-Fa-f]{1,4})\Z|AY([0-9])\Z")
_FIELD_CODE = re.compile(r"[A-Za-z0-9]{2}")
_UNSAFE = re.compile(r"[|\x00-\x1f\x7f]")


class FrameError(MaterialsError):
    """A frame we cannot read; answered with 96 (please resend) or by closing the connection."""


class MalformedFrame(FrameError):
    pass


class NotUtf8(FrameError):
    pass


class ChecksumMismatch(FrameError):
    pass


class FrameTooLong(FrameError):
    pass


class FieldTooLong(FrameError):
    def __init__(self, message: str, *, command: str) -> None:
        super().__init__(message)
        self.command = command


@dataclass(frozen=True)
class Frame:
    command: str
    fixed: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    sequence: str | None = None
    checksum: str | None = None

    def get(self, code: str, default: str = "") -> str:
        """The first value of a variable field, or `default`."""
        for name, value in self.fields:
            if name == code:
                return value
        return default

    @property
    def error_detection(self) -> bool:
        return self.sequence is not None or self.checksum is not None


def checksum(data: bytes) -> str:
    return f"{-sum(data) & 0xFFFF:04X}"


def clean_value(value: object) -> str:
    """A value that can stand in a field: no field separator, no control characters, at most 255 characters."""
    return _UNSAFE.sub(" ", str(value).replace("|", "/"))[:MAX_FIELD_CHARS]


def sip_datestamp(at: datetime) -> str:
    """YYYYMMDDZZZZHHMMSS in Copenhagen local time (blanks in the zone part mean local time)."""
    return to_local(at).strftime("%Y%m%d    %H%M%S")


def format_frame(
    command: str,
    fixed: str = "",
    fields: tuple[tuple[str, object], ...] | list[tuple[str, object]] = (),
    *,
    sequence: str | None = None,
    error_detection: bool = False,
) -> bytes:
    """The wire bytes of a frame; fields whose value is None are left out, every value is cleaned."""
    text = command + _UNSAFE.sub(" ", fixed.replace("|", "/"))
    text += "".join(f"{code}{clean_value(value)}|" for code, value in fields if value is not None)
    if sequence is not None:
        text += f"AY{sequence}"
    body = text.encode("utf-8")
    if error_detection or sequence is not None:
        body += b"AZ"
        body += checksum(body).encode("ascii")
    return body + b"\r"


def strip_terminators(raw: bytes) -> bytes:
    """Drop CR/LF around a frame: CRLF endings leave an LF at the start of the next frame."""
    return raw.strip(b"\r\n")


def parse_frame(raw: bytes) -> Frame:
    """Read one frame (with or without its CR); raise a FrameError naming what is wrong."""
    data = strip_terminators(raw)
    if len(data) > MAX_FRAME_BYTES:
        raise FrameTooLong(f"frame of {len(data)} bytes exceeds {MAX_FRAME_BYTES}")
    sequence, received, end = _check_trailer(data)
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"frame is not UTF-8 at byte {exc.start}: {data[:40]!r}") from exc
    command = text[:2]
    if len(command) < 2 or not command.isdigit():
        raise MalformedFrame(f"no two-digit command at the start of {text[:40]!r}")
    fixed_length = FIXED_LENGTHS.get(command)
    if fixed_length is None:
        return Frame(command=command, fixed=text[2:], sequence=sequence, checksum=received)
    if len(text) < 2 + fixed_length:
        raise MalformedFrame(f"message {command} needs {fixed_length} fixed characters: {text[:60]!r}")
    return Frame(
        command=command,
        fixed=text[2 : 2 + fixed_length],
        fields=_parse_fields(command, text[2 + fixed_length :]),
        sequence=sequence,
        checksum=received,
    )


def _check_trailer(data: bytes) -> tuple[str | None, str | None, int]:
    """The sequence number and checksum of the trailer (verified), and where the trailer starts."""
    match = _TRAILER.search(data)
    if match is None:
        return None, None, len(data)
    if match.group(3) is not None:
        return match.group(3).decode(), None, match.start()
    sequence = match.group(1).decode() if match.group(1) is not None else None
    received = match.group(2).decode()
    body = data[: match.end() - len(received)]
    # Accept a checksum written without its leading zeros: some clients (the PyPI `sip2` package among them) do.
    if int(received, 16) != -sum(body) & 0xFFFF:
        raise ChecksumMismatch(f"checksum {received!r} does not match {checksum(body)!r}")
    return sequence, received, match.start()


def _parse_fields(command: str, text: str) -> tuple[tuple[str, str], ...]:
    parts = text.split("|")
    if parts and parts[-1] == "":
        parts.pop()
    fields = []
    for index, part in enumerate(parts):
        code = part[:2]
        if not _FIELD_CODE.fullmatch(code):
            raise MalformedFrame(f"bad field {part[:20]!r} in message {command}")
        if code in ("AY", "AZ") and index == len(parts) - 1:
            raise MalformedFrame(f"damaged error-detection trailer {part[:20]!r} in message {command}")
        if len(part) - 2 > MAX_FIELD_CHARS:
            raise FieldTooLong(
                f"field {code} of {len(part) - 2} characters exceeds {MAX_FIELD_CHARS} in message {command}",
                command=command,
            )
        fields.append((code, part[2:]))
    return tuple(fields)


@dataclass
class FrameBuffer:
    """Bytes received so far, cut into frames at each carriage return (for clients and tests)."""

    pending: bytes = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.pending += data
        *complete, self.pending = self.pending.split(b"\r")
        return [frame + b"\r" for frame in complete if strip_terminators(frame)]
