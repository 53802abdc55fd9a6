"""A copy's condition, as the materials team records it: logged, validated, and read back with the copy."""

import pytest
from sqlmodel import Session, select

from materials.domain.states import ItemCondition
from materials.models import Event, Item
from materials.services.items import UnknownCondition, item_details, record_condition
from materials.services.lookup import UnknownBarcode
from tests.factories import T0, make_item, make_small_city, make_title


def test_recording_a_condition_changes_the_copy_and_logs_before_and_after(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "WORN-COPY")

    view = record_condition(
        session, barcode="WORN-COPY", condition=" Worn ", at=T0, station="sortering-1", actor="specialist"
    )

    assert view.condition == "worn"
    item = session.exec(select(Item).where(Item.barcode == "WORN-COPY")).one()
    assert item.condition == ItemCondition.WORN
    event = session.exec(select(Event).where(Event.kind == "condition_recorded")).one()
    assert (event.item_id, event.actor, event.station) == (item.id, "specialist", "sortering-1")
    assert event.payload == {"condition": "worn", "before": None}
    assert item_details(session, barcode="WORN-COPY").history[0].what == "worn"


def test_the_same_condition_again_records_nothing_new(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "DAMAGED-COPY")
    record_condition(session, barcode="DAMAGED-COPY", condition="damaged", at=T0)

    record_condition(session, barcode="DAMAGED-COPY", condition="damaged", at=T0)

    assert len(session.exec(select(Event).where(Event.kind == "condition_recorded")).all()) == 1


def test_an_unknown_condition_or_barcode_is_named_and_changes_nothing(session: Session) -> None:
    city = make_small_city(session)
    make_item(session, make_title(session), city.sundby, "SOME-COPY")

    with pytest.raises(UnknownCondition, match="'shiny'"):
        record_condition(session, barcode="SOME-COPY", condition="shiny", at=T0)
    with pytest.raises(UnknownBarcode, match="NO-SUCH-COPY"):
        record_condition(session, barcode="NO-SUCH-COPY", condition="worn", at=T0)

    assert session.exec(select(Item).where(Item.barcode == "SOME-COPY")).one().condition is None
    assert session.exec(select(Event).where(Event.kind == "condition_recorded")).all() == []
