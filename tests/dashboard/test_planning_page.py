"""Planning: the balance per branch, and a suggested move accepted on screen becomes a task."""

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from materials.domain.states import Role, TaskKind
from materials.models import MoveSuggestion, Task
from tests.dashboard.conftest import ScreenDb, table_with
from tests.factories import T0, make_item, make_target, make_title


def suggested_move(db: ScreenDb) -> int:
    with db.session() as session:
        title = make_title(session, "Flyttebogen")
        copy = make_item(session, title, db.city.osterbro, "IDLE-AT-OSTERBRO", location=db.city.shelves["Østerbro"])
        make_target(session, title, db.city.valby, target=2, held=0)
        make_target(session, title, db.city.osterbro, target=0, held=1)
        move = MoveSuggestion(item_id=copy.id or 0, from_branch_id=db.city.osterbro.id or 0,
                              to_branch_id=db.city.valby.id or 0, reason="Valby mangler 2 eksemplarer",
                              score=2.0, created_at=T0)  # fmt: skip
        session.add(move)
        session.commit()
        return move.id or 0


def test_accepting_a_suggested_move_creates_a_task_by_the_user(
    screen_db: ScreenDb, page: Callable[..., AppTest]
) -> None:
    move_id = suggested_move(screen_db)
    at = page("planning", role=Role.MANAGER, username="leder").run()
    assert not at.exception
    balance = table_with(at, "Filial", "Eks. mangler")
    assert float(balance[balance["Filial"] == "Valby"]["Eks. mangler"].iloc[0]) == 2.0
    assert list(table_with(at, "Stregkode", "Fra")["Stregkode"]) == ["IDLE-AT-OSTERBRO"]

    at.button(key="plan_accept").click()
    at.run()

    assert not at.exception
    assert any(f"Flytning {move_id} godkendt" in s.value for s in at.success)
    with screen_db.session() as session:
        move = session.get(MoveSuggestion, move_id)
        assert move is not None and move.state == "accepted" and move.decided_by == "leder"
        task = session.exec(select(Task).where(Task.kind == TaskKind.MOVE)).one()
    assert task.destination_branch_id == screen_db.city.valby.id


def test_rejecting_a_move_leaves_the_copy(screen_db: ScreenDb, page: Callable[..., AppTest]) -> None:
    move_id = suggested_move(screen_db)
    at = page("planning", role=Role.SPECIALIST, username="mette").run()

    at.button(key="plan_reject").click()
    at.run()

    assert not at.exception
    with screen_db.session() as session:
        move = session.get(MoveSuggestion, move_id)
        assert move is not None and move.state == "rejected"
        assert session.exec(select(Task).where(Task.kind == TaskKind.MOVE)).first() is None
