"""Suggested moves: which copies, from where to where, within the day's crates; accepted, they become tasks."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from logistics.planning.config import PlanningConfig
from logistics.planning.move_decisions import MoveNotOpen, NotAMove, accept_move, list_moves, pick_move, reject_move
from logistics.planning.plan import run_plan
from materials.domain.states import ItemCondition, ItemStatus, TaskKind, TaskState
from materials.models import Item, MoveSuggestion, Task
from tests.factories import T0, make_item, make_past_loans, make_small_city, make_station, make_title

AT = T0 + timedelta(days=7)
LONG_AGO = T0 - timedelta(days=400)


def _valby_wants_what_sundby_hoards(session: Session, *, copies: int = 4):  # type: ignore[no-untyped-def]
    city = make_small_city(session)
    make_station(session, city.sundby, "pluk-710112", kind="pick")
    title = make_title(session, "Samlet i Sundby")
    hoard = [
        make_item(session, title, city.sundby, f"SUNDBY-IDLE-{n}", status_changed_at=LONG_AGO + timedelta(days=n))
        for n in range(copies)
    ]
    lent_at_valby = make_item(session, title, city.osterbro, "LENT-AT-VALBY", status_changed_at=LONG_AGO)
    make_past_loans(session, lent_at_valby, city.valby, count=13, last=T0)
    return city, title, hoard


def _moves(session: Session) -> list[MoveSuggestion]:
    session.expire_all()  # planning rewrites the table behind the session's back
    return list(session.exec(select(MoveSuggestion).order_by(MoveSuggestion.id)))


def test_copies_standing_still_move_from_a_surplus_to_a_deficit_with_a_reason(session: Session) -> None:
    city, title, hoard = _valby_wants_what_sundby_hoards(session)
    lent_at_sundby = make_item(session, title, city.osterbro, "LENT-AT-SUNDBY", status_changed_at=LONG_AGO)
    make_past_loans(session, lent_at_sundby, city.sundby, count=4, last=T0)  # Sundby's target: 3 of its 4

    run_plan(session, at=AT)

    moves = _moves(session)
    assert moves and {(m.from_branch_id, m.to_branch_id) for m in moves} == {(city.sundby.id, city.valby.id)}
    assert all(m.reason.startswith("Valby mangler") and "Sundby har" in m.reason for m in moves)
    assert "urørt siden" in moves[0].reason
    # Sundby keeps its own target; the copies untouched longest go first
    assert [m.item_id for m in moves] == [hoard[0].id]


def test_a_copy_lent_lately_does_not_move(session: Session) -> None:
    city, _title, hoard = _valby_wants_what_sundby_hoards(session)
    for item in hoard:
        make_past_loans(session, item, city.sundby, count=1, last=T0 - timedelta(days=10))

    run_plan(session, at=AT)

    assert _moves(session) == []


def test_moves_stay_within_the_crates_a_branch_sends_in_a_day(session: Session) -> None:
    _valby_wants_what_sundby_hoards(session, copies=12)
    config = PlanningConfig(crate_capacity=2, crates_per_branch_per_day=1)

    run_plan(session, at=AT, config=config)

    assert len(_moves(session)) == 2


def test_an_accepted_move_becomes_a_task_at_the_source_pick_desk(session: Session) -> None:
    city, _title, _hoard = _valby_wants_what_sundby_hoards(session)
    run_plan(session, at=AT)
    first, second = list_moves(session)[:2]

    accepted = accept_move(session, first.id, at=AT, actor="planner")
    rejected = reject_move(session, second.id, at=AT, actor="planner")

    task = session.get(Task, accepted.task_id)
    assert task is not None
    assert (task.kind, task.state, task.station) == (TaskKind.MOVE, TaskState.OPEN, "pluk-710112")
    assert task.destination_branch_id == city.valby.id and "Valby" in task.reason
    assert (accepted.state, rejected.state) == ("accepted", "rejected")
    with pytest.raises(MoveNotOpen, match=f"move {first.id} is already accepted"):
        accept_move(session, first.id, at=AT)


def test_a_picked_move_goes_into_the_crate_towards_its_new_branch(session: Session) -> None:
    city, _title, _hoard = _valby_wants_what_sundby_hoards(session)
    run_plan(session, at=AT)
    move = list_moves(session)[0]
    accept_move(session, move.id, at=AT)

    done = pick_move(session, barcode=move.barcode, station="pluk-710112", at=AT + timedelta(hours=2))

    item = session.exec(select(Item).where(Item.barcode == move.barcode)).one()
    pack = session.exec(select(Task).where(Task.item_id == item.id, Task.state == TaskState.OPEN)).one()
    assert done.state == "done"
    assert (item.status, item.destination_branch_id) == (ItemStatus.IN_SORTING, city.valby.id)
    assert pack.kind == TaskKind.PACK and pack.crate_id is not None and "Valby" in pack.reason
    with pytest.raises(NotAMove, match=move.barcode):
        pick_move(session, barcode=move.barcode, station="pluk-710112", at=AT)


def test_decided_copies_are_not_suggested_again_the_next_night(session: Session) -> None:
    _city, _title, _hoard = _valby_wants_what_sundby_hoards(session)
    run_plan(session, at=AT)
    first, second = list_moves(session)[:2]
    accept_move(session, first.id, at=AT)
    reject_move(session, second.id, at=AT)

    run_plan(session, at=AT + timedelta(days=1))

    again = {m.item_id for m in _moves(session) if m.state == "suggested"}
    assert first.barcode not in {session.get(Item, i).barcode for i in again}  # type: ignore[union-attr]
    assert second.barcode not in {session.get(Item, i).barcode for i in again}  # type: ignore[union-attr]


def _assess(session: Session, item: Item, condition: ItemCondition) -> None:
    item.condition = condition
    session.add(item)
    session.commit()


def _one_move_from_sundby(session: Session) -> list[Item]:
    """Sundby holds 4 idle copies and needs 3 of them; Valby is short: one copy should move."""
    city, title, hoard = _valby_wants_what_sundby_hoards(session)
    lent_at_sundby = make_item(session, title, city.osterbro, "LENT-AT-SUNDBY", status_changed_at=LONG_AGO)
    make_past_loans(session, lent_at_sundby, city.sundby, count=4, last=T0)
    return hoard


def test_a_copy_in_good_condition_moves_before_a_worn_one_that_stood_still_longer(session: Session) -> None:
    hoard = _one_move_from_sundby(session)
    _assess(session, hoard[0], ItemCondition.WORN)  # untouched longest, but worn
    _assess(session, hoard[1], ItemCondition.GOOD)

    run_plan(session, at=AT)

    moves = _moves(session)
    assert [m.item_id for m in moves] == [hoard[1].id]
    assert moves[0].reason.endswith("god stand")


def test_a_worn_copy_moves_when_the_source_has_none_better_and_the_reason_says_so(session: Session) -> None:
    hoard = _one_move_from_sundby(session)
    for item in hoard:
        _assess(session, item, ItemCondition.WORN)

    run_plan(session, at=AT)

    moves = _moves(session)
    assert [m.item_id for m in moves] == [hoard[0].id]
    assert moves[0].reason.endswith("slidt, men det bedste ledige eksemplar")


def test_a_damaged_copy_never_moves(session: Session) -> None:
    hoard = _one_move_from_sundby(session)
    for item in hoard:
        _assess(session, item, ItemCondition.DAMAGED)

    run_plan(session, at=AT)

    assert _moves(session) == []


def test_a_copy_nobody_assessed_moves_like_a_good_one_and_its_reason_claims_no_condition(session: Session) -> None:
    hoard = _one_move_from_sundby(session)
    _assess(session, hoard[1], ItemCondition.WORN)

    run_plan(session, at=AT)

    moves = _moves(session)
    assert [m.item_id for m in moves] == [hoard[0].id]
    assert "stand" not in moves[0].reason and "slidt" not in moves[0].reason
