"""Plukning: the branch's pick list in walking order; scan to confirm, or report a copy not found."""

from typing import Any

import streamlit as st

from dashboard.components.actions import run_action, show_outcome
from dashboard.components.context import DATABASE_DOWN, database_down, now, reader, require_page, settings
from dashboard.components.desks import branch_of, choose_station
from dashboard.components.focus import keep_focus
from dashboard.components.tables import table
from dashboard.components.wiring import services
from materials.services.overview import events_since, local_midnight

FIELD_LABEL = "Stregkode (pluk)"
LABELS = {
    "location_name": "Sted", "shelfmark": "Opstilling", "title": "Titel", "author": "Forfatter",
    "barcode": "Stregkode", "pickup_name": "Afhentes på", "reason": "Begrundelse",
}  # fmt: skip

user = require_page("picking")
found = services("materials.services.picking", "pick_list", "pick")
if found is None:
    st.info("Plukningen (materials.services.picking) er ikke installeret endnu.")
    st.stop()
pick_list, pick = found
station = choose_station(user, kind="pick", key="pick_station", label="Pluk-station")
if station is None:
    st.info("Der er ingen pluk-stationer i databasen. Log ind som en pluk-station, eller opret en.")
    st.stop()
isil, branch_name = branch_of(station)
st.title(f"Plukliste · {branch_name}")


@st.cache_data(ttl=5, show_spinner=False)
def picks(url: str, isil: str, station: str) -> tuple[list[Any], int]:
    """The pick list and today's picks, kept a few seconds: with many open tasks the list costs a scan of them."""
    with reader() as session:
        lines = pick_list(session, isil=isil)
        return lines, events_since(session, kind="item_picked", station=station, since=local_midnight(now()))


def on_pick(not_found: bool = False) -> None:
    field = "pick_missing" if not_found else "pick_code"
    barcode = str(st.session_state.get(field) or "").strip()
    if barcode:
        verb = "meldt ikke fundet" if not_found else "plukket"
        run_action(
            "pick_outcome", pick, lambda r: f"{r.barcode} {verb}: {r.reason}",
            barcode=barcode, station=station, actor=user.username, not_found=not_found,
        )  # fmt: skip
        picks.clear()


with st.form("pick_form", clear_on_submit=True, border=False):
    field, button = st.columns([6, 1], vertical_alignment="bottom")
    field.text_input(FIELD_LABEL, key="pick_code", placeholder="Scan materialet du har taget fra hylden")
    button.form_submit_button("Plukket", key="pick_submit", type="primary", on_click=on_pick)
keep_focus(FIELD_LABEL)
show_outcome("pick_outcome")

try:
    lines, done = picks(settings().database_url, isil, station)
except DATABASE_DOWN as exc:
    database_down(exc)

total = done + len(lines)
st.progress(done / total if total else 1.0, text=f"{done} plukket i dag · {len(lines)} tilbage")
if not lines:
    st.success("Pluklisten er tom. Godt arbejde!")
    st.stop()
table([{"nr": n, **line.as_dict()} for n, line in enumerate(lines, 1)], key="pick_table",
      labels={"nr": "Nr.", **LABELS}, file_name=f"plukliste-{isil}.csv")  # fmt: skip

with st.form("pick_missing_form", border=True):
    st.selectbox(
        "Kan ikke findes på hylden", [line.barcode for line in lines], key="pick_missing",
        format_func=lambda code: next(f"{x.shelfmark} · {x.title} ({code})" for x in lines if x.barcode == code),
    )  # fmt: skip
    st.form_submit_button("Ikke fundet", key="pick_not_found", on_click=on_pick, kwargs={"not_found": True})
