"""Importing the library's event calendar (author talks, themed weeks) from CSV or iCalendar.

CSV: a header row with `date` (YYYY-MM-DD, or a full ISO timestamp), `branch` (ISIL or the branch's name) and
`name`; optional `time` (HH:MM, local), `theme` (';'-separated subjects and keywords) and `id` (the calendar's own
id). Commas, semicolons or tabs separate the fields. iCalendar: each VEVENT's DTSTART, SUMMARY, LOCATION (ISIL or
branch name), CATEGORIES (the theme) and UID. Local times are Copenhagen's. Every row is checked before anything is
written: one bad row and the whole file is refused, naming the file, the row and the reason. Re-importing a file
updates the events it brought before (matched on the id, or on date, branch and name).
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from icalendar import Calendar
from sqlmodel import Session, select

from materials.clock import LOCAL_ZONE
from materials.domain.identifiers import ISIL_PATTERN
from materials.errors import MaterialsError
from materials.models import Branch, CalendarEvent
from materials.services.events import record_event

REQUIRED = ("date", "branch", "name")


class EventImportError(MaterialsError):
    """A calendar file with bad rows; nothing was imported."""


@dataclass(frozen=True)
class EventRow:
    row: int
    starts_at: datetime
    branch_id: int
    name: str
    theme: str
    external_id: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _branches(session: Session) -> dict[str, int]:
    index: dict[str, int] = {}
    for branch_id, isil, name in session.exec(select(Branch.id, Branch.isil, Branch.name)):
        index[isil.upper()] = branch_id or 0
        index[name.strip().lower()] = branch_id or 0
    return index


def _branch(value: str, branches: dict[str, int]) -> int:
    key = value.strip().upper() if ISIL_PATTERN.match(value.strip().upper()) else value.strip().lower()
    if key not in branches:
        raise ValueError(f"unknown branch {value!r}")
    return branches[key]


def _local(day: date, at: time | None) -> datetime:
    return datetime.combine(day, at or time(0), tzinfo=LOCAL_ZONE).astimezone(UTC)


def _starts_at(day_text: str, time_text: str) -> datetime:
    text = day_text.strip()
    if not text:
        raise ValueError("missing date")
    try:
        if len(text) > 10:
            parsed = datetime.fromisoformat(text)
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_ZONE)).astimezone(UTC)
        at = time.fromisoformat(time_text.strip()) if time_text.strip() else None
        return _local(date.fromisoformat(text), at)
    except ValueError:
        raise ValueError(f"bad date {day_text!r} (expected YYYY-MM-DD)") from None


def _key(starts_at: datetime, branch_id: int, name: str) -> str:
    return "csv:" + hashlib.sha1(f"{starts_at.isoformat()}|{branch_id}|{name}".encode()).hexdigest()[:24]


def parse_csv(text: str, branches: dict[str, int]) -> tuple[list[EventRow], list[str]]:
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        return [], [f"missing column(s) {', '.join(missing)}"]
    rows, errors = [], []
    for number, raw in enumerate(reader, start=2):
        try:
            if None in raw:
                raise ValueError(f"more fields than the {len(fields)} columns (quote a theme that holds {delimiter!r})")
            record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            if not record["name"]:
                raise ValueError("missing name")
            starts_at = _starts_at(record["date"], record.get("time", ""))
            branch_id = _branch(record["branch"], branches)
            external = record.get("id") or _key(starts_at, branch_id, record["name"])
            rows.append(EventRow(number, starts_at, branch_id, record["name"], record.get("theme", ""), external))
        except ValueError as exc:
            errors.append(f"row {number}: {exc}")
    return rows, errors


def parse_ical(data: bytes, branches: dict[str, int]) -> tuple[list[EventRow], list[str]]:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        return [], [f"not an iCalendar file: {exc}"]
    rows, errors = [], []
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        try:
            name = str(event.get("SUMMARY", "")).strip()
            if not name:
                raise ValueError("missing SUMMARY")
            start = event.get("DTSTART")
            if start is None:
                raise ValueError("missing DTSTART")
            value = start.dt
            if isinstance(value, datetime):
                starts_at = (value if value.tzinfo else value.replace(tzinfo=LOCAL_ZONE)).astimezone(UTC)
            else:
                starts_at = _local(value, None)
            branch_id = _branch(str(event.get("LOCATION", "")), branches)
            categories = event.get("CATEGORIES")
            groups = categories if isinstance(categories, list) else [categories] if categories else []
            theme = ";".join(str(c) for group in groups for c in group.cats)
            external = str(event.get("UID", "")) or _key(starts_at, branch_id, name)
            rows.append(EventRow(number, starts_at, branch_id, name, theme, external))
        except ValueError as exc:
            errors.append(f"event {number}: {exc}")
    return rows, errors


def import_events(session: Session, path: Path, *, at: datetime, actor: str = "") -> ImportResult:
    """Import a calendar file (.csv, .ics); all rows or none. Commits."""
    if not path.exists():
        raise EventImportError(f"no such file {str(path)!r}")
    branches = _branches(session)
    if path.suffix.lower() in (".ics", ".ical", ".ifb"):
        rows, errors = parse_ical(path.read_bytes(), branches)
    else:
        rows, errors = parse_csv(path.read_text(encoding="utf-8-sig"), branches)
    if errors:
        raise EventImportError(f"{path.name}: nothing imported; " + "; ".join(errors[:20]))
    created = updated = 0
    for row in rows:
        existing = session.exec(select(CalendarEvent).where(CalendarEvent.external_id == row.external_id)).first()
        event = existing or CalendarEvent(branch_id=row.branch_id, name="", starts_at=row.starts_at)
        event.branch_id, event.name, event.starts_at = row.branch_id, row.name[:200], row.starts_at
        event.theme, event.external_id = row.theme[:300], row.external_id[:120]
        session.add(event)
        created, updated = (created, updated + 1) if existing else (created + 1, updated)
    record_event(session, at=at, kind="events_imported", actor=actor, file=path.name, created=created, updated=updated)
    session.commit()
    return ImportResult(created=created, updated=updated)
