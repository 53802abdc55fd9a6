"""Branches by ISIL, and each branch's pick list: the reserved copies to fetch, in walking order."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session, col, select

from materials.api.deps import Caller, reading_session, scoped
from materials.api.routes import READ_ERRORS, problems
from materials.api.schemas import ISIL, BranchOut, PickListOut
from materials.models import Branch
from materials.services.picking import pick_list

router = APIRouter(prefix="/v1/branches", tags=["branches"])

IsilPath = Annotated[str, Path(pattern=ISIL, description="Branch ISIL: DK- and six digits")]


@router.get("", response_model=list[BranchOut], responses=problems(401, 403))
def list_branches(_: Caller = Depends(scoped("read")), session: Session = Depends(reading_session)) -> list[BranchOut]:
    branches = session.exec(select(Branch).order_by(col(Branch.isil)))
    return [BranchOut(isil=b.isil, name=b.name, kind=str(b.kind)) for b in branches]


@router.get("/{isil}/picklist", response_model=PickListOut, responses=READ_ERRORS)
def get_pick_list(
    isil: IsilPath,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    _: Caller = Depends(scoped("read")),
    session: Session = Depends(reading_session),
) -> PickListOut:
    """The branch's open picks for reservations, in the order of the walk through its shelves."""
    lines = pick_list(session, isil=isil)[:limit]
    return PickListOut(branch=isil, lines=lines)
