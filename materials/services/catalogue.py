"""What the library system tells us about its catalogue: titles, copies and withdrawals.

Each function is one unit of work and commits; every change writes an event with the actor that asked for it.
Titles are keyed by faust number, copies by barcode and branches by ISIL, as the library system names them.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from materials.domain.identifiers import normalise_barcode, normalise_faust
from materials.domain.sections import shelfmark_for
from materials.domain.states import HOLDING_RESERVATION_STATES, ItemStatus, ReservationState, TaskState
from materials.errors import MaterialsError
from materials.models import Item, Reservation, Title
from materials.services.events import record_event
from materials.services.lookup import UnknownTitle, branch_by_isil, item_by_barcode, require_item
from materials.services.reservations import transition, withdraw_pick
from materials.services.tasks import close_task, open_tasks_for_item

TITLE_FIELDS = (
    "title",
    "author",
    "isbn13",
    "subjects",
    "audience",
    "material_type",
    "classification",
    "year",
    "language",
)


class ItemWithdrawn(MaterialsError):
    pass


class ItemInUse(MaterialsError):
    """The copy is on loan or on its way to a patron and cannot be withdrawn now."""


def title_by_faust(session: Session, faust: str) -> Title | None:
    return session.exec(select(Title).where(Title.faust == normalise_faust(faust))).first()


def require_title_by_faust(session: Session, faust: str) -> Title:
    title = title_by_faust(session, faust)
    if title is None:
        raise UnknownTitle(f"unknown title (faust) {faust!r}")
    return title


def save_title(session: Session, *, faust: str, values: dict[str, Any], at: datetime, actor: str) -> tuple[Title, bool]:
    """Add the title with this faust number, or update it; True when it was new. Commits."""
    unknown = set(values) - set(TITLE_FIELDS)
    if unknown:
        raise MaterialsError(f"unknown title fields {sorted(unknown)!r}")
    title = title_by_faust(session, faust)
    created = title is None
    if title is None:
        title = Title(faust=normalise_faust(faust), title=str(values.get("title", "")), added_on=at.date())
    changed = _apply(session, title, values, created=created)
    if changed:
        record_event(
            session,
            at=at,
            kind="title_added" if created else "title_updated",
            actor=actor,
            title_id=title.id,
            faust=title.faust,
            fields=sorted(changed),
        )
    session.commit()
    return title, created


def save_item(
    session: Session,
    *,
    barcode: str,
    faust: str,
    home_isil: str,
    at: datetime,
    actor: str,
    shelfmark: str | None = None,
    parts: int = 1,
    floating: bool = True,
) -> tuple[Item, bool]:
    """Add a copy (on the shelf at its home branch), or update its title, home, shelf mark and parts. Commits."""
    code = normalise_barcode(barcode)
    title = require_title_by_faust(session, faust)
    home = branch_by_isil(session=session, isil=home_isil)
    mark = shelfmark or shelfmark_for(classification=title.classification, author=title.author)
    item = item_by_barcode(session=session, barcode=code)
    created = item is None
    if item is None:
        item = Item(
            barcode=code,
            title_id=title.id,  # type: ignore[arg-type]
            home_branch_id=home.id,  # type: ignore[arg-type]
            branch_id=home.id,  # type: ignore[arg-type]
            status=ItemStatus.ON_SHELF,
            added_on=at.date(),
            status_changed_at=at,
        )
    elif item.status == ItemStatus.WITHDRAWN:
        raise ItemWithdrawn(f"item {code!r} is withdrawn; a withdrawn barcode is not used again")
    values: dict[str, Any] = {
        "title_id": title.id,
        "home_branch_id": home.id,
        "shelfmark": mark,
        "parts": parts,
        "floating": floating,
    }
    changed = _apply(session, item, values, created=created)
    if changed:
        record_event(
            session,
            at=at,
            kind="item_added" if created else "item_updated",
            actor=actor,
            item_id=item.id,
            barcode=item.barcode,
            faust=title.faust,
            home=home.isil,
            fields=sorted(changed),
        )
    session.commit()
    return item, created


def withdraw_item(session: Session, *, barcode: str, at: datetime, actor: str, reason: str = "") -> Item:
    """Take a copy out of the collection. A reservation that had only chosen it gets another copy. Commits."""
    item = require_item(session=session, barcode=barcode)
    if item.status == ItemStatus.WITHDRAWN:
        raise ItemWithdrawn(f"item {item.barcode!r} is withdrawn already")
    if item.status == ItemStatus.ON_LOAN:
        raise ItemInUse(f"item {item.barcode!r} is on loan: check it in before withdrawing it")
    reservation = holding_reservation(session, item)
    if reservation is not None and reservation.state != ReservationState.ALLOCATED:
        raise ItemInUse(
            f"item {item.barcode!r} is on its way to reservation {reservation.id} ({reservation.state}): "
            "cancel the reservation first"
        )
    cancel_open_tasks(session, item, at=at, actor=actor, outcome="withdrawn")
    item.status = ItemStatus.WITHDRAWN
    item.location_id = None
    item.destination_branch_id = None
    item.destination_location_id = None
    item.status_changed_at = at
    session.add(item)
    session.flush()
    record_event(
        session, at=at, kind="item_withdrawn", actor=actor, item_id=item.id, barcode=item.barcode, reason=reason[:200]
    )
    if reservation is not None:
        release_reservation(session, reservation, at=at, actor=actor, why="copy_withdrawn")
    session.commit()
    return item


def holding_reservation(session: Session, item: Item) -> Reservation | None:
    states = [str(s) for s in HOLDING_RESERVATION_STATES]
    return session.exec(
        select(Reservation)
        .where(Reservation.item_id == item.id, col(Reservation.state).in_(states))
        .execution_options(populate_existing=True)
    ).first()


def cancel_open_tasks(session: Session, item: Item, *, at: datetime, actor: str, outcome: str) -> None:
    for task in open_tasks_for_item(session, item.id):  # type: ignore[arg-type]
        close_task(session, task, at=at, actor=actor, state=TaskState.CANCELLED, outcome=outcome)


def release_reservation(session: Session, reservation: Reservation, *, at: datetime, actor: str, why: str) -> None:
    """The reservation loses its copy: it waits again (keeping its place in line) and allocation runs."""
    previous = reservation.state
    if previous == ReservationState.ALLOCATED:
        withdraw_pick(session, reservation, at=at, actor=actor, outcome=why)
    item_id = reservation.item_id
    if not transition(
        session,
        reservation,
        to=ReservationState.WAITING,
        from_states=[previous],
        item_id=None,
        allocated_at=None,
        ready_at=None,
        pickup_deadline=None,
        shelf_code=None,
    ):
        return
    record_event(
        session,
        at=at,
        kind="reservation_released",
        actor=actor,
        item_id=item_id,
        reservation_id=reservation.id,
        previous_state=str(previous),
        outcome=why,
        reason="Reservering venter igen: eksemplaret er ikke længere til rådighed",
    )
    from materials.services.allocation import allocate_title

    allocate_title(session, title_id=reservation.title_id, at=at, actor=actor)


def _apply(session: Session, row: Title | Item, values: dict[str, Any], *, created: bool) -> list[str]:
    """Set the values that differ (all of them on a new row), flush, and name the fields that changed."""
    changed = [name for name, value in values.items() if created or getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    session.add(row)
    session.flush()
    return changed
