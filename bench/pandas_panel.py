"""The benchmark's reference: the same panel written the straightforward pandas way (never used by the product).

Same inputs (the Parquet export), same cleaning and the same features as logistics.pipeline, for the titles with
`title_id % batches == 0`; bench/pipeline.py times both and asserts equal output.
"""

import numpy as np
import pandas as pd

from logistics.calendar import easter_sunday
from logistics.features import AUDIENCES, MATERIALS

W = pd.Timedelta(weeks=1)
KEYS = ["title_id", "branch_id", "week"]


def monday(ts: pd.Series) -> pd.Series:
    day = ts.dt.tz_convert(None).dt.normalize()
    return day - pd.to_timedelta(day.dt.weekday, unit="D")


def load(folder: str) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(f"{folder}/{name}.parquet") for name in
            ("loans", "reservations", "items", "titles", "branches")}  # fmt: skip


def clean_loans(loans: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    test = items.loc[items["barcode"].str.contains(r"(?i)^(?:test|tst)"), "id"]
    loans = loans[~loans["item_id"].isin(test)].sort_values(["item_id", "loaned_at"], kind="stable")
    gap = loans.groupby("item_id")["loaned_at"].diff()
    loans = loans[gap.isna() | (gap >= pd.Timedelta(minutes=10))].copy()
    bad = ~(loans["returned_at"] >= loans["loaned_at"])
    loans.loc[bad, "returned_at"] = pd.NaT
    loans.loc[bad, "returned_branch_id"] = np.nan
    return loans


def cells(loans: pd.DataFrame, res: pd.DataFrame, last_week: pd.Timestamp) -> pd.DataFrame:
    res = res.copy()
    res["left"] = res["allocated_at"].fillna(res["ready_at"]).fillna(res["closed_at"])
    res.loc[~(res["left"] >= res["placed_at"]), "left"] = pd.NaT
    returned = loans.dropna(subset=["returned_at", "returned_branch_id"])
    parts = [
        loans.assign(week=monday(loans["loaned_at"])).groupby(KEYS).size().rename("loans"),
        returned.assign(branch_id=returned["returned_branch_id"].astype("int64"), week=monday(returned["returned_at"]))
        .groupby(KEYS).size().rename("returns"),
        res.assign(branch_id=res["pickup_branch_id"], week=monday(res["placed_at"])).groupby(KEYS).size()
        .rename("res_placed"),
        res.dropna(subset=["left"]).assign(branch_id=lambda f: f["pickup_branch_id"], week=lambda f: monday(f["left"]))
        .groupby(KEYS).size().rename("res_left"),
    ]  # fmt: skip
    out = pd.concat([p.reset_index() for p in parts]).fillna(0).groupby(KEYS, as_index=False).sum()
    return out[out["week"] <= last_week]


def active_rows(c: pd.DataFrame, last_week: pd.Timestamp) -> pd.DataFrame:
    counts = ["loans", "returns", "res_placed", "res_left"]
    shifted = [c[["title_id", "branch_id"]].assign(week=c["week"] + k * W) for k in range(1, 4)]
    rows = pd.concat([c] + [s.assign(**{n: 0 for n in counts}) for s in shifted])
    rows = rows[rows["week"] <= last_week].groupby(KEYS, as_index=False)[counts].sum()
    return rows.sort_values(KEYS).reset_index(drop=True)


def lookup(rows: pd.DataFrame, source: pd.DataFrame, column: str, weeks: int, name: str) -> pd.Series:
    other = source[[*KEYS, column]].assign(week=source["week"] - weeks * W).rename(columns={column: name})
    return rows[KEYS].merge(other, on=KEYS, how="left")[name].fillna(0).to_numpy()


def window(rows: pd.DataFrame, column: str, weeks: int) -> np.ndarray:
    rolled = rows.groupby(["title_id", "branch_id"]).rolling(f"{7 * weeks}D", on="week")[column].sum()
    return rolled.to_numpy()


def history(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["loans_lag_1"] = lookup(rows, rows, "loans", -1, "v")
    rows["loans_lag_2"] = lookup(rows, rows, "loans", -2, "v")
    for column, weeks, name in [("loans", 4, "loans_4w"), ("loans", 13, "loans_13w"), ("loans", 52, "loans_52w"),
                                ("returns", 4, "returns_4w"), ("res_placed", 4, "res_placed_4w")]:  # fmt: skip
        rows[name] = window(rows, column, weeks)
    change = rows["res_placed"] - rows["res_left"]
    rows["res_waiting"] = change.groupby([rows["title_id"], rows["branch_id"]]).cumsum().clip(lower=0)
    first = rows.groupby(["title_id", "branch_id"])["week"].transform("min")
    rows["pair_age_weeks"] = (rows["week"] - first).dt.days // 7
    by_title = rows.groupby(["title_id", "week"])
    rows["title_loans_4w"] = by_title["loans_4w"].transform("sum")
    rows["title_res_waiting"] = by_title["res_waiting"].transform("sum")
    rows["title_branches_active"] = by_title["loans"].transform("size")
    return rows


def future(rows: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    loans = c[c["loans"] > 0]
    for h in range(1, 5):
        rows[f"y_{h}"] = lookup(rows, loans, "loans", h, "v")
        rows[f"seasonal_{h}"] = lookup(rows, loans, "loans", h - 52, "v")
    return rows


def title_frame(titles: pd.DataFrame) -> pd.DataFrame:
    t = titles.rename(columns={"id": "title_id"})
    subjects = t["subjects"].fillna("")
    year_start = pd.to_datetime(t["year"].fillna(2000).clip(1900, 2100).astype(int).astype(str) + "-01-01")
    return pd.DataFrame({
        "title_id": t["title_id"],
        "audience_code": t["audience"].map({a: i for i, a in enumerate(AUDIENCES)}).fillna(len(AUDIENCES)),
        "material_code": t["material_type"].map({m: i for i, m in enumerate(MATERIALS)}).fillna(len(MATERIALS)),
        "author_id": t["author"].rank(method="dense"),
        "popularity_log": np.log1p(t["popularity"].fillna(0.0)),
        "n_subjects": np.where(subjects.str.len() > 0, subjects.str.count(";") + 1, 0),
        "added_on": pd.to_datetime(t["added_on"]).fillna(year_start),
    })  # fmt: skip


def authors(c: pd.DataFrame, tf: pd.DataFrame) -> pd.DataFrame:
    a = (
        c.merge(tf[["title_id", "author_id"]], on="title_id")
        .groupby(["author_id", "week"], as_index=False)["loans"]
        .sum()
    )
    parts = [a] + [a[["author_id"]].assign(week=a["week"] + k * W, loans=0) for k in range(1, 4)]
    a = pd.concat(parts).groupby(["author_id", "week"], as_index=False)["loans"].sum()
    a["author_loans_4w"] = a.groupby("author_id").rolling("28D", on="week")["loans"].sum().to_numpy()
    return a[["author_id", "week", "author_loans_4w"]]


def calendar(weeks: pd.Series) -> pd.DataFrame:
    unique = pd.Series(sorted(weeks.unique()))
    iso = unique.dt.isocalendar().week.astype(int)
    easter = {pd.Timestamp(easter_sunday(y)) for y in range(unique.min().year - 1, unique.max().year + 2)}
    easter_weeks = {
        e + pd.Timedelta(days=-3) - pd.Timedelta(days=(e + pd.Timedelta(days=-3)).weekday()) for e in easter
    }
    easter_weeks |= {e + pd.Timedelta(days=1) - pd.Timedelta(days=(e + pd.Timedelta(days=1)).weekday()) for e in easter}
    return pd.DataFrame({
        "week": unique, "week_of_year": iso, "is_winter_holiday": iso == 7, "is_easter": unique.isin(easter_weeks),
        "is_summer_holiday": iso.between(27, 32), "is_autumn_holiday": iso == 42,
        "is_christmas": ((unique.dt.month == 12) & (unique.dt.day >= 15)) | ((unique.dt.month == 1) & (unique.dt.day <= 1)),
    })  # fmt: skip


def pandas_panel(folder: str, batches: int) -> pd.DataFrame:
    """The panel of titles with `title_id % batches == 0`, from the Parquet export in `folder`."""
    data = load(folder)
    loans = clean_loans(data["loans"], data["items"])
    latest = loans["loaned_at"].max().tz_convert(None)
    latest_monday = latest.normalize() - pd.Timedelta(days=latest.weekday())
    last_week = latest_monday if latest.weekday() == 6 else latest_monday - W
    c = cells(loans, data["reservations"], last_week)
    tf = title_frame(data["titles"])
    a = authors(c, tf)
    c = c[c["title_id"] % batches == 0]
    rows = future(history(active_rows(c, last_week)), c)
    rows = rows.merge(tf, on="title_id", how="left").merge(a, on=["author_id", "week"], how="left")
    rows["author_loans_4w"] = rows["author_loans_4w"].fillna(0.0)
    rows["title_age_weeks"] = ((rows["week"] - rows["added_on"]).dt.days / 7).clip(lower=0)
    items = data["items"]
    kept = items[~items["status"].isin(["missing", "withdrawn"])]
    hold = (
        kept.groupby(["title_id", "branch_id"])
        .agg(
            copies_held=("id", "size"), copies_available=("status", lambda s: s.isin(["on_shelf", "on_display"]).sum())
        )
        .reset_index()
    )
    totals = hold.groupby("title_id")["copies_held"].sum().rename("copies_total").reset_index()
    rows = rows.merge(hold, on=["title_id", "branch_id"], how="left").merge(totals, on="title_id", how="left")
    rows[["copies_held", "copies_available", "copies_total"]] = rows[
        ["copies_held", "copies_available", "copies_total"]
    ].fillna(0.0)
    sizes = (
        data["branches"]
        .rename(columns={"id": "branch_id"})[["branch_id", "size"]]
        .rename(columns={"size": "branch_size"})
    )
    rows = rows.merge(sizes, on="branch_id", how="left").merge(calendar(rows["week"]), on="week", how="left")
    rows["branch_size"] = rows["branch_size"].fillna(1.0)
    rows["week"] = rows["week"].dt.date
    return rows.drop(columns=["added_on"]).sort_values(KEYS).reset_index(drop=True)
