"""XFWB (master air waybill, ``iata:waybill:1``) and XFZB (house waybill, ``iata:housewaybill:1``)."""

from __future__ import annotations

from typing import Any

from cts.domain.model import Direction, DocumentKind, SourceFormat, TransportMode
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult
from cts.domain.parsers.cargoxml.common import (
    Draft,
    Header,
    apply_flights,
    error,
    finish,
    place,
    read_awb,
    read_count,
    read_header,
    read_items,
    read_movement,
    read_parties,
    read_root,
    read_weight_kg,
)
from cts.domain.parsers.cargoxml.xmltree import Node, sniff_root

WAYBILL_NS = "iata:waybill:1"
HOUSE_WAYBILL_NS = "iata:housewaybill:1"


class XfwbParser:
    """IATA Cargo-XML XFWB: one master air waybill, one consignment."""

    source_format = SourceFormat.XFWB

    def __init__(self, direction: Direction = Direction.IMPORT) -> None:
        self.direction = direction

    def sniff(self, head: str) -> bool:
        return sniff_root(head, WAYBILL_NS, "Waybill")

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.XFWB)
        root = read_root(raw, result, WAYBILL_NS, "Waybill")
        if root is None:
            return result
        header = read_header(root)
        master = root.child("MasterConsignment")
        if master is None:
            result.issues.append(error("MISSING_CONSIGNMENT", "no MasterConsignment element", line=root.line))
            return result
        draft = Draft(master.line)
        number_node = root.path("BusinessHeaderDocument", "ID") or master.path("TransportContractDocument", "ID")
        if number_node is None or not number_node.text:
            issue = error("MISSING_AWB", "no air waybill number (BusinessHeaderDocument/ID)", line=master.line)
            result.consignments.append(ParsedConsignment(None, None, [*header.issues, issue], line=master.line))
            return result
        number, prefix = read_awb(number_node.text, draft, number_node, "transport_document.number")
        draft.data.update(
            mode=TransportMode.AIR.value,
            direction=self.direction.value,
            transport_document={"number": number, "kind": DocumentKind.MASTER_AWB.value},
            carrier={"code": prefix} if prefix else None,
        )
        _fill(master, master, "IncludedMasterConsignmentItem", draft)
        result.consignments.append(finish(draft, number, SourceFormat.XFWB, header, ctx))
        return result


class XfzbParser:
    """IATA Cargo-XML XFZB: one house waybill, linked to its master AWB."""

    source_format = SourceFormat.XFZB

    def __init__(self, direction: Direction = Direction.IMPORT) -> None:
        self.direction = direction

    def sniff(self, head: str) -> bool:
        return sniff_root(head, HOUSE_WAYBILL_NS, "HouseWaybill")

    def parse(self, raw: bytes, ctx: ParseContext) -> ParseResult:
        result = ParseResult(SourceFormat.XFZB)
        root = read_root(raw, result, HOUSE_WAYBILL_NS, "HouseWaybill")
        if root is None:
            return result
        header = read_header(root)
        master = root.child("MasterConsignment")
        houses = list(master.all("IncludedHouseConsignment")) if master is not None else []
        if master is None or not houses:
            line = master.line if master is not None else root.line
            result.issues.append(
                error("MISSING_CONSIGNMENT", "no MasterConsignment/IncludedHouseConsignment", line=line)
            )
            return result
        for house in houses:
            result.consignments.append(self._house(root, master, house, header, ctx, single=len(houses) == 1))
        return result

    def _house(
        self, root: Node, master: Node, house: Node, header: Header, ctx: ParseContext, *, single: bool
    ) -> ParsedConsignment:
        draft = Draft(house.line)
        number_node = house.child("ID")
        if (number_node is None or not number_node.text) and single:
            number_node = root.path("BusinessHeaderDocument", "ID")
        if number_node is None or not number_node.text:
            issue = error("MISSING_AWB", "no house waybill number (IncludedHouseConsignment/ID)", line=house.line)
            return ParsedConsignment(None, None, [*header.issues, issue], line=house.line)
        number = "".join(number_node.text.split()).upper()
        master_node = master.path("TransportContractDocument", "ID")
        master_number = prefix = None
        if master_node is not None and master_node.text:
            master_number, prefix = read_awb(master_node.text, draft, master_node, "transport_document.master_number")
        else:
            draft.warn(
                "MISSING_AWB",
                "no master air waybill number (MasterConsignment/TransportContractDocument/ID)",
                node=master,
                field="transport_document.master_number",
            )
        draft.data.update(
            mode=TransportMode.AIR.value,
            direction=self.direction.value,
            transport_document={
                "number": number,
                "kind": DocumentKind.HOUSE_AWB.value,
                "master_number": master_number,
            },
            carrier={"code": prefix} if prefix else None,
        )
        _fill(house, master, "IncludedHouseConsignmentItem", draft)
        return finish(draft, number, SourceFormat.XFZB, header, ctx)


def _fill(consignment: Node, master: Node, item_tag: str, draft: Draft) -> None:
    """Places, flights, parties, goods, ULDs and totals of a waybill's consignment (falling back on its master)."""
    origin = place(consignment.child("OriginLocation") or master.child("OriginLocation"))
    destination = place(consignment.child("FinalDestinationLocation") or master.child("FinalDestinationLocation"))
    movements = list(consignment.all("SpecifiedLogisticsTransportMovement")) or list(
        master.all("SpecifiedLogisticsTransportMovement")
    )
    apply_flights([read_movement(m, i, draft) for i, m in enumerate(movements, start=1)], draft, origin, destination)
    data: dict[str, Any] = draft.data
    data["parties"] = read_parties(consignment, draft)
    data["goods"] = read_items(consignment, item_tag, draft)
    # TotalPieceQuantity against the items' PieceQuantity is quality's PACKAGES_MISMATCH, run after parsing
    data["total_packages"] = read_count(consignment.child("TotalPieceQuantity"))
    weight_node = consignment.child("IncludedTareGrossWeightMeasure") or consignment.child("GrossWeightMeasure")
    data["total_gross_weight_kg"] = read_weight_kg(weight_node, draft, "total_gross_weight_kg")
