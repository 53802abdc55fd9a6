"""Kasser og transit: open crates per destination and how full; seal, dispatch, receive; copies stuck in transit."""

from typing import Any

import streamlit as st

from dashboard.components.actions import run_action, show_outcome
from dashboard.components.context import DATABASE_DOWN, database_down, now, reader, require_page, settings
from dashboard.components.desks import choose_station
from dashboard.components.tables import table
from dashboard.components.wiring import services
from materials.services.overview import branch_names

LABELS = {"code": "Kasse", "from": "Fra", "to": "Til", "items": "Antal", "capacity": "Plads", "fill": "Fyldt"}
STUCK_LABELS = {"barcode": "Stregkode", "title": "Titel", "destination": "Til", "crate": "Kasse", "days": "Dage"}

user = require_page("crates")
transit = services("materials.services.transit", "list_crates", "dispatch_crate", "receive_crate", "stuck_in_transit")
crates_service = services("materials.services.crates", "seal_crate")
if transit is None or crates_service is None:
    st.info("Kasser og transit (materials.services.crates og transit) er ikke installeret endnu.")
    st.stop()
list_crates, dispatch, receive, stuck = transit
(seal,) = crates_service
station = choose_station(user, kind=None, key="crates_station")
st.title("Kasser og transit")


@st.cache_data(ttl=10, show_spinner=False)
def crates_now(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with reader() as session:
        names = branch_names(session)
        rows = list_crates(session, states=["open", "sealed", "dispatched"])
        late = stuck(session, now())
    for row in rows:
        row["from"], row["to"] = names.get(row["from"], row["from"]), names.get(row["to"], row["to"])
        row["fill"] = row["items"] / row["capacity"] if row["capacity"] else 0.0
    return rows, [{**x.as_dict(), "destination": names.get(x.destination or "", x.destination)} for x in late]


def act(label: str, action: Any, state_key: str, **extra: Any) -> None:
    code = st.session_state.get(state_key)
    if code:
        run_action("crates_outcome", action, lambda _: f"Kasse {code}: {label}", code=code, station=station or "",
                   actor=user.username, **extra)  # fmt: skip
        crates_now.clear()


try:
    crates, late = crates_now(settings().database_url)
except DATABASE_DOWN as exc:
    database_down(exc)
show_outcome("crates_outcome")
fill = st.column_config.ProgressColumn("Fyldt", min_value=0.0, max_value=1.0, format="percent")
steps = (
    ("open", "Åbne kasser", "Forsegl", "forseglet", seal),
    ("sealed", "Forseglede, klar til bilen", "Afsend", "afsendt", dispatch),
    ("dispatched", "Undervejs", "Modtag her", "modtaget", receive),
)
for state, heading, verb, done, action in steps:
    rows = sorted((c for c in crates if c["state"] == state), key=lambda c: -c["fill"])
    st.subheader(f"{heading} ({len(rows)})")
    if not rows:
        st.caption("Ingen.")
        continue
    table(rows, key=f"crates_{state}", labels=LABELS, column_config={"Fyldt": fill})
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox("Kasse", [c["code"] for c in rows], key=f"crate_pick_{state}")
    right.button(verb, key=f"crate_{state}_button", on_click=act, args=(done, action, f"crate_pick_{state}"),
                 disabled=station is None and state == "dispatched")  # fmt: skip

st.subheader(f"Hængt i transit ({len(late)})")
if late:
    table(late, key="crates_stuck", labels=STUCK_LABELS, file_name="transit-undtagelser.csv")
else:
    st.caption("Ingen materialer har været undervejs for længe.")
