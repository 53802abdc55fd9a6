"""Whether a shelf section has room for one more copy, and which of its shelves takes it.

Room is counted per section, never per branch: copies standing on the section's shelves plus copies on their way
to them. A large section holds thousands of copies, and counting them at every scan would cost more than all the
rest of a check-in, so a station remembers the count of a section holding at least `EXACT_BELOW` copies, adding the
copies it sends there itself, for `REMEMBER_SECONDS` per `EXACT_BELOW` copies it holds, at most
`MAX_REMEMBER_SECONDS` (a minute for 500 copies, ten for 5,000, a quarter of an hour from 7,500). The count can then
lag behind other stations by the copies they sent there meanwhile: a few in thousands, the same share of the
section whatever its size, well inside the slack of a shelf measured in metres. The largest sections are the
slowest to count (5-40 ms), and counting each of them once a minute at every station showed in the scans' p99.
Small sections, where one copy matters, are counted exactly every time.
"""

import time

from sqlalchemy import text
from sqlmodel import Session

from materials.domain.sections import shelfmark_key
from materials.services.routing_places import PlaceInfo, Places

EXACT_BELOW = 500
REMEMBER_SECONDS = 60.0
MAX_REMEMBER_SECONDS = 900.0
_FILL_KEY = "materials.shelf_fill"


def _remembered(session: Session) -> dict[int, tuple[int, float]]:
    fill: dict[int, tuple[int, float]] = session.info.setdefault(_FILL_KEY, {})
    return fill


def _count(session: Session, location_ids: list[int]) -> dict[int, int]:
    ids = ", ".join(str(i) for i in location_ids)
    # One round trip, both halves answered from the (location, status) indexes; the ids are integers we hold.
    counts = text(
        f"SELECT location_id AS loc, count(*) AS n FROM item WHERE location_id IN ({ids}) AND status = 'on_shelf' "
        f"GROUP BY location_id UNION ALL SELECT destination_location_id, count(*) FROM item "
        f"WHERE destination_location_id IN ({ids}) AND status IN ('in_sorting', 'in_transit') "
        f"GROUP BY destination_location_id"
    )
    used = dict.fromkeys(location_ids, 0)
    for loc, n in session.execute(counts):
        used[loc] += int(n)
    return used


def remember_seconds(copies: int) -> float:
    """How long a station trusts the count of a section holding `copies` (see above); 0: count every time."""
    if copies < EXACT_BELOW:
        return 0.0
    return min(MAX_REMEMBER_SECONDS, REMEMBER_SECONDS * copies / EXACT_BELOW)


def copies_at(session: Session, location_ids: list[int]) -> dict[int, int]:
    """Copies standing at or heading for each location (large ones as remembered, see above)."""
    remembered = _remembered(session)
    now = time.monotonic()
    used = {
        i: remembered[i][0]
        for i in location_ids
        if i in remembered and now - remembered[i][1] < remember_seconds(remembered[i][0])
    }
    missing = [i for i in location_ids if i not in used]
    if missing:
        for loc, n in _count(session, missing).items():
            used[loc] = n
            if n >= EXACT_BELOW:
                remembered[loc] = (n, now)
    return used


def note_heading(session: Session, location_id: int | None) -> None:
    """This station just sent a copy to the location: a remembered count grows with it."""
    remembered = _remembered(session)
    if location_id is not None and location_id in remembered:
        n, at = remembered[location_id]
        remembered[location_id] = (n + 1, at)


def forget_fill(session: Session) -> None:
    session.info.pop(_FILL_KEY, None)


def _covers(place: PlaceInfo, shelfmark: str) -> bool:
    """Whether the shelf's range of shelf marks takes this one ('sk Hans' up to 'sk Hans…' inclusive)."""
    if not place.shelfmark_from and not place.shelfmark_to:
        return False
    key = shelfmark_key(shelfmark)
    if place.shelfmark_from and key < shelfmark_key(place.shelfmark_from):
        return False
    if place.shelfmark_to:
        high = shelfmark_key(place.shelfmark_to)
        return key <= high or (key[:2] == high[:2] and key[2].startswith(high[2]))
    return True


def shelf_with_room(
    session: Session, places: Places, *, branch_id: int, section: str, shelfmark: str
) -> PlaceInfo | None:
    """The shelf of this section at the branch that takes the copy, or None when the section is full.

    A shelf with capacity 0 has no limit set and always has room. Among shelves with room, the one whose range of
    shelf marks covers the copy, else the emptiest.
    """
    shelves = places.shelves.get((branch_id, section), [])
    if not shelves:
        return None
    used = copies_at(session, [s.id for s in shelves])
    free = {s.id: (None if s.capacity <= 0 else s.capacity - used.get(s.id, 0)) for s in shelves}
    open_shelves = [s for s in shelves if free[s.id] is None or (free[s.id] or 0) > 0]
    if not open_shelves:
        return None
    covering = [s for s in open_shelves if _covers(s, shelfmark)]
    if covering:
        return covering[0]
    return max(open_shelves, key=lambda s: float("inf") if free[s.id] is None else float(free[s.id] or 0))
