"""The planning screen's reads (cached) and writes, over logistics.planning."""

from datetime import UTC, datetime
from typing import Any

import streamlit as st
from sqlmodel import Session

from dashboard.components.context import reader
from dashboard.components.wiring import service
from materials.services.overview import BranchBalance, branch_balance, open_displays

__all__ = ["open_displays"]
_MOVES = "logistics.planning.move_decisions"


def available() -> bool:
    return (
        service(_MOVES, "list_moves") is not None
        and service("logistics.planning.weeding", "weeding_candidates") is not None
    )


def _config() -> Any:
    from logistics.planning.config import PlanningConfig

    return PlanningConfig()


@st.cache_data(ttl=30, show_spinner=False)
def balance(url: str) -> list[BranchBalance]:
    with reader() as session:
        return branch_balance(session)


@st.cache_data(ttl=30, show_spinner=False)
def moves(url: str) -> list[Any]:
    from logistics.planning.move_decisions import list_moves

    with reader() as session:
        return list_moves(session, state="suggested", limit=200)


@st.cache_data(ttl=120, show_spinner=False)
def suggestions(url: str, display_id: int) -> list[Any]:
    from logistics.planning.display_suggest import suggest_titles

    with reader() as session:
        return suggest_titles(session, display_id, config=_config(), at=datetime.now(UTC), write=False)


@st.cache_data(ttl=600, show_spinner="Beregner kassationslisten …")
def weeding(url: str) -> list[Any]:
    from logistics.planning.weeding import weeding_candidates

    with reader() as session:
        return weeding_candidates(session, config=_config(), at=datetime.now(UTC), limit=2000)


def decide_move(session: Session, *, move_id: int, accept: bool, at: datetime, actor: str) -> Any:
    from logistics.planning.move_decisions import accept_move, reject_move

    return (accept_move if accept else reject_move)(session, move_id, at=at, actor=actor)


def fill_display(session: Session, *, display_id: int, at: datetime, actor: str) -> Any:
    from logistics.planning.display_fill import fill_display as fill

    return fill(session, display_id, config=_config(), at=at, actor=actor)
