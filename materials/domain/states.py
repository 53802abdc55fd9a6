"""The states things move through, as the people doing the work name them."""

from enum import StrEnum


class LocationKind(StrEnum):
    SHELF = "shelf"
    DISPLAY = "display"
    HOLD_SHELF = "hold_shelf"
    SORTER_BIN = "sorter_bin"
    STORAGE = "storage"


class BranchKind(StrEnum):
    MAIN = "main"
    BRANCH = "branch"
    SORTING = "sorting"  # the central sorting room
    STORAGE = "storage"  # remote storage (the "media hotel")


class Audience(StrEnum):
    ADULT = "adult"
    CHILDREN = "children"


class MaterialType(StrEnum):
    BOOK = "book"
    AUDIOBOOK = "audiobook"
    EBOOK_READER = "ebook_reader"
    DVD = "dvd"
    MUSIC = "music"
    GAME = "game"
    COURSE = "course"  # language courses and other multi-part sets


class ItemStatus(StrEnum):
    ON_SHELF = "on_shelf"
    ON_LOAN = "on_loan"
    IN_SORTING = "in_sorting"
    IN_TRANSIT = "in_transit"
    ON_HOLD_SHELF = "on_hold_shelf"
    ON_DISPLAY = "on_display"
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


class ItemCondition(StrEnum):
    """A copy's physical condition as the materials team records it; unrecorded (NULL) counts as good."""

    GOOD = "good"
    WORN = "worn"  # still lends, but shows its age: the copy to keep back when a better one can go
    DAMAGED = "damaged"  # needs repair or withdrawal: never sent anywhere but to the weeding list


class ReservationState(StrEnum):
    WAITING = "waiting"  # no copy yet
    ALLOCATED = "allocated"  # a shelf copy is chosen; its pick task is open
    IN_TRANSIT = "in_transit"  # the copy is in hand and on its way to the pickup branch
    READY = "ready"  # on the hold shelf, until the pickup deadline
    COLLECTED = "collected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


ACTIVE_RESERVATION_STATES = (
    ReservationState.WAITING,
    ReservationState.ALLOCATED,
    ReservationState.IN_TRANSIT,
    ReservationState.READY,
)
# A copy serves at most one reservation in these states (a unique index makes it a database fact).
HOLDING_RESERVATION_STATES = (ReservationState.ALLOCATED, ReservationState.IN_TRANSIT, ReservationState.READY)


class TaskKind(StrEnum):
    SORT = "sort"
    PICK = "pick"
    PACK = "pack"
    SHELVE = "shelve"
    DISPLAY = "display"
    MOVE = "move"
    EXCEPTION = "exception"


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class CrateState(StrEnum):
    OPEN = "open"
    SEALED = "sealed"
    DISPATCHED = "dispatched"
    RECEIVED = "received"


class RouteKind(StrEnum):
    HOLD = "hold"
    DISPLAY = "display"
    REBALANCE = "rebalance"
    STAY = "stay"
    HOME = "home"
    STORAGE = "storage"
    EXCEPTION = "exception"


class Role(StrEnum):
    SPECIALIST = "specialist"
    MANAGER = "manager"
    DATA = "data"
    ADMIN = "admin"
    STATION = "station"
