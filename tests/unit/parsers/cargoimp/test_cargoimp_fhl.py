from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cts.domain.model import DocumentKind, PartyRole, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.cargoimp import FhlParser

CTX = ParseContext(object_key="inbox/XX/fhl.txt", carrier_id="XX", received_at=datetime(2026, 4, 20, tzinfo=UTC))

FHL = """FHL/5
MBI/125-12345675LHRJFK/T10K250.5
HBS/HAWB001/LHRJFK/6/K150.5//MACH PARTS
/EAP
TXT/MACHINE PARTS FOR PACKAGING LINES
HTS/847990
/8483.10
OCI/GB/SHP/T/EORIGB123
SHP
NAM/ACME WIDGETS LTD
ADR/1 HIGH ST
LOC/LONDON
/GB/SW1A1AA
CNE
NAM/BLUE IMPORTS INC
ADR/5 MAIN ST
LOC/NEW YORK/NY
/US/10001/TE/12125550000
HBS/HAWB002/LHRJFK/4/L220/4/BOOKS
SHP/BOOKS LTD
/2 LOW ST
/OXFORD
/GB/OX11AA
CNE/READERS INC
/9 BROADWAY
/NEW YORK/NY
/US/10002
CVD/GBP/PP/NVD/NCV/XXX
"""


def test_one_house_consignment_per_hbs_linked_to_the_master() -> None:
    result = FhlParser().parse(FHL.encode(), CTX)
    assert result.source_format is SourceFormat.FHL
    assert result.issues == []
    assert [p.document_number for p in result.consignments] == ["HAWB001", "HAWB002"]
    first, second = (p.consignment for p in result.consignments)
    assert first.quality == []
    assert second.quality == []
    for c in (first, second):
        assert c.transport_document.kind is DocumentKind.HOUSE_AWB
        assert c.transport_document.master_number == "125-12345675"
        assert c.carrier.code == "125"
        assert (c.itinerary.place_of_loading.name, c.itinerary.place_of_discharge.name) == ("LHR", "JFK")
    assert first.key == "air:125/125-12345675:HAWB001"
    assert (first.total_packages, first.total_gross_weight_kg) == (6, Decimal("150.5"))
    assert (second.total_packages, second.total_gross_weight_kg) == (4, Decimal("99.790"))
    assert first.provenance.line == 3
    assert second.provenance.line == 19


def test_house_goods_text_hs_codes_and_parties() -> None:
    first, second = (p.consignment for p in FhlParser().parse(FHL.encode(), CTX).consignments)
    assert [g.hs_code for g in first.goods] == ["847990", "848310"]
    assert first.goods[0].description == "MACHINE PARTS FOR PACKAGING LINES"
    assert second.goods[0].description == "BOOKS"
    assert second.goods[0].hs_code is None
    shipper = first.party(PartyRole.CONSIGNOR)
    assert (shipper.name, shipper.city, shipper.country, shipper.postcode) == (
        "ACME WIDGETS LTD",
        "LONDON",
        "GB",
        "SW1A1AA",
    )
    assert [(i.scheme, i.value) for i in shipper.identifiers] == [("EORI", "GB123")]
    assert first.consignee.phone == "12125550000"
    assert (second.consignor.name, second.consignor.address_lines, second.consignor.city) == (
        "BOOKS LTD",
        ["2 LOW ST"],
        "OXFORD",
    )
    assert (second.consignee.name, second.consignee.city, second.consignee.country) == ("READERS INC", "NEW YORK", "US")


def test_houses_holding_more_pieces_than_the_master() -> None:
    result = FhlParser().parse(FHL.replace("/T10K250.5", "/T9K250.5").encode(), CTX)
    assert [(i.code, i.line, i.value) for i in result.issues] == [("PIECES_MISMATCH", 3, "10")]


def test_missing_master_keeps_the_houses_with_a_warning() -> None:
    result = FhlParser().parse(FHL.replace("MBI/125-12345675LHRJFK/T10K250.5\n", "").encode(), CTX)
    assert result.issues[0].code == "MISSING_AWB"
    assert all(p.consignment is not None for p in result.consignments)
    first = result.consignments[0].consignment
    assert first.transport_document.master_number is None
    assert [i.code for i in first.quality] == ["MISSING_AWB"]


def test_bad_master_check_digit_and_house_without_number() -> None:
    text = FHL.replace("125-12345675", "125-12345679").replace("HBS/HAWB002", "HBS/")
    result = FhlParser().parse(text.encode(), CTX)
    assert [(i.code, i.line, i.severity) for i in result.issues] == [("BAD_AWB_CHECK_DIGIT", 2, Severity.WARNING)]
    good, rejected = result.consignments
    assert good.consignment is not None
    assert rejected.consignment is None
    assert rejected.issues[0].code == "MISSING_HOUSE_NUMBER"
    assert rejected.issues[0].line == 19


def test_fhl4_crlf_without_final_newline() -> None:
    text = "FHL/4\r\nMBI/125-12345675LHRJFK/T1K5\r\nHBS/H1/LHRJFK/1/K5/1/SHOES\r\nCVD/GBP/PP/NVD/NCV/XXX"
    result = FhlParser().parse(text.encode(), CTX)
    assert result.issues == []
    c = result.consignments[0].consignment
    assert (c.transport_document.number, c.goods[0].description, c.total_packages) == ("H1", "SHOES", 1)
