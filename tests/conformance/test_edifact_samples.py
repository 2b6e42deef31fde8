"""Conformance: the EDIFACT parsers over the public samples in ../shared/samples (cuscar/, iftmin/).

The samples are not copied into the project (their licences vary); the suite is skipped when the folder is absent.
Each test asserts what the file really says, including the control-count faults some of them carry on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cts.domain.model import (
    Consignment,
    DocumentKind,
    FullEmpty,
    MessageFunction,
    PartyRole,
    Severity,
    SourceFormat,
    TransportMode,
)
from cts.domain.parsers.base import ParseContext, ParseResult
from cts.domain.parsers.edifact import CuscarParser, IftminParser
from cts.domain.parsers.edifact.interchange import split_messages

pytestmark = pytest.mark.conformance

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"
UK = SAMPLES / "cuscar" / "edifact-cuscar-tools_d95b_LOT10_UK_bulk-vessel_synthetic.edi"
CBP = SAMPLES / "cuscar" / "milyn_d03b_CBP-ACE-truck_CUSCAR_single_line_UNG.edi"
DE = SAMPLES / "cuscar" / "milyn_d95b_SCPRLB_DE-summary-declaration_anonymised.edi"
BRING = SAMPLES / "iftmin" / "bring-BIG14-IG_via_edifact-types_IFTMIN_D00B_UNA-comma-decimal_DGS_HS.edi"

CTX = ParseContext(
    object_key="inbox/SAMPLE/sample.edi", carrier_id="SAMPLE", received_at=datetime(2026, 1, 1, tzinfo=UTC)
)


def _read(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"EDIFACT sample {path.name} not found under {SAMPLES} (the shared samples folder is absent)")
    return path.read_bytes()


def _parse(path: Path) -> ParseResult:
    raw = _read(path)
    head = raw[:4096].decode("utf-8", errors="replace")
    parser = CuscarParser() if CuscarParser().sniff(head) else IftminParser()
    assert parser.sniff(head), f"{path.name} is not recognised as EDIFACT"
    return parser.parse(raw, CTX)


def _only(result: ParseResult) -> Consignment:
    (parsed,) = result.consignments
    assert parsed.consignment is not None, parsed.issues
    return parsed.consignment


def _file_issues(result: ParseResult) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.segment, i.value) for i in result.issues]


def test_uk_d95b_bulk_vessel_with_a_wrong_unt_count() -> None:
    result = _parse(UK)
    assert result.source_format is SourceFormat.CUSCAR
    assert _file_issues(result) == [
        ("UNT_COUNT_MISMATCH", 31, "313"),  # the message has 30 segments
        ("UNT_REFERENCE_MISMATCH", 31, "DOCREF1234"),  # UNT repeats the BGM number, not the UNH reference
    ]
    assert all(i.severity is Severity.WARNING for i in result.issues)
    c = _only(result)
    assert c.transport_document.number == "DOCV373MOB909999"
    assert c.transport_document.kind is DocumentKind.MASTER_BILL
    assert (c.message_ref, c.message_function, c.mode) == ("DOCREF1234", MessageFunction.ORIGINAL, TransportMode.SEA)
    assert (c.conveyance.journey_id, c.conveyance.vessel_name) == ("TRANS1234", "TEST SHIP")
    assert c.filed_at == datetime(2019, 10, 21, 8, 52)
    assert c.eta == datetime(2019, 10, 29, 3, 30)
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.locode == "CRMOB"
    assert c.itinerary.place_of_discharge is not None
    assert c.itinerary.place_of_discharge.locode == "GBPME"
    consignee, consignor = c.party(PartyRole.CONSIGNEE), c.party(PartyRole.CONSIGNOR)
    assert consignee is not None
    assert consignee.name == "ANOTHER PERSON, A COMPANY, SOMEWHERE"
    assert consignor is not None
    assert consignor.name == "ANOTHER DIFFERENT PERSON, ANOTHER COMPANY, SOMEWHERE ELSE"
    (goods,) = c.goods
    assert (goods.description, goods.package_count, goods.package_kind, goods.gross_weight_kg) == (
        "FREETEXT DESC, DETAILS",
        2880,
        "UNT",
        Decimal(55814),
    )
    assert (goods.marks, goods.container_numbers) == ("SHIP1234", ["EQ123456"])
    (bulk,) = c.equipment
    assert (bulk.number, bulk.full_empty, bulk.gross_weight_kg) == ("EQ123456", FullEmpty.FULL, Decimal(55814))
    assert c.total_gross_weight_kg == Decimal(55814)
    assert c.provenance.segment == 15  # the CNI


def test_cbp_ace_truck_single_line_with_a_ung_group() -> None:
    raw = _read(CBP)
    assert raw.count(b"\n") == 0
    result = _parse(CBP)
    assert result.issues == []  # UNT 38, UNE 1 and UNZ 1 are all right
    messages, _, summary = split_messages(raw)
    assert (summary.groups, summary.messages, messages[0].header.directory) == (1, 1, "D:03B")
    (parsed,) = result.consignments
    assert [(i.code, i.value) for i in parsed.issues] == [("UNKNOWN_MESSAGE_FUNCTION", "22")]
    c = _only(result)
    assert (c.transport_document.number, c.transport_document.kind) == ("KH041122106", DocumentKind.HOUSE_BILL)
    assert (c.mode, c.message_ref) == (TransportMode.ROAD, "LOCKKH04112206")
    assert c.carrier is not None
    assert c.carrier.code == "LOCK"
    assert c.conveyance.registration == "10000324"
    assert c.eta == datetime(2004, 12, 30, 12, 0)
    assert c.etd == datetime(2004, 12, 30)
    consignee = c.consignee
    assert consignee is not None
    assert (consignee.name, consignee.address_lines, consignee.city, consignee.postcode, consignee.country) == (
        "KATHY SMITH",
        ["1234 MAIN STREET"],
        "BELTSVILLE",
        "20708",
        "US",
    )
    (goods,) = c.goods
    assert (goods.description, goods.package_count, goods.package_kind) == ("IRON COIL SHEET METAL", 158, "COL")
    assert goods.container_numbers == ["10000325"]
    (trailer,) = c.equipment
    assert (trailer.number, trailer.seals) == ("10000325", ["SEALEQUNO001"])
    assert c.provenance.segment == 16
    assert c.provenance.line == 1


def test_german_d95b_summary_declaration_truncated_with_wrong_control_counts() -> None:
    result = _parse(DE)
    assert _file_issues(result) == [
        ("UNT_COUNT_MISMATCH", 22, "61"),  # 21 segments are left of the 61 declared
        ("UNZ_REFERENCE_MISMATCH", 23, "XXXX0037W00900"),
    ]
    (parsed,) = result.consignments
    assert [(i.code, i.value) for i in parsed.issues] == [
        ("UNKNOWN_MESSAGE_FUNCTION", "VSA"),
        ("ASSUMED_TRANSPORT_MODE", None),
    ]
    c = _only(result)
    assert c.transport_document.number == "XXA0037WXXA2042137"  # no CNI: the BGM number
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.locode == "LKCMB"
    assert [(g.sequence, g.package_count, g.package_kind, g.gross_weight_kg, g.description) for g in c.goods] == [
        (1, 286, "CT", Decimal(717), "BLAH BLAH BLAH"),
        (2, 287, "CT", Decimal(717), "BLAH BLAH BLAH"),
    ]
    assert [g.container_numbers for g in c.goods] == [["XXX2042137"], ["XXXX2042137"]]


def test_bring_iftmin_d00b_una_comma_cancellation_dgs_hs_release_and_doubled_terminator() -> None:
    raw = _read(BRING)
    messages, issues, summary = split_messages(raw)
    assert summary.syntax == "UNOC"
    segments = messages[0].segments
    assert not any(i.code == "EDIFACT_SYNTAX" for i in issues)
    pw = next(s for s in segments if s.tag == "NAD" and s.value(1) == "PW")
    assert pw.value(4) == "Backer's Corner"  # Backer?'s
    dgs = next(s for s in segments if s.tag == "DGS")
    assert dgs.element(2) == ["5.1", "(6.1+8)"]  # (6.1?+8)
    doubled = next(i for i, s in enumerate(segments) if s.raw == "MEA+WT+G+KGM:1.5")
    assert segments[doubled + 1].raw == "MEA+ABT+SQ+PCS:44"
    assert segments[doubled + 1].number == segments[doubled].number + 1  # the empty segment is not counted

    result = _parse(BRING)
    assert result.source_format is SourceFormat.IFTMIN
    assert _file_issues(result) == [
        ("ENCODING_MISMATCH", None, "UNOC"),  # "Dekk på felg" is UTF-8 under UNOC
        ("UNT_COUNT_MISMATCH", 72, "61"),  # the message has 70 segments
    ]
    (parsed,) = result.consignments
    assert [i.code for i in parsed.issues] == ["DUPLICATE_MEASURE", "DUPLICATE_MEASURE"]
    c = _only(result)
    assert c.message_function is MessageFunction.CANCELLATION
    assert (c.transport_document.number, c.transport_document.kind) == (
        "70123451234567898",
        DocumentKind.ROAD_CONSIGNMENT_NOTE,
    )
    assert c.mode is TransportMode.ROAD
    assert c.carrier is not None
    assert c.carrier.code == "BCS"
    assert c.filed_at == datetime(2010, 8, 10)
    consignor = c.consignor
    assert consignor is not None
    assert (consignor.name, consignor.address_lines, consignor.city, consignor.postcode, consignor.country) == (
        "Bring IKT X",
        ["Biskop Gunnerusgate 14 A", "18 etg."],
        "OSLO",
        "0001",
        "NO",
    )
    (goods,) = c.goods
    assert (goods.description, goods.hs_code, goods.un_number) == ("Dekk på felg", "7411220000", "1463")
    assert (goods.package_count, goods.gross_weight_kg, goods.volume_m3) == (1, Decimal("0.525"), Decimal("0.096"))
    assert goods.marks == "370404600000010750"
    assert c.total_packages == 9
    assert [(e.number, e.size_type) for e in c.equipment] == [("NC044D", "44")]
