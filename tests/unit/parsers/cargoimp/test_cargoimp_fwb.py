from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cts.domain.model import DocumentKind, PartyRole, Severity, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.cargoimp import FwbParser

CTX = ParseContext(object_key="inbox/XX/fwb.txt", carrier_id="XX", received_at=datetime(2026, 4, 20, tzinfo=UTC))

FWB = """QK LHRFFXH
.BRUFMSN 191200
FWB/17
125-12345675LHRJFK/T10K250.5MC1.2
FLT/XX0117/24
RTG/BOSXX/JFKXX
SHP/ACC123
NAM/ACME WIDGETS LTD
ADR/1 HIGH STREET
LOC/LONDON
/GB/SW1A1AA/TE/442070000000
CNE
NAM/BLUE IMPORTS
/INC
ADR/5 MAIN ST
LOC/NEW YORK/NY
/US/10001
NFY
NAM/BLUE BROKERS
LOC/NEWARK/NJ
/US/07102
AGT//1234567/0001
/FAST FORWARDING LTD
/LONDON
CVD/GBP//PP/NVD/1500.00/XXX
RTD/1/P10/K250.5/CQ/W300/R2.5/T750
/NG/MACHINE PARTS AND AC
/2/NG/CESSORIES
/3/NH/847990
/4/NH/8483.10
/5/NV/MC1.2
OTH/P/MYC10
ISU/19APR26/LONDON/FAST FORWARDING
REF/LONFMXX
SPH/EAP/SPX
OCI/GB/SHP/T/EORIGB123456789000
/US/CNE/T/123456789
"""


def parse(text: str) -> tuple[object, ...]:
    result = FwbParser().parse(text.encode(), CTX)
    assert result.source_format is SourceFormat.FWB
    assert len(result.consignments) == 1
    parsed = result.consignments[0]
    return result, parsed, parsed.consignment


def test_fwb_maps_awb_line_flight_routing_and_totals() -> None:
    result, parsed, c = parse(FWB)
    assert result.issues == []
    assert c.quality == []
    assert parsed.document_number == "125-12345675"
    assert c.mode is TransportMode.AIR
    assert c.direction.value == "import"
    assert c.transport_document.number == "125-12345675"
    assert c.transport_document.kind is DocumentKind.MASTER_AWB
    assert c.carrier.code == "125"
    assert c.total_packages == 10
    assert c.total_gross_weight_kg == Decimal("250.5")
    assert c.itinerary.place_of_loading.name == "LHR"
    assert c.itinerary.place_of_loading.locode is None
    assert c.itinerary.place_of_discharge.name == "JFK"
    assert [p.name for p in c.itinerary.transshipment] == ["BOS"]
    assert c.conveyance.journey_id == "XX0117"
    assert c.conveyance.flight_date == datetime(2026, 4, 24, tzinfo=UTC)
    assert c.message_ref == "LONFMXX"
    assert c.provenance.line == 4
    assert c.provenance.source_format is SourceFormat.FWB


def test_fwb_parties_with_oci_identifiers() -> None:
    _, _, c = parse(FWB)
    shipper = c.party(PartyRole.CONSIGNOR)
    assert shipper.name == "ACME WIDGETS LTD"
    assert shipper.address_lines == ["1 HIGH STREET"]
    assert (shipper.city, shipper.postcode, shipper.country, shipper.phone) == (
        "LONDON",
        "SW1A1AA",
        "GB",
        "442070000000",
    )
    assert [(i.scheme, i.value) for i in shipper.identifiers] == [("ACCOUNT", "ACC123"), ("EORI", "GB123456789000")]
    consignee = c.party(PartyRole.CONSIGNEE)
    assert consignee.name == "BLUE IMPORTS INC"
    assert (consignee.city, consignee.postcode, consignee.country) == ("NEW YORK", "10001", "US")
    assert [(i.scheme, i.value) for i in consignee.identifiers] == [("TIN", "123456789")]
    notify = c.party(PartyRole.NOTIFY_PARTY)
    assert (notify.name, notify.city, notify.country, notify.postcode) == ("BLUE BROKERS", "NEWARK", "US", "07102")
    agent = c.party(PartyRole.FREIGHT_FORWARDER)
    assert agent.name == "FAST FORWARDING LTD"
    assert agent.city == "LONDON"
    assert [(i.scheme, i.value) for i in agent.identifiers] == [("IATA_AGENT", "1234567"), ("IATA_CASS", "0001")]


def test_fwb_rate_description_gives_goods_with_hs_codes_volume_and_customs_value() -> None:
    _, _, c = parse(FWB)
    assert [g.hs_code for g in c.goods] == ["847990", "848310"]
    first = c.goods[0]
    assert first.description == "MACHINE PARTS AND ACCESSORIES"
    assert (first.package_count, first.gross_weight_kg, first.volume_m3) == (10, Decimal("250.5"), Decimal("1.2"))
    assert (first.value, first.currency) == (Decimal("1500.00"), "GBP")
    assert c.goods[1].description == first.description
    assert c.goods[1].package_count is None


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_fwb_newline_styles_and_missing_final_newline_give_the_same_consignment(newline: str) -> None:
    _, _, expected = parse(FWB)
    _, _, c = parse(FWB.rstrip("\n").replace("\n", newline))
    assert c.model_dump() == expected.model_dump()


def test_positional_party_layout_and_pounds() -> None:
    text = (
        "FWB/16\n125-12345675BSLDOH/T1L100\nSHP\n/ACME AG\n/MAIN STREET 1\n/4000/BASEL\n/CH/4000\n"
        "CNE\n/BLUE CO\n/DOHA\n/QA\nRTD/1/P1/L100\n/NG/PHARMACEUTICALS"
    )
    _, _, c = parse(text)
    shipper = c.consignor
    assert (shipper.name, shipper.address_lines, shipper.city, shipper.postcode, shipper.country) == (
        "ACME AG",
        ["MAIN STREET 1"],
        "BASEL",
        "4000",
        "CH",
    )
    assert (c.consignee.name, c.consignee.city, c.consignee.country) == ("BLUE CO", "DOHA", "QA")
    assert c.total_gross_weight_kg == Decimal("45.359")
    assert c.goods[0].gross_weight_kg == Decimal("45.359")
    assert c.goods[0].description == "PHARMACEUTICALS"


def test_bad_check_digit_is_a_warning_and_the_data_is_kept() -> None:
    _, _parsed, c = parse(FWB.replace("125-12345675", "125-12345670"))
    assert c is not None
    assert c.transport_document.number == "125-12345670"
    issue = next(i for i in c.quality if i.code == "BAD_AWB_CHECK_DIGIT")
    assert (issue.severity, issue.line, issue.value) == (Severity.WARNING, 4, "125-12345670")


def test_missing_awb_rejects_the_consignment() -> None:
    _result, parsed, c = parse("FWB/16\nSHP\n/ACME\nRTD/1/P1/K1")
    assert c is None
    assert parsed.issues[0].code == "MISSING_AWB"
    assert parsed.issues[0].severity is Severity.ERROR


def test_unsupported_version_is_a_warning_and_the_message_is_parsed() -> None:
    result, _, c = parse(FWB.replace("FWB/17", "FWB/9"))
    assert [(i.code, i.severity, i.line) for i in result.issues] == [("UNSUPPORTED_VERSION", Severity.WARNING, 3)]
    assert c.transport_document.number == "125-12345675"


def test_unknown_weight_unit_and_pieces_mismatch() -> None:
    text = "FWB/16\n125-12345675LHRJFK/T10X250\nRTD/1/P9/K250\n/NG/PARTS"
    _, _, c = parse(text)
    codes = {(i.code, i.line) for i in c.quality}
    assert ("WEIGHT_UNIT_UNKNOWN", 2) in codes
    assert ("PIECES_MISMATCH", 3) in codes
    assert c.total_gross_weight_kg is None
    assert c.total_packages == 10


def test_unrecognised_line_is_a_syntax_warning_with_its_text() -> None:
    _, _, c = parse(FWB + "12 THIS IS NOT CARGO-IMP\n")
    issue = next(i for i in c.quality if i.code == "CIMP_SYNTAX")
    assert issue.value == "12 THIS IS NOT CARGO-IMP"
    assert issue.line == FWB.count("\n") + 1


def test_wrong_message_type_is_an_error() -> None:
    result = FwbParser().parse(b"FHL/5\nMBI/125-12345675LHRJFK/T1K1", CTX)
    assert result.consignments == []
    assert result.issues[0].severity is Severity.ERROR
