"""The tables. Importing this package registers every table on `SQLModel.metadata`."""

from materials.models.access import ApiClient, IdempotencyKey, Sip2Account, User
from materials.models.catalogue import Item, Title
from materials.models.circulation import Loan, Patron, Reservation
from materials.models.imports import ImportedCount
from materials.models.library import Branch, Location, SortBin, Station, TransportCost
from materials.models.planning import (
    CalendarEvent,
    Display,
    DisplayWant,
    Forecast,
    ModelRun,
    MoveSuggestion,
    Target,
)
from materials.models.work import Crate, CrateItem, Event, Task

__all__ = [
    "ApiClient",
    "Branch",
    "CalendarEvent",
    "Crate",
    "CrateItem",
    "Display",
    "DisplayWant",
    "Event",
    "Forecast",
    "IdempotencyKey",
    "ImportedCount",
    "Item",
    "Loan",
    "Location",
    "ModelRun",
    "MoveSuggestion",
    "Patron",
    "Reservation",
    "Sip2Account",
    "SortBin",
    "Station",
    "Target",
    "Task",
    "Title",
    "TransportCost",
    "User",
]
