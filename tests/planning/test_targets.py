"""Shelf targets: from demand, within each section's capacity, against what each branch holds."""

from datetime import timedelta

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal
from scipy.stats import poisson
from sqlmodel import Session, select

from logistics.planning.digest import title_digests
from logistics.planning.plan import run_plan
from logistics.planning.snapshot import IN_TRANSIT, ON_DISPLAY, ON_SHELF
from logistics.planning.targets import (
    KEY,
    base_targets,
    fit_to_capacity,
    held_copies,
    poisson_quantile,
    target_changes,
)
from materials.domain.states import ItemStatus
from materials.models import Forecast, ModelRun, Target
from tests.factories import T0, make_item, make_past_loans, make_small_city, make_title

AT = T0 + timedelta(days=7)


def _targets(session: Session) -> dict[tuple[int, int], Target]:
    return {(t.title_id, t.branch_id): t for t in session.exec(select(Target))}


def test_targets_never_exceed_a_sections_capacity(session: Session) -> None:
    city = make_small_city(session, shelf_capacity=5)
    titles = [make_title(session, f"Bestseller {n}") for n in range(4)]
    for title in titles:
        make_past_loans(session, make_item(session, title, city.sundby), city.valby, count=12)

    run_plan(session, at=AT)

    at_valby = [t for t in _targets(session).values() if t.branch_id == city.valby.id]
    assert len(at_valby) == 4
    assert sum(t.target for t in at_valby) == 5  # each title alone would want 3 or more
    assert all(t.target >= 1 for t in at_valby)


def test_a_section_scaled_down_hands_out_the_remainder_by_largest_fraction() -> None:
    wanted = pl.LazyFrame(
        {"title_id": [1, 2, 3], "branch_id": [7, 7, 7], "demand": [9.0, 6.0, 3.0], "wanted": [6, 4, 2]}
    )
    sections = pl.LazyFrame({"title_id": [1, 2, 3], "section": ["adult-fiction"] * 3})
    capacities = pl.LazyFrame({"branch_id": [7], "section": ["adult-fiction"], "capacity": [5]})

    fitted = fit_to_capacity(wanted, sections, capacities).sort("title_id").collect()

    # 6, 4, 2 scaled by 5/12: 2.5, 1.67, 0.83 -> floors 2, 1, 0 and the two remaining places by largest fraction
    expected = pl.DataFrame({"title_id": [1, 2, 3], "branch_id": [7, 7, 7], "target": [2, 2, 1],
                             "demand": [9.0, 6.0, 3.0]})  # fmt: skip
    assert_frame_equal(fitted, expected)


def test_a_branch_without_a_shelf_for_the_section_gets_no_target() -> None:
    wanted = pl.LazyFrame({"title_id": [1], "branch_id": [7], "demand": [9.0], "wanted": [6]})
    sections = pl.LazyFrame({"title_id": [1], "section": ["media"]})
    capacities = pl.LazyFrame({"branch_id": [7], "section": ["adult-fiction"], "capacity": [5]})

    assert fit_to_capacity(wanted, sections, capacities).collect()["target"].to_list() == [0]


def test_held_counts_shelf_display_and_copies_heading_there() -> None:
    items = pl.LazyFrame(
        {
            "item_id": [1, 2, 3, 4],
            "title_id": [1, 1, 1, 1],
            "branch_id": [7, 7, 7, 8],  # the copy in transit counts where it is heading
            "state": [ON_SHELF, ON_DISPLAY, IN_TRANSIT, ON_SHELF],
            "movable": [True, True, True, True],
        }
    )
    moving = pl.LazyFrame({"item_id": [4], "to_branch_id": [9]})

    held = held_copies(items, moving).sort("branch_id").collect()

    expected = pl.DataFrame({"title_id": [1, 1], "branch_id": [7, 9], "held": [3, 1]})
    assert_frame_equal(held, expected, check_dtypes=False)


def test_without_a_promoted_model_demand_comes_from_recent_loans(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Lånt i Valby")
    copy = make_item(session, title, city.valby)
    make_past_loans(session, copy, city.valby, count=13)

    result = run_plan(session, at=AT)

    target = _targets(session)[(title.id, city.valby.id)]
    assert result.demand_source == "loans 13 weeks"
    assert target.demand == 4.0  # 13 loans in 13 weeks, over a 4-week horizon
    assert (target.target, target.held, target.deficit) == (7, 1, 6.0)  # Poisson(4) at the 90 % level


def test_the_promoted_models_forecasts_drive_the_targets(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Spået til Sundby")
    make_past_loans(session, make_item(session, title, city.valby), city.valby, count=13)
    session.add(ModelRun(version="v2", created_at=T0, promoted=True, promoted_at=T0))
    session.add(ModelRun(version="v1", created_at=T0))
    week = AT.date() - timedelta(days=AT.weekday())
    for horizon in (1, 2, 3, 4):
        start = week + timedelta(weeks=horizon - 1)
        session.add(Forecast(title_id=title.id, branch_id=city.sundby.id, week_start=start, horizon=horizon,
                             predicted=0.5, model_version="v2"))  # fmt: skip
        session.add(Forecast(title_id=title.id, branch_id=city.valby.id, week_start=start, horizon=horizon,
                             predicted=9.0, model_version="v1"))  # fmt: skip
    session.commit()

    result = run_plan(session, at=AT)

    targets = _targets(session)
    assert result.demand_source == "forecast v2"
    assert targets[(title.id, city.sundby.id)].demand == 2.0
    assert targets[(title.id, city.sundby.id)].target == 4  # Poisson(2) at the 90 % level
    assert targets[(title.id, city.valby.id)].target == 0  # the copy there is surplus now


def test_copies_on_loan_or_in_the_sorting_room_count_for_no_branch(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_item(session, title, city.valby, status=ItemStatus.ON_LOAN)
    make_item(session, title, city.sorting, status=ItemStatus.IN_SORTING)

    run_plan(session, at=AT)

    assert _targets(session) == {}


def test_only_the_titles_whose_rows_changed_are_rewritten() -> None:
    existing = pl.LazyFrame({"title_id": [1, 1, 2, 4], "branch_id": [7, 8, 7, 7], "target": [2, 1, 1, 3],
                             "held": [1, 1, 1, 3], "demand": [1.5, 0.4, 0.3, 2.0]})  # fmt: skip
    fresh = pl.LazyFrame({"title_id": [1, 1, 3, 4], "branch_id": [7, 8, 7, 7], "target": [2, 2, 1, 3],
                          "held": [1, 1, 0, 3], "deficit": [1.0, 1.0, 1.0, 0.0], "demand": [1.5, 0.9, 0.2, 2.0]})  # fmt: skip

    stale, new = target_changes(title_digests(existing), fresh)

    assert stale.sort("title_id").collect().rows() == [(1, 2), (2, 1)]  # title 1 changed, title 2 is gone
    assert new.sort(KEY).collect()[KEY].rows() == [(1, 7), (1, 8), (3, 7)]  # title 4 is as it was


def test_a_change_that_a_plain_sum_would_miss_still_changes_the_digest() -> None:
    rows = {"title_id": [1, 1], "branch_id": [7, 8], "target": [2, 1], "demand": [1.0, 1.0]}
    before = title_digests(pl.LazyFrame({**rows, "held": [1, 2]})).collect()
    swapped = title_digests(pl.LazyFrame({**rows, "held": [2, 1]})).collect()

    assert before["digest"].to_list() != swapped["digest"].to_list()


def test_the_databases_digest_of_the_target_table_is_plannings_own(session: Session) -> None:
    city = make_small_city(session)
    for n in range(5):
        title = make_title(session, f"Lånt {n}")
        make_past_loans(session, make_item(session, title, city.sundby), city.valby, count=3 + 4 * n)
        make_past_loans(session, make_item(session, title, city.osterbro), city.sundby, count=1 + n)
    first = run_plan(session, at=AT)

    again = run_plan(session, at=AT)

    assert first.targets.rows_written == first.targets.rows > 5
    assert again.targets.rows_written == 0  # the database's digests match the fresh rows' digests exactly


def test_a_target_row_changed_behind_plannings_back_is_put_right_with_its_title(session: Session) -> None:
    city = make_small_city(session)
    titles = [make_title(session, f"Lånt {n}") for n in range(4)]
    for n, title in enumerate(titles):
        make_past_loans(session, make_item(session, title, city.sundby), city.valby, count=6 + n)
    run_plan(session, at=AT)
    wrong = session.exec(select(Target).where(Target.title_id == titles[2].id, Target.branch_id == city.valby.id)).one()
    right_held = wrong.held
    wrong.held += 3
    session.add(wrong)
    session.commit()

    result = run_plan(session, at=AT)

    session.expire_all()
    rows = session.exec(select(Target).where(Target.title_id == titles[2].id)).all()
    assert result.targets.rows_written == len(rows) == 2  # Valby's and Sundby's row of that title, nothing else
    assert next(t.held for t in rows if t.branch_id == city.valby.id) == right_held


def test_targets_never_exceed_any_sections_capacity_across_many_branches_and_sections() -> None:
    rng = np.random.default_rng(5)
    titles, branches, sections = 400, 6, ["adult-fiction", "children", "media"]
    demand = pl.LazyFrame(
        {
            "title_id": np.repeat(np.arange(titles), branches),
            "branch_id": np.tile(np.arange(branches), titles),
            "demand": rng.gamma(0.6, 3.0, titles * branches),
        }
    )
    title_sections = pl.LazyFrame({"title_id": np.arange(titles), "section": rng.choice(sections, titles)})
    shelves = [(b, s, int(rng.integers(0, 200))) for b in range(branches) for s in sections if (b + len(s)) % 4]
    capacities = pl.LazyFrame(shelves, schema=["branch_id", "section", "capacity"], orient="row")

    fitted = fit_to_capacity(base_targets(demand, service_level=0.9), title_sections, capacities).collect()

    per_section = (
        fitted.join(title_sections.collect(), on="title_id")
        .group_by("branch_id", "section")
        .agg(pl.col("target").sum())
        .join(capacities.collect(), on=["branch_id", "section"], how="left")
    )
    assert per_section["target"].sum() > 0
    limited = per_section.filter(pl.col("capacity") > 0)
    assert (limited["target"] <= limited["capacity"]).all()
    assert per_section.filter(pl.col("capacity").is_null())["target"].sum() == 0  # no shelf: no copies


def test_the_poisson_quantile_is_scipys_for_every_demand() -> None:
    rng = np.random.default_rng(11)
    demand = np.concatenate([[0.0, 1e-6, 0.3077, 4.0, 4.0], rng.gamma(0.5, 20.0, 5_000), rng.uniform(200, 900, 200)])
    for level in (0.5, 0.9, 0.99):
        expected = np.where(demand > 0, poisson.ppf(level, np.where(demand > 0, demand, 1.0)), 0)

        assert (poisson_quantile(demand, level) == expected).all()
