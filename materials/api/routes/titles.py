"""Titles, keyed by faust number: the library system adds and updates them; anyone with `read` may ask."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlmodel import Session

from materials.api.deps import Caller, reading_session, scoped
from materials.api.idempotency import Write, writer
from materials.api.routes import READ_ERRORS, WRITE_ERRORS
from materials.api.schemas import FAUST, TitleIn, TitleOut
from materials.api.views import title_view
from materials.services.catalogue import require_title_by_faust, save_title

router = APIRouter(prefix="/v1/titles", tags=["catalogue"])

FaustPath = Annotated[str, Path(pattern=FAUST, description="Faust number: 8 digits")]


@router.put(
    "/{faust}",
    response_model=TitleOut,
    status_code=200,
    responses={201: {"model": TitleOut, "description": "The title was new"}, **WRITE_ERRORS},
)
def put_title(faust: FaustPath, body: TitleIn, write: Write = Depends(writer("catalogue"))) -> JSONResponse:
    """Add the title with this faust number, or update it (201 when new, 200 when updated)."""

    def work() -> tuple[int, TitleOut]:
        values = body.model_dump()
        values["subjects"] = ";".join(s.strip().lower() for s in body.subjects)
        title, created = save_title(
            write.session, faust=faust, values=values, at=write.context.now(), actor=write.actor
        )
        return (201 if created else 200), title_view(write.session, title)

    return write.run(body, work)


@router.get("/{faust}", response_model=TitleOut, responses=READ_ERRORS)
def get_title(
    faust: FaustPath, _: Caller = Depends(scoped("read")), session: Session = Depends(reading_session)
) -> TitleOut:
    return title_view(session, require_title_by_faust(session, faust))
