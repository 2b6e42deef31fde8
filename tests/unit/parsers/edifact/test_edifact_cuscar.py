"""CUSCAR to consignments: one per CNI group, message-level facts inherited, everything mapped exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cts.domain.model import (
    Direction,
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
from cts.domain.parsers.edifact.tokenizer import Segment

CTX = ParseContext(object_key="inbox/MAEU/cuscar.edi", carrier_id="MAEU", received_at=datetime(2024, 3, 1, tzinfo=UTC))

HEADER = [
    "BGM+785+MANIFEST-7+{function}",
    "DTM+137:202403011030:203",
    "TDT+20+V123E+1++MAEU:172:20:MAERSK LINE+++9321483:146:11:EMMA MAERSK:DK",
    "LOC+5+CNSHA",
    "LOC+60+NLRTM",
    "DTM+133:20240215:102",
    "DTM+132:20240301083015:204",
    "EQD+CN+MSKU1234565+45G1+++5",
    "MEA+AAE+G+KGM:24000.5",
    "SEL+SEAL001",
    "SEL+SEAL002",
    "EQD+CN+TGHU 765432-1+22G1+++4",
    "MEA+AAE+T+KGM:2200",
]
FIRST = [
    "CNI+1+MAEU123456789",  # segment 17 (UNA, UNB, UNH, 13 header segments)
    "RFF+BM:MAEU123456789",
    "LOC+9+CNSHA:139:6",
    "LOC+11+NLRTM",
    "NAD+CZ+++SHANGHAI TOYS CO?, LTD+88 NANJING ROAD:BUILDING 3+SHANGHAI++200001+CN",
    "NAD+CN+DE123456789012345:EORI++KLEIN GMBH+HAFENSTRASSE 1+HAMBURG++20457+DE",
    "NAD+N1+++NOTIFY BV+KADE 2+ROTTERDAM++3011AB+NL",
    "GID+1+100:CT",
    "FTX+AAA+++PLASTIC TOYS:FOR CHILDREN",
    "PIA+5+950300:HS",
    "MEA+AAE+G+KGM:1500.5",
    "MEA+AAE+AAW+MTQ:12.25",
    "SGP+MSKU1234565+100",
    "GID+2+5:PK",
    "FTX+AAA+++LITHIUM BATTERIES",
    "CST+2+85065000",
    "MEA+AAE+G+GRM:250000",
    "DGS+IMD+9+3090",
    "MEA+AAE+AAL+KGM:10",
    "SGP+MSKU1234565+5",
]
SECOND = [
    "CNI+2+HB0002",
    "RFF+BH:HB0002",
    "RFF+BM:HLCUMASTER1",
    "LOC+9+CNNGB",
    "LOC+11+NLRTM",
    "LOC+7+DEDUI",
    "NAD+CZ+++NINGBO TEXTILES+1 HARBOUR ROAD+NINGBO++315000+CN",
    "NAD+CN+++DUISBURG HANDEL GMBH+RHEINSTRASSE 5+DUISBURG++47051+DE",
    "GID+1+20:BL",
    "FTX+AAA+++COTTON FABRIC",
    "PIA+5+5208.12:HS",
    "MEA+AAE+G+KGM:3000",
    "SGP+TGHU7654321",
]


def interchange(*messages: list[str], unt: int | None = None, trailer: bool = True, una: str = "UNA:+.? '") -> bytes:
    """An interchange with correct control counts (unless ``unt`` overrides the first message's count)."""
    parts = [una, "UNB+UNOC:3+MAEU:ZZ+CUSTOMS:ZZ+240301:1030+IC0001'"]
    for index, body in enumerate(messages, start=1):
        count = len(body) + 2 if unt is None or index > 1 else unt
        parts.append("".join(f"{s}'" for s in [f"UNH+M{index}+CUSCAR:D:95B:UN", *body]))
        if trailer:
            parts.append(f"UNT+{count}+M{index}'")
    if trailer:
        parts.append(f"UNZ+{len(messages)}+IC0001'")
    return "\n".join(parts).encode("utf-8")


def parse(raw: bytes) -> ParseResult:
    return CuscarParser().parse(raw, CTX)


def message(function: str = "9") -> list[str]:
    return [s.format(function=function) for s in HEADER] + FIRST + SECOND


def test_multi_consignment_cuscar_is_mapped_exactly() -> None:
    result = parse(interchange(message()))
    assert result.source_format is SourceFormat.CUSCAR
    assert result.issues == []
    assert [p.document_number for p in result.consignments] == ["MAEU123456789", "HB0002"]
    assert all(p.issues == [] for p in result.consignments)
    first, second = (p.consignment for p in result.consignments)
    assert first is not None
    assert second is not None

    assert first.message_function is MessageFunction.ORIGINAL
    assert first.message_ref == "MANIFEST-7"
    assert first.mode is TransportMode.SEA
    assert first.direction is Direction.IMPORT
    assert first.transport_document.kind is DocumentKind.MASTER_BILL
    assert first.carrier is not None
    assert (first.carrier.code, first.carrier.name) == ("MAEU", "MAERSK LINE")
    conveyance = first.conveyance
    assert (conveyance.journey_id, conveyance.vessel_name, conveyance.imo_number, conveyance.nationality) == (
        "V123E",
        "EMMA MAERSK",
        "9321483",
        "DK",
    )
    assert first.filed_at == datetime(2024, 3, 1, 10, 30)
    assert first.etd == datetime(2024, 2, 15)
    assert first.eta == datetime(2024, 3, 1, 8, 30, 15)
    assert first.itinerary.place_of_loading is not None
    assert first.itinerary.place_of_loading.locode == "CNSHA"
    assert first.itinerary.place_of_discharge is not None
    assert first.itinerary.place_of_discharge.locode == "NLRTM"

    consignor = first.party(PartyRole.CONSIGNOR)
    assert consignor is not None
    assert (consignor.name, consignor.address_lines, consignor.city, consignor.postcode, consignor.country) == (
        "SHANGHAI TOYS CO, LTD",
        ["88 NANJING ROAD", "BUILDING 3"],
        "SHANGHAI",
        "200001",
        "CN",
    )
    consignee = first.party(PartyRole.CONSIGNEE)
    assert consignee is not None
    assert consignee.name == "KLEIN GMBH"
    assert [(i.scheme, i.value) for i in consignee.identifiers] == [("EORI", "DE123456789012345")]
    notify = first.party(PartyRole.NOTIFY_PARTY)
    assert notify is not None
    assert notify.name == "NOTIFY BV"

    toys, batteries = first.goods
    assert (toys.sequence, toys.description, toys.hs_code, toys.package_count, toys.package_kind) == (
        1,
        "PLASTIC TOYS FOR CHILDREN",
        "950300",
        100,
        "CT",
    )
    assert (toys.gross_weight_kg, toys.volume_m3, toys.container_numbers) == (
        Decimal("1500.5"),
        Decimal("12.25"),
        ["MSKU1234565"],
    )
    assert (batteries.hs_code, batteries.gross_weight_kg, batteries.un_number, batteries.net_weight_kg) == (
        "85065000",
        Decimal(250),
        "3090",
        None,
    )
    assert [e.number for e in first.equipment] == ["MSKU1234565"]
    box = first.equipment[0]
    assert (box.size_type, box.full_empty, box.seals, box.gross_weight_kg) == (
        "45G1",
        FullEmpty.FULL,
        ["SEAL001", "SEAL002"],
        Decimal("24000.5"),
    )
    assert first.provenance.segment == 17
    assert first.provenance.message_ref == "M1"
    assert first.provenance.source_format is SourceFormat.CUSCAR

    assert second.transport_document.kind is DocumentKind.HOUSE_BILL
    assert second.transport_document.master_number == "HLCUMASTER1"
    assert second.direction is Direction.TRANSIT  # discharged in NL, delivered in DE
    assert second.itinerary.place_of_loading is not None
    assert second.itinerary.place_of_loading.locode == "CNNGB"
    assert second.itinerary.place_of_delivery is not None
    assert second.itinerary.place_of_delivery.locode == "DEDUI"
    assert [(g.description, g.hs_code, g.package_count, g.package_kind) for g in second.goods] == [
        ("COTTON FABRIC", "520812", 20, "BL")
    ]
    assert [(e.number, e.full_empty, e.tare_weight_kg) for e in second.equipment] == [
        ("TGHU7654321", FullEmpty.EMPTY, Decimal(2200))
    ]
    assert second.provenance.segment == 17 + len(FIRST)


@pytest.mark.parametrize(
    ("code", "function"),
    [
        ("9", MessageFunction.ORIGINAL),
        ("5", MessageFunction.AMENDMENT),
        ("4", MessageFunction.AMENDMENT),
        ("1", MessageFunction.CANCELLATION),
        ("3", MessageFunction.CANCELLATION),
    ],
)
def test_message_function_codes(code: str, function: MessageFunction) -> None:
    result = parse(interchange(message(code)))
    assert [p.consignment.message_function for p in result.consignments if p.consignment] == [function, function]


def test_unknown_message_function_is_an_original_with_a_warning() -> None:
    result = parse(interchange(message("47X")))
    assert result.consignments[0].consignment is not None
    assert result.consignments[0].consignment.message_function is MessageFunction.ORIGINAL
    assert [i.code for i in result.consignments[0].issues] == ["UNKNOWN_MESSAGE_FUNCTION"]


def test_wrong_unt_count_is_a_warning_and_consignments_are_kept() -> None:
    result = parse(interchange(message(), unt=99))
    assert [(i.code, i.severity, i.value) for i in result.issues] == [("UNT_COUNT_MISMATCH", Severity.WARNING, "99")]
    assert all(p.consignment is not None for p in result.consignments)


def test_truncated_interchange_keeps_the_complete_consignments() -> None:
    body = message()[: len(HEADER) + len(FIRST) + 10]  # cut inside the second CNI group
    result = parse(interchange(body, trailer=False))
    assert [i.code for i in result.issues] == ["MISSING_UNT", "MISSING_UNZ"]
    first, second = result.consignments
    assert first.consignment is not None
    assert first.document_number == "MAEU123456789"
    assert second.consignment is None
    assert second.document_number == "HB0002"
    assert [(i.code, i.severity, i.segment) for i in second.issues] == [
        ("TRUNCATED_CONSIGNMENT", Severity.ERROR, 17 + len(FIRST))
    ]


def test_a_consignment_without_document_number_does_not_sink_the_others() -> None:
    body = message()
    body[len(HEADER)] = "CNI+1"
    body[len(HEADER) + 1] = "RFF+ABO:NOTADOCUMENT"
    result = parse(interchange(body))
    first, second = result.consignments
    assert first.consignment is None
    assert [(i.code, i.severity, i.segment) for i in first.issues] == [("MISSING_DOCUMENT_NUMBER", Severity.ERROR, 17)]
    assert second.consignment is not None


def test_an_invalid_part_is_left_out_with_a_warning() -> None:
    body = message()
    body[len(HEADER) + 5] = "NAD+CN+++KLEIN GMBH+HAFENSTRASSE 1+HAMBURG++20457+GERMANY"
    body[len(HEADER) + 9] = "PIA+5+95.03.0X:HS"
    result = parse(interchange(body))
    first = result.consignments[0]
    assert first.consignment is not None
    consignee = first.consignment.consignee
    assert consignee is not None
    assert consignee.country is None
    assert first.consignment.goods[0].hs_code is None
    assert [(i.code, i.severity, i.value) for i in first.issues] == [
        ("INVALID_VALUE", Severity.WARNING, "GERMANY"),
        ("INVALID_HS_CODE", Severity.WARNING, "95.03.0X"),
    ]


def test_transshipment_and_cbp_style_fallbacks() -> None:
    body = [
        "BGM+85+SCN1+9",
        "TDT+20++3++LOCK:172+++:109::TRUCK 77",
        "CNI+1+:23",
        "DOC+714:::61+KH041122106::LOCK",
        "LOC+11+USSEA",
        "LOC+13+USSEA",
        "NAD+OS+++ORIGINAL SHIPPER INC+1 MAIN ST+DALLAS+TX+75201+US",
        "GID+1",
        "PAC+158++COL",
        "FTX+AAA+++IRON COIL",
    ]
    result = parse(interchange(body))
    (parsed,) = result.consignments
    c = parsed.consignment
    assert c is not None, parsed.issues
    assert (c.transport_document.number, c.transport_document.kind) == ("KH041122106", DocumentKind.HOUSE_BILL)
    assert c.mode is TransportMode.ROAD
    assert c.conveyance.registration == "TRUCK 77"
    assert c.carrier is not None
    assert c.carrier.code == "LOCK"
    assert c.direction is Direction.TRANSSHIPMENT
    assert c.consignor is not None
    assert c.consignor.name == "ORIGINAL SHIPPER INC"
    assert (c.goods[0].package_count, c.goods[0].package_kind) == (158, "COL")


def test_message_without_cni_is_one_consignment_numbered_by_bgm() -> None:
    body = ["BGM+85+ESUMA0001+9", "GID+1+286:CT", "FTX+AAA+++TILES", "MEA+WT+G+KGM:717"]
    result = parse(interchange(body))
    (parsed,) = result.consignments
    assert parsed.document_number == "ESUMA0001"
    assert parsed.consignment is not None
    assert parsed.consignment.goods[0].gross_weight_kg == Decimal(717)
    assert [i.code for i in parsed.issues] == ["ASSUMED_TRANSPORT_MODE"]


def test_unow_names_and_unsupported_messages() -> None:
    raw = (
        "UNB+UNOW:4+S+R+20240101:1200+IC9'"
        "UNH+1+CUSRES:D:96B:UN'BGM+962+X+9'UNT+3+1'"
        "UNH+2+CUSCAR:D:11A:UN'BGM+785+M+9'TDT+20++1'CNI+1+BL1'NAD+CN+++ŻABKA SPÓŁKA 株式会社'UNT+6+2'"
        "UNZ+2+IC9'"
    ).encode()
    result = parse(raw)
    assert [(i.code, i.segment) for i in result.issues] == [("UNSUPPORTED_MESSAGE", 2)]
    (parsed,) = result.consignments
    assert parsed.consignment is not None
    assert parsed.consignment.consignee is not None
    assert parsed.consignment.consignee.name == "ŻABKA SPÓŁKA 株式会社"


def test_empty_or_foreign_input_is_a_file_error() -> None:
    result = parse(b"")
    assert [(i.code, i.severity) for i in result.issues] == [("NO_MESSAGES", Severity.ERROR)]


def test_sniffing_routes_by_message_type() -> None:
    cuscar = interchange(message()).decode()
    assert CuscarParser().sniff(cuscar[:4096])
    assert not IftminParser().sniff(cuscar[:4096])
    assert CuscarParser().sniff("UNB+UNOA:2+S+R'UNH+1+CUSCAR:D:95B:UN'")
    assert not CuscarParser().sniff('{"format": "cts-json/1"}')
    assert not CuscarParser().sniff("BGM+85'UNH+1+CUSCAR:D:95B:UN'")


def test_house_cni_groups_take_the_master_bill_from_message_level() -> None:
    body = [
        "BGM+785+MAN9+9",
        "RFF+BM:MSCU998877",
        "TDT+20+9W+1",
        "CNI+1+HBL001",
        "RFF+BH:HBL001",
        "GID+1+1:PK",
        "MEA+AAE+G+KGM:1E30",
        "CNI+2+HBL002",
        "RFF+BH:HBL002",
    ]
    result = parse(interchange(body))
    documents = [p.consignment.transport_document for p in result.consignments if p.consignment]
    assert [(d.number, d.kind, d.master_number) for d in documents] == [
        ("HBL001", DocumentKind.HOUSE_BILL, "MSCU998877"),
        ("HBL002", DocumentKind.HOUSE_BILL, "MSCU998877"),
    ]
    assert [(i.code, i.value) for i in result.consignments[0].issues] == [("INVALID_NUMBER", "1E30")]


def test_a_failing_message_does_not_sink_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    from cts.domain.parsers.edifact import mapping

    original = mapping.Draft.add

    def add(self: mapping.Draft, seg: Segment) -> None:
        if seg.raw == "FTX+AAA+++BOOM":
            raise RuntimeError("boom")
        original(self, seg)

    monkeypatch.setattr(mapping.Draft, "add", add)
    raw = interchange(["BGM+785+A+9", "CNI+1+BL1", "GID+1", "FTX+AAA+++BOOM"], ["BGM+785+B+9", "CNI+1+BL2"])
    result = parse(raw)
    assert [(i.code, i.severity) for i in result.issues] == [("PARSER_ERROR", Severity.ERROR)]
    assert [p.document_number for p in result.consignments] == ["BL2"]
