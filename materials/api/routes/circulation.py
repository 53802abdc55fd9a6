"""Loans and returns pushed by the library system. A return goes through the same check-in as the sorter."""

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from materials.api.idempotency import Write, writer
from materials.api.routes import WRITE_ERRORS
from materials.api.schemas import LoanIn, LoanOut, ReturnIn, ReturnOut
from materials.api.views import isil_of, return_view
from materials.services.checkin import check_in
from materials.services.checkout import check_out, return_station_for
from materials.services.lookup import require_item, station_by_name

router = APIRouter(prefix="/v1", tags=["circulation"])


@router.post("/loans", response_model=LoanOut, status_code=201, responses=WRITE_ERRORS)
def post_loan(body: LoanIn, write: Write = Depends(writer("circulation"))) -> JSONResponse:
    """A loan made in the library system. The copy is on loan; a reservation it was meant for is handled."""

    def work() -> tuple[int, LoanOut]:
        checkout = check_out(
            write.session,
            barcode=body.barcode,
            patron=body.patron,
            branch_isil=body.branch,
            at=body.at or write.context.now(),
            due_at=body.due_at,
            actor=write.actor,
            patron_key=write.context.patron_key,
        )
        loan = checkout.loan
        return 201, LoanOut(
            loan_id=loan.id,
            barcode=body.barcode,
            branch=isil_of(write.session, loan.branch_id) or body.branch,
            loaned_at=loan.loaned_at,
            due_at=loan.due_at,
            collected_reservation_id=checkout.collected_reservation_id,
        )

    return write.run(body, work)


@router.post("/returns", response_model=ReturnOut, responses=WRITE_ERRORS)
def post_return(body: ReturnIn, write: Write = Depends(writer("circulation"))) -> JSONResponse:
    """A return at a station or a branch: the loan is closed, and the answer is where the copy goes now and why."""

    def work() -> tuple[int, ReturnOut]:
        # Checked first: through the API an unknown barcode, station or branch is an error that changes nothing.
        if body.station is not None:
            station = station_by_name(session=write.session, name=body.station).name
        else:
            station = return_station_for(write.session, isil=body.branch or "")
        require_item(session=write.session, barcode=body.barcode)
        decision = check_in(write.session, body.barcode, station, body.at or write.context.now(), actor=write.actor)
        return 200, return_view(decision)

    return write.run(body, work)
