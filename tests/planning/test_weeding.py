"""Weeding: surplus copies nobody borrows, never a title's last copy without asking."""

from datetime import timedelta

from sqlmodel import Session

from logistics.planning.config import PlanningConfig
from logistics.planning.plan import run_plan
from logistics.planning.weeding import weeding_candidates
from materials.domain.states import ItemStatus
from tests.factories import T0, make_item, make_past_loans, make_small_city, make_title

CONFIG = PlanningConfig()
LONG_AGO = T0 - timedelta(days=8 * 365)


def test_weeding_never_proposes_the_last_copy(session: Session) -> None:
    city = make_small_city(session)
    only = make_title(session, "Eneste eksemplar")
    last = make_item(session, only, city.valby, "THE-LAST-COPY", status_changed_at=LONG_AGO)

    assert weeding_candidates(session, config=CONFIG, at=T0) == []
    flagged = weeding_candidates(session, config=CONFIG, at=T0, allow_last_copy=True)
    assert [(c.item_id, c.last_copy) for c in flagged] == [(last.id, True)]
    assert "sidste eksemplar" in flagged[0].reason


def test_weeding_proposes_unused_surplus_copies_and_keeps_what_the_targets_need(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Fem eksemplarer")
    unused = [make_item(session, title, city.sundby, f"UNUSED-{n}", status_changed_at=LONG_AGO) for n in range(3)]
    once = make_item(session, title, city.sundby, "LENT-ONCE", status_changed_at=LONG_AGO)
    make_past_loans(session, once, city.sundby, count=1, last=T0 - timedelta(days=3 * 365))
    popular = make_item(session, title, city.valby, "LENT-OFTEN", status_changed_at=LONG_AGO)
    make_past_loans(session, popular, city.valby, count=2, last=T0 - timedelta(days=200), every_days=100)
    make_item(session, title, city.valby, "ON-LOAN", status=ItemStatus.ON_LOAN)
    run_plan(session, at=T0)  # no recent loans: the title needs no copies beyond its last one

    found = weeding_candidates(session, config=CONFIG, at=T0)

    # 6 copies, keep 1: the 3 never lent go first, then the one lent once in 6 years; never the one lent twice
    assert [c.barcode for c in found] == ["UNUSED-0", "UNUSED-1", "UNUSED-2", "LENT-ONCE"]
    assert all(c.keep == 1 and c.copies == 6 for c in found)
    assert {u.id for u in unused} <= {c.item_id for c in found}
    assert found[0].reason.startswith("0 udlån på 6 år")


def test_weeding_offers_a_titles_damaged_copy_first_then_its_worn_one_and_keeps_the_good_one(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Tre eksemplarer i hver sin stand")
    good = make_item(session, title, city.sundby, "NEVER-LENT-GOOD", status_changed_at=LONG_AGO, condition="good")
    worn = make_item(session, title, city.sundby, "NEVER-LENT-WORN", status_changed_at=LONG_AGO, condition="worn")
    damaged = make_item(session, title, city.valby, "LENT-BUT-DAMAGED", status_changed_at=LONG_AGO,
                        condition="damaged")  # fmt: skip
    make_past_loans(session, damaged, city.valby, count=5, last=T0 - timedelta(days=60))

    found = weeding_candidates(session, config=CONFIG, at=T0)

    # 3 copies, keep 1: the damaged one although it is lent, then the worn one; the good one stays
    assert [c.barcode for c in found] == ["LENT-BUT-DAMAGED", "NEVER-LENT-WORN"]
    assert good.id not in {c.item_id for c in found} and worn.id == found[1].item_id
    assert found[0].reason.startswith("beskadiget; 5 udlån på 6 år")
    assert found[1].reason.startswith("slidt; 0 udlån på 6 år")


def test_weeding_never_proposes_a_damaged_last_copy(session: Session) -> None:
    city = make_small_city(session)
    only = make_title(session, "Eneste eksemplar, beskadiget")
    make_item(session, only, city.valby, "DAMAGED-LAST-COPY", status_changed_at=LONG_AGO, condition="damaged")

    assert weeding_candidates(session, config=CONFIG, at=T0) == []
