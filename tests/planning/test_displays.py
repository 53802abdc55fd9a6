"""Displays: created within their area's capacity, filled before they open, left alone by floating, then emptied."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from logistics.planning.config import PlanningConfig
from logistics.planning.display_fill import fill_display
from logistics.planning.display_suggest import suggest_titles
from logistics.planning.displays import (
    DisplayOverCapacity,
    EventOutsideDisplayPeriod,
    create_display,
    opening_time,
    place_on_display,
    refresh_displays,
)
from logistics.planning.export import export_display
from logistics.planning.plan import run_plan
from logistics.planning.weeding import weeding_candidates
from materials.domain.states import ItemStatus, LocationKind, RouteKind, TaskKind, TaskState
from materials.models import DisplayWant, Item, MoveSuggestion, Task
from materials.services.checkin import check_in
from materials.services.lookup import UnknownBranch
from materials.services.shelving import shelve
from tests.factories import (
    T0,
    make_calendar_event,
    make_item,
    make_location,
    make_past_loans,
    make_small_city,
    make_station,
    make_title,
    make_transport_cost,
)

CONFIG = PlanningConfig()
NOV_20 = date(2026, 11, 20)
DURING = T0 + timedelta(days=17)  # 20 November, the display's first day
LONG_AGO = T0 - timedelta(days=400)


def _crime_week(session: Session, *, capacity: int = 3):  # type: ignore[no-untyped-def]
    city = make_small_city(session)
    make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=10)
    make_station(session, city.valby, "pluk-710115", kind="pick")
    display = create_display(
        session, branch_isil="DK-710115", name="Krimiugen", capacity=capacity, starts_on=NOV_20,
        ends_on=NOV_20 + timedelta(days=6), at=T0, theme="krimi;thriller",
    )  # fmt: skip
    return city, display


def test_suggestions_rank_expected_loans_with_variety_of_authors(session: Session) -> None:
    city, display = _crime_week(session, capacity=3)
    prolific = [make_title(session, f"Nesbø {n}", author="Jo Nesbø", subjects="krimi") for n in range(3)]
    others = [make_title(session, f"Anden krimi {n}", author=f"Forfatter K{n}", subjects="krimi") for n in range(2)]
    off_theme = make_title(session, "Kogebog", author="Kok", subjects="mad")
    for n, title in enumerate([*prolific, *others, off_theme]):
        copy = make_item(session, title, city.valby, status_changed_at=LONG_AGO)
        make_past_loans(session, copy, city.valby, count=12 if title in prolific else 8 - n)

    suggested = suggest_titles(session, display.id, config=CONFIG, at=T0)

    authors = [s.author for s in suggested]
    assert len(suggested) == 3 and authors[0] == "Jo Nesbø"
    assert len(set(authors)) >= 2  # not one author's shelf
    assert "Kogebog" not in [s.title for s in suggested]
    wants = session.exec(select(DisplayWant).where(DisplayWant.display_id == display.id)).all()
    assert {w.title_id for w in wants} == {s.title_id for s in suggested}


def test_a_display_is_filled_and_survives_floating(session: Session) -> None:
    city, display = _crime_week(session, capacity=2)
    titles = [make_title(session, f"Krimi {n}", subjects="krimi") for n in range(2)]
    copies = [make_item(session, t, city.valby, f"VALBY-KRIMI-{n}", status_changed_at=LONG_AGO)
              for n, t in enumerate(titles)]  # fmt: skip
    for title in titles:  # Sundby borrows these titles a lot; Valby never does: floating would move them
        make_past_loans(session, make_item(session, title, city.osterbro, status_changed_at=LONG_AGO), city.sundby,
                        count=13)  # fmt: skip
    suggest_titles(session, display.id, config=CONFIG, at=T0)

    filled = fill_display(session, display.id, config=CONFIG, at=T0)

    tasks = [session.get(Task, t) for t in filled.tasks]
    assert filled.local == 2 and all(t is not None and t.kind == TaskKind.DISPLAY for t in tasks)
    assert all(t.due_at is not None and t.due_at < opening_time(display, None) for t in tasks if t)
    for copy in copies:  # the ordinary shelving scan puts them up
        shelve(session, barcode=copy.barcode, station="pluk-710115", at=T0 + timedelta(days=1))

    on_shelf = make_item(session, titles[0], city.valby, "VALBY-KRIMI-ON-THE-SHELF", status_changed_at=LONG_AGO)

    run_plan(session, at=DURING)

    session.expire_all()
    assert all(session.get(Item, c.id).status == ItemStatus.ON_DISPLAY for c in copies)  # type: ignore[union-attr]
    moved = {m.item_id for m in session.exec(select(MoveSuggestion))}
    assert on_shelf.id in moved  # the same title's shelf copy floats to Sundby ...
    assert not moved & {c.id for c in copies}  # ... the display's copies stay
    weeding = weeding_candidates(session, config=CONFIG, at=DURING, allow_last_copy=True)
    assert not {w.item_id for w in weeding} & {c.id for c in copies}


def test_when_the_period_ends_the_copies_are_taken_down_and_rerouted(session: Session) -> None:
    city, display = _crime_week(session, capacity=1)
    title = make_title(session, "Krimi", subjects="krimi")
    copy = make_item(session, title, city.valby, "ON-DISPLAY-TILL-26-NOV", status_changed_at=LONG_AGO)
    suggest_titles(session, display.id, config=CONFIG, at=T0)
    fill_display(session, display.id, config=CONFIG, at=T0)
    place_on_display(session, barcode=copy.barcode, display_id=display.id, at=T0)

    ended = refresh_displays(session, at=T0 + timedelta(days=30))

    task = session.exec(select(Task).where(Task.item_id == copy.id, Task.state == TaskState.OPEN)).one()
    assert ended == 1 and task.kind == TaskKind.SORT and "Krimiugen" in task.reason
    assert session.exec(select(DisplayWant).where(DisplayWant.display_id == display.id)).all() == []

    decision = check_in(session, copy.barcode, "automat-710115", T0 + timedelta(days=30, minutes=5))

    session.expire_all()
    assert decision.kind != RouteKind.DISPLAY and decision.destination is not None
    assert session.get(Task, task.id).state == TaskState.DONE  # type: ignore[union-attr]


def test_a_display_over_its_areas_capacity_is_refused_naming_the_capacity(session: Session) -> None:
    city, _display = _crime_week(session)
    make_location(session, city.sundby, kind=LocationKind.DISPLAY, code="display-1", section=None, capacity=20)

    with pytest.raises(DisplayOverCapacity, match=r"capacity 25 is more than .* takes \(20\)"):
        create_display(session, branch_isil="DK-710112", name="For stor", capacity=25, starts_on=NOV_20,
                       ends_on=NOV_20, at=T0)  # fmt: skip


def test_a_display_at_an_unknown_branch_is_refused_naming_it(session: Session) -> None:
    make_small_city(session)

    with pytest.raises(UnknownBranch, match="DK-719999"):
        create_display(session, branch_isil="DK-719999", name="Ingen steder", capacity=5, starts_on=NOV_20,
                       ends_on=NOV_20, at=T0)  # fmt: skip


def test_an_event_outside_the_displays_period_is_refused_naming_the_event(session: Session) -> None:
    city, _display = _crime_week(session)
    make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-2", section=None, capacity=10)
    talk = make_calendar_event(session, city.valby, "Forfattermøde med Jussi Adler-Olsen", starts_at=T0)

    with pytest.raises(EventOutsideDisplayPeriod, match=r"Jussi Adler-Olsen.* on 2026-11-03 is outside"):
        create_display(session, branch_isil="DK-710115", name="Nordic noir", capacity=5, starts_on=NOV_20,
                       ends_on=NOV_20 + timedelta(days=3), at=T0, event_id=talk.id)  # fmt: skip


def test_a_display_exports_as_a_digital_book_display(session: Session, tmp_path: Path) -> None:
    city, display = _crime_week(session, capacity=2)
    title = make_title(session, "Kvinden i buret", author="Jussi Adler-Olsen", subjects="krimi", faust="12345678")
    make_item(session, title, city.valby, status_changed_at=LONG_AGO)
    suggest_titles(session, display.id, config=CONFIG, at=T0)

    json_path, html_path = export_display(session, display.id, tmp_path)

    html = html_path.read_text()
    assert "Kvinden i buret" in json_path.read_text()
    assert "<h1>Krimiugen</h1>" in html and "870970-basis:12345678" in html and "Adler-Olsen" in html


def test_filling_a_display_for_an_event_makes_tasks_due_before_the_event_opens(session: Session) -> None:
    city, _display = _crime_week(session)
    make_location(session, city.valby, kind=LocationKind.DISPLAY, code="display-2", section=None, capacity=10)
    talk = make_calendar_event(session, city.valby, "Forfattermøde", starts_at=DURING + timedelta(days=2, hours=8))
    display = create_display(
        session, branch_isil="DK-710115", name="Mød forfatteren", capacity=2, starts_on=NOV_20,
        ends_on=NOV_20 + timedelta(days=6), at=T0, theme="krimi", event_id=talk.id, location_code="display-2",
    )  # fmt: skip
    here = make_title(session, "Krimi i Valby", subjects="krimi")
    there = make_title(session, "Krimi i Sundby", subjects="krimi")
    make_item(session, here, city.valby, "KRIMI-AT-VALBY", status_changed_at=LONG_AGO)
    make_item(session, there, city.sundby, "KRIMI-AT-SUNDBY", status_changed_at=LONG_AGO)
    make_station(session, city.sundby, "pluk-710112", kind="pick")
    make_transport_cost(session, city.sundby, city.valby, 20.0)
    suggest_titles(session, display.id, config=CONFIG, at=T0)

    filled = fill_display(session, display.id, config=CONFIG, at=T0)

    tasks = [session.get(Task, t) for t in filled.tasks]
    assert (filled.local, filled.from_elsewhere) == (1, 1)
    assert all(t is not None and t.due_at is not None and t.due_at < talk.starts_at for t in tasks)
    # the copy from Sundby must leave days earlier than the one on Valby's own shelf
    due = sorted(t.due_at for t in tasks if t and t.due_at)
    assert due[1] - due[0] >= timedelta(days=CONFIG.display_transit_days - 1)
