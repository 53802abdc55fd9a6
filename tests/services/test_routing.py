"""The routing rules on their own: demand net of transport cost, the count-based float, shelf room, the hub."""

from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import Session

from materials.domain.states import ItemStatus, RouteKind
from materials.models import Item, Target
from materials.services.checkin import check_in
from materials.services.routing import RouteDecision
from materials.services.routing_places import places_for
from materials.services.shelf_room import (
    EXACT_BELOW,
    MAX_REMEMBER_SECONDS,
    REMEMBER_SECONDS,
    copies_at,
    forget_fill,
    remember_seconds,
    shelf_with_room,
)
from tests.factories import (
    T0,
    make_item,
    make_loan,
    make_location,
    make_small_city,
    make_target,
    make_title,
    make_transport_cost,
)

NOV_10 = T0 + timedelta(days=7)


def test_a_small_deficit_far_away_loses_to_staying(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_target(session, title, city.valby, target=2, held=1)
    make_transport_cost(session, city.sundby, city.valby, 45.0)  # 1.5 copies' worth of van time
    make_loan(session, make_item(session, title, city.sundby, "NOT-WORTH-THE-VAN"), city.sundby)

    decision = check_in(session, "NOT-WORTH-THE-VAN", "automat-710112", NOV_10)

    assert (decision.kind, decision.rule) == (RouteKind.STAY, "float-room")


def test_the_larger_deficit_net_of_transport_cost_wins(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_target(session, title, city.valby, target=4, held=1)  # 3 short, but far
    make_target(session, title, city.osterbro, target=3, held=1)  # 2 short, close by
    make_transport_cost(session, city.sundby, city.valby, 60.0)
    make_transport_cost(session, city.sundby, city.osterbro, 6.0)
    make_loan(session, make_item(session, title, city.sundby, "CLOSER-WINS"), city.sundby)

    decision = check_in(session, "CLOSER-WINS", "automat-710112", NOV_10)

    assert decision.destination == "DK-710109"


def test_a_copy_sent_for_a_deficit_counts_against_it(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    target = make_target(session, title, city.valby, target=2, held=1)
    make_loan(session, make_item(session, title, city.sundby, "FILLS-THE-GAP"), city.sundby)
    make_loan(session, make_item(session, title, city.sundby, "GAP-ALREADY-FILLED"), city.sundby)

    first = check_in(session, "FILLS-THE-GAP", "automat-710112", NOV_10)
    second = check_in(session, "GAP-ALREADY-FILLED", "automat-710112", NOV_10)

    assert (first.kind, second.kind) == (RouteKind.REBALANCE, RouteKind.STAY)
    refreshed = session.get(Target, target.id, populate_existing=True)
    assert refreshed is not None and (refreshed.held, refreshed.deficit) == (2, 0.0)


def test_without_targets_the_count_rule_sends_a_copy_to_a_branch_with_clearly_fewer(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    for n in range(2):
        make_item(session, title, city.sundby, f"SUNDBY-HAS-PLENTY-{n}", location=city.shelves["Sundby"])
    for branch in (city.valby, city.osterbro):
        make_item(session, title, branch, f"ONE-AT-{branch.isil}", location=city.shelves[branch.name])
    make_loan(session, make_item(session, title, city.sundby, "THIRD-AT-SUNDBY"), city.sundby)

    decision = check_in(session, "THIRD-AT-SUNDBY", "automat-710112", NOV_10)

    assert (decision.kind, decision.rule) == (RouteKind.REBALANCE, "float-count")
    assert decision.destination in ("DK-710115", "DK-710109")
    assert "færrest" in decision.reason


def test_without_targets_a_copy_stays_when_the_others_are_not_clearly_lower(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_loan(session, make_item(session, title, city.sundby, "ONLY-COPY"), city.sundby)

    decision = check_in(session, "ONLY-COPY", "automat-710112", NOV_10)

    assert (decision.kind, decision.rule) == (RouteKind.STAY, "float-room")


def test_a_non_floating_copy_goes_home(session: Session) -> None:
    city = make_small_city(session)
    copy = make_item(session, make_title(session), city.sundby, "BELONGS-TO-VALBY", home=city.valby, floating=False)
    make_loan(session, copy, city.sundby)

    decision = check_in(session, "BELONGS-TO-VALBY", "automat-710112", NOV_10)

    assert (decision.kind, decision.destination) == (RouteKind.HOME, "DK-710115")
    assert decision.reason == "Hjem til Valby: fast placering"


def test_the_shelf_whose_shelf_mark_range_covers_the_copy_is_chosen(session: Session) -> None:
    city = make_small_city(session)
    make_location(session, city.valby, code="sk-a-h", shelfmark_from="sk A", shelfmark_to="sk H")
    make_location(session, city.valby, code="sk-i-o", shelfmark_from="sk I", shelfmark_to="sk O")
    places = places_for(session)

    shelf = shelf_with_room(session, places, branch_id=city.valby.id or 0, section="adult-fiction", shelfmark="sk Jens")

    assert shelf is not None and shelf.code == "sk-i-o"


def test_at_the_sorting_room_a_copy_keeps_the_destination_decided_at_its_branch(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    make_target(session, title, city.valby, target=2, held=1)
    make_loan(session, make_item(session, title, city.sundby, "VIA-HUB-TO-VALBY"), city.sundby)
    at_branch = check_in(session, "VIA-HUB-TO-VALBY", "automat-710112", NOV_10)

    at_hub = check_in(session, "VIA-HUB-TO-VALBY", "sortering-1", NOV_10 + timedelta(hours=3))

    assert (at_hub.destination, at_hub.reason, at_hub.bin) == (at_branch.destination, at_branch.reason, "S01")


def test_a_decision_survives_its_round_trip_through_the_event_log() -> None:
    decision = RouteDecision(
        barcode="ROUND-TRIP", kind=RouteKind.STAY, destination="DK-710112", destination_name="Sundby",
        location="adult-fiction", bin=None, reason="Flydende: bliver på Sundby", task_id=7, item_id=3,
    )  # fmt: skip

    assert RouteDecision.from_dict(decision.as_dict()) == decision
    assert {"barcode", "kind", "destination", "bin", "reason", "task_id"} <= set(decision.as_dict())


def test_copies_in_transit_count_where_they_are_heading(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    for n in range(2):
        make_item(
            session, title, city.sorting, f"HEADING-TO-VALBY-{n}", status=ItemStatus.IN_TRANSIT,
            destination_branch_id=city.valby.id,
        )  # fmt: skip
    make_item(session, title, city.sundby, "AT-SUNDBY", location=city.shelves["Sundby"])
    make_loan(session, make_item(session, title, city.sundby, "SECOND-AT-SUNDBY"), city.sundby)

    decision = check_in(session, "SECOND-AT-SUNDBY", "automat-710112", NOV_10)

    assert decision.destination == "DK-710109"  # Østerbro has none; Valby has two on the way


def test_a_large_sections_count_is_remembered_and_grows_with_the_copies_this_station_sends(session: Session) -> None:
    city = make_small_city(session, shelf_capacity=EXACT_BELOW + 2)
    title = make_title(session)
    shelf = city.shelves["Sundby"]
    session.execute(
        insert(Item),
        [
            {"barcode": f"FILLS-SUNDBY-{n}", "title_id": title.id, "home_branch_id": city.sundby.id,
             "branch_id": city.sundby.id, "location_id": shelf.id, "status": ItemStatus.ON_SHELF}
            for n in range(EXACT_BELOW)
        ],
    )  # fmt: skip
    session.commit()
    make_target(session, title, city.sundby, target=EXACT_BELOW, held=EXACT_BELOW)
    for n in range(3):
        make_loan(session, make_item(session, title, city.sundby, f"RETURN-{n}", home=city.osterbro), city.sundby)
    forget_fill(session)

    kinds = [check_in(session, f"RETURN-{n}", "automat-710112", NOV_10).kind for n in range(3)]

    assert kinds == [RouteKind.STAY, RouteKind.STAY, RouteKind.HOME]  # 500 + 2 = full, counted once
    assert copies_at(session, [shelf.id or 0]) == {shelf.id: EXACT_BELOW + 2}


def test_the_larger_a_section_the_longer_a_station_trusts_its_count() -> None:
    assert remember_seconds(EXACT_BELOW - 1) == 0  # small sections: counted at every scan
    assert remember_seconds(EXACT_BELOW) == REMEMBER_SECONDS
    assert remember_seconds(10 * EXACT_BELOW) == 10 * REMEMBER_SECONDS
    assert remember_seconds(40_000) == MAX_REMEMBER_SECONDS


def test_a_remembered_count_is_counted_again_once_its_time_is_up(session: Session) -> None:
    city = make_small_city(session)
    title = make_title(session)
    shelf = city.shelves["Sundby"]
    rows = [
        {"barcode": f"ON-SHELF-{n}", "title_id": title.id, "home_branch_id": city.sundby.id,
         "branch_id": city.sundby.id, "location_id": shelf.id, "status": ItemStatus.ON_SHELF}
        for n in range(EXACT_BELOW + 1)
    ]  # fmt: skip
    session.execute(insert(Item), rows[:-1])
    session.commit()
    forget_fill(session)
    assert copies_at(session, [shelf.id or 0]) == {shelf.id: EXACT_BELOW}
    session.execute(insert(Item), rows[-1:])  # another station shelves one more
    session.commit()
    remembered = session.info["materials.shelf_fill"]
    n, at = remembered[shelf.id]
    remembered[shelf.id] = (n, at - REMEMBER_SECONDS + 1)  # not yet a minute old: still trusted

    assert copies_at(session, [shelf.id or 0]) == {shelf.id: EXACT_BELOW}

    remembered[shelf.id] = (n, at - REMEMBER_SECONDS - 1)  # a minute old: counted again

    assert copies_at(session, [shelf.id or 0]) == {shelf.id: EXACT_BELOW + 1}
