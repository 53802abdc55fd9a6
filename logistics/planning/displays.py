"""Display areas: creating them (with an optional calendar event), putting copies up, and taking them down.

A display has a branch, a display location, a capacity, an audience, a theme (';'-separated subjects and keywords)
and a period; it is `planned` until its first day, `active` during it and `ended` after. While it is not ended its
copies stand ON_DISPLAY, which targets, moves and weeding leave alone, so floating never sends them away early.
When the period ends its wanted titles are withdrawn (check-in stops sending copies) and each copy gets a SORT task
to take it down and scan it in, so it re-enters routing like a returned copy.
"""

from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, delete, select

from materials.clock import LOCAL_ZONE, to_local
from materials.domain.states import ItemStatus, LocationKind, TaskKind, TaskState
from materials.errors import MaterialsError, NotFound
from materials.models import Branch, CalendarEvent, Display, DisplayWant, Item, Location, Task
from materials.services.allocation import pick_station_for
from materials.services.events import record_event
from materials.services.lookup import branch_by_isil, require_item
from materials.services.tasks import close_task, open_task

LIVE = ("planned", "active")


class UnknownDisplay(NotFound):
    pass


class UnknownEvent(NotFound):
    pass


class NoDisplayArea(MaterialsError):
    """The branch has no free display location for the period."""


class DisplayOverCapacity(MaterialsError):
    pass


class InvalidDisplay(MaterialsError):
    pass


class EventOutsideDisplayPeriod(MaterialsError):
    pass


class NotForThisDisplay(MaterialsError):
    pass


def require_display(session: Session, display_id: int) -> Display:
    display = session.get(Display, display_id)
    if display is None:
        raise UnknownDisplay(f"unknown display {display_id!r}")
    return display


def require_event(session: Session, event_id: int) -> CalendarEvent:
    event = session.get(CalendarEvent, event_id)
    if event is None:
        raise UnknownEvent(f"unknown calendar event {event_id!r}")
    return event


def opening_time(display: Display, event: CalendarEvent | None) -> datetime:
    """When the display must stand: the event's start, else 09:00 local time on its first day."""
    if event is not None:
        return event.starts_at
    return datetime.combine(display.starts_on, time(9), tzinfo=LOCAL_ZONE).astimezone(UTC)


def check_event_in_period(event: CalendarEvent, *, starts_on: date, ends_on: date, name: str) -> None:
    day = to_local(event.starts_at).date()
    if not starts_on <= day <= ends_on:
        raise EventOutsideDisplayPeriod(
            f"event {event.name!r} on {day.isoformat()} is outside the period of display {name!r} "
            f"({starts_on.isoformat()} to {ends_on.isoformat()})"
        )


def _free_area(session: Session, branch: Branch, *, code: str | None, starts_on: date, ends_on: date) -> Location:
    areas = list(
        session.exec(
            select(Location)
            .where(Location.branch_id == branch.id, Location.kind == LocationKind.DISPLAY)
            .order_by(col(Location.walk_order), col(Location.id))
        )
    )
    if code is not None:
        areas = [a for a in areas if a.code == code]
        if not areas:
            raise NotFound(f"unknown display location {code!r} at {branch.name}")
    taken = set(
        session.exec(
            select(Display.location_id).where(
                Display.branch_id == branch.id,
                col(Display.state).in_(LIVE),
                Display.starts_on <= ends_on,
                Display.ends_on >= starts_on,
            )
        )
    )
    free = [a for a in areas if a.id not in taken]
    if not free:
        raise NoDisplayArea(f"no free display location at {branch.name} ({branch.isil}) from {starts_on} to {ends_on}")
    return free[0]


def create_display(
    session: Session, *, branch_isil: str, name: str, capacity: int, starts_on: date, ends_on: date, at: datetime,
    theme: str = "", audience: str | None = None, event_id: int | None = None, location_code: str | None = None,
    actor: str = "",
) -> Display:  # fmt: skip
    """A planned display at a free display location of the branch. Commits."""
    branch = branch_by_isil(session=session, isil=branch_isil)
    if capacity <= 0:
        raise InvalidDisplay(f"display capacity must be positive, not {capacity!r}")
    if ends_on < starts_on:
        raise InvalidDisplay(f"display {name!r} ends ({ends_on}) before it starts ({starts_on})")
    if audience not in (None, "adult", "children"):
        raise InvalidDisplay(f"unknown audience {audience!r}: adult or children")
    event = require_event(session, event_id) if event_id is not None else None
    if event is not None:
        check_event_in_period(event, starts_on=starts_on, ends_on=ends_on, name=name)
        theme = theme or event.theme
    area = _free_area(session, branch, code=location_code, starts_on=starts_on, ends_on=ends_on)
    if area.capacity > 0 and capacity > area.capacity:
        raise DisplayOverCapacity(
            f"display capacity {capacity} is more than {area.name} ({area.code}) at {branch.name} takes ({area.capacity})"
        )
    display = Display(
        branch_id=branch.id or 0, location_id=area.id, name=name[:120], audience=audience, theme=theme[:300],
        capacity=capacity, starts_on=starts_on, ends_on=ends_on, calendar_event_id=event.id if event else None,
    )  # fmt: skip
    session.add(display)
    session.flush()
    record_event(session, at=at, kind="display_created", actor=actor, display_id=display.id, name=display.name)
    session.commit()
    return display


def attach_event(session: Session, display_id: int, event_id: int, *, at: datetime, actor: str = "") -> Display:
    """Tie a display to a calendar event inside its period. Commits."""
    display = require_display(session, display_id)
    event = require_event(session, event_id)
    check_event_in_period(event, starts_on=display.starts_on, ends_on=display.ends_on, name=display.name)
    display.calendar_event_id = event.id
    display.theme = display.theme or event.theme[:300]
    session.add(display)
    record_event(session, at=at, kind="display_event", actor=actor, display_id=display.id, event_id=event.id)
    session.commit()
    return display


def place_on_display(session: Session, *, barcode: str, display_id: int, at: datetime, actor: str = "") -> Item:
    """The copy is up on the display: ON_DISPLAY at its location, and its display task done. Commits."""
    display = require_display(session, display_id)
    item = require_item(session=session, barcode=barcode)
    if display.state == "ended" or item.status == ItemStatus.ON_LOAN or item.branch_id != display.branch_id:
        raise NotForThisDisplay(f"copy {barcode!r} cannot go on display {display.name!r} now")
    for task in session.exec(
        select(Task).where(Task.item_id == item.id, Task.state == TaskState.OPEN, Task.kind == TaskKind.DISPLAY)
    ):
        close_task(session, task, at=at, actor=actor, outcome="on_display")
    item.status, item.status_changed_at, item.location_id = ItemStatus.ON_DISPLAY, at, display.location_id
    item.destination_branch_id = item.destination_location_id = None
    session.add(item)
    record_event(session, at=at, kind="on_display", actor=actor, item_id=item.id, barcode=item.barcode,
                 display_id=display.id)  # fmt: skip
    session.commit()
    return item


def refresh_displays(session: Session, *, at: datetime, actor: str = "planning") -> int:
    """Start displays whose first day has come; end those whose period is over. Returns how many ended. Commits."""
    today = to_local(at).date()
    for display in session.exec(select(Display).where(Display.state == "planned", Display.starts_on <= today)):
        if display.ends_on >= today:
            display.state = "active"
            session.add(display)
    ended = list(session.exec(select(Display).where(col(Display.state).in_(LIVE), Display.ends_on < today)))
    for display in ended:
        take_down(session, display, at=at, actor=actor)
    session.commit()
    return len(ended)


def take_down(session: Session, display: Display, *, at: datetime, actor: str) -> int:
    """End the display: no more wanted titles; a SORT task per copy on it, closed when the copy is scanned in."""
    session.exec(delete(DisplayWant).where(col(DisplayWant.display_id) == display.id))
    branch = session.get(Branch, display.branch_id)
    assert branch is not None  # a foreign key
    station = pick_station_for(session, branch=branch)
    copies = list(
        session.exec(
            select(Item).where(Item.location_id == display.location_id, Item.status == ItemStatus.ON_DISPLAY)
        )
    ) if display.location_id is not None else []  # fmt: skip
    for item in copies:
        open_task(
            session, kind=TaskKind.SORT, station=station, branch_id=branch.id or 0, at=at, item_id=item.id,
            reason=f"Udstillingen '{display.name}' er slut: tag den ned og scan den ind", actor=actor,
        )  # fmt: skip
    display.state = "ended"
    session.add(display)
    record_event(session, at=at, kind="display_ended", actor=actor, display_id=display.id, copies=len(copies))
    return len(copies)
