"""FHL (consolidation list, versions 4 and 5): one house AWB consignment per HBS, linked to the MBI master."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cts.domain.model import DataQualityIssue, DocumentKind, Severity, SourceFormat, TransportMode
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
    hs_code,
    issue,
    join_text,
    quantities,
    read_oci,
    read_party,
    syntax,
    weight_kg,
)
from cts.domain.parsers.cargoimp.reader import Element, Message

_MBI = re.compile(r"^(\d{3})-?(\d{8})([A-Z0-9]{3})?([A-Z0-9]{3})?$")
_ORIGIN_DESTINATION = re.compile(r"^([A-Z0-9]{3})([A-Z0-9]{3})$")
_WEIGHT = re.compile(r"^([A-Z])(\d+(?:\.\d+)?)$")
_PARTY_SUBTAGS = ("NAM", "ADR", "LOC")


@dataclass(slots=True)
class _House:
    element: Element
    body: list[Element] = field(default_factory=list)


class FhlParser(CargoImpParser):
    source_format = SourceFormat.FHL

    def read(self, message: Message, ctx: ParseContext, result: ParseResult) -> None:
        master, master_pieces = self._master(message.elements, result.issues)
        houses: list[_House] = []
        for element in message.elements:
            if element.tag == "HBS":
                houses.append(_House(element))
            elif houses:
                houses[-1].body.append(element)
            elif element.tag not in ("MBI", "CVD", "OCI"):
                result.issues.append(syntax(element.line, "line before the first HBS is not an MBI"))
        if not houses:
            result.issues.append(
                issue("CIMP_SYNTAX", "the FHL has no HBS house line", line=message.header_line, field="HBS")
            )
        for house in houses:
            try:
                result.consignments.append(self._house(house, master, ctx))
            except Exception as exc:  # one odd house does not sink the others
                failure = issue(
                    "CIMP_SYNTAX",
                    f"house could not be read: {exc}",
                    line=house.element.number,
                    value=house.element.line.text,
                    severity=Severity.ERROR,
                )
                result.consignments.append(ParsedConsignment(None, None, [failure], line=house.element.number))
        pieces = [p.consignment.total_packages for p in result.consignments if p.consignment]
        declared = sum(p for p in pieces if p is not None)
        if master_pieces is not None and pieces and declared > master_pieces:
            result.issues.append(
                issue(
                    "PIECES_MISMATCH",
                    f"the houses hold {declared} pieces, more than the master's {master_pieces}",
                    line=houses[0].element.number if houses else None,
                    value=str(declared),
                    field="total_packages",
                )
            )

    def _master(self, elements: list[Element], issues: list[DataQualityIssue]) -> tuple[str | None, int | None]:
        element = next((e for e in elements if e.tag == "MBI"), None)
        fields = element.fields if element else []
        match = _MBI.match(fields[1]) if len(fields) > 1 else None
        if element is None or match is None:
            issues.append(
                issue(
                    "MISSING_AWB",
                    "the FHL has no readable MBI master AWB line; houses are kept without their master",
                    line=element.number if element else None,
                    value=element.line.text if element else None,
                    field="transport_document.master_number",
                )
            )
            return None, None
        check_awb(match[1], match[2], element.number, issues, "transport_document.master_number")
        qty = quantities(fields[2], element.number, issues) if len(fields) > 2 else None
        return awb_number(match[1], match[2]), qty.pieces if qty else None

    def _house(self, house: _House, master: str | None, ctx: ParseContext) -> ParsedConsignment:
        """``HBS/house/OOODDD/pieces/K weight/SLAC/nature of goods`` then ``/SHC`` lines, TXT, HTS, OCI, parties."""
        issues: list[DataQualityIssue] = []
        element = house.element
        line = element.line
        fields = (element.fields + [""] * 7)[:7]
        number = fields[1].replace(" ", "").upper()
        if not number:
            missing = issue(
                "MISSING_HOUSE_NUMBER",
                "HBS line without a house waybill number",
                line=line.number,
                value=line.text,
                field="transport_document.number",
                severity=Severity.ERROR,
            )
            return ParsedConsignment(None, None, [missing], line=line.number)
        if master is None:
            issues.append(
                issue(
                    "MISSING_AWB",
                    "no master AWB (MBI) for this house",
                    line=line.number,
                    field="transport_document.master_number",
                )
            )
        itinerary: dict[str, Any] = {}
        od = _ORIGIN_DESTINATION.match(fields[2])
        if od:
            itinerary["place_of_loading"] = airport(od[1], line.number, issues, "itinerary.place_of_loading")
            itinerary["place_of_discharge"] = airport(od[2], line.number, issues, "itinerary.place_of_discharge")
        elif fields[2]:
            issues.append(syntax(line, "HBS origin and destination must be two airport codes (OOODDD)"))
        pieces = int(fields[3]) if fields[3].isdigit() else None
        if fields[3] and pieces is None:
            issues.append(syntax(line, "HBS pieces is not a number"))
        weight = None
        weight_match = _WEIGHT.match(fields[4])
        if weight_match:
            weight = weight_kg(weight_match[1], weight_match[2], line.number, issues, "total_gross_weight_kg")
        elif fields[4]:
            issues.append(syntax(line, "HBS weight must be a unit code and a number (K123.5)"))
        nature = fields[6]
        text: list[str] = []
        hs_codes: list[str] = []
        drafts: dict[str, PartyDraft] = {}
        oci: list[Element] = []
        for index, sub in enumerate(house.body):
            if sub.tag == "TXT":
                text += ["/".join(x.fields[1:]) for x in sub.lines()]
            elif sub.tag == "HTS":
                for value in (v for x in sub.lines() for v in x.fields[1:] if v):
                    code = hs_code(value)
                    if code:
                        hs_codes.append(code)
                    else:
                        issues.append(
                            issue("CIMP_SYNTAX", "an HS code is 2 to 10 digits", line=sub.number, value=value)
                        )
            elif sub.tag in ("SHP", "CNE", "NFY"):
                extra = []
                for follower in house.body[index + 1 :]:
                    if follower.tag not in _PARTY_SUBTAGS:
                        break
                    extra.append(follower)
                drafts.setdefault(sub.tag, read_party(sub, extra))
            elif sub.tag == "OCI":
                oci.append(sub)
            elif sub.tag == "":
                issues.append(syntax(sub.line, "unrecognised FHL line"))
        for sub in oci:
            hs_codes += [c for c in apply_oci(read_oci(sub), drafts) if c not in hs_codes]
        description = join_text(text, width=65) if text else nature
        codes: list[str | None] = [*hs_codes] or [None]
        goods: list[dict[str, Any]] = []
        for i, code in enumerate(codes):
            item: dict[str, Any] = {"sequence": i + 1, "description": description, "hs_code": code}
            if i == 0:
                item |= {"package_count": pieces, "gross_weight_kg": weight}
            goods.append(item)
        data: dict[str, Any] = {
            "mode": TransportMode.AIR,
            "direction": self.direction,
            "transport_document": {"number": number, "kind": DocumentKind.HOUSE_AWB, "master_number": master},
            "itinerary": itinerary,
            "parties": [p for p in (d.build(issues) for d in drafts.values()) if p is not None],
            "goods": goods,
            "total_packages": pieces,
            "total_gross_weight_kg": weight,
            "provenance": {
                "object_key": ctx.object_key,
                "source_format": SourceFormat.FHL,
                "line": line.number,
                "received_at": ctx.received_at,
            },
        }
        if master is not None:
            prefix = AWB.match(master)
            if prefix:
                data["carrier"] = {"code": prefix[1]}
        return build_consignment(data, number, line.number, issues)
