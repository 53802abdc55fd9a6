"""Scanning: the sorting room's station. Scan, see where the copy goes, scan the next."""

import streamlit as st

from dashboard.components import scanning
from dashboard.components.banner import destination_banner, scan_history
from dashboard.components.context import DATABASE_DOWN, now, reader, require_page, settings
from dashboard.components.focus import keep_focus
from dashboard.components.wiring import service
from materials.services.overview import checkins_per_hour, station_names

FIELD_LABEL = "Stregkode"

user = require_page("scan")
check_in = service("materials.services.checkin", "check_in")
if check_in is None:
    st.info("Indtjekningen (materials.services.checkin) er ikke installeret endnu, så der kan ikke scannes.")
    st.stop()

station = user.station
if station is None:
    try:
        with reader() as session:
            choices = station_names(session, kind="scan")
    except DATABASE_DOWN:
        choices = []
    if not choices:
        st.info("Der er ingen scanstationer i databasen. Opret dem (materials seed) eller log ind som en station.")
        st.stop()
    station = st.selectbox("Station", choices, key="scan_station")


@st.cache_data(ttl=15, show_spinner=False)
def pace(url: str, station: str) -> int:
    """Scans in the last hour, read at most every 15 s: not a query between the scanner's Enter and the answer."""
    with reader() as session:
        return checkins_per_hour(session, station=station, at=now())


# A scan reruns only this fragment, not the whole app with its navigation: less work between Enter and the answer.
@st.fragment
def station_screen(station: str) -> None:
    with st.form("scan_form", clear_on_submit=True, border=False):
        field, parts, button = st.columns([6, 2, 1], vertical_alignment="bottom")
        field.text_input(FIELD_LABEL, key=scanning.FIELD_KEY, placeholder="Scan eller skriv stregkoden og tryk Enter")
        parts.checkbox("Alle dele er der", key=scanning.PARTS_KEY, help="Til sæt med flere dele (fx sprogkurser).")
        button.form_submit_button(
            "Scan",
            key="scan_submit",
            type="primary",
            on_click=scanning.on_scan,
            kwargs={"check_in": check_in, "station": station, "actor": user.username},
        )
    keep_focus(FIELD_LABEL)
    lines = scanning.history(station)
    destination_banner(lines[0] if lines and not scanning.restored() else None)
    for line in scanning.unrecorded(station):
        st.error(f"IKKE registreret: {line.barcode}. Læg den til side og scan den igen.", icon="⚠️")
    left, right = st.columns([4, 1])
    with left:
        scan_history(lines)
    with right:
        try:  # the station's count from the log (other screens too), at least what this screen scanned
            rate: int | str = max(pace(settings().database_url, station), scanning.scans_last_hour(now()))
        except DATABASE_DOWN:
            rate = scanning.scans_last_hour(now())
        st.metric("Materialer i timen", rate)
        st.caption(
            f"Station **{station}**"
            + (f" · svartid {lines[0].millis:.0f} ms" if lines and not scanning.restored() else "")
        )


station_screen(station)
