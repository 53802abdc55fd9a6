"""One machine's conversation: login state, error detection, the last reply, and which answer each frame gets.

Refusals are answered in protocol terms, never by silence: a bad or unreadable frame gets 96 (please resend), a
request before login gets that message's negative answer. Every refusal writes a log line.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine

from materials.clock import Clock
from materials.errors import MaterialsError
from materials.sip2 import backend, messages
from materials.sip2.backend import Terminal
from materials.sip2.codec import FieldTooLong, Frame, FrameError, format_frame, parse_frame, strip_terminators
from materials.sip2.messages import Reply

log = logging.getLogger("materials.sip2")

RunInThread = Callable[..., Awaitable[Any]]

MAX_LOGIN_ATTEMPTS = 3
MAX_BAD_FRAMES_IN_A_ROW = 5


class Connection:
    def __init__(
        self,
        *,
        engine: Engine,
        sessions: backend.WorkerSessions,
        run_read: RunInThread,
        run_write: RunInThread,
        clock: Clock,
        peer: str,
        verified: backend.VerifiedLogins | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.verified = verified
        self.run_read = run_read
        self.run_write = run_write
        self.clock = clock
        self.peer = peer
        self.terminal: Terminal | None = None
        self.closing = False
        self.busy = False
        self.error_detection = False
        self.last_frame: bytes | None = None
        self.last_reply: bytes | None = None
        self.failed_logins = 0
        self.bad_frames = 0

    async def handle(self, raw: bytes) -> bytes | None:
        """The bytes to send back for one received frame, or None for a blank line."""
        data = strip_terminators(raw)
        if not data:
            return None
        try:
            frame = parse_frame(data)
        except FieldTooLong as exc:
            log.warning("%s: %s", self.peer, exc)
            return self._send(self._refusal(exc.command, str(exc)), sequence=None, detect=b"AZ" in data)
        except FrameError as exc:
            return self._bad_frame(f"{type(exc).__name__}: {exc}", detect=b"AZ" in data)
        self.error_detection = frame.error_detection
        if frame.command == "97":
            if self.last_reply is None:
                return self._bad_frame("97 before any reply: nothing to repeat", detect=frame.error_detection)
            log.info("%s: 97, repeating the last reply", self.peer)
            return self.last_reply
        if frame.sequence is not None and data == self.last_frame and self.last_reply is not None:
            log.info("%s: frame %s resent with AY%s, answered from the stored reply", self.peer, *frame_id(frame))
            return self.last_reply
        reply = await self._dispatch(frame)
        if reply.command == "96":
            return self._bad_frame(f"unsupported message {frame.command}", detect=frame.error_detection)
        self.bad_frames = 0
        self.last_frame = data
        return self._send(reply, sequence=frame.sequence, detect=frame.error_detection)

    def _send(self, reply: Reply, *, sequence: str | None, detect: bool) -> bytes:
        wire = format_frame(reply.command, reply.fixed, reply.fields, sequence=sequence, error_detection=detect)
        self.last_reply = wire
        return wire

    def _bad_frame(self, why: str, *, detect: bool) -> bytes:
        self.bad_frames += 1
        if self.bad_frames >= MAX_BAD_FRAMES_IN_A_ROW:
            self.closing = True
            log.warning("%s: %s; %d bad frames in a row, closing", self.peer, why, self.bad_frames)
        else:
            log.warning("%s: %s; asking for a resend (96)", self.peer, why)
        # 96 carries no sequence number (SIP2 spec), and is not what 97 should repeat.
        return format_frame("96", error_detection=detect or self.error_detection)

    async def _dispatch(self, frame: Frame) -> Reply:
        if frame.command == "93":
            return await self._login(frame)
        if frame.command not in ("99", "09", "17"):
            return messages.resend_request()
        if self.terminal is None:
            log.warning("%s: message %s before login, refused", self.peer, frame.command)
            return self._refusal(frame.command, "Ikke logget ind: send login (93) først", frame)
        if frame.command == "99":
            return messages.acs_status(terminal=self.terminal, at=self.clock.now())
        if frame.command == "09":
            return await self._checkin(frame, self.terminal)
        return await self._item_information(frame)

    def _refusal(self, command: str, message: str, frame: Frame | None = None) -> Reply:
        at = self.clock.now()
        barcode = frame.get("AB") if frame else ""
        if command == "93":
            return messages.login_response(False)
        if command == "99":
            return messages.acs_status(terminal=None, at=at, message=message)
        if command == "09":
            institution = frame.get("AO") if frame else ""
            return messages.checkin_refusal(barcode=barcode, institution=institution, at=at, message=message)
        if command == "17":
            return messages.item_information_refusal(barcode=barcode, at=at, message=message)
        return messages.resend_request()

    async def _login(self, frame: Frame) -> Reply:
        name = frame.get("CN")
        try:
            terminal: Terminal = await self.run_read(
                backend.login, self.engine, name=name, password=frame.get("CO"), verified=self.verified
            )
        except MaterialsError as exc:  # AuthenticationFailed, or an account whose station does not exist
            self.failed_logins += 1
            self.terminal = None
            if self.failed_logins >= MAX_LOGIN_ATTEMPTS:
                self.closing = True
            log.warning("%s: login refused (%s), attempt %d", self.peer, exc, self.failed_logins)
            return messages.login_response(False)
        except Exception:
            log.exception("%s: login of %r failed inside the server", self.peer, name)
            return messages.login_response(False)
        self.terminal = terminal
        location = frame.get("CP")
        if location and location != terminal.station:
            log.info("%s: CP %r ignored; account %r scans at station %r", self.peer, location, name, terminal.station)
        log.info("%s: %r logged in at station %s (%s)", self.peer, name, terminal.station, terminal.isil)
        return messages.login_response(True)

    async def _checkin(self, frame: Frame, terminal: Terminal) -> Reply:
        barcode = frame.get("AB")
        institution = frame.get("AO")
        at = self.clock.now()
        if not barcode:
            log.warning("%s: checkin without an item identifier (AB)", self.peer)
            message = "Mangler stregkode (AB)"
            return messages.checkin_refusal(barcode="", institution=institution, at=at, message=message)
        try:
            outcome = await self.run_write(backend.checkin, self.sessions, terminal=terminal, barcode=barcode, at=at)
        except MaterialsError as exc:
            log.warning("%s: checkin of %r refused: %s", self.peer, barcode, exc)
            return messages.checkin_refusal(barcode=barcode, institution=institution, at=at, message=str(exc))
        except Exception:
            log.exception("%s: checkin of %r failed inside the server", self.peer, barcode)
            return messages.checkin_refusal(
                barcode=barcode, institution=institution, at=at, message="Systemfejl: ikke tjekket ind, prøv igen"
            )
        log.debug("%s: checkin %s -> %s %s", self.peer, barcode, outcome.kind, outcome.destination)
        return messages.checkin_response(outcome, terminal=terminal, institution=institution, at=self.clock.now())

    async def _item_information(self, frame: Frame) -> Reply:
        barcode = frame.get("AB")
        at = self.clock.now()
        try:
            isils = self.terminal.isils if self.terminal is not None else None
            info = await self.run_read(backend.item_information, self.engine, barcode=barcode, isils=isils)
        except Exception:
            log.exception("%s: item information for %r failed inside the server", self.peer, barcode)
            return messages.item_information_refusal(barcode=barcode, at=at, message="Systemfejl, prøv igen")
        if not info.known:
            log.info("%s: item information for unknown barcode %r", self.peer, barcode)
        return messages.item_information_response(info, at=at)


def frame_id(frame: Frame) -> tuple[str, str]:
    return frame.command, frame.sequence or ""
