from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cts.domain.model import DocumentKind, SourceFormat
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.cargoimp import FfmParser

CTX = ParseContext(object_key="inbox/XX/ffm.txt", carrier_id="XX", received_at=datetime(2026, 4, 17, tzinfo=UTC))

FFM = """FFM/8
1/XX101/17APR0930/LHR/G-ABCD
JFK
125-12345675LHRJFK/T2K20MC0.1/BOOKS
/EAP
ULD/AKE12345XX
125-23456786LHRJFK/S3K30MC0.2T5/PARTS
125-34567890FRAJFK/T1K5/DOCS
BULK
125-23456786LHRJFK/S2K20MC0.1T5/PARTS
ULD/PMC54321XX-M/FRAGILE
125-45678905LHRJFK/T4L100/SHOES
/SPX/EAP
ORD
125-56789014LHRORD/T1K1/SAMPLES
BOS
NIL
LAST
"""


def consignments(text: str = FFM) -> dict[str, object]:
    result = FfmParser().parse(text.encode(), CTX)
    assert result.source_format is SourceFormat.FFM
    return {p.document_number: p.consignment for p in result.consignments}


def test_flight_line_and_unloading_points() -> None:
    result = FfmParser().parse(FFM.encode(), CTX)
    assert result.issues == []
    found = consignments()
    assert list(found) == ["125-12345675", "125-23456786", "125-34567890", "125-45678905", "125-56789014"]
    books = found["125-12345675"]
    assert books.transport_document.kind is DocumentKind.MASTER_AWB
    assert books.carrier.code == "125"
    assert books.conveyance.journey_id == "XX101"
    assert books.conveyance.flight_date == datetime(2026, 4, 17, 9, 30, tzinfo=UTC)
    assert books.conveyance.registration == "G-ABCD"
    assert books.itinerary.place_of_loading.name == "LHR"
    assert books.itinerary.place_of_discharge.name == "JFK"
    assert found["125-56789014"].itinerary.place_of_discharge.name == "ORD"
    assert found["125-34567890"].itinerary.place_of_receipt.name == "FRA"
    assert books.itinerary.place_of_delivery.name == "JFK"
    assert books.provenance.line == 4
    assert books.goods[0].description == "BOOKS"
    assert (books.total_packages, books.total_gross_weight_kg, books.goods[0].volume_m3) == (
        2,
        Decimal("20"),
        Decimal("0.1"),
    )


def test_bulk_and_uld_equipment() -> None:
    found = consignments()
    assert found["125-12345675"].equipment == []
    assert [e.number for e in found["125-34567890"].equipment] == ["AKE12345XX"]
    shoes = found["125-45678905"]
    assert [e.number for e in shoes.equipment] == ["PMC54321XX"]
    assert shoes.total_gross_weight_kg == Decimal("45.359")


def test_split_shipment_is_merged_by_awb_with_a_note() -> None:
    parts = consignments()["125-23456786"]
    assert [e.number for e in parts.equipment] == ["AKE12345XX"]
    assert (parts.total_packages, parts.total_gross_weight_kg) == (5, Decimal("50"))
    assert [(g.package_count, g.gross_weight_kg, g.volume_m3, g.container_numbers) for g in parts.goods] == [
        (3, Decimal("30"), Decimal("0.2"), ["AKE12345XX"]),
        (2, Decimal("20"), Decimal("0.1"), []),
    ]
    note = next(i for i in parts.quality if i.code == "SPLIT_SHIPMENT_MERGED")
    assert note.line == 7
    assert "AKE12345XX 3 pcs" in note.message
    assert "BULK 2 pcs" in note.message


def test_more_pieces_than_the_shipment_total_is_a_mismatch() -> None:
    text = FFM.replace("S2K20MC0.1T5", "S4K20MC0.1T5")
    issue = next(i for i in consignments(text)["125-23456786"].quality if i.code == "PIECES_MISMATCH")
    assert issue.value == "7"


def test_nil_manifest_has_no_consignments_and_no_issues() -> None:
    result = FfmParser().parse(b"FFM/8\r\n1/XX101/17APR/LHR\r\nJFK\r\nNIL\r\nLAST", CTX)
    assert result.consignments == []
    assert result.issues == []


def test_parts_are_parsed_on_their_own() -> None:
    part1 = "FFM/8\n1/XX101/17APR/LHR\nJFK\nULD/AKE12345XX\n125-12345675LHRJFK/T2K20/BOOKS\nCONT\n"
    part2 = "FFM/8\n2/XX101/17APR/LHR\nJFK\nULD/AKE12345XX\n125-23456786LHRJFK/T1K5/PENS\nLAST"
    first, second = FfmParser().parse(part1.encode(), CTX), FfmParser().parse(part2.encode(), CTX)
    assert first.issues == []
    assert second.issues == []
    assert [p.document_number for p in first.consignments] == ["125-12345675"]
    assert [e.number for e in second.consignments[0].consignment.equipment] == ["AKE12345XX"]


def test_truncated_manifest_and_bad_check_digit_are_warnings() -> None:
    text = "FFM/8\n1/XX101/17APR/LHR\nJFK\n125-12345670LHRJFK/T2K20/BOOKS"
    result = FfmParser().parse(text.encode(), CTX)
    assert [(i.code, i.line) for i in result.issues] == [("CIMP_SYNTAX", 4)]
    c = result.consignments[0].consignment
    assert [(i.code, i.line, i.value) for i in c.quality] == [("BAD_AWB_CHECK_DIGIT", 4, "125-12345670")]


def test_unsupported_version_and_odd_lines() -> None:
    text = "FFM/7\n1/XX101/17APR/LHR\nJFK\n125-12345675LHRJFK/T2X20/BOOKS\n??\nULD/?\nLAST"
    result = FfmParser().parse(text.encode(), CTX)
    assert [(i.code, i.line) for i in result.issues] == [
        ("UNSUPPORTED_VERSION", 1),
        ("CIMP_SYNTAX", 5),
        ("CIMP_SYNTAX", 6),
    ]
    c = result.consignments[0].consignment
    assert [i.code for i in c.quality] == ["WEIGHT_UNIT_UNKNOWN"]
    assert c.total_gross_weight_kg is None
