from __future__ import annotations

from decimal import Decimal

import pytest
from cargoxml_fixtures import CTX, XFZB, xfwb

from cts.domain.identifiers import awb_serial_valid
from cts.domain.model import DocumentKind, MessageFunction, PartyRole, Severity, SourceFormat
from cts.domain.parsers.cargoxml import XffmParser, XfwbParser, XfzbParser
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference


def _one(raw: bytes):
    result = XfwbParser().parse(raw, CTX)
    assert result.issues == []
    assert len(result.consignments) == 1
    parsed = result.consignments[0]
    assert parsed.consignment is not None, parsed.issues
    return parsed.consignment


def _codes(consignment) -> list[str]:
    return [issue.code for issue in consignment.quality]


def test_xfwb_maps_document_carrier_flight_and_places():
    c = _one(xfwb())
    assert c.transport_document.number == "176-12345675"
    assert c.transport_document.kind is DocumentKind.MASTER_AWB
    assert c.carrier is not None
    assert c.carrier.code == "176"
    assert c.key == "air:176:176-12345675"
    assert c.message_ref == "MSG-0001"
    assert c.conveyance.journey_id == "XX123"
    assert c.etd is not None
    assert c.etd.isoformat() == "2026-01-06T10:00:00+00:00"
    assert c.eta is not None
    assert c.eta.isoformat() == "2026-01-06T12:00:00+00:00"
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.name == "LHR"
    assert c.itinerary.place_of_loading.locode is None  # IATA airport codes are not UN/LOCODEs
    assert c.itinerary.place_of_discharge is not None
    assert c.itinerary.place_of_discharge.name == "CDG"
    assert c.provenance.source_format is SourceFormat.XFWB
    assert c.provenance.line == 14
    assert c.quality == []


def test_xfwb_parties_with_addresses_contacts_and_oci_identifiers():
    c = _one(xfwb())
    shipper = c.party(PartyRole.CONSIGNOR)
    assert shipper is not None
    assert shipper.name == "ACME EXPORTS LTD"
    assert shipper.address_lines == ["1 HIGH STREET", "UNIT 4"]
    assert (shipper.city, shipper.postcode, shipper.country) == ("LONDON", "SW1A 1AA", "GB")
    assert shipper.phone == "+44201234567"
    assert shipper.email == "ops@acme.example"
    assert [(i.scheme, i.value) for i in shipper.identifiers] == [("TIN", "GB123456789000")]
    consignee = c.party(PartyRole.CONSIGNEE)
    assert consignee is not None
    assert consignee.country == "FR"
    assert consignee.phone == "+33100000000"  # from the OCI CT line
    forwarder = c.party(PartyRole.FREIGHT_FORWARDER)
    assert forwarder is not None
    assert forwarder.city == "SLOUGH"
    assert [(i.scheme, i.value) for i in forwarder.identifiers] == [("IATA_AGENT", "1234567")]
    notify = c.party(PartyRole.NOTIFY_PARTY)
    assert notify is not None
    assert notify.name == "DELTA NOTIFY GMBH"


def test_xfwb_goods_hs_code_volume_and_uld():
    c = _one(xfwb())
    [item] = c.goods
    assert item.description == "LAPTOP COMPUTERS"
    assert item.hs_code == "847130"
    assert item.package_count == 12
    assert item.gross_weight_kg == Decimal("250.5")
    assert item.volume_m3 == Decimal("1.5")  # 1 500 000 CMQ
    assert item.container_numbers == ["AKE12345XX"]
    assert [(e.number, e.size_type) for e in c.equipment] == [("AKE12345XX", "AKE")]
    assert c.total_packages == 12
    assert c.total_gross_weight_kg == Decimal("250.5")


def test_second_hs_code_on_a_second_item():
    extra = "<ram:IncludedMasterConsignmentItem><ram:TypeCode>8473</ram:TypeCode></ram:IncludedMasterConsignmentItem>"
    c = _one(xfwb(extra_item=extra))
    assert [g.hs_code for g in c.goods] == ["847130", "8473"]


def test_invalid_hs_code_is_left_out_with_a_warning():
    extra = "<ram:IncludedMasterConsignmentItem><ram:TypeCode>GEN</ram:TypeCode></ram:IncludedMasterConsignmentItem>"
    c = _one(xfwb(extra_item=extra))
    assert c.goods[1].hs_code is None
    assert "INVALID_HS_CODE" in _codes(c)


@pytest.mark.parametrize(
    ("purpose", "function"),
    [
        ("Creation", MessageFunction.ORIGINAL),
        ("Update", MessageFunction.AMENDMENT),
        ("Deletion", MessageFunction.CANCELLATION),
        ("deletion", MessageFunction.CANCELLATION),
    ],
)
def test_purpose_codes(purpose: str, function: MessageFunction):
    assert _one(xfwb(purpose=purpose)).message_function is function


def test_unknown_purpose_code_is_an_original_with_a_warning():
    c = _one(xfwb(purpose="Revision"))
    assert c.message_function is MessageFunction.ORIGINAL
    assert "UNKNOWN_PURPOSE_CODE" in _codes(c)


@pytest.mark.parametrize(("rsm", "ram"), [("w", "d"), ("ns2", "dm"), ("a", "b")])
def test_any_prefixes_bound_to_the_iata_namespaces(rsm: str, ram: str):
    raw = xfwb(rsm=rsm, ram=ram)
    assert XfwbParser().sniff(raw.decode()[:4096])
    assert _one(raw).transport_document.number == "176-12345675"


def test_default_namespace_for_the_data_model():
    raw = xfwb().replace(b'xmlns:ram="iata:datamodel:3"', b'xmlns="iata:datamodel:3"').replace(b"ram:", b"")
    assert _one(raw).party(PartyRole.CONSIGNOR) is not None


def test_elements_in_a_foreign_namespace_are_ignored():
    raw = xfwb().replace(b"<ram:ConsignorParty>", b'<x:ConsignorParty xmlns:x="urn:other">', 1)
    raw = raw.replace(b"</ram:ConsignorParty>", b"</x:ConsignorParty>", 1)
    assert _one(raw).party(PartyRole.CONSIGNOR) is None


def test_wrong_root_namespace_is_unexpected_root():
    raw = xfwb().replace(b'xmlns:rsm="iata:waybill:1"', b'xmlns:rsm="urn:not-iata"')
    assert not XfwbParser().sniff(raw.decode())
    result = XfwbParser().parse(raw, CTX)
    assert [i.code for i in result.issues] == ["UNEXPECTED_ROOT"]
    assert result.issues[0].severity is Severity.ERROR


def test_sniffers_tell_the_three_messages_apart():
    from cargoxml_fixtures import XFFM

    heads = {"xfwb": xfwb().decode(), "xfzb": XFZB.decode(), "xffm": XFFM.decode()}
    for parser in (XfwbParser(), XfzbParser(), XffmParser()):
        assert [name for name, head in heads.items() if parser.sniff(head[:4096])] == [parser.source_format.value]
    assert not XfwbParser().sniff('{"format": "cts-json/1"}')


def test_pounds_are_converted_to_kilograms():
    weight = '<ram:IncludedTareGrossWeightMeasure unitCode="LBR">1000</ram:IncludedTareGrossWeightMeasure>'
    c = _one(xfwb(weight=weight))
    assert c.total_gross_weight_kg == Decimal("453.592")


def test_unknown_weight_unit_is_reported_and_left_out():
    weight = '<ram:IncludedTareGrossWeightMeasure unitCode="STN">2</ram:IncludedTareGrossWeightMeasure>'
    c = _one(xfwb(weight=weight))
    assert c.total_gross_weight_kg is None
    [issue] = [i for i in c.quality if i.code == "WEIGHT_UNIT_UNKNOWN"]
    assert issue.value == "2 STN"
    assert issue.field == "total_gross_weight_kg"
    assert issue.line == 15


def test_total_against_items_is_left_to_quality():
    """TotalPieceQuantity vs the items' PieceQuantity is quality's PACKAGES_MISMATCH: the parser does not repeat it."""
    c = _one(xfwb(total_pieces="15"))
    assert c.total_packages == 15
    assert c.quality == []
    checked = with_quality(c, default_reference())
    assert [(i.code, i.value) for i in checked.quality if i.code == "PACKAGES_MISMATCH"] == [
        ("PACKAGES_MISMATCH", "total 15 != goods items 12")
    ]


def test_item_pieces_against_package_item_quantities():
    extra = (
        "<ram:IncludedMasterConsignmentItem><ram:PieceQuantity>5</ram:PieceQuantity>"
        "<ram:TransportLogisticsPackage><ram:ItemQuantity>2</ram:ItemQuantity></ram:TransportLogisticsPackage>"
        "<ram:TransportLogisticsPackage><ram:ItemQuantity>1</ram:ItemQuantity></ram:TransportLogisticsPackage>"
        "</ram:IncludedMasterConsignmentItem>"
    )
    c = _one(xfwb(total_pieces="17", extra_item=extra))
    mismatches = [i for i in c.quality if i.code == "PIECES_MISMATCH"]
    assert [i.value for i in mismatches] == ["5 != 3"]
    assert mismatches[0].field == "goods[1].package_count"


def test_bad_awb_check_digit_is_a_warning():
    c = _one(xfwb(awb="176-12345670"))
    [issue] = c.quality
    assert (issue.code, issue.severity, issue.value) == ("BAD_AWB_CHECK_DIGIT", Severity.WARNING, "176-12345670")
    assert issue.line == 12


def test_awb_without_dash_is_normalised():
    assert _one(xfwb(awb="17612345675")).transport_document.number == "176-12345675"


def test_non_awb_number_is_kept_with_a_warning():
    c = _one(xfwb(awb="ABC123"))
    assert c.transport_document.number == "ABC123"
    assert c.carrier is None
    assert _codes(c) == ["BAD_AWB_NUMBER"]


def test_missing_awb_is_an_error():
    result = XfwbParser().parse(xfwb(awb=""), CTX)
    [parsed] = result.consignments
    assert parsed.consignment is None
    assert [(i.code, i.severity) for i in parsed.issues] == [("MISSING_AWB", Severity.ERROR)]
    assert parsed.issues[0].line == 14


@pytest.mark.parametrize(
    ("value", "ok"), [("12345675", True), ("11111111", True), ("00000000", True), ("12345676", False)]
)
def test_awb_check_digit(value: str, ok: bool):
    assert awb_serial_valid(value) is ok


def test_xfzb_house_links_its_master():
    result = XfzbParser().parse(XFZB, CTX)
    assert result.issues == []
    [parsed] = result.consignments
    c = parsed.consignment
    assert c is not None, parsed.issues
    assert c.transport_document.kind is DocumentKind.HOUSE_AWB
    assert c.transport_document.number == "HAWB-77"
    assert c.transport_document.master_number == "176-12345675"
    assert c.key == "air:176/176-12345675:HAWB-77"
    assert c.message_function is MessageFunction.AMENDMENT
    assert c.provenance.source_format is SourceFormat.XFZB
    assert c.goods[0].description == "TOYS"  # SummaryDescription when the item has no nature of goods
    assert c.goods[0].hs_code == "950300"
    assert c.goods[0].gross_weight_kg == Decimal("45.359")
    assert c.total_gross_weight_kg == Decimal("45.359")
    assert c.party(PartyRole.CONSIGNEE) is not None
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.name == "HKG"
    assert c.quality == []


def test_xfzb_without_master_number_warns():
    raw = XFZB.replace(b"<TransportContractDocument><ID>176 12345675</ID></TransportContractDocument>", b"")
    [parsed] = XfzbParser().parse(raw, CTX).consignments
    assert parsed.consignment is not None
    assert parsed.consignment.transport_document.master_number is None
    assert [i.code for i in parsed.consignment.quality] == ["MISSING_AWB"]


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [("MTQ", "1.5", "1.5"), ("CMQ", "10000000", "10"), ("DMQ", "250", "0.25"), ("LTR", "1000", "1")],
)
def test_volume_units(unit: str, value: str, expected: str):
    raw = xfwb().replace(b'unitCode="CMQ">1500000', f'unitCode="{unit}">{value}'.encode())
    volume = _one(raw).goods[0].volume_m3
    assert volume == Decimal(expected)
    assert "E" not in str(volume)


def test_uld_ids_are_compacted():
    raw = xfwb().replace(b"<ram:ID>12345</ram:ID>", b"<ram:ID> 123-45 </ram:ID>")
    assert [e.number for e in _one(raw).equipment] == ["AKE12345XX"]


def test_full_uld_id_is_not_doubled():
    raw = xfwb().replace(b"<ram:ID>12345</ram:ID>", b"<ram:ID>AKE12345XX</ram:ID>")
    assert [e.number for e in _one(raw).equipment] == ["AKE12345XX"]
