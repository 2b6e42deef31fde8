"""FWB (air waybill data, versions 16 and 17): one master AWB consignment per message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from cts.domain.model import DataQualityIssue, Direction, DocumentKind, Severity, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.cargoimp.base import CargoImpParser
from cts.domain.parsers.cargoimp.common import (
    AWB,
    PartyDraft,
    airport,
    apply_oci,
    awb_number,
    build_consignment,
    check_awb,
    decimal,
    hs_code,
    issue,
    join_text,
    quantities,
    read_oci,
    read_party,
    syntax,
    volume_m3,
    weight_kg,
)
from cts.domain.parsers.cargoimp.reader import Element, Line, Message

_AWB_LINE = re.compile(r"^(\d{3})-?(\d{8})([A-Z0-9]{3})([A-Z0-9]{3})$")
_PARTY_TAGS = ("SHP", "CNE", "NFY", "AGT")
_PARTY_SUBTAGS = ("NAM", "ADR", "LOC")
_VOLUME = re.compile(r"^(MC|CF|CI)(\d+(?:\.\d+)?)$")
# elements read elsewhere or carrying nothing for the consignment model (charges, certification, remarks)
_IGNORED = frozenset(
    {
        *("ACC", "OTH", "PPD", "COL", "CER", "ISU", "OSI", "SSR", "COR", "CDC", "NOM", "SRI", "CHG", "DEP"),
        *("CEC", "CBR", "SHP", "CNE", "NFY", "AGT", "NAM", "ADR", "LOC"),
    }
)


@dataclass(slots=True)
class RateLine:
    """One RTD rate line and its goods data lines (NG/NC description, NH HS codes, NV volume)."""

    line: int
    pieces: int | None = None
    weight_kg: Decimal | None = None
    description: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    volume_m3: Decimal | None = None


class FwbParser(CargoImpParser):
    source_format = SourceFormat.FWB

    def read(self, message: Message, ctx: ParseContext, result: ParseResult) -> None:
        result.consignments.append(_Fwb(message.elements, ctx, self.direction).build())


class _Fwb:
    def __init__(self, elements: list[Element], ctx: ParseContext, direction: Direction) -> None:
        self.elements = elements
        self.direction = direction
        self.ctx = ctx
        self.issues: list[DataQualityIssue] = []

    def build(self) -> ParsedConsignment:
        awb_element = next((e for e in self.elements if e.tag == "" and AWB.match(e.line.text)), None)
        if awb_element is None:
            first = self.elements[0].number if self.elements else None
            missing = issue(
                "MISSING_AWB",
                "the FWB has no AWB consignment detail line (ppp-ssssssssOOODDD/T..K..)",
                line=first,
                field="transport_document.number",
                severity=Severity.ERROR,
            )
            return ParsedConsignment(None, None, [missing], line=first)
        data, number = self._awb_line(awb_element)
        drafts: dict[str, PartyDraft] = {}
        rates: list[RateLine] = []
        oci_elements: list[Element] = []
        customs: tuple[str | None, Decimal | None] = (None, None)
        for index, element in enumerate(self.elements):
            tag = element.tag
            if element is awb_element:
                continue
            if tag in _PARTY_TAGS:
                extra = []
                for follower in self.elements[index + 1 :]:
                    if follower.tag not in _PARTY_SUBTAGS:
                        break
                    extra.append(follower)
                drafts.setdefault(tag, read_party(element, extra))
            elif tag == "FLT":
                self._flights(element, data)
            elif tag == "RTG":
                self._routing(element, data)
            elif tag == "RTD":
                rates += self._rates(element)
            elif tag == "OCI":
                oci_elements.append(element)
            elif tag == "CVD":
                customs = _customs_value(element)
            elif tag == "REF":
                ref = "/".join(f for f in element.fields[1:] if f)
                if ref:
                    data["message_ref"] = ref
                    data["provenance"]["message_ref"] = ref
            elif tag in _IGNORED or tag == "SPH":
                continue  # SPH: the model has no special-handling field yet (see docs/formats-cargoimp.md)
            elif tag == "":
                self.issues.append(syntax(element.line, "unrecognised FWB line"))
        # OCI may come before the parties it names: apply it once every party is known
        oci_hs = [code for element in oci_elements for code in apply_oci(read_oci(element), drafts)]
        data["parties"] = [p for p in (d.build(self.issues) for d in drafts.values()) if p is not None]
        data["goods"] = self._goods(rates, data, oci_hs, customs)
        return build_consignment(data, number, awb_element.number, self.issues)

    def _awb_line(self, element: Element) -> tuple[dict[str, Any], str]:
        line = element.line
        fields = line.fields
        head = _AWB_LINE.match(fields[0])
        match = AWB.match(fields[0])
        assert match is not None
        prefix, serial = match.group(1), match.group(2)
        number = awb_number(prefix, serial)
        check_awb(prefix, serial, line.number, self.issues, "transport_document.number")
        itinerary: dict[str, Any] = {}
        if head:
            itinerary["place_of_loading"] = airport(head[3], line.number, self.issues, "itinerary.place_of_loading")
            itinerary["place_of_discharge"] = airport(head[4], line.number, self.issues, "itinerary.place_of_discharge")
        else:
            self.issues.append(syntax(line, "AWB line without origin and destination airport codes"))
        qty = quantities(fields[1], line.number, self.issues) if len(fields) > 1 else None
        if qty is None:
            self.issues.append(syntax(line, "AWB line without quantity detail (T<pieces>K<weight>)"))
        self.awb_volume = qty.volume_m3 if qty else None
        data: dict[str, Any] = {
            "mode": TransportMode.AIR,
            "direction": self.direction,
            "transport_document": {"number": number, "kind": DocumentKind.MASTER_AWB},
            "carrier": {"code": prefix},
            "itinerary": itinerary,
            "total_packages": qty.pieces if qty else None,
            "total_gross_weight_kg": qty.weight_kg if qty else None,
            "provenance": {
                "object_key": self.ctx.object_key,
                "source_format": SourceFormat.FWB,
                "line": line.number,
                "received_at": self.ctx.received_at,
            },
        }
        return data, number

    def _flights(self, element: Element, data: dict[str, Any]) -> None:
        fields = element.fields[1:]
        if "conveyance" in data or not fields or not fields[0]:
            return
        conveyance: dict[str, Any] = {"journey_id": fields[0]}
        if len(fields) > 1 and fields[1].isdigit():
            conveyance["flight_date"] = _nearest_day(int(fields[1]), self.ctx.received_at)
        data["conveyance"] = conveyance

    def _routing(self, element: Element, data: dict[str, Any]) -> None:
        stops = [f[:3] for f in element.fields[1:] if len(f) >= 3]
        itinerary = data["itinerary"]
        destination = itinerary.get("place_of_discharge")
        last = destination["name"] if destination is not None else None
        itinerary["transshipment"] = [
            place
            for code in stops
            if code != last
            and (place := airport(code, element.number, self.issues, "itinerary.transshipment")) is not None
        ]

    def _rates(self, element: Element) -> list[RateLine]:
        rates: list[RateLine] = []
        for index, line in enumerate(element.lines()):
            fields = line.fields[1:]
            if fields and fields[0].isdigit():
                fields = fields[1:]
            if not fields:
                continue
            if index == 0 or re.match(r"^P\d+$", fields[0]):
                rates.append(self._rate_line(line, fields))
                continue
            if not rates:
                rates.append(RateLine(line.number))
            self._goods_data(rates[-1], line, fields)
        return rates

    def _rate_line(self, line: Line, fields: list[str]) -> RateLine:
        rate = RateLine(line.number)
        for value in fields:
            if re.match(r"^P\d+$", value):
                rate.pieces = int(value[1:])
            elif re.match(r"^[KL]\d+(\.\d+)?$", value) and rate.weight_kg is None:
                rate.weight_kg = weight_kg(value[0], value[1:], line.number, self.issues, "goods.gross_weight_kg")
        return rate

    def _goods_data(self, rate: RateLine, line: Line, fields: list[str]) -> None:
        code, values = fields[0], fields[1:]
        text = "/".join(values)
        if code in ("NG", "NC"):
            rate.description.append(text)
        elif code == "NH":
            for value in values:
                found = hs_code(value)
                if found:
                    rate.hs_codes.append(found)
                elif value:
                    self.issues.append(
                        issue("CIMP_SYNTAX", "an HS code is 2 to 10 digits", line=line.number, value=value)
                    )
        elif code == "NV":
            match = _VOLUME.match(values[0]) if values else None
            if match:
                rate.volume_m3 = volume_m3(match[1], match[2])

    def _goods(
        self,
        rates: list[RateLine],
        data: dict[str, Any],
        oci_hs: list[str],
        customs: tuple[str | None, Decimal | None],
    ) -> list[dict[str, Any]]:
        goods: list[dict[str, Any]] = []
        total = data.get("total_packages")
        if not rates:
            rates = [RateLine(data["provenance"]["line"], total, data.get("total_gross_weight_kg"))]
        pieces = [r.pieces for r in rates if r.pieces is not None]
        if total is not None and pieces and sum(pieces) != total:
            self.issues.append(
                issue(
                    "PIECES_MISMATCH",
                    f"RTD pieces ({sum(pieces)}) differ from the AWB pieces ({total})",
                    line=rates[0].line,
                    value=str(sum(pieces)),
                    field="goods.package_count",
                )
            )
        for rate in rates:
            description = join_text(rate.description)
            codes: list[str | None] = [*rate.hs_codes] or [None]
            for i, code in enumerate(codes):
                item: dict[str, Any] = {"sequence": len(goods) + 1, "description": description, "hs_code": code}
                if i == 0:
                    item |= {"package_count": rate.pieces, "gross_weight_kg": rate.weight_kg}
                    item["volume_m3"] = rate.volume_m3
                goods.append(item)
        if len(rates) == 1 and goods[0].get("volume_m3") is None:
            goods[0]["volume_m3"] = self.awb_volume
        for code in oci_hs:
            if not any(g["hs_code"] == code for g in goods):
                goods.append({"sequence": len(goods) + 1, "description": goods[0]["description"], "hs_code": code})
        currency, value = customs
        if value is not None and len(rates) == 1:
            goods[0] |= {"value": value, "currency": currency}
        return goods


def _customs_value(element: Element) -> tuple[str | None, Decimal | None]:
    """``CVD/currency/charge code/PP|CC/value for carriage/value for customs/insurance``: NCV = no value."""
    fields = element.fields
    currency = fields[1] if len(fields) > 1 and re.match(r"^[A-Z]{3}$", fields[1]) else None
    value = decimal(fields[5]) if len(fields) > 5 else None
    return (currency, value) if currency and value is not None else (None, None)


def _nearest_day(day: int, received_at: datetime) -> datetime | None:
    """FLT gives only the day of the month: take that day in the month nearest to reception."""
    reference = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    best: datetime | None = None
    for shift in (-1, 0, 1):
        base = reference.replace(day=1) + timedelta(days=32 * shift) if shift else reference.replace(day=1)
        base = base.replace(day=1)
        try:
            candidate = datetime(base.year, base.month, day, tzinfo=UTC)
        except ValueError:
            continue
        if best is None or abs(candidate - reference) < abs(best - reference):
            best = candidate
    return best
