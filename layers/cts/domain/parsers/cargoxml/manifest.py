"""XFFM (flight manifest, ``iata:flightmanifest:1``): one consignment per air waybill on the flight.

The flight is ``LogisticsTransportMovement`` (number, departure airport and time); each ``ArrivalEvent`` is a
point of unloading whose ``AssociatedTransportCargo`` is a ULD (``UtilizedUnitLoadTransportEquipment``) or bulk
(``TypeCode`` BLK) holding ``IncludedMasterConsignment`` entries. Parts of a split shipment (the same AWB in
several ULDs or in bulk and a ULD) are merged into one consignment with one goods item per part.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from cts.domain.model import Direction, DocumentKind, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.cargoxml.common import (
    ARRIVAL_TIMES,
    Draft,
    Flight,
    add_equipment,
    error,
    event_time,
    finish,
    hs_codes,
    place,
    read_awb,
    read_count,
    read_header,
    read_movement,
    read_parties,
    read_root,
    read_uld,
    read_volume_m3,
    read_weight_kg,
    warning,
)
from cts.domain.parsers.cargoxml.xmltree import Node, sniff_root

FLIGHT_MANIFEST_NS = "iata:flightmanifest:1"


@dataclass
class _Shipment:
    draft: Draft
    number: str
    total: int | None = None
    total_node: Node | None = None
    manifested: list[int] = field(default_factory=list)
    complete: bool = False


class XffmParser:
    """IATA Cargo-XML XFFM: the air waybills loaded on one flight, per point of unloading, ULD and bulk."""

    source_format = SourceFormat.XFFM

    def __init__(self, direction: Direction = Direction.IMPORT) -> None:
        self.direction = direction

    def sniff(self, head: str) -> bool:
        return sniff_root(head, FLIGHT_MANIFEST_NS, "FlightManifest")

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.XFFM)
        root = read_root(raw, result, FLIGHT_MANIFEST_NS, "FlightManifest")
        if root is None:
            return result
        header = read_header(root)
        result.issues += header.issues
        movement = root.child("LogisticsTransportMovement")
        scratch = Draft(movement.line if movement is not None else root.line)
        flight = read_movement(movement, 1, scratch) if movement is not None else None
        shipments: dict[str, _Shipment] = {}
        for arrival in root.all("ArrivalEvent"):
            unloading = place(arrival.child("OccurrenceArrivalLocation"))
            eta = event_time(arrival, ARRIVAL_TIMES, "eta", scratch)
            for cargo in arrival.all("AssociatedTransportCargo"):
                uld_node = cargo.child("UtilizedUnitLoadTransportEquipment")
                for entry in cargo.all("IncludedMasterConsignment"):
                    parsed = self._entry(entry, uld_node, flight, unloading, eta, shipments)
                    if parsed is not None:
                        result.consignments.append(parsed)
        result.issues += scratch.issues
        body = replace(header, issues=())  # the header's issues are reported once, for the file
        for shipment in shipments.values():
            _totals(shipment)
            result.consignments.append(finish(shipment.draft, shipment.number, SourceFormat.XFFM, body, ctx))
        result.consignments.sort(key=lambda c: c.line or 0)
        if not result.consignments:
            result.issues.append(warning("NO_CONSIGNMENTS", "the manifest lists no air waybills", line=root.line))
        return result

    def _entry(
        self,
        entry: Node,
        uld_node: Node | None,
        flight: Flight | None,
        unloading: dict[str, str] | None,
        eta: datetime | None,
        shipments: dict[str, _Shipment],
    ) -> ParsedConsignment | None:
        number_node = entry.path("TransportContractDocument", "ID")
        if number_node is None or not number_node.text:
            issue = error("MISSING_AWB", "no air waybill number (TransportContractDocument/ID)", line=entry.line)
            return ParsedConsignment(None, None, [issue], line=entry.line)
        probe = Draft(entry.line)
        number, prefix = read_awb(number_node.text, probe, number_node, "transport_document.number")
        shipment = shipments.get(number)
        if shipment is None:
            shipment = shipments[number] = _Shipment(probe, number)
            self._start(shipment, entry, prefix, flight, unloading, eta)
        draft = shipment.draft
        goods: list[dict[str, Any]] = draft.data["goods"]
        prefix_field = f"goods[{len(goods)}]"
        pieces = read_count(entry.child("PieceQuantity"))
        if pieces is None:
            pieces = read_count(entry.child("PackageQuantity"))
        total = read_count(entry.child("TotalPieceQuantity"))
        split = (entry.text_of("TransportSplitDescription") or "T").upper()
        if split == "T" and pieces is None:
            pieces = total
        if total is not None and shipment.total is None:
            shipment.total, shipment.total_node = total, entry.child("TotalPieceQuantity")
        shipment.complete = shipment.complete or split == "T"
        if pieces is not None:
            shipment.manifested.append(pieces)
        containers: list[str] = []
        if uld_node is not None:
            uld = read_uld(uld_node, draft)
            if uld is not None:
                add_equipment(draft, uld)
                containers.append(uld["number"])
        codes: list[str] = []
        for item in entry.all("IncludedMasterConsignmentItem"):
            codes += [c for c in hs_codes(item, draft, f"{prefix_field}.hs_code") if c not in codes]
        description = entry.text_of("SummaryDescription") or ""
        goods.append(
            {
                "sequence": len(goods) + 1,
                "description": description,
                "hs_code": codes[0] if codes else None,
                "package_count": pieces if pieces is not None and pieces >= 0 else None,
                "gross_weight_kg": read_weight_kg(
                    entry.child("GrossWeightMeasure"), draft, f"{prefix_field}.gross_weight_kg"
                ),
                "volume_m3": read_volume_m3(entry.child("GrossVolumeMeasure"), draft, f"{prefix_field}.volume_m3"),
                "container_numbers": containers,
            }
        )
        goods += [
            {"sequence": len(goods) + 1 + i, "description": description, "hs_code": c} for i, c in enumerate(codes[1:])
        ]
        return None

    def _start(
        self,
        shipment: _Shipment,
        entry: Node,
        prefix: str | None,
        flight: Flight | None,
        unloading: dict[str, str] | None,
        eta: datetime | None,
    ) -> None:
        draft = shipment.draft
        data = draft.data
        data.update(
            mode=TransportMode.AIR.value,
            direction=self.direction.value,
            transport_document={"number": shipment.number, "kind": DocumentKind.MASTER_AWB.value},
            carrier={"code": prefix} if prefix else None,
            goods=[],
        )
        itinerary: dict[str, Any] = {
            "place_of_receipt": place(entry.child("OriginLocation")),
            "place_of_loading": flight.departure if flight else None,
            "place_of_discharge": unloading,
            "place_of_delivery": place(entry.child("FinalDestinationLocation")),
        }
        data["itinerary"] = itinerary
        if flight is not None:
            data["conveyance"] = {
                "journey_id": flight.number,
                "flight_date": flight.departs,
                "registration": flight.registration,
            }
            data["etd"] = flight.departs
        data["eta"] = eta
        data["parties"] = read_parties(entry, draft)


def _totals(shipment: _Shipment) -> None:
    """Pieces and weight manifested on this flight; ``PIECES_MISMATCH`` when they cannot fit the AWB's total."""
    data = shipment.draft.data
    weights = [g["gross_weight_kg"] for g in data["goods"] if g.get("gross_weight_kg") is not None]
    data["total_gross_weight_kg"] = sum(weights, Decimal(0)) if weights else None
    manifested = sum(shipment.manifested)
    total = shipment.total
    # the pieces on this flight: a split shipment's other parts travel on other flights
    data["total_packages"] = manifested if shipment.manifested else total
    if (
        total is not None
        and shipment.manifested
        and ((shipment.complete and manifested != total) or manifested > total)
    ):
        shipment.draft.warn(
            "PIECES_MISMATCH",
            f"{manifested} pieces manifested for an air waybill of {total} pieces",
            node=shipment.total_node,
            field="total_packages",
            value=f"{total} != {manifested}",
        )
