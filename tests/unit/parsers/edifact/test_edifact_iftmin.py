"""IFTMIN and IFTMCS: one consignment per message, comma decimal marks, DGS, HS codes, cancellations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cts.domain.model import Direction, DocumentKind, MessageFunction, PartyRole, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.edifact import CuscarParser, IftminParser

CTX = ParseContext(object_key="inbox/FWD/iftmin.edi", carrier_id="FWD", received_at=datetime(2024, 5, 1, tzinfo=UTC))

IFTMIN = (
    "UNA:+,? '"
    "UNB+UNOC:3+FWD:ZZ+CARRIER:ZZ+240501:0900+X1'"
    "UNH+77+IFTMIN:D:00B:UN'"  # segment 3
    "BGM+610+SHIP-4711+{function}'"
    "DTM+137:202405010900:203'"
    "TSR+1'"
    "RFF+BM:OOLU2345678901''"  # doubled terminator
    "TDT+20+044W+1++OOLU:172:20+++9349485:146:11:OOCL HAMBURG'"
    "LOC+9+DEHAM'"
    "LOC+11+USNYC'"
    "NAD+CZ+++MÜLLER ?+ SÖHNE KG+ELBCHAUSSEE 1+HAMBURG++22763+DE'"
    "NAD+CN+++O?'NEILL IMPORTS LLC+5 PIER ST+NEW YORK+NY+10004+US'"
    "NAD+FW+++HANSA FORWARDING+SPEICHERSTADT 2+HAMBURG++20457+DE'"
    "GID+1+12:PK'"
    "FTX+AAA+++PAINT?, FLAMMABLE'"
    "PIA+5+320890:HS'"
    "MEA+WT+G+KGM:1250,75'"
    "MEA+VOL+AAW+MTQ:2,5'"
    "DGS+IMD+3+1263'"
    "FTX+AAD+++PAINT'"
    "MEA+WT+AAL+KGM:900'"
    "EQD+CN+OOLU1234568+22G1+++5'"
    "MEA+AAE+T+KGM:2180'"
    "SEL+AB12345'"
    "UNT+23+77'"
    "UNZ+1+X1'"
)


def test_iftmin_with_comma_decimal_dgs_hs_and_release_characters() -> None:
    result = IftminParser().parse(IFTMIN.format(function="9").encode("latin-1"), CTX)
    assert result.source_format is SourceFormat.IFTMIN
    assert result.issues == []
    (parsed,) = result.consignments
    assert parsed.issues == []
    c = parsed.consignment
    assert c is not None
    assert parsed.document_number == "OOLU2345678901"
    assert (c.transport_document.number, c.transport_document.kind) == ("OOLU2345678901", DocumentKind.MASTER_BILL)
    assert (c.message_function, c.message_ref, c.mode, c.direction) == (
        MessageFunction.ORIGINAL,
        "SHIP-4711",
        TransportMode.SEA,
        Direction.IMPORT,
    )
    assert c.carrier is not None
    assert c.carrier.code == "OOLU"
    assert (c.conveyance.journey_id, c.conveyance.vessel_name, c.conveyance.imo_number) == (
        "044W",
        "OOCL HAMBURG",
        "9349485",
    )
    assert c.filed_at == datetime(2024, 5, 1, 9, 0)
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.locode == "DEHAM"
    consignor, consignee, forwarder = (
        c.party(r) for r in (PartyRole.CONSIGNOR, PartyRole.CONSIGNEE, PartyRole.FREIGHT_FORWARDER)
    )
    assert consignor is not None
    assert consignor.name == "MÜLLER + SÖHNE KG"
    assert consignee is not None
    assert (consignee.name, consignee.city, consignee.country) == (
        "O'NEILL IMPORTS LLC",
        "NEW YORK",
        "US",
    )
    assert forwarder is not None
    assert forwarder.name == "HANSA FORWARDING"
    (paint,) = c.goods
    assert (paint.description, paint.hs_code, paint.un_number) == ("PAINT, FLAMMABLE", "320890", "1263")
    assert (paint.gross_weight_kg, paint.volume_m3, paint.net_weight_kg) == (Decimal("1250.75"), Decimal("2.5"), None)
    assert (paint.package_count, paint.package_kind) == (12, "PK")
    (box,) = c.equipment
    assert (box.number, box.tare_weight_kg, box.seals) == ("OOLU1234568", Decimal(2180), ["AB12345"])
    assert c.provenance.segment == 3
    assert c.provenance.message_ref == "77"


def test_iftmin_cancellation_and_amendment() -> None:
    for code, function in (("1", MessageFunction.CANCELLATION), ("5", MessageFunction.AMENDMENT)):
        (parsed,) = IftminParser().parse(IFTMIN.format(function=code).encode("latin-1"), CTX).consignments
        assert parsed.consignment is not None
        assert parsed.consignment.message_function is function


def test_iftmcs_sets_the_source_format_and_bgm_number_is_the_fallback() -> None:
    raw = (
        b"UNB+UNOA:2+S+R+240101:1200+IC1'\r\n"
        b"UNH+1+IFTMCS:D:99B:UN'\r\nBGM+340+BL998877+9'\r\nTDT+20+1W+1'\r\nUNT+4+1'\r\n"
        b"UNH+2+IFTMCS:D:99B:UN'\r\nBGM+340+BL998878+1'\r\nTDT+20+1W+1'\r\nUNT+4+2'\r\n"
        b"UNZ+2+IC1'\r\n"
    )
    assert IftminParser().sniff(raw.decode())
    assert not CuscarParser().sniff(raw.decode())
    result = IftminParser().parse(raw, CTX)
    assert result.source_format is SourceFormat.IFTMCS
    assert result.issues == []
    assert [p.document_number for p in result.consignments] == ["BL998877", "BL998878"]
    functions = [p.consignment.message_function for p in result.consignments if p.consignment]
    assert functions == [MessageFunction.ORIGINAL, MessageFunction.CANCELLATION]
    assert all(
        p.consignment and p.consignment.provenance.source_format is SourceFormat.IFTMCS for p in result.consignments
    )


def test_truncated_iftmin_is_rejected_with_its_document_number() -> None:
    raw = IFTMIN.format(function="9").split("EQD")[0].encode("latin-1")
    result = IftminParser().parse(raw, CTX)
    assert [i.code for i in result.issues] == ["MISSING_UNT", "MISSING_UNZ"]
    (parsed,) = result.consignments
    assert parsed.consignment is None
    assert parsed.document_number == "OOLU2345678901"
    assert [i.code for i in parsed.issues] == ["TRUNCATED_CONSIGNMENT"]


def test_the_parsers_route_through_a_registry_by_sniffing() -> None:
    from cts.domain.parsers.edifact import IftmcsParser

    parsers = (CuscarParser(), IftminParser(), IftmcsParser())
    iftmcs = b"UNB+UNOA:2+S+R+240101:1200+IC1'UNH+1+IFTMCS:D:99B:UN'BGM+340+BL1+9'UNT+3+1'UNZ+1+IC1'"
    iftmin = IFTMIN.format(function="9").encode("latin-1")

    def route(raw: bytes) -> list[SourceFormat]:
        head = raw[:4096].decode("utf-8", errors="replace")
        return [p.source_format for p in parsers if p.sniff(head)]

    assert route(iftmin) == [SourceFormat.IFTMIN]
    assert route(iftmcs) == [SourceFormat.IFTMIN, SourceFormat.IFTMCS]
    assert IftmcsParser().parse(iftmcs, CTX).source_format is SourceFormat.IFTMCS
    assert IftmcsParser().parse(iftmin, CTX).source_format is SourceFormat.IFTMIN
