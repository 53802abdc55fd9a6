"""Ledelse: throughput, backlog, lead times, transit, display fill and staff time against the plan's five posts."""

from datetime import timedelta

import streamlit as st

from dashboard.components import manager_data as data
from dashboard.components.charts import against_baseline, bars, histogram
from dashboard.components.context import DATABASE_DOWN, database_down, now, require_page, settings
from dashboard.components.tables import frame, table
from materials.clock import to_local
from materials.services.reports import DEFAULT_MINUTES

BY = {"hour": "Pr. time", "day": "Pr. dag", "branch": "Pr. filial", "station": "Pr. station"}
KIND_NAMES = {"checkin": "Indtjekning/sortering", "pick": "Pluk", "pack": "Pak", "shelve": "På plads",
              "display": "Udstilling", "move": "Flyt", "exception": "Afvigelse", "sort": "Sortér (i indtjekning)"}  # fmt: skip
SPREAD = {"group": "Gruppe", "count": "Antal", "median_h": "Median (t)", "p90_h": "90 % (t)", "max_h": "Længste (t)"}

require_page("manager")
st.title("Ledelse")
today = to_local(now()).date()
period = st.date_input("Periode", (today - timedelta(days=6), today), key="mgr_period", max_value=today)
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Vælg både en start- og en slutdato.")
    st.stop()
url, start, end = settings().database_url, *data.utc_period(*period)
tabs = st.tabs(["Gennemstrømning", "Kø", "Ventetider og transit", "Udstillinger", "Personaletid"])

try:
    with tabs[0]:
        by = st.segmented_control("Opdel", list(BY), format_func=lambda k: BY[k], default="day", key="mgr_by") or "day"
        rows = frame(data.throughput(url, start, end, by), {by: BY[by], "what": "Hvad", "count": "Antal"})
        if rows.height:
            bars(rows, BY[by], "Antal", colour="Hvad", x_type="T" if by == "hour" else "N", key="mgr_throughput_chart", ident=(url, start, end, by))  # fmt: skip
        else:
            st.info("Ingen scanninger eller afsluttede opgaver i perioden. Vælg en anden periode.")
        table(rows, key="mgr_throughput", file_name=f"gennemstroemning-{by}.csv")
    with tabs[1]:
        backlog = data.backlog(url)
        ages = frame([{"Opgave": b.kind, "Alder": age, "Antal": n} for b in backlog for age, n in b.by_age.items()])
        if ages.height:
            bars(
                ages,
                "Opgave",
                "Antal",
                colour="Alder",
                key="mgr_backlog_chart",
                ident=(url, *(b.open for b in backlog)),
            )
        table(backlog, key="mgr_backlog", labels={"kind": "Opgave", "open": "Åbne", "oldest_hours": "Ældste (t)"})
    with tabs[2]:
        buckets, lead = data.lead_times(url, start, end)
        st.subheader("Reserveringer: fra bestilt til klar på hylden")
        if lead is not None:
            st.caption(f"{lead.count} reserveringer · median {lead.median_h} t · 90 % inden {lead.p90_h} t")
            histogram(buckets, key="mgr_lead_chart", ident=(url, start, end))
        table(buckets, key="mgr_lead", labels={"low": "Fra (t)", "high": "Til (t)", "count": "Antal"}, height=180)
        st.subheader("Fra indtjekning til på hylden")
        table(data.time_to_shelf(url, start, end), key="mgr_shelf", labels=SPREAD)
        st.subheader("Transit: fra afsendt til modtaget")
        table(data.transit(url, start, end), key="mgr_transit", labels=SPREAD)
    with tabs[3]:
        fill = st.column_config.ProgressColumn("Fyldt %", min_value=0, max_value=100, format="%.0f%%")
        table(data.displays(url), key="mgr_displays", column_config={"Fyldt %": fill}, labels={
            "display": "Udstilling", "branch": "Filial", "capacity": "Plads", "on_display": "Udstillet",
            "fill_pct": "Fyldt %", "ends_on": "Slutter"})  # fmt: skip
    with tabs[4]:
        with st.expander("Minutter pr. opgave og baseline", expanded=False):
            minutes = {
                kind: st.number_input(KIND_NAMES.get(kind, kind), 0.0, 120.0, round(value, 2), 0.05, key=f"mgr_min_{kind}")
                for kind, value in DEFAULT_MINUTES.items()
            }  # fmt: skip
            baseline = st.number_input("Årsværk før planen (baseline)", 0.0, 500.0, 30.0, 0.5, key="mgr_baseline")
            goal = st.number_input("Planens besparelse (årsværk)", 0.0, 100.0, 5.0, 0.5, key="mgr_goal")
        staff = data.staff(url, start, end, tuple(sorted(minutes.items())), baseline)
        a, b, c = st.columns(3)
        a.metric("Timer i perioden", f"{staff.hours:,.1f}")
        b.metric("Årsværk (omregnet til et år)", f"{staff.fte:.2f}", help="1 årsværk = 1.924 timer")
        c.metric("Sparet mod baseline", f"{staff.saved_fte:.2f}", delta=f"{staff.saved_fte - goal:+.2f} mod målet")
        against_baseline(staff.fte, baseline, baseline - goal, key="mgr_fte_chart")
        table([{**line.__dict__, "kind": KIND_NAMES.get(line.kind, line.kind)} for line in staff.lines],
              key="mgr_staff", labels={"kind": "Arbejde", "count": "Antal", "minutes_each": "Min. pr. stk.",
                                       "hours": "Timer", "fte": "Årsværk"})  # fmt: skip
except DATABASE_DOWN as exc:
    database_down(exc)
