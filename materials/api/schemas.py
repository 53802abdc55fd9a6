"""The shapes of the API's requests and answers. Patron ids come in; they never go out.

Identifiers are checked here, so a malformed one is a 422 that names its field.
"""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from materials.domain.identifiers import normalise_isbn13
from materials.domain.states import Audience, ItemStatus, MaterialType, ReservationState, RouteKind
from materials.services.picking import PickLine

FAUST = r"^\d{8}$"
ISIL = r"^DK-\d{6}$"
BARCODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"

Faust = Annotated[str, Field(pattern=FAUST, description="Faust number: 8 digits", examples=["29158987"])]
Isil = Annotated[str, Field(pattern=ISIL, description="Branch ISIL: DK- and six digits", examples=["DK-710100"])]
Barcode = Annotated[str, Field(pattern=BARCODE, description="Item barcode", examples=["5010012345"])]
Isbn13 = Annotated[str, Field(min_length=10, max_length=17), AfterValidator(normalise_isbn13)]
PatronId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"\S",
        description="The library system's patron id; stored only as a keyed hash and never returned",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    detail: str


# --- catalogue ---------------------------------------------------------------------------------------------


class TitleIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    author: str = Field(default="", max_length=200)
    isbn13: Isbn13 | None = None
    subjects: list[Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^;]+$")]] = Field(
        default_factory=list, max_length=20
    )
    audience: Audience = Audience.ADULT
    material_type: MaterialType = MaterialType.BOOK
    classification: str = Field(default="sk", min_length=1, max_length=12, description="DK5: 'sk' or e.g. '79.41'")
    year: int | None = Field(default=None, ge=1000, le=2100)
    language: str = Field(default="dan", pattern=r"^[a-z]{3}$")


class TitleOut(BaseModel):
    id: int
    faust: str
    title: str
    author: str
    isbn13: str | None
    subjects: list[str]
    audience: Audience
    material_type: MaterialType
    classification: str
    year: int | None
    language: str
    copies: int


class ItemIn(Strict):
    faust: Faust
    home_branch: Isil
    shelfmark: str | None = Field(default=None, min_length=1, max_length=60, description="default: from the title")
    parts: int = Field(default=1, ge=1, le=99)
    floating: bool = True


class WithdrawalIn(Strict):
    reason: str = Field(default="", max_length=200)


class RouteOut(BaseModel):
    """A routing decision: where the copy goes and why."""

    kind: RouteKind
    destination: str | None
    destination_name: str | None
    location: str | None
    bin: str | None
    reason: str
    task_id: int | None
    reservation_id: int | None = None
    shelf_code: str | None = None


class LastRouteOut(RouteOut):
    at: datetime
    station: str


class ItemOut(BaseModel):
    barcode: str
    faust: str | None
    title_id: int
    title: str
    status: ItemStatus
    branch: str
    home_branch: str
    location: str | None
    destination: str | None
    shelfmark: str
    parts: int
    floating: bool
    status_changed_at: datetime | None
    last_route: LastRouteOut | None


# --- circulation -------------------------------------------------------------------------------------------


class LoanIn(Strict):
    barcode: Barcode
    patron: PatronId
    branch: Isil
    at: AwareDatetime | None = Field(default=None, description="when the loan was made (default: now)")
    due_at: AwareDatetime | None = None


class LoanOut(BaseModel):
    loan_id: int
    barcode: str
    branch: str
    loaned_at: datetime
    due_at: datetime | None
    collected_reservation_id: int | None


class ReturnIn(Strict):
    """A return at a station (by name), or at a branch (its return machine, desk or scan station)."""

    barcode: Barcode
    station: str | None = Field(default=None, min_length=1, max_length=40, description="e.g. a return machine")
    branch: Isil | None = Field(default=None, description="instead of a station: the branch it was returned at")
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_place(self) -> "ReturnIn":
        if (self.station is None) == (self.branch is None):
            raise ValueError("give either station or branch")
        return self


class ReturnOut(RouteOut):
    barcode: str
    duplicate: bool = False


class ReservationIn(Strict):
    faust: Faust
    pickup: Isil
    patron: PatronId
    external_id: str | None = Field(default=None, min_length=1, max_length=64, description="the library system's id")
    at: AwareDatetime | None = None


class CancellationIn(Strict):
    at: AwareDatetime | None = None


class ReservationOut(BaseModel):
    id: int
    external_id: str | None
    faust: str | None
    title: str
    pickup: str
    state: ReservationState
    placed_at: datetime
    item: str | None
    shelf_code: str | None
    ready_at: datetime | None
    pickup_deadline: datetime | None
    closed_at: datetime | None


# --- branches and pick lists -------------------------------------------------------------------------------


class BranchOut(BaseModel):
    isil: str
    name: str
    kind: str


class PickListOut(BaseModel):
    branch: str
    # The service's own line: pydantic validates and documents a dataclass as it stands.
    lines: list[PickLine]
