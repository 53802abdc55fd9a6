"""Finding things by the names people and machines use for them, with named errors when they are not there."""

from sqlmodel import Session, select

from materials.domain.identifiers import normalise_barcode, normalise_isil
from materials.errors import NotFound
from materials.models import Branch, Item, Station, Title


class UnknownBarcode(NotFound):
    pass


class UnknownBranch(NotFound):
    pass


class UnknownStation(NotFound):
    pass


class UnknownTitle(NotFound):
    pass


def item_by_barcode(*, session: Session, barcode: str) -> Item | None:
    return session.exec(select(Item).where(Item.barcode == barcode)).first()


def require_item(*, session: Session, barcode: str) -> Item:
    """The item with this barcode; a malformed barcode raises InvalidIdentifier, an unknown one UnknownBarcode."""
    code = normalise_barcode(barcode)
    item = item_by_barcode(session=session, barcode=code)
    if item is None:
        raise UnknownBarcode(f"unknown barcode {barcode!r}")
    return item


def branch_by_isil(*, session: Session, isil: str) -> Branch:
    code = normalise_isil(isil)
    branch = session.exec(select(Branch).where(Branch.isil == code)).first()
    if branch is None:
        raise UnknownBranch(f"unknown branch {isil!r}")
    return branch


def require_branch(*, session: Session, branch_id: int) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise UnknownBranch(f"unknown branch id {branch_id!r}")
    return branch


def station_by_name(*, session: Session, name: str) -> Station:
    station = session.exec(select(Station).where(Station.name == name)).first()
    if station is None:
        raise UnknownStation(f"unknown station {name!r}")
    return station


def require_title(*, session: Session, title_id: int) -> Title:
    title = session.get(Title, title_id)
    if title is None:
        raise UnknownTitle(f"unknown title {title_id!r}")
    return title
