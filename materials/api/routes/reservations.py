"""Reservations placed and cancelled in the library system, and their state as the materials team sees it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlmodel import Session, select

from materials.api.deps import Caller, reading_session, scoped
from materials.api.idempotency import Write, writer
from materials.api.routes import READ_ERRORS, WRITE_ERRORS, problems
from materials.api.schemas import CancellationIn, ReservationIn, ReservationOut
from materials.api.views import reservation_view
from materials.errors import MaterialsError
from materials.models import Reservation
from materials.services.catalogue import require_title_by_faust
from materials.services.reservations import cancel_reservation, place_reservation, require_reservation

router = APIRouter(prefix="/v1/reservations", tags=["circulation"])

ReservationId = Annotated[int, Path(ge=1, le=2**62, description="The reservation's id, as placing it answered")]


class DuplicateReservation(MaterialsError):
    pass


@router.post("", response_model=ReservationOut, status_code=201, responses=WRITE_ERRORS)
def post_reservation(body: ReservationIn, write: Write = Depends(writer("circulation"))) -> JSONResponse:
    """Reserve any copy of a title for pickup at a branch; a copy is allocated at once when one is free."""

    def work() -> tuple[int, ReservationOut]:
        title = require_title_by_faust(write.session, body.faust)
        if body.external_id is not None and (
            write.session.exec(select(Reservation.id).where(Reservation.external_id == body.external_id)).first()
        ):
            raise DuplicateReservation(f"a reservation with external_id {body.external_id!r} exists already")
        reservation = place_reservation(
            write.session,
            title_id=title.id,  # type: ignore[arg-type]
            pickup_isil=body.pickup,
            patron=body.patron,
            at=body.at or write.context.now(),
            patron_key=write.context.patron_key,
            actor=write.actor,
            external_id=body.external_id,
        )
        return 201, reservation_view(write.session, require_reservation(write.session, reservation.id))  # type: ignore[arg-type]

    return write.run(body, work)


@router.post("/{reservation_id}/cancellation", response_model=ReservationOut, responses=WRITE_ERRORS)
def cancel(
    reservation_id: ReservationId, body: CancellationIn, write: Write = Depends(writer("circulation"))
) -> JSONResponse:
    """Cancel a live reservation: a chosen shelf copy is freed, a copy on the hold shelf is routed on."""

    def work() -> tuple[int, ReservationOut]:
        reservation = cancel_reservation(
            write.session, reservation_id=reservation_id, at=body.at or write.context.now(), actor=write.actor
        )
        return 200, reservation_view(write.session, require_reservation(write.session, reservation.id))  # type: ignore[arg-type]

    return write.run(body, work)


@router.get("", response_model=list[ReservationOut], responses=problems(401, 403))
def find_reservations(
    external_id: Annotated[str, Query(min_length=1, max_length=64, description="the library system's id")],
    _: Caller = Depends(scoped("read")),
    session: Session = Depends(reading_session),
) -> list[ReservationOut]:
    """The reservation the library system knows by its own id (an empty list when there is none)."""
    found = session.exec(select(Reservation).where(Reservation.external_id == external_id)).all()
    return [reservation_view(session, reservation) for reservation in found]


@router.get("/{reservation_id}", response_model=ReservationOut, responses=READ_ERRORS)
def get_reservation(
    reservation_id: ReservationId, _: Caller = Depends(scoped("read")), session: Session = Depends(reading_session)
) -> ReservationOut:
    return reservation_view(session, require_reservation(session, reservation_id))
