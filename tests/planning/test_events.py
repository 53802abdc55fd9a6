"""The event calendar: CSV and iCalendar, all rows or none."""

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from logistics.planning.events import EventImportError, import_events
from materials.clock import to_local
from materials.models import CalendarEvent
from tests.factories import T0, make_small_city

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Kobenhavns Biblioteker//Arrangementer//DA
BEGIN:VEVENT
UID:kbh-2026-1187
DTSTART;TZID=Europe/Copenhagen:20261124T190000
SUMMARY:Forfattermøde: Sara Blædel
LOCATION:Valby
CATEGORIES:krimi,forfattermøde
END:VEVENT
END:VCALENDAR
"""


def _events(session: Session) -> list[CalendarEvent]:
    return list(session.exec(select(CalendarEvent).order_by(CalendarEvent.starts_at)))


def test_an_event_import_with_a_bad_row_changes_nothing(session: Session, tmp_path: Path) -> None:
    make_small_city(session)
    path = tmp_path / "arrangementer.csv"
    path.write_text(
        "date;time;branch;name;theme\n"
        "2026-11-24;19:00;Valby;Forfattermøde;krimi\n"
        "2026-11-25;;DK-710112;Lego-klub;lego\n"
        "2026-11-26;10:00;Valbyy;Læseklub;roman\n",
        encoding="utf-8",
    )

    with pytest.raises(
        EventImportError, match=re.escape("arrangementer.csv: nothing imported; row 4: unknown branch 'Valbyy'")
    ):
        import_events(session, path, at=T0)

    assert _events(session) == []


def test_events_import_from_csv_and_again_updates_them(session: Session, tmp_path: Path) -> None:
    city = make_small_city(session)
    path = tmp_path / "arrangementer.csv"
    path.write_text("date,time,branch,name,theme\n2026-11-24,19:00,Valby,Forfattermøde,krimi;thriller\n")

    first = import_events(session, path, at=T0)
    again = import_events(session, path, at=T0)

    (event,) = _events(session)
    assert (first.created, again.created, again.updated) == (1, 0, 1)
    assert event.branch_id == city.valby.id and event.theme == "krimi;thriller"
    assert to_local(event.starts_at).hour == 19


def test_events_import_from_icalendar(session: Session, tmp_path: Path) -> None:
    city = make_small_city(session)
    path = tmp_path / "arrangementer.ics"
    path.write_text(ICS, encoding="utf-8")

    result = import_events(session, path, at=T0)

    (event,) = _events(session)
    assert result.created == 1 and event.external_id == "kbh-2026-1187"
    assert (event.branch_id, event.name, event.theme) == (
        city.valby.id,
        "Forfattermøde: Sara Blædel",
        "krimi;forfattermøde",
    )
    assert to_local(event.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-11-24 19:00"


def test_a_calendar_row_without_a_date_is_refused_naming_the_row(session: Session, tmp_path: Path) -> None:
    make_small_city(session)
    path = tmp_path / "x.csv"
    path.write_text("date,branch,name\n,Valby,Uden dato\n")

    with pytest.raises(EventImportError, match="row 2: missing date"):
        import_events(session, path, at=T0)


def test_an_icalendar_import_with_a_bad_event_leaves_the_imported_events_as_they_were(
    session: Session, tmp_path: Path
) -> None:
    city = make_small_city(session)
    path = tmp_path / "arrangementer.ics"
    path.write_text(ICS, encoding="utf-8")
    import_events(session, path, at=T0)
    renamed = ICS.replace("SUMMARY:Forfattermøde: Sara Blædel", "SUMMARY:Aflyst")
    unknown_branch = (
        "BEGIN:VEVENT\nUID:kbh-2026-1188\nDTSTART;TZID=Europe/Copenhagen:20261125T100000\n"
        "SUMMARY:Babysalmesang\nLOCATION:Vanløse-Nord\nEND:VEVENT\n"
    )
    path.write_text(renamed.replace("END:VCALENDAR", unknown_branch + "END:VCALENDAR"), encoding="utf-8")

    with pytest.raises(EventImportError, match=re.escape("nothing imported; event 2: unknown branch 'Vanløse-Nord'")):
        import_events(session, path, at=T0)

    session.expire_all()
    (event,) = _events(session)
    assert (event.name, event.branch_id) == ("Forfattermøde: Sara Blædel", city.valby.id)
