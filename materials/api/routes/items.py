"""Copies, keyed by barcode: added, updated and withdrawn by the library system; their status and last route."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlmodel import Session

from materials.api.deps import Caller, reading_session, scoped
from materials.api.idempotency import Write, writer
from materials.api.routes import READ_ERRORS, WRITE_ERRORS
from materials.api.schemas import BARCODE, ItemIn, ItemOut, WithdrawalIn
from materials.api.views import item_view
from materials.services.catalogue import save_item, withdraw_item
from materials.services.lookup import require_item

router = APIRouter(prefix="/v1/items", tags=["catalogue"])

BarcodePath = Annotated[str, Path(pattern=BARCODE, description="Item barcode")]


@router.put(
    "/{barcode}",
    response_model=ItemOut,
    responses={201: {"model": ItemOut, "description": "The copy was new"}, **WRITE_ERRORS},
)
def put_item(barcode: BarcodePath, body: ItemIn, write: Write = Depends(writer("catalogue"))) -> JSONResponse:
    """Add a copy (on the shelf at its home branch) or update its title, home branch, shelf mark and parts."""

    def work() -> tuple[int, ItemOut]:
        item, created = save_item(
            write.session,
            barcode=barcode,
            faust=body.faust,
            home_isil=body.home_branch,
            shelfmark=body.shelfmark,
            parts=body.parts,
            floating=body.floating,
            at=write.context.now(),
            actor=write.actor,
        )
        return (201 if created else 200), item_view(write.session, item)

    return write.run(body, work)


@router.post("/{barcode}/withdrawal", response_model=ItemOut, responses=WRITE_ERRORS)
def withdraw(barcode: BarcodePath, body: WithdrawalIn, write: Write = Depends(writer("catalogue"))) -> JSONResponse:
    """Take the copy out of the collection. Refused (409) while it is on loan or on its way to a patron."""

    def work() -> tuple[int, ItemOut]:
        item = withdraw_item(
            write.session, barcode=barcode, reason=body.reason, at=write.context.now(), actor=write.actor
        )
        return 200, item_view(write.session, item)

    return write.run(body, work)


@router.get("/{barcode}", response_model=ItemOut, responses=READ_ERRORS)
def get_item(
    barcode: BarcodePath, _: Caller = Depends(scoped("read")), session: Session = Depends(reading_session)
) -> ItemOut:
    """The copy's status, where it is and where it is heading, and its last routing decision with the reason."""
    return item_view(session, require_item(session=session, barcode=barcode))
