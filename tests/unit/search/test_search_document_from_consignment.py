"""SearchDocument.from_consignment: the flat, indexable view of a consignment version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cts.domain.model import (
    Carrier,
    Consignment,
    Conveyance,
    Direction,
    DocumentKind,
    Equipment,
    GoodsItem,
    Itinerary,
    Party,
    PartyRole,
    Place,
    Provenance,
    SourceFormat,
    TransportDocument,
    TransportMode,
)
from cts.domain.search_view import SearchDocument

RECEIVED = datetime(2026, 2, 27, 8, 30, tzinfo=UTC)


def full_consignment() -> Consignment:
    return Consignment(
        mode=TransportMode.SEA,
        direction=Direction.IMPORT,
        transport_document=TransportDocument(
            number="MAEU 240000123", kind=DocumentKind.HOUSE_BILL, master_number="MAEU999"
        ),
        carrier=Carrier(code="maeu", name="Maersk"),
        conveyance=Conveyance(journey_id="412W", vessel_name="MAERSK ESSEN", imo_number="IMO 9456783"),
        itinerary=Itinerary(
            place_of_receipt=Place(name="Shenzhen factory"),
            place_of_loading=Place(locode="CNSHA"),
            transshipment=[Place(locode="SGSIN"), Place(locode="CNSHA")],
            place_of_discharge=Place(locode="NLRTM"),
            place_of_delivery=Place(locode="DEHAM"),
            routing_countries=["CN", "SG", "MY"],
        ),
        etd=datetime(2026, 2, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        eta=datetime(2026, 3, 2, 6, 0),  # naive: taken as UTC
        parties=[
            Party(
                role=PartyRole.CONSIGNOR,
                name="Shanghai  Export Co",
                address_lines=["88 Century Avenue"],
                city="Shanghai",
                country="CN",
            ),
            Party(
                role=PartyRole.CONSIGNEE,
                name="ACME TRADING LTD",
                address_lines=["1 Harbour Road"],
                postcode="3011",
                city="Rotterdam",
                country="NL",
            ),
            Party(role=PartyRole.NOTIFY_PARTY, name="Customs Broker BV", country="NL"),
        ],
        goods=[
            GoodsItem(
                sequence=1,
                description="Laptop computers",
                hs_code="8471.30",
                container_numbers=["MSKU 123456-5"],
            ),
            GoodsItem(sequence=2, description="Mobile phones", hs_code="8517", container_numbers=["TGHU7654321"]),
            GoodsItem(sequence=3, description="", hs_code="8471.30"),
        ],
        equipment=[Equipment(number="MSKU1234565"), Equipment(number="TCLU1112223")],
        provenance=Provenance(object_key="inbox/MAEU/f.edi", source_format=SourceFormat.CUSCAR, received_at=RECEIVED),
    )


def minimal_consignment() -> Consignment:
    return Consignment(
        mode=TransportMode.AIR,
        direction=Direction.EXPORT,
        transport_document=TransportDocument(number="176-12345675", kind=DocumentKind.MASTER_AWB),
        provenance=Provenance(object_key="inbox/x.json", source_format=SourceFormat.JSON),
    )


@pytest.fixture
def flat() -> SearchDocument:
    consignment = full_consignment()
    return SearchDocument.from_consignment(consignment.key, 3, consignment)


def test_identity_fields_come_from_the_transport_document_and_carrier(flat: SearchDocument) -> None:
    assert flat.key == "sea:MAEU/MAEU999:MAEU240000123"
    assert flat.version == 3
    assert (flat.mode, flat.direction) == ("sea", "import")
    assert (flat.document_number, flat.master_number, flat.carrier) == ("MAEU240000123", "MAEU999", "MAEU")


def test_conveyance_fields_are_copied(flat: SearchDocument) -> None:
    assert (flat.journey_id, flat.vessel_name, flat.imo_number) == ("412W", "MAERSK ESSEN", "9456783")


def test_route_ports_are_the_locodes_in_route_order_without_repeats(flat: SearchDocument) -> None:
    assert flat.place_of_loading == "CNSHA"
    assert flat.place_of_discharge == "NLRTM"
    assert flat.ports == ("CNSHA", "SGSIN", "NLRTM", "DEHAM")


def test_countries_gather_routing_port_and_party_countries(flat: SearchDocument) -> None:
    assert flat.countries == ("CN", "SG", "MY", "NL", "DE")


def test_goods_give_distinct_hs_codes_and_descriptions(flat: SearchDocument) -> None:
    assert flat.hs_codes == ("847130", "8517")
    assert flat.goods_text == "Laptop computers\nMobile phones"


def test_container_numbers_merge_equipment_and_goods_without_repeats(flat: SearchDocument) -> None:
    assert flat.container_numbers == ("MSKU1234565", "TCLU1112223", "TGHU7654321")


def test_parties_text_holds_every_party_name_and_address(flat: SearchDocument) -> None:
    lines = flat.parties_text.split("\n")
    assert lines[0] == "Shanghai Export Co, 88 Century Avenue, Shanghai, CN"
    assert lines[1] == "ACME TRADING LTD, 1 Harbour Road, 3011, Rotterdam, NL"
    assert lines[2] == "Customs Broker BV, NL"
    assert (flat.consignor_name, flat.consignee_name) == ("Shanghai Export Co", "ACME TRADING LTD")


def test_dates_are_timezone_aware_utc(flat: SearchDocument) -> None:
    assert flat.etd == datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    assert flat.eta == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert flat.eta is not None
    assert flat.eta.tzinfo is UTC
    assert flat.received_at == RECEIVED


def test_without_an_assessment_the_document_is_unscored(flat: SearchDocument) -> None:
    assert (flat.score, flat.level, flat.profiles_matched) == (0, "none", ())
    assert (flat.alert_status, flat.case_status, flat.carrier_id) == (None, None, None)


def test_assessment_and_workflow_state_are_carried_over() -> None:
    consignment = full_consignment()
    flat = SearchDocument.from_consignment(
        consignment.key,
        4,
        consignment,
        score=87,
        level="high",
        profiles_matched=["P-ELECTRONICS", "P-NEW-CONSIGNEE", "P-ELECTRONICS"],
        alert_status="new",
        case_status="open",
        carrier_id="carrier-maersk",
    )
    assert (flat.score, flat.level) == (87, "high")
    assert flat.profiles_matched == ("P-ELECTRONICS", "P-NEW-CONSIGNEE")
    assert (flat.alert_status, flat.case_status, flat.carrier_id) == ("new", "open", "carrier-maersk")


def test_received_at_can_be_given_explicitly() -> None:
    consignment = full_consignment()
    when = datetime(2026, 3, 1, tzinfo=UTC)
    assert SearchDocument.from_consignment("k", 1, consignment, received_at=when).received_at == when


def test_a_minimal_consignment_gives_empty_optional_fields() -> None:
    consignment = minimal_consignment()
    flat = SearchDocument.from_consignment(consignment.key, 1, consignment)
    assert flat.key == "air:-:176-12345675"
    assert flat.carrier is None
    assert flat.journey_id is None
    assert flat.eta is None
    assert flat.received_at is None
    assert flat.ports == flat.countries == flat.hs_codes == flat.container_numbers == ()
    assert flat.parties_text == flat.goods_text == ""
    assert flat.consignor_name is None
    assert flat.consignee_name is None


def test_the_document_round_trips_through_json(flat: SearchDocument) -> None:
    assert SearchDocument.model_validate_json(flat.model_dump_json()) == flat


def test_the_document_is_immutable(flat: SearchDocument) -> None:
    with pytest.raises(ValueError, match="frozen"):
        flat.score = 99  # type: ignore[misc]
