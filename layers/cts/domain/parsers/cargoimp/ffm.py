"""FFM (airline flight manifest, version 8): one master AWB consignment per AWB per message part.

A shipment split over several ULDs (or bulk and a ULD) of the same flight is one consignment: its equipment is
the union of the ULDs, one goods item per manifest line (with its ULD in ``container_numbers``), the totals the
sums, and a ``SPLIT_SHIPMENT_MERGED`` warning lists the parts. Each part of a multi-part manifest (``CONT`` ...
``LAST``) is parsed on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from cts.domain.model import DataQualityIssue, DocumentKind, Severity, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.cargoimp.base import CargoImpParser
from cts.domain.parsers.cargoimp.common import (
    airport,
    apply_oci,
    awb_number,
    build_consignment,
    check_awb,
    day_month,
    issue,
    quantities,
    read_oci,
    syntax,
)
from cts.domain.parsers.cargoimp.reader import Element, Line, Message

_CONSIGNMENT = re.compile(r"^(\d{3})-(\d{8})([A-Z0-9]{3})([A-Z0-9]{3})$")
_ULD = re.compile(r"^([A-Z][A-Z0-9]{2})([0-9]{4,5})([A-Z0-9]{2,3})(?:-([A-Z]))?$")
_POINT = re.compile(r"^[A-Z]{3}$")
_FLIGHT = re.compile(r"^[A-Z0-9]{2}[A-Z]?\d{1,4}[A-Z]?$")
# lines after a consignment that belong to it but carry nothing for the model yet
_IGNORED = frozenset({"DIM", "OSI", "COR", "SSR", "SCI", "MOV", "ULC"})
_SHC = re.compile(r"^[A-Z0-9]{3}$")


@dataclass(slots=True)
class _Flight:
    journey_id: str | None = None
    flight_date: datetime | None = None
    origin: str | None = None
    registration: str | None = None
    line: int | None = None


@dataclass(slots=True)
class _Part:
    """One consignment line: where it was loaded and what it held."""

    line: Line
    uld: str | None
    pieces: int | None
    weight_kg: Decimal | None
    volume_m3: Decimal | None


@dataclass(slots=True)
class _Shipment:
    number: str
    prefix: str
    line: Line
    origin: str
    destination: str
    unloading: str | None
    code: str | None
    description: str
    total_pieces: int | None = None
    parts: list[_Part] = field(default_factory=list)
    special_handling: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    issues: list[DataQualityIssue] = field(default_factory=list)
    flight: _Flight = field(default_factory=_Flight)


class FfmParser(CargoImpParser):
    source_format = SourceFormat.FFM

    def read(self, message: Message, ctx: ParseContext, result: ParseResult) -> None:
        shipments = _Manifest(message.elements, ctx, result.issues, message.header_line).read()
        for shipment in shipments.values():
            try:
                result.consignments.append(self._consignment(shipment, ctx))
            except Exception as exc:  # one odd consignment does not sink the others
                failure = issue(
                    "CIMP_SYNTAX",
                    f"consignment could not be read: {exc}",
                    line=shipment.line.number,
                    value=shipment.line.text,
                    severity=Severity.ERROR,
                )
                result.consignments.append(ParsedConsignment(shipment.number, None, [failure], shipment.line.number))

    def _consignment(self, shipment: _Shipment, ctx: ParseContext) -> ParsedConsignment:
        flight = shipment.flight
        issues = shipment.issues
        line = shipment.line.number
        pieces_known = [p.pieces for p in shipment.parts if p.pieces is not None]
        weights_known = [p.weight_kg for p in shipment.parts if p.weight_kg is not None]
        pieces = sum(pieces_known) if pieces_known else None
        weight = sum(weights_known, Decimal(0)) if weights_known else None
        if len(shipment.parts) > 1:
            described = ", ".join(f"{p.uld or 'BULK'} {p.pieces} pcs (line {p.line.number})" for p in shipment.parts)
            issues.append(
                issue(
                    "SPLIT_SHIPMENT_MERGED",
                    f"{len(shipment.parts)} manifest lines merged into one consignment: {described}",
                    line=line,
                    value=shipment.number,
                    field="equipment",
                )
            )
        if shipment.total_pieces is not None and pieces is not None and pieces > shipment.total_pieces:
            issues.append(
                issue(
                    "PIECES_MISMATCH",
                    f"{pieces} pieces manifested, more than the shipment's total of {shipment.total_pieces}",
                    line=line,
                    value=str(pieces),
                    field="total_packages",
                )
            )
        ulds = list(dict.fromkeys(p.uld for p in shipment.parts if p.uld))
        goods: list[dict[str, Any]] = [
            {
                "sequence": i + 1,
                "description": shipment.description,
                "package_count": part.pieces,
                "gross_weight_kg": part.weight_kg,
                "volume_m3": part.volume_m3,
                "container_numbers": [part.uld] if part.uld else [],
            }
            for i, part in enumerate(shipment.parts)
        ]
        for i, code in enumerate(shipment.hs_codes):
            if i == 0:
                goods[0]["hs_code"] = code
            else:
                goods.append({"sequence": len(goods) + 1, "description": shipment.description, "hs_code": code})
        itinerary: dict[str, Any] = {
            "place_of_receipt": airport(shipment.origin, line, issues, "itinerary.place_of_receipt"),
            "place_of_delivery": airport(shipment.destination, line, issues, "itinerary.place_of_delivery"),
        }
        if flight.origin:
            itinerary["place_of_loading"] = {"name": flight.origin}
        if shipment.unloading:
            itinerary["place_of_discharge"] = {"name": shipment.unloading}
        data: dict[str, Any] = {
            "mode": TransportMode.AIR,
            "direction": self.direction,
            "transport_document": {"number": shipment.number, "kind": DocumentKind.MASTER_AWB},
            "carrier": {"code": shipment.prefix},
            "conveyance": {
                "journey_id": flight.journey_id,
                "flight_date": flight.flight_date,
                "registration": flight.registration,
            },
            "itinerary": itinerary,
            "goods": goods,
            "equipment": [{"number": uld} for uld in ulds],
            "total_packages": pieces,
            "total_gross_weight_kg": weight,
            "provenance": {
                "object_key": ctx.object_key,
                "source_format": SourceFormat.FFM,
                "line": line,
                "received_at": ctx.received_at,
            },
        }
        return build_consignment(data, shipment.number, line, issues)


class _Manifest:
    """Walks the elements of one FFM part: flight, unloading points, ULD/BULK, consignments, LAST/CONT."""

    def __init__(
        self, elements: list[Element], ctx: ParseContext, issues: list[DataQualityIssue], header: int | None
    ) -> None:
        self.elements = elements
        self.ctx = ctx
        self.issues = issues
        self.header = header
        self.flight = _Flight()
        self.point: str | None = None
        self.uld: str | None = None
        self.shipments: dict[str, _Shipment] = {}
        self.last: _Shipment | None = None

    def read(self) -> dict[str, _Shipment]:
        ended = False
        for index, element in enumerate(self.elements):
            text = element.line.text.strip()
            if ended:
                self.issues.append(syntax(element.line, "line after LAST/CONT"))
                continue
            if index == 0:
                if self._flight_line(element):
                    continue
                self.issues.append(syntax(element.line, "the first FFM line must be the flight (n/flight/date/origin)"))
            if text in ("LAST", "CONT"):
                ended = True
            elif _CONSIGNMENT.match(element.fields[0]):
                self._consignment(element)
            elif element.tag == "ULD":
                self._uld(element)
            elif text == "BULK":
                self.uld = None
                self.last = None
            elif text == "NIL":
                self.last = None
            elif element.tag == "OCI" and self.last is not None:
                self.last.hs_codes += [c for c in apply_oci(read_oci(element), {}) if c not in self.last.hs_codes]
            elif element.tag in _IGNORED and "/" in text:
                continue
            elif element.tag and _POINT.match(element.fields[0]):
                self._unloading_point(element)
            else:
                self.issues.append(syntax(element.line, "unrecognised FFM line"))
        if not ended and self.elements:
            self.issues.append(
                issue(
                    "CIMP_SYNTAX",
                    "the manifest ends without LAST or CONT: it may be truncated",
                    line=self.elements[-1].number,
                    value=self.elements[-1].line.text,
                )
            )
        return self.shipments

    def _flight_line(self, element: Element) -> bool:
        """``seq/flight/DDMMM[HHMM]/origin[/registration[/...]]``"""
        fields = element.fields
        if len(fields) < 4 or not fields[0].isdigit() or not _FLIGHT.match(fields[1]):
            return False
        self.flight = _Flight(
            journey_id=fields[1],
            flight_date=day_month(fields[2], self.ctx.received_at),
            origin=fields[3] or None,
            registration=fields[4] if len(fields) > 4 and fields[4] else None,
            line=element.number,
        )
        if self.flight.flight_date is None and fields[2]:
            self.issues.append(syntax(element.line, "flight date must be DDMMM (19MAR)"))
        if self.flight.origin:
            airport(self.flight.origin, element.number, self.issues, "itinerary.place_of_loading")
        return True

    def _unloading_point(self, element: Element) -> None:
        self.point = element.fields[0]
        self.uld = None
        self.last = None

    def _uld(self, element: Element) -> None:
        """``ULD/TTTnnnnnOO[-loading indicator][/remarks]``; ``ULD/`` with an odd id keeps what was written."""
        ident = element.fields[1] if len(element.fields) > 1 else ""
        match = _ULD.match(ident)
        self.last = None
        if match:
            self.uld = f"{match[1]}{match[2]}{match[3]}"
            return
        compact = re.sub(r"[^0-9A-Z]", "", ident.upper())
        self.uld = compact if 4 <= len(compact) <= 17 else None
        self.issues.append(syntax(element.line, "ULD id should be type, serial and owner (AKE12345LH)"))

    def _consignment(self, element: Element) -> None:
        line = element.line
        fields = element.fields
        match = _CONSIGNMENT.match(fields[0])
        assert match is not None  # chosen by the caller on this pattern
        prefix, serial, origin, destination = match[1], match[2], match[3], match[4]
        number = awb_number(prefix, serial)
        local: list[DataQualityIssue] = []
        qty = quantities(fields[1], line.number, local) if len(fields) > 1 else None
        if qty is None:
            local.append(syntax(line, "consignment line without quantity detail (T<pieces>K<weight>)"))
        description = " ".join("/".join(fields[2:]).split())
        shipment = self.shipments.get(number)
        if shipment is None:
            shipment = _Shipment(
                number, prefix, line, origin, destination, self.point, qty.code if qty else None, description
            )
            check_awb(prefix, serial, line.number, shipment.issues, "transport_document.number")
            shipment.flight = self.flight
            self.shipments[number] = shipment
        elif shipment.unloading != self.point:
            local.append(
                issue(
                    "SPLIT_ACROSS_UNLOADING_POINTS",
                    f"{number} is manifested for {shipment.unloading} and {self.point}; kept under the first",
                    line=line.number,
                    value=self.point,
                    field="itinerary.place_of_discharge",
                )
            )
        shipment.issues += local
        if qty is not None and qty.total_pieces is not None:
            shipment.total_pieces = qty.total_pieces
        shipment.parts.append(
            _Part(
                line,
                self.uld,
                qty.pieces if qty else None,
                qty.weight_kg if qty else None,
                qty.volume_m3 if qty else None,
            )
        )
        if not shipment.description:
            shipment.description = description
        for cont in element.continuations:
            codes = [c for c in cont.fields[1:] if c]
            if codes and all(_SHC.match(c) for c in codes):
                shipment.special_handling += [c for c in codes if c not in shipment.special_handling]
            else:
                shipment.issues.append(syntax(cont, "continuation line is not a list of special handling codes"))
        self.last = shipment
