"""Conformance: the Cargo-XML parsers over the public XFWB/XFZB samples in ``../shared/samples``.

The samples are not copied into the project (their licences vary); the suite is skipped when the folder is absent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cts.domain.model import Consignment, DocumentKind, MessageFunction, PartyRole, Severity, SourceFormat
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.cargoxml import XffmParser, XfwbParser, XfzbParser
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"public samples not found at {SAMPLES} (../shared/samples)"),
]

CTX = ParseContext(object_key="conformance", carrier_id="samples", received_at=datetime(2026, 1, 1, tzinfo=UTC))
XFWB_PLAIN = "xfwb/riege_888-11111111_XFWB.xml"
XFWB_ULDS = "xfwb/riege_888-11111111_XFWB_multipleULD_multipleHTS.xml"
XFWB_MISMATCH = "xfwb/riege_888-11111111_XFWB_pieceQuantityItemCountMismatch.xml"
XFZB_HOUSE = "xfzb/riege_SEL22222222_XFZB.xml"


def _raw(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample {name} not found in {SAMPLES}")
    return path.read_bytes()


def _parse(name: str, parser: XfwbParser | XfzbParser) -> Consignment:
    raw = _raw(name)
    head = raw[:4096].decode("utf-8", errors="replace")
    assert [p.source_format for p in (XfwbParser(), XfzbParser(), XffmParser()) if p.sniff(head)] == [
        parser.source_format
    ]
    result = parser.parse(raw, CTX)
    assert result.issues == []
    [parsed] = result.consignments
    assert parsed.issues == []
    assert parsed.consignment is not None
    return parsed.consignment


@pytest.mark.parametrize("name", [XFWB_PLAIN, XFWB_ULDS, XFWB_MISMATCH])
def test_xfwb_master_waybill(name: str):
    c = _parse(name, XfwbParser())
    assert c.transport_document.number == "888-11111111"  # check digit 1111111 mod 7 = 1: valid
    assert c.transport_document.kind is DocumentKind.MASTER_AWB
    assert c.carrier is not None
    assert c.carrier.code == "888"
    assert c.message_function is MessageFunction.ORIGINAL  # PurposeCode Creation
    assert c.message_ref == "888-11111111_6c763819-1067-43fe-acf7-db4daf4f77cf"
    assert c.provenance.source_format is SourceFormat.XFWB
    assert c.filed_at == datetime.fromisoformat("2021-03-10T11:00:00+01:00")
    # flights XX8012 ORK-DUB on 10 March, then XX345 DUB-AUH; AWB route ORK to PVG
    assert c.conveyance.journey_id == "XX8012"
    assert c.etd == datetime(2021, 3, 10)
    it = c.itinerary
    assert it.place_of_loading is not None
    assert it.place_of_loading.name == "ORK"
    assert it.place_of_discharge is not None
    assert it.place_of_discharge.name == "PVG"
    assert [p.name for p in it.transshipment] == ["DUB", "AUH"]
    shipper, consignee, forwarder = (
        c.party(r) for r in (PartyRole.CONSIGNOR, PartyRole.CONSIGNEE, PartyRole.FREIGHT_FORWARDER)
    )
    assert shipper is not None
    assert consignee is not None
    assert forwarder is not None
    assert shipper.name == "FORWARDER COMPANY IRELAND LTD"
    assert (shipper.address_lines, shipper.city, shipper.postcode, shipper.country) == (
        ["HARBOUR POINT BUSINESS PARK"],
        "LITTLE CITY",
        "ABCD",
        "IE",
    )
    assert ("TIN", "IE1234567N") in [(i.scheme, i.value) for i in shipper.identifiers]  # OCI T/SHP
    assert consignee.name == "FORWARDER COMPANY SHANGHAI LTD ROOM 123 SPECIAL BUILDING. NR 987"
    assert consignee.address_lines == ["SUHANG RD. PUDONG AIRPORT", "AIRPORT ROAD"]
    assert (consignee.city, consignee.country) == ("SHANGHAI", "CN")
    assert ("TIN", "USCI1234567812345678X7") in [(i.scheme, i.value) for i in consignee.identifiers]
    assert forwarder.name == "FORWARDER COMPANY IRELAND LIMITED"
    assert ("IATA_AGENT", "3456789") in [(i.scheme, i.value) for i in forwarder.identifiers]
    assert c.party(PartyRole.NOTIFY_PARTY) is None
    assert c.total_gross_weight_kg == Decimal("1042.0")
    first = c.goods[0]
    assert first.hs_code == "000111"
    assert first.gross_weight_kg == Decimal("1042.0")
    assert first.volume_m3 == Decimal("2.602")  # 2 602 000 CMQ
    assert first.description.startswith("CONSOLIDATION AS PER ATTACHED MANIFEST")


def test_xfwb_plain_has_no_ulds_and_consistent_totals():
    c = _parse(XFWB_PLAIN, XfwbParser())
    assert c.total_packages == 3
    assert [g.package_count for g in c.goods] == [3]
    assert c.equipment == []
    assert c.quality == []


def test_xfwb_multiple_ulds_and_hs_codes():
    c = _parse(XFWB_ULDS, XfwbParser())
    assert [(e.number, e.size_type) for e in c.equipment] == [("PMC1337XX", "PMC"), ("AKE4711XX", "AKE")]
    assert c.goods[0].container_numbers == ["PMC1337XX", "AKE4711XX"]
    assert [g.hs_code for g in c.goods] == ["000111", "000222"]
    assert c.total_packages == 3
    assert c.quality == []


def test_xfwb_piece_quantity_item_count_mismatch_is_warned():
    c = _parse(XFWB_MISMATCH, XfwbParser())
    assert c.total_packages == 5
    assert c.goods[0].package_count == 5
    [issue] = c.quality
    assert (issue.code, issue.severity) == ("PIECES_MISMATCH", Severity.WARNING)
    assert issue.value == "5 != 3"  # PieceQuantity 5, package ItemQuantity 2 + 1
    assert issue.field == "goods[0].package_count"
    assert issue.line == 223


def test_xfzb_house_waybill():
    c = _parse(XFZB_HOUSE, XfzbParser())
    assert c.transport_document.kind is DocumentKind.HOUSE_AWB
    assert c.transport_document.number == "SEL22222222"
    assert c.transport_document.master_number == "888-11111111"
    assert c.carrier is not None
    assert c.carrier.code == "888"
    assert c.key == "air:888/888-11111111:SEL22222222"
    assert c.provenance.source_format is SourceFormat.XFZB
    assert c.message_function is MessageFunction.ORIGINAL
    it = c.itinerary
    assert it.place_of_loading is not None
    assert it.place_of_loading.name == "ICN"
    assert it.place_of_discharge is not None
    assert it.place_of_discharge.name == "FDH"
    shipper, consignee = c.consignor, c.consignee
    assert shipper is not None
    assert consignee is not None
    assert (shipper.name, shipper.city, shipper.postcode, shipper.country) == (
        "SPARE PART LTD.",
        "CHANGWON-SI. KYUN",
        "12345",
        "KR",
    )
    assert ("TIN", "5432109876") in [(i.scheme, i.value) for i in shipper.identifiers]
    assert (consignee.name, consignee.address_lines, consignee.city, consignee.country) == (
        "REPAIR DIENST GMBH",
        ["SPEZIAL-STR. 13"],
        "FRIEDRICHSHAFEN",
        "DE",
    )
    assert ("TIN", "DE3056777000") in [(i.scheme, i.value) for i in consignee.identifiers]
    [item] = c.goods
    assert (item.description, item.hs_code, item.package_count, item.gross_weight_kg) == (
        "SPARE PARTS",
        "1133557799",
        5,
        Decimal("133.7"),
    )
    assert c.total_gross_weight_kg == Decimal("134.0")
    assert c.total_packages == 10
    # the house declares 10 pieces in total but its only item has 5: found by quality after parsing
    assert c.quality == []
    checked = with_quality(c, default_reference())
    assert ("PACKAGES_MISMATCH", "total 10 != goods items 5") in [(i.code, i.value) for i in checked.quality]
