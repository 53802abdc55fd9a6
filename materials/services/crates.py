"""Central sorting and transit: sorter bins per destination, crates per leg, dispatch, receipt, stuck items.

A crate carries copies on one leg (from a branch to the sorting room, or from the sorting room to a branch):
open → sealed → dispatched (its copies IN_TRANSIT) → received. One open crate per leg is a database fact
(`uq_crate_open_leg`); a full crate is sealed and a new one opened.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exc, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from materials.domain.states import BranchKind, CrateState, TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Branch, Crate, CrateItem, Item, SortBin, Task
from materials.services.events import EventBuffer, record_event
from materials.services.lookup import UnknownBranch, branch_by_isil, require_branch
from materials.services.prepared import run
from materials.services.tasks import close_task


class UnknownCrate(NotFound):
    pass


class CrateStateError(MaterialsError):
    """The crate is not in the state the step needs (sealing a dispatched crate, receiving an open one...)."""


class SortBinInUse(MaterialsError):
    pass


# -- sorter bins ----------------------------------------------------------------------------------------------


def sort_bin_for(session: Session, *, branch_id: int) -> str | None:
    """The sorter bin code of a destination, or None when no bin is mapped to it."""
    return session.exec(select(SortBin.code).where(SortBin.destination_branch_id == branch_id)).first()


def set_sort_bin(session: Session, *, isil: str, code: str, at: datetime, actor: str = "") -> SortBin:
    """Map a destination branch to a sorter bin (replacing its old bin). Commits."""
    branch = branch_by_isil(session=session, isil=isil)
    code = code.strip().upper()
    if not code or len(code) > 20:
        raise MaterialsError(f"bin code {code!r} must be 1-20 characters")
    taken = session.exec(select(SortBin).where(SortBin.code == code)).first()
    if taken is not None and taken.destination_branch_id != branch.id:
        raise SortBinInUse(f"bin {code!r} already serves another destination (branch id {taken.destination_branch_id})")
    row = session.exec(select(SortBin).where(SortBin.destination_branch_id == branch.id)).first()
    if row is None:
        row = SortBin(code=code, destination_branch_id=branch.id, purpose="branch")
    row.code = code
    session.add(row)
    record_event(session, at=at, kind="sort_bin_set", actor=actor, bin=code, destination=branch.isil)
    session.commit()
    return row


def list_sort_bins(session: Session) -> list[dict[str, Any]]:
    rows = session.exec(
        select(SortBin, Branch).join(Branch, col(SortBin.destination_branch_id) == Branch.id, isouter=True)
    )
    return [
        {"bin": b.code, "destination": br.isil if br else None, "name": br.name if br else None, "purpose": b.purpose}
        for b, br in sorted(rows, key=lambda row: row[0].code)
    ]


# -- crates ---------------------------------------------------------------------------------------------------


def sorting_room(session: Session) -> Branch | None:
    return session.exec(select(Branch).where(Branch.kind == BranchKind.SORTING).order_by(col(Branch.id))).first()


def crate_leg_to(session: Session, *, from_branch_id: int, destination_branch_id: int) -> int:
    """Where a crate from this branch goes on the way to the destination: via the sorting room, if there is one."""
    hub = sorting_room(session)
    if hub is None or from_branch_id == hub.id or destination_branch_id == hub.id:
        return destination_branch_id
    return hub.id  # type: ignore[return-value]


def require_crate(session: Session, code: str) -> Crate:
    crate = session.exec(select(Crate).where(Crate.code == code).execution_options(populate_existing=True)).first()
    if crate is None:
        raise UnknownCrate(f"unknown crate {code!r}")
    return crate


def crate_count(session: Session, crate_id: int) -> int:
    return int(session.exec(select(func.count()).where(CrateItem.crate_id == crate_id)).one())


def put_in_crate(
    session: Session, *, item: Item, from_branch_id: int, to_branch_id: int, at: datetime, station: str, actor: str
) -> Crate:
    """Pack a copy into the open crate on this leg (opened if none, a new one when full). Does not commit."""
    crate = _open_crate(session, from_branch_id=from_branch_id, to_branch_id=to_branch_id, at=at, actor=actor)
    earlier = session.exec(
        select(CrateItem, Crate)
        .join(Crate, col(CrateItem.crate_id) == Crate.id)
        .where(CrateItem.item_id == item.id, Crate.state == CrateState.OPEN)
    ).all()
    for packed, other in earlier:
        if other.id == crate.id:
            return crate  # scanned into the same crate twice
        session.delete(packed)  # re-routed before its crate left: it moves to the new crate
    if crate_count(session, crate.id) >= crate.capacity:  # type: ignore[arg-type]
        _seal(session, crate, at=at, actor=actor, station=station, reason="Kassen er fuld")
        crate = _open_crate(session, from_branch_id=from_branch_id, to_branch_id=to_branch_id, at=at, actor=actor)
    session.add(CrateItem(crate_id=crate.id, item_id=item.id, packed_at=at))  # type: ignore[arg-type]
    record_event(
        session, at=at, kind="crate_packed", station=station, actor=actor, item_id=item.id, barcode=item.barcode,
        crate=crate.code,
    )  # fmt: skip
    session.flush()
    return crate


_C, _CI = Crate.__table__, CrateItem.__table__  # type: ignore[attr-defined]
_OPEN_ON_LEG = (
    core_select(_C.c.id, _C.c.code, _C.c.capacity)
    .where(_C.c.from_branch_id == bindparam("from_id"), _C.c.to_branch_id == bindparam("to_id"))
    .where(_C.c.state == CrateState.OPEN.value)
    .with_for_update()
)
# Where the copy is packed already (an open crate), and how full the crate is: one statement, two index lookups.
_PACKED_AND_COUNT = core_select(
    core_select(_CI.c.crate_id)
    .join(_C, _C.c.id == _CI.c.crate_id)
    .where(_CI.c.item_id == bindparam("item"), _C.c.state == CrateState.OPEN.value)
    .order_by((_CI.c.crate_id == bindparam("crate")).desc())
    .limit(1)
    .scalar_subquery()
    .label("packed_in"),
    core_select(func.count()).where(_CI.c.crate_id == bindparam("crate")).scalar_subquery().label("n"),
)
_PACK = _CI.insert()
_UNPACK_OPEN = delete(_CI).where(
    _CI.c.item_id == bindparam("item"),
    _CI.c.crate_id.in_(core_select(_C.c.id).where(_C.c.state == CrateState.OPEN.value).scalar_subquery()),
)


_B, _TK = Branch.__table__, Task.__table__  # type: ignore[attr-defined]
# What numbering a new crate needs: how many crates the leg has had, and the two branches' ISILs.
_LEG_FACTS = core_select(
    core_select(func.count())
    .select_from(_C)
    .where(_C.c.from_branch_id == bindparam("from_id"), _C.c.to_branch_id == bindparam("to_id"))
    .scalar_subquery()
    .label("n"),
    core_select(_B.c.isil).where(_B.c.id == bindparam("from_id")).scalar_subquery().label("origin"),
    core_select(_B.c.isil).where(_B.c.id == bindparam("to_id")).scalar_subquery().label("target"),
)
_NEW_CRATE = _C.insert().returning(_C.c.id, _C.c.code, _C.c.capacity)
_SEAL_OPEN = (
    update(_C)
    .where(_C.c.id == bindparam("crate"), _C.c.state == CrateState.OPEN.value)
    .values(state=CrateState.SEALED.value, sealed_at=bindparam("at"))
)
_CLOSE_PACKS = (
    update(_TK)
    .where(
        _TK.c.crate_id == bindparam("crate"),
        _TK.c.kind == TaskKind.PACK.value,
        _TK.c.state == TaskState.OPEN.value,
    )
    .values(state=TaskState.DONE.value, done_at=bindparam("at"), done_by=bindparam("by"), outcome="sealed")
    .returning(_TK.c.id, _TK.c.station, _TK.c.item_id)
)


def pack_copy(
    events: EventBuffer,
    *,
    item_id: int,
    barcode: str,
    from_branch_id: int,
    to_branch_id: int,
    at: datetime,
    station: str,
    actor: str,
) -> tuple[int, str]:
    """`put_in_crate` for the check-in hot path: Core statements, events buffered. Returns (crate id, crate code).

    The usual case is three statements: the leg's open crate (row-locked on PostgreSQL), whether the copy is
    packed already and how full the crate is, and the packing row. Opening a crate and sealing a full one (every
    crate's capacity, about one scan in forty at the sorting room) are Core statements too.
    """
    conn = events.conn
    leg = {"from_id": from_branch_id, "to_id": to_branch_id}
    row = run(conn, _OPEN_ON_LEG, leg).first()
    if row is None:
        crate_id, code, capacity = _open_crate_core(events, leg, at=at, actor=actor)
    else:
        crate_id, code, capacity = int(row.id), str(row.code), int(row.capacity)
    packed_in, n = run(conn, _PACKED_AND_COUNT, {"item": item_id, "crate": crate_id}).one()
    if packed_in == crate_id:
        return crate_id, code  # scanned into the same crate twice
    if packed_in is not None:  # re-routed before its crate left: it moves to the new crate
        run(conn, _UNPACK_OPEN, {"item": item_id})
    if n >= capacity:
        _seal_core(events, crate_id, code, at=at, actor=actor, station=station, reason="Kassen er fuld")
        crate_id, code, capacity = _open_crate_core(events, leg, at=at, actor=actor)
    run(conn, _PACK, {"crate_id": crate_id, "item_id": item_id, "packed_at": at})
    events.add(at=at, kind="crate_packed", station=station, actor=actor, item_id=item_id, barcode=barcode, crate=code)
    return crate_id, code


def _open_crate_core(events: EventBuffer, leg: dict[str, int], *, at: datetime, actor: str) -> tuple[int, str, int]:
    """`_open_crate` for the hot path: the leg has no open crate (just read, or just sealed). Event buffered."""
    conn = events.conn
    facts = run(conn, _LEG_FACTS, leg).one()
    if facts.origin is None or facts.target is None:
        missing = leg["from_id"] if facts.origin is None else leg["to_id"]
        raise UnknownBranch(f"unknown branch id {missing!r}")
    values = {
        "code": f"{facts.origin[3:]}-{facts.target[3:]}-{int(facts.n) + 1:04d}",
        "from_branch_id": leg["from_id"], "to_branch_id": leg["to_id"], "state": CrateState.OPEN.value,
        "capacity": Crate.model_fields["capacity"].default, "opened_at": at, "sealed_at": None,
        "dispatched_at": None, "received_at": None,
    }  # fmt: skip
    savepoint = conn.begin_nested()
    try:
        row = run(conn, _NEW_CRATE, values).one()
    except exc.IntegrityError:  # another station opened the crate on this leg a moment ago
        savepoint.rollback()
        other = run(conn, _OPEN_ON_LEG, leg).first()
        if other is None:
            raise
        return int(other.id), str(other.code), int(other.capacity)
    savepoint.commit()
    events.add(at=at, kind="crate_opened", actor=actor, crate=row.code, to=facts.target)
    return int(row.id), str(row.code), int(row.capacity)


def _seal_core(
    events: EventBuffer, crate_id: int, code: str, *, at: datetime, actor: str, station: str, reason: str
) -> None:
    """`_seal` for the hot path, on a crate the caller holds locked: its open PACK tasks are done. Events buffered."""
    conn = events.conn
    if run(conn, _SEAL_OPEN, {"crate": crate_id, "at": at}).rowcount != 1:
        raise CrateStateError(f"crate {code!r} is no longer open, only an open crate can be sealed")
    closed = run(conn, _CLOSE_PACKS, {"crate": crate_id, "at": at, "by": actor[:60] or None}).all()
    for task in sorted(closed, key=lambda task: task.id):
        events.add(
            at=at, kind=f"task_{TaskState.DONE}", station=task.station, actor=actor, item_id=task.item_id,
            task_id=task.id, task_kind=str(TaskKind.PACK), outcome="sealed",
        )  # fmt: skip
    events.add(at=at, kind="crate_sealed", station=station, actor=actor, crate=code, reason=reason)


def _open_crate(session: Session, *, from_branch_id: int, to_branch_id: int, at: datetime, actor: str) -> Crate:
    def find() -> Crate | None:
        return session.exec(
            select(Crate)
            .where(Crate.from_branch_id == from_branch_id, Crate.to_branch_id == to_branch_id)
            .where(Crate.state == CrateState.OPEN)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    crate = find()
    if crate is not None:
        return crate
    origin = require_branch(session=session, branch_id=from_branch_id)
    target = require_branch(session=session, branch_id=to_branch_id)
    number = int(
        session.exec(
            select(func.count()).where(Crate.from_branch_id == from_branch_id, Crate.to_branch_id == to_branch_id)
        ).one()
    )
    try:
        with session.begin_nested():
            crate = Crate(
                code=f"{origin.isil[3:]}-{target.isil[3:]}-{number + 1:04d}",
                from_branch_id=from_branch_id,
                to_branch_id=to_branch_id,
                opened_at=at,
            )
            session.add(crate)
            session.flush()
    except exc.IntegrityError:  # another station opened the crate on this leg a moment ago
        crate = find()
        if crate is None:
            raise
        return crate
    record_event(session, at=at, kind="crate_opened", actor=actor, crate=crate.code, to=target.isil)
    return crate


def _seal(session: Session, crate: Crate, *, at: datetime, actor: str, station: str, reason: str) -> None:
    result = session.exec(
        update(Crate)
        .where(col(Crate.id) == crate.id, col(Crate.state) == CrateState.OPEN)
        .values(state=CrateState.SEALED, sealed_at=at)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise CrateStateError(f"crate {crate.code!r} is {crate.state}, only an open crate can be sealed")
    packs = session.exec(
        select(Task).where(Task.crate_id == crate.id, Task.kind == TaskKind.PACK, Task.state == TaskState.OPEN)
    ).all()
    for task in packs:
        close_task(session, task, at=at, actor=actor, outcome="sealed")
    record_event(session, at=at, kind="crate_sealed", station=station, actor=actor, crate=crate.code, reason=reason)


def seal_crate(session: Session, *, code: str, at: datetime, station: str = "", actor: str = "") -> Crate:
    """Close an open crate for the van; its open PACK tasks are done. Commits."""
    crate = require_crate(session, code)
    if crate_count(session, crate.id) == 0:  # type: ignore[arg-type]
        raise CrateStateError(f"crate {code!r} is empty, there is nothing to seal")
    _seal(session, crate, at=at, actor=actor, station=station, reason="Forseglet")
    session.commit()
    return crate


def crate_items(session: Session, crate_id: int) -> list[Item]:
    return list(
        session.exec(
            select(Item)
            .join(CrateItem, col(CrateItem.item_id) == Item.id)
            .where(CrateItem.crate_id == crate_id)
            .order_by(col(Item.id))
        )
    )
