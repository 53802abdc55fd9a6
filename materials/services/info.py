"""Counts of what the library holds."""

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from materials.models import Branch, Event, Item, Loan, Reservation, Task, Title


def _count(session: Session, model: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def library_counts(session: Session) -> dict[str, int]:
    return {
        "branches": _count(session, Branch),
        "titles": _count(session, Title),
        "items": _count(session, Item),
        "loans": _count(session, Loan),
        "reservations": _count(session, Reservation),
        "events": _count(session, Event),
        "tasks": _count(session, Task),
    }
