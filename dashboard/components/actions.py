"""Run a write from a button or a scan and keep its outcome for the page to show after the rerun.

Every write goes through here: it gets a fresh session, the time and the actor (the logged-in user), and
every failure becomes a message instead of a crash.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard.components.context import DATABASE_DOWN, now, writer
from materials.errors import MaterialsError


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    result: Any = None


def run_action(key: str, action: Callable[..., Any], describe: Callable[[Any], str], **kwargs: Any) -> Outcome:
    """Call `action(session, at=..., actor=..., **kwargs)`; store and return what happened under `key`."""
    try:
        with writer() as session:
            result = action(session, at=now(), **kwargs)
        outcome = Outcome(True, describe(result), result)
    except DATABASE_DOWN:
        outcome = Outcome(False, "Databasen svarer ikke: intet blev registreret. Prøv igen om lidt.")
    except MaterialsError as exc:
        outcome = Outcome(False, str(exc))
    except DBAPIError as exc:  # a refused write (a constraint): the transaction was rolled back
        outcome = Outcome(False, f"Databasen afviste ændringen, intet blev ændret: {exc.orig}")
    st.session_state[key] = outcome
    return outcome


def show_outcome(key: str) -> None:
    outcome: Outcome | None = st.session_state.get(key)
    if outcome is None:
        return
    (st.success if outcome.ok else st.error)(outcome.message)
