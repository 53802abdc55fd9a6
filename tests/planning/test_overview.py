"""What the planning screen reads: branch balances, one title's targets, the displays."""

from datetime import date, timedelta

from sqlmodel import Session

from logistics.planning.displays import create_display
from logistics.planning.overview import branch_balances, list_displays, title_targets
from materials.domain.states import LocationKind
from tests.factories import T0, make_location, make_small_city, make_target, make_title


def test_branch_balances_put_the_branch_most_short_first(session: Session) -> None:
    city = make_small_city(session)
    bestseller, backlist = make_title(session, "Bestseller"), make_title(session, "Backlist")
    make_target(session, bestseller, city.valby, target=5, held=1)
    make_target(session, backlist, city.valby, target=0, held=2)
    make_target(session, bestseller, city.sundby, target=1, held=3)

    balances = branch_balances(session)
    targets = title_targets(session, bestseller.id)  # type: ignore[arg-type]

    assert [(b.name, b.copies_short, b.copies_over, b.titles_short) for b in balances] == [
        ("Valby", 4, 2, 1),
        ("Sundby", 0, 2, 0),
    ]
    assert [(t.name, t.deficit) for t in targets] == [("Valby", 4.0), ("Sundby", -2.0)]


def test_displays_are_listed_with_their_wants_and_copies(session: Session) -> None:
    city = make_small_city(session)
    make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=10)
    create_display(session, branch_isil="DK-710115", name="Krimiugen", capacity=8, starts_on=date(2026, 11, 20),
                   ends_on=date(2026, 11, 26), at=T0)  # fmt: skip

    (view,) = list_displays(session)

    assert (view.name, view.branch_name, view.capacity, view.wanted, view.on_display) == ("Krimiugen", "Valby", 8, 0, 0)
    assert view.ends_on - view.starts_on == timedelta(days=6)
