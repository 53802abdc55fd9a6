"""Data og model: training runs against the baselines, backtests per slice, importances, forecast against actual;
retrain in the background, promote and roll back."""

import polars as pl
import streamlit as st

from dashboard import retrain
from dashboard.components import model_data as data
from dashboard.components.actions import run_action, show_outcome
from dashboard.components.charts import bars
from dashboard.components.context import DATABASE_DOWN, database_down, reader, require_page, settings
from dashboard.components.tables import table
from materials.services.overview import lending_branches

RUNS = {"version": "Version", "created_at": "Trænet", "data_to": "Data til", "model_mae": "MAE model",
        "model_mase": "MASE", "duration_s": "Sekunder", "promoted": "I brug"}  # fmt: skip
SLICES = {"branch_id": "Filial (id)", "audience": "Målgruppe", "popularity_decile": "Popularitet (decil)"}

user = require_page("data")
st.title("Data og model")
with st.spinner("Henter modelregistret …"):  # the first visit imports the data side (polars, scikit-learn)
    ready = data.available()
if not ready:
    st.info("Modellens register (logistics.registry og logistics.evaluation) er ikke installeret endnu.")
    st.stop()
cfg = settings()
url, artifacts = cfg.database_url, cfg.artifacts_dir
show_outcome("data_outcome")


def act(action: str) -> None:
    if action == "retrain":
        try:
            retrain.start(url, artifacts, actor=user.username)
        except (OSError, RuntimeError) as exc:
            st.session_state["data_outcome"] = None
            st.toast(f"Træningen blev ikke startet: {exc}")
        return
    if action == "promote":
        version, force = st.session_state.get("data_version"), bool(st.session_state.get("data_force"))
        run_action("data_outcome", data.promote, lambda r: f"Version {r.version} er nu i brug", version=version,
                   force=force, actor=user.username)  # fmt: skip
    else:
        run_action("data_outcome", data.rollback, lambda r: f"Rullet tilbage til version {r.version}",
                   actor=user.username)  # fmt: skip
    data.forget()


@st.fragment(run_every=2)
def training_progress() -> None:
    status = retrain.read_status(artifacts)
    running = bool(status and status["state"] == "running")
    st.button("Træn ny model", key="data_retrain", on_click=act, args=("retrain",), disabled=running,
              icon=":material/model_training:")  # fmt: skip
    if status is None:
        return
    steps = status.get("steps", [])
    if running:
        st.progress(len(steps) / max(status.get("total", 1), 1), text=f"Træner … {', '.join(steps) or 'starter'}")
    elif status["state"] == "done":
        st.success(f"Seneste træning færdig: version {status.get('version')} (ikke i brug før den godkendes)")
        if st.session_state.get("data_seen_version") != status.get("version"):
            st.session_state["data_seen_version"] = status.get("version")
            data.forget()
    else:
        st.error(f"Seneste træning fejlede: {status.get('error', 'ukendt fejl')}")


try:
    training_progress()
    runs = data.runs(url)
    if runs.height == 0:
        st.info("Ingen træningskørsler endnu. Start en med knappen ovenfor eller `materials train`.")
        st.stop()
    table(runs, key="data_runs", labels=RUNS, file_name="traeningskoersler.csv")
    versions = runs["version"].to_list()
    promoted = runs.filter(pl.col("promoted"))["version"].to_list()
    left, force, promote, rollback = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    version = left.selectbox("Version", versions, key="data_version",
                             index=versions.index(promoted[0]) if promoted else 0)  # fmt: skip
    force.checkbox("Også hvis dårligere", key="data_force")
    promote.button("Tag i brug", key="data_promote", type="primary", on_click=act, args=("promote",))
    rollback.button("Rul tilbage", key="data_rollback", on_click=act, args=("rollback",))

    chosen = runs.filter(pl.col("version") == version)
    maes = [c for c in chosen.columns if c.endswith("_mae") and chosen[c][0] is not None]
    scores = pl.DataFrame({"Metode": [c.removesuffix("_mae") for c in maes], "MAE": [chosen[c][0] for c in maes]})
    bars(scores, "Metode", "MAE", key="data_baselines_chart", ident=(url, version))

    backtest, importance, forecast = st.tabs(["Backtest pr. udsnit", "Vigtigste variable", "Prognose mod faktisk"])
    with backtest:
        dimension = (
            st.selectbox("Udsnit", list(SLICES), format_func=lambda k: SLICES[k], key="data_slice") or "audience"
        )
        per_slice = data.slices(url, dimension, version)
        if per_slice.height:
            by_slice = per_slice.with_columns(pl.col(dimension).cast(pl.String))
            bars(by_slice, dimension, "mae", colour="method", key="data_slice_chart", ident=(url, version, dimension))
        table(per_slice, key="data_slices", file_name=f"backtest-{dimension}.csv")
    with importance:
        imp = data.importances(url, version)
        if imp.height:
            bars(imp.head(20), "feature", "importance", key="data_importance_chart", ident=(url, version))
        table(imp, key="data_importances", file_name="vigtighed.csv")
    with forecast:
        with reader() as session:
            branches = lending_branches(session)
        title_id = st.number_input("Titel (id)", min_value=1, step=1, key="data_title")
        branch = st.selectbox("Filial", branches, format_func=lambda b: b[1], key="data_branch")
        if branch is not None:
            series = data.forecast_vs_actual(url, int(title_id), branch[0])
            if series.height:
                long = series.unpivot(index="week", variable_name="Serie", value_name="Lån")
                st.line_chart(long, x="week", y="Lån", color="Serie")
            table(series, key="data_forecast", file_name="prognose-mod-faktisk.csv")
except DATABASE_DOWN as exc:
    database_down(exc)
