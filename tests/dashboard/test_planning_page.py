"""Planning: the balance per branch, and a suggested move accepted on screen becomes a task."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from materials.domain.states import Role, TaskKind
from materials.models import DisplayWant, MoveSuggestion, Task
from tests.dashboard.conftest import ScreenDb, table_with
from tests.factories import (
    T0,
    make_display,
    make_display_want,
    make_item,
    make_station,
    make_target,
    make_title,
)


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


def test_filling_a_display_on_screen_opens_tasks_for_its_copies(
    screen_db: ScreenDb, page: Callable[..., AppTest]
) -> None:
    valby = screen_db.city.valby
    opens = datetime.now(UTC).date() + timedelta(days=5)
    with screen_db.session() as session:
        make_station(session, valby, "pluk-710115", kind="pick")
        display = make_display(session, valby, "Krimiugen", starts_on=opens)
        display.state = "planned"
        session.add(display)
        session.commit()
        for n in range(2):
            title = make_title(session, f"Krimi {n}", subjects="krimi")
            make_item(session, title, valby, f"VALBY-KRIMI-{n}", location=screen_db.city.shelves["Valby"])
            make_display_want(session, display, title)
    at = page("planning", role=Role.SPECIALIST, username="mette").run()
    assert not at.exception
    assert at.selectbox(key="plan_display").value == display.id

    at.button(key="plan_fill").click()
    at.run()

    assert not at.exception
    assert any("Udstillingen fyldes: 2 opgaver oprettet" in s.value for s in at.success), [e.value for e in at.error]
    with screen_db.session() as session:
        tasks = session.exec(select(Task).where(Task.kind == TaskKind.DISPLAY)).all()
        wants = session.exec(select(DisplayWant).where(DisplayWant.display_id == display.id)).all()
    assert len(tasks) == 2 and all(t.destination_branch_id == valby.id and "Krimiugen" in t.reason for t in tasks)
    assert [w.filled for w in wants] == [1, 1]

    at.button(key="plan_fill").click()  # again: nothing is left to fill, and nothing is asked for twice
    at.run()
    assert not at.exception
    with screen_db.session() as session:
        assert len(session.exec(select(Task).where(Task.kind == TaskKind.DISPLAY)).all()) == 2
