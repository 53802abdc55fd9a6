"""Rows as the API shows them: branches by ISIL, titles by faust number, copies by barcode, never a patron."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from materials.api.schemas import ItemOut, LastRouteOut, ReservationOut, ReturnOut, TitleOut
from materials.models import Branch, Event, Item, Location, Reservation, Title
from materials.services.routing import RouteDecision


def isil_of(session: Session, branch_id: int | None) -> str | None:
    if branch_id is None:
        return None
    branch = session.get(Branch, branch_id)
    return branch.isil if branch else None


def title_view(session: Session, title: Title) -> TitleOut:
    copies = session.exec(select(func.count()).select_from(Item).where(Item.title_id == title.id)).one()
    return TitleOut(
        id=title.id,
        faust=title.faust or "",
        title=title.title,
        author=title.author,
        isbn13=title.isbn13,
        subjects=[s for s in title.subjects.split(";") if s],
        audience=title.audience,
        material_type=title.material_type,
        classification=title.classification,
        year=title.year,
        language=title.language,
        copies=int(copies),
    )


def last_route(session: Session, item_id: int) -> LastRouteOut | None:
    """The copy's last check-in decision, as the event log holds it."""
    event = session.exec(
        select(Event)
        .where(Event.item_id == item_id, Event.kind == "checkin")
        .order_by(col(Event.at).desc(), col(Event.id).desc())
        .limit(1)
    ).first()
    decision = (event.payload if event else {}).get("decision")
    if event is None or not decision:
        return None
    return LastRouteOut(
        kind=decision["kind"],
        destination=decision.get("destination"),
        destination_name=decision.get("destination_name"),
        location=decision.get("location"),
        bin=decision.get("bin"),
        reason=decision.get("reason", ""),
        task_id=decision.get("task_id"),
        reservation_id=decision.get("reservation_id"),
        shelf_code=decision.get("shelf_code"),
        at=event.at,
        station=event.station,
    )


def item_view(session: Session, item: Item) -> ItemOut:
    title = session.get(Title, item.title_id)
    location = session.get(Location, item.location_id) if item.location_id else None
    return ItemOut(
        barcode=item.barcode,
        faust=title.faust if title else None,
        title_id=item.title_id,
        title=title.title if title else "",
        status=item.status,
        branch=isil_of(session, item.branch_id) or "",
        home_branch=isil_of(session, item.home_branch_id) or "",
        location=location.code if location else None,
        destination=isil_of(session, item.destination_branch_id),
        shelfmark=item.shelfmark,
        parts=item.parts,
        floating=item.floating,
        status_changed_at=item.status_changed_at,
        last_route=last_route(session, item.id) if item.id is not None else None,
    )


def reservation_view(session: Session, reservation: Reservation) -> ReservationOut:
    title = session.get(Title, reservation.title_id)
    item = session.get(Item, reservation.item_id) if reservation.item_id else None
    return ReservationOut(
        id=reservation.id,
        external_id=reservation.external_id,
        faust=title.faust if title else None,
        title=title.title if title else "",
        pickup=isil_of(session, reservation.pickup_branch_id) or "",
        state=reservation.state,
        placed_at=reservation.placed_at,
        item=item.barcode if item else None,
        shelf_code=reservation.shelf_code,
        ready_at=reservation.ready_at,
        pickup_deadline=reservation.pickup_deadline,
        closed_at=reservation.closed_at,
    )


def return_view(decision: RouteDecision) -> ReturnOut:
    return ReturnOut(
        barcode=decision.barcode,
        kind=decision.kind,
        destination=decision.destination,
        destination_name=decision.destination_name,
        location=decision.location,
        bin=decision.bin,
        reason=decision.reason,
        task_id=decision.task_id,
        reservation_id=decision.reservation_id,
        shelf_code=decision.shelf_code,
        duplicate=decision.duplicate,
    )
