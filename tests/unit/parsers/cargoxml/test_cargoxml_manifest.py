from __future__ import annotations

from decimal import Decimal

from cargoxml_fixtures import CTX, XFFM

from cts.domain.model import DocumentKind, Severity, SourceFormat
from cts.domain.parsers.cargoxml import XffmParser


def test_xffm_one_consignment_per_awb_with_split_parts_merged():
    result = XffmParser().parse(XFFM, CTX)
    assert result.issues == []
    numbers = [p.document_number for p in result.consignments]
    assert numbers == ["020-11111111", "020-22222222", None]
    split = result.consignments[0].consignment
    assert split is not None
    assert split.transport_document.kind is DocumentKind.MASTER_AWB
    assert split.carrier is not None
    assert split.carrier.code == "020"
    assert split.provenance.source_format is SourceFormat.XFFM
    assert split.message_ref == "FFM-42"
    assert [(g.package_count, g.gross_weight_kg, g.container_numbers) for g in split.goods if g.package_count] == [
        (6, Decimal(300), ["PMC54321XX"]),
        (4, Decimal(200), []),
    ]
    assert [g.hs_code for g in split.goods] == ["848210", "848220", None]
    assert [e.number for e in split.equipment] == ["PMC54321XX"]
    assert split.total_packages == 10
    assert split.total_gross_weight_kg == Decimal(500)
    assert split.quality == []


def test_xffm_flight_and_points_of_loading_and_unloading():
    c = XffmParser().parse(XFFM, CTX).consignments[0].consignment
    assert c is not None
    assert c.conveyance.journey_id == "XX0042"
    assert c.conveyance.registration == "D-AALA"
    assert c.etd is not None
    assert c.etd.isoformat() == "2026-01-06T22:00:00+00:00"
    assert c.eta is not None
    assert c.eta.isoformat() == "2026-01-07T06:30:00+00:00"
    it = c.itinerary
    assert [p.name if p else None for p in (it.place_of_receipt, it.place_of_loading)] == ["MUC", "FRA"]
    assert [p.name if p else None for p in (it.place_of_discharge, it.place_of_delivery)] == ["JFK", "ORD"]


def test_xffm_more_pieces_than_the_awb_total_and_pounds():
    c = XffmParser().parse(XFFM, CTX).consignments[1].consignment
    assert c is not None
    assert c.goods[0].gross_weight_kg == Decimal("10.002")  # 22.05 LBR
    assert c.total_packages == 7  # the pieces on this flight
    [issue] = c.quality
    assert (issue.code, issue.severity, issue.value) == ("PIECES_MISMATCH", Severity.WARNING, "5 != 7")


def test_xffm_entry_without_awb_is_rejected_alone():
    missing = XffmParser().parse(XFFM, CTX).consignments[2]
    assert missing.consignment is None
    assert [(i.code, i.severity) for i in missing.issues] == [("MISSING_AWB", Severity.ERROR)]
    assert missing.line == 63


def test_xffm_nil_manifest_warns():
    raw = b"""<m:FlightManifest xmlns:m="iata:flightmanifest:1" xmlns:r="iata:datamodel:3">
  <m:LogisticsTransportMovement><r:ID>XX1</r:ID></m:LogisticsTransportMovement>
  <m:ArrivalEvent><r:AssociatedTransportCargo><r:TypeCode>NIL</r:TypeCode></r:AssociatedTransportCargo></m:ArrivalEvent>
</m:FlightManifest>"""
    result = XffmParser().parse(raw, CTX)
    assert result.consignments == []
    assert [(i.code, i.severity) for i in result.issues] == [("NO_CONSIGNMENTS", Severity.WARNING)]
