from datetime import timedelta

from sqlmodel import Session, select

from materials.domain.states import ItemStatus, ReservationState, TaskKind
from materials.models import Event, Item, Reservation, Target, Task
from materials.services.allocation import allocate, spare_copies
from tests.factories import (
    T0,
    make_branch,
    make_item,
    make_reservation,
    make_station,
    make_title,
    make_transport_cost,
)


def allocated_copy(session: Session, reservation: Reservation) -> str | None:
    session.refresh(reservation)
    if reservation.item_id is None:
        return None
    item = session.get(Item, reservation.item_id)
    return item.barcode if item else None


def test_prefers_a_copy_already_at_the_pickup_branch(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    title = make_title(session)
    make_item(session, title, sundby, "AT-SUNDBY")
    make_item(session, title, sundby, "ALSO-AT-SUNDBY")
    make_item(session, title, valby, "AT-VALBY")
    make_item(session, title, valby, "ALSO-AT-VALBY")
    make_transport_cost(session, sundby, valby, 20)
    reservation = make_reservation(session, title, valby)

    allocate(session, at=T0)

    assert allocated_copy(session, reservation) in ("AT-VALBY", "ALSO-AT-VALBY")


def test_minimises_the_total_transport_cost_not_each_reservation_greedily(session: Session) -> None:
    amager, bispebjerg, christianshavn = (make_branch(session, n) for n in ("Amager", "Bispebjerg", "Christianshavn"))
    title = make_title(session)
    for branch in (amager, christianshavn):
        make_item(session, title, branch, f"AT-{branch.name.upper()}")
        make_item(session, title, branch, f"SPARE-AT-{branch.name.upper()}")
    make_transport_cost(session, christianshavn, amager, 10)
    make_transport_cost(session, christianshavn, bispebjerg, 100)
    make_transport_cost(session, amager, bispebjerg, 50)
    older = make_reservation(session, title, amager, placed_at=T0)
    newer = make_reservation(session, title, bispebjerg, placed_at=T0 + timedelta(minutes=1))

    allocate(session, at=T0 + timedelta(hours=1))

    # Greedy (the older one takes the copy at Amager) would cost 0 + 100; the assignment costs 10 + 50.
    assert (allocated_copy(session, older) or "").endswith("CHRISTIANSHAVN")
    assert (allocated_copy(session, newer) or "").endswith("AMAGER")


def test_the_oldest_reservations_get_the_copies_when_there_are_too_few(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    make_item(session, title, valby, "THE-ONLY-COPY")
    newest = make_reservation(session, title, valby, placed_at=T0 + timedelta(days=2))
    oldest = make_reservation(session, title, valby, placed_at=T0)
    middle = make_reservation(session, title, valby, placed_at=T0 + timedelta(days=1))

    allocate(session, at=T0 + timedelta(days=3))

    assert allocated_copy(session, oldest) == "THE-ONLY-COPY"
    assert allocated_copy(session, middle) is None and allocated_copy(session, newest) is None
    assert newest.state == ReservationState.WAITING


def test_spares_a_branchs_last_copy_when_there_are_no_targets(session: Session) -> None:
    valby, sundby, vanlose = (make_branch(session, n) for n in ("Valby", "Sundby", "Vanløse"))
    title = make_title(session)
    make_item(session, title, sundby, "LAST-AT-SUNDBY")
    make_item(session, title, vanlose, "ONE-OF-TWO-AT-VANLOSE")
    make_item(session, title, vanlose, "TWO-OF-TWO-AT-VANLOSE")
    make_transport_cost(session, sundby, valby, 20)
    make_transport_cost(session, vanlose, valby, 25)
    reservation = make_reservation(session, title, valby)

    allocate(session, at=T0)

    assert "VANLOSE" in (allocated_copy(session, reservation) or "")


def test_prefers_a_copy_from_a_branch_with_surplus_over_one_at_its_target(session: Session) -> None:
    valby, sundby, vanlose = (make_branch(session, n) for n in ("Valby", "Sundby", "Vanløse"))
    title = make_title(session)
    for n in range(2):
        make_item(session, title, sundby, f"SUNDBY-{n}")
        make_item(session, title, vanlose, f"VANLOSE-{n}")
    make_transport_cost(session, sundby, valby, 20)
    make_transport_cost(session, vanlose, valby, 25)
    for branch, target in ((sundby, 2), (vanlose, 1)):
        session.add(
            Target(
                title_id=title.id or 0,
                branch_id=branch.id or 0,
                target=target,
                held=2,
                deficit=target - 2,
                computed_at=T0,
            )
        )
    session.commit()
    reservation = make_reservation(session, title, valby)

    allocate(session, at=T0)

    assert (allocated_copy(session, reservation) or "").startswith("VANLOSE")


def test_spare_copies_keeps_the_target_at_each_branch() -> None:
    copies = [Item(id=i, barcode=str(i), title_id=1, home_branch_id=b, branch_id=b) for i, b in enumerate([1, 1, 1, 2])]
    assert spare_copies(copies, {}) == {0, 1}
    assert spare_copies(copies, {1: 1, 2: 0}) == {0, 1, 3}


def test_only_free_copies_on_a_shelf_are_allocated(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    make_item(session, title, valby, "ON-LOAN", status=ItemStatus.ON_LOAN)
    make_item(session, title, valby, "MISSING", status=ItemStatus.MISSING)
    held = make_item(session, title, valby, "ALREADY-RESERVED")
    make_reservation(session, title, valby, state=ReservationState.ALLOCATED, item=held)
    reservation = make_reservation(session, title, valby, placed_at=T0 + timedelta(hours=1))

    assert allocate(session, at=T0 + timedelta(hours=2)) == []
    assert allocated_copy(session, reservation) is None


def test_each_allocation_opens_a_pick_task_at_the_branch_pick_desk_with_a_due_time(session: Session) -> None:
    valby, sundby = make_branch(session, "Valby"), make_branch(session, "Sundby")
    make_station(session, sundby, "a-sundby-scan", kind="scan")
    make_station(session, sundby, "sundby-pluk", kind="pick")
    title = make_title(session)
    make_item(session, title, sundby, "PICK-ME")
    make_item(session, title, sundby, "SPARE")
    reservation = make_reservation(session, title, valby)

    [allocation] = allocate(session, at=T0, pick_days=3)

    task = session.exec(select(Task).where(Task.kind == TaskKind.PICK)).one()
    assert (task.station, task.branch_id, task.reservation_id) == ("sundby-pluk", sundby.id, reservation.id)
    assert task.due_at == T0 + timedelta(days=3)
    assert task.reason == allocation.reason == "Pluk til reservering: afhentes på Valby"
    event = session.exec(select(Event).where(Event.kind == "reservation_allocated")).one()
    assert event.payload["reservation_id"] == reservation.id and event.item_id == allocation.item_id


def test_allocating_again_changes_nothing(session: Session) -> None:
    valby = make_branch(session, "Valby")
    title = make_title(session)
    make_item(session, title, valby)
    make_reservation(session, title, valby)
    assert len(allocate(session, at=T0)) == 1
    assert allocate(session, at=T0 + timedelta(minutes=1)) == []
    assert len(session.exec(select(Task)).all()) == 1
