"""Planlægning: deficits and surpluses per branch, suggested moves and displays to accept or reject, weeding."""

import streamlit as st

from dashboard.components import planning_data as data
from dashboard.components.actions import run_action, show_outcome
from dashboard.components.context import DATABASE_DOWN, database_down, now, reader, require_page, settings
from dashboard.components.tables import table

BALANCE = {"branch": "Filial", "titles_short": "Titler i underskud", "copies_short": "Eks. mangler",
           "titles_over": "Titler i overskud", "copies_over": "Eks. i overskud"}  # fmt: skip
MOVES = {"id": "Nr.", "barcode": "Stregkode", "title": "Titel", "from_name": "Fra", "to_name": "Til",
         "reason": "Begrundelse", "score": "Point"}  # fmt: skip
SUGGESTED = {"title": "Titel", "author": "Forfatter", "material_type": "Materiale", "expected_loans": "Forventede lån",
             "available": "Ledige", "score": "Point"}  # fmt: skip
WEEDING = {"barcode": "Stregkode", "title": "Titel", "branch_name": "Filial", "loans": "Lån", "copies": "Eksemplarer",
           "last_copy": "Sidste eks.", "reason": "Begrundelse"}  # fmt: skip

user = require_page("planning")
st.title("Planlægning")
if not data.available():
    st.info("Planlægningen (logistics.planning) er ikke installeret endnu.")
    st.stop()
url = settings().database_url
show_outcome("plan_outcome")
balance_tab, moves_tab, displays_tab, weeding_tab = st.tabs(["Balance", "Flytninger", "Udstillinger", "Kassation"])


def decide(accept: bool) -> None:
    move_id = st.session_state.get("plan_move")
    if move_id is not None:
        verb = "godkendt: flytteopgave oprettet" if accept else "afvist"
        run_action("plan_outcome", data.decide_move, lambda m: f"Flytning {m.id} {verb}", move_id=move_id,
                   accept=accept, actor=user.username)  # fmt: skip
        data.moves.clear()


def fill() -> None:
    display_id = st.session_state.get("plan_display")
    if display_id is not None:
        run_action("plan_outcome", data.fill_display, lambda r: f"Udstillingen fyldes: {len(r.tasks)} opgaver oprettet",
                   display_id=display_id, actor=user.username)  # fmt: skip


try:
    with balance_tab:
        st.caption("Forskel mellem hvad filialerne har, og hvad efterspørgslen kræver (fra `materials plan`).")
        table(data.balance(url), key="plan_balance", labels=BALANCE, file_name="balance.csv")
    with moves_tab:
        moves = data.moves(url)
        table(moves, key="plan_moves", labels=MOVES, file_name="flytninger.csv")
        if moves:
            left, accept, reject = st.columns([4, 1, 1], vertical_alignment="bottom")
            left.selectbox("Flytning", [m.id for m in moves], key="plan_move",
                           format_func=lambda i: next(f"{i}: {m.title} · {m.from_name} → {m.to_name}" for m in moves if m.id == i))  # fmt: skip
            accept.button("Godkend", key="plan_accept", type="primary", on_click=decide, args=(True,))
            reject.button("Afvis", key="plan_reject", on_click=decide, args=(False,))
    with displays_tab:
        with reader() as session:
            displays = data.open_displays(session, at=now())
        if not displays:
            st.caption("Ingen kommende eller aktive udstillinger.")
        else:
            chosen = st.selectbox("Udstilling", [d.id for d in displays], key="plan_display",
                                  format_func=lambda i: next(f"{d.name} · {d.branch} ({d.starts_on}–{d.ends_on})" for d in displays if d.id == i))  # fmt: skip
            if st.toggle("Vis forslag til titler", key="plan_suggest"):
                table(data.suggestions(url, chosen), key="plan_suggestions", labels=SUGGESTED)
            st.button("Godkend og fyld udstillingen", key="plan_fill", type="primary", on_click=fill)
    with weeding_tab:
        st.caption("Eksemplarer uden lån i den fastsatte periode, som systemet har for mange af.")
        if st.toggle("Beregn kassationslisten", key="plan_weeding"):
            table(data.weeding(url), key="plan_weeding_table", labels=WEEDING, file_name="kassation.csv")
except DATABASE_DOWN as exc:
    database_down(exc)
