"""Planning meets check-in: the targets it writes decide where a returned copy goes."""

from datetime import timedelta

from sqlmodel import Session, select

from logistics.planning.config import PlanningConfig
from logistics.planning.display_suggest import suggest_titles
from logistics.planning.displays import create_display
from logistics.planning.plan import run_plan
from materials.domain.states import LocationKind, RouteKind
from materials.models import Target
from materials.services.checkin import check_in
from tests.factories import T0, make_item, make_loan, make_location, make_past_loans, make_small_city, make_title

AT = T0 + timedelta(days=7)


def test_a_returned_copy_of_a_title_short_at_valby_goes_to_valby_with_a_reason_that_says_so(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session, "Efterspurgt i Valby")
    history = make_item(session, title, city.osterbro, "LENT-OUT-FROM-OSTERBRO")
    make_past_loans(session, history, city.valby, count=6)  # borrowed at Valby again and again
    make_loan(session, history, city.valby, loaned_at=T0)
    returned = make_item(session, title, city.sundby, "RETURNED-AT-SUNDBY")
    make_loan(session, returned, city.sundby, loaned_at=T0 - timedelta(days=20))

    run_plan(session, at=AT)
    valby = session.exec(select(Target).where(Target.title_id == title.id, Target.branch_id == city.valby.id)).one()
    assert valby.deficit >= 1 and valby.held == 0

    decision = check_in(session, "RETURNED-AT-SUNDBY", "automat-710112", AT + timedelta(hours=1))

    assert decision.kind == RouteKind.REBALANCE
    assert decision.destination == "DK-710115"
    assert "Valby" in decision.reason and "mangler" in decision.reason


def test_a_returned_copy_of_a_title_a_display_wants_goes_to_the_display(session: Session) -> None:
    city = make_small_city(session)
    make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=10)
    display = create_display(
        session, branch_isil="DK-710115", name="Krimiugen", capacity=5, starts_on=AT.date(),
        ends_on=AT.date() + timedelta(days=6), at=T0, theme="krimi",
    )  # fmt: skip
    title = make_title(session, "Krimi", subjects="krimi")
    returned = make_item(session, title, city.sundby, "RETURNED-KRIMI")
    make_loan(session, returned, city.sundby, loaned_at=T0 - timedelta(days=20))
    make_item(session, title, city.osterbro)  # a shelf copy: the title can be had
    assert [s.title_id for s in suggest_titles(session, display.id, config=PlanningConfig(), at=T0)] == [title.id]

    decision = check_in(session, "RETURNED-KRIMI", "automat-710112", AT)

    assert (decision.kind, decision.destination) == (RouteKind.DISPLAY, "DK-710115")
    assert "Krimiugen" in decision.reason
