"""Shelf targets: from demand, within each section's capacity, against what each branch holds."""

from datetime import timedelta

import polars as pl
from polars.testing import assert_frame_equal
from sqlmodel import Session, select

from logistics.planning.plan import run_plan
from logistics.planning.snapshot import IN_TRANSIT, ON_DISPLAY, ON_SHELF
from logistics.planning.targets import fit_to_capacity, held_copies, target_changes
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
            "idle": [True, True, True, True],
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


def test_only_changed_targets_are_rewritten() -> None:
    existing = pl.LazyFrame({"id": [1, 2, 3], "title_id": [1, 1, 2], "branch_id": [7, 8, 7], "target": [2, 1, 1],
                             "held": [1, 1, 1], "demand": [1.5, 0.4, 0.3]})  # fmt: skip
    fresh = pl.LazyFrame({"title_id": [1, 1, 3], "branch_id": [7, 8, 7], "target": [2, 2, 1], "held": [1, 1, 0],
                          "deficit": [1.0, 1.0, 1.0], "demand": [1.5, 0.9, 0.2]})  # fmt: skip

    stale, new = target_changes(existing, fresh)

    assert sorted(stale.collect()["id"].to_list()) == [2, 3]  # changed, gone
    assert new.sort("title_id", "branch_id").collect()[["title_id", "branch_id"]].rows() == [(1, 8), (3, 7)]
