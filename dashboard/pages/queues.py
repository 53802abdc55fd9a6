"""Køer: the queue wall. Open tasks per station and kind, and how old the oldest is; refreshes itself."""

from collections import defaultdict
from datetime import datetime
from typing import Any

import streamlit as st

from dashboard.components.context import DATABASE_DOWN, now, reader, require_page, settings
from dashboard.components.tables import hours_text, table
from materials.clock import to_local
from materials.services.tasks import QueueLine, queue_summary

REFRESH_SECONDS = 10
KINDS = {"sort": "Sortér", "pick": "Pluk", "pack": "Pak", "shelve": "Hylde", "display": "Udstil", "move": "Flyt",
         "exception": "Afvigelse"}  # fmt: skip

require_page("queues")
st.title("Køer")


@st.cache_data(ttl=5, show_spinner=False)
def summary(url: str) -> list[QueueLine]:
    with reader() as session:
        return queue_summary(session)


def wall(lines: list[QueueLine], at: datetime) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"oldest": at})
    for line in lines:
        row = rows[line.station]
        row[KINDS.get(line.kind, line.kind)] = line.open
        row["oldest"] = min(row["oldest"], line.oldest)
    return [
        {"Station": station, **{k: row.get(k, 0) for k in KINDS.values()},
         "I alt": sum(row.get(k, 0) for k in KINDS.values()),
         "Ældste": hours_text((at - row["oldest"]).total_seconds() / 3600)}
        for station, row in sorted(rows.items())
    ]  # fmt: skip


@st.fragment(run_every=REFRESH_SECONDS)
def queue_wall() -> None:
    at = now()
    try:
        lines = summary(settings().database_url)
    except DATABASE_DOWN:
        st.error("Databasen svarer ikke lige nu; køerne vises igen, når den er tilbage.")
        return
    total = sum(line.open for line in lines)
    oldest = min((line.oldest for line in lines), default=None)
    a, b, c = st.columns(3)
    a.metric("Åbne opgaver", f"{total:,}".replace(",", "."))
    b.metric("Ældste opgave", hours_text((at - oldest).total_seconds() / 3600) if oldest else "–")
    c.metric("Stationer med opgaver", len({line.station for line in lines}))
    if not lines:
        st.success("Ingen åbne opgaver.")
        return
    table(wall(lines, at), key="queue_table", file_name="koeer.csv")
    st.caption(f"Opdateres hvert {REFRESH_SECONDS}. sekund · {to_local(at):%H:%M:%S}")


queue_wall()
