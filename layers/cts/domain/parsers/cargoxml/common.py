"""What the Cargo-XML messages share: header, AWB numbers, measures, parties, places, flights, goods and ULDs.

Every helper reads a :class:`~cts.domain.parsers.cargoxml.xmltree.Node` tree and returns plain data for the
canonical model plus :class:`~cts.domain.model.DataQualityIssue` entries; none of them raises on odd content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from cts.domain.identifiers import awb_check_digit, awb_serial_valid
from cts.domain.model import (
    Consignment,
    DataQualityIssue,
    MessageFunction,
    PartyRole,
    Provenance,
    Severity,
    SourceFormat,
    compact_identifier,
)
from cts.domain.parsers.base import ParseContext, ParsedConsignment, ParseResult, issues_from_validation
from cts.domain.parsers.cargoxml.xmltree import Node, XmlRejected, parse_xml

DATAMODEL_NS = "iata:datamodel:3"

PURPOSE_CODES = {
    "creation": MessageFunction.ORIGINAL,
    "update": MessageFunction.AMENDMENT,
    "deletion": MessageFunction.CANCELLATION,
}

# weight unit (UN/ECE Rec. 20, plus the Cargo-IMP letters) -> kilograms per unit
WEIGHT_UNITS = {
    "KGM": Decimal(1),
    "KG": Decimal(1),
    "K": Decimal(1),
    "LBR": Decimal("0.45359237"),
    "LB": Decimal("0.45359237"),
    "L": Decimal("0.45359237"),
    "GRM": Decimal("0.001"),
    "TNE": Decimal(1000),
}
# volume unit -> cubic metres per unit
VOLUME_UNITS = {
    "MTQ": Decimal(1),
    "MC": Decimal(1),
    "CMQ": Decimal("0.000001"),
    "CC": Decimal("0.000001"),
    "DMQ": Decimal("0.001"),
    "LTR": Decimal("0.001"),
    "FTQ": Decimal("0.028316846592"),
    "CF": Decimal("0.028316846592"),
    "INQ": Decimal("0.000016387064"),
    "CI": Decimal("0.000016387064"),
}

NOTIFY_ROLE_CODES = frozenset({"NI", "N1", "N2", "NP", "NOTIFY", "NFY"})
OCI_SUBJECTS = {
    "SHP": PartyRole.CONSIGNOR,
    "CNE": PartyRole.CONSIGNEE,
    "NFY": PartyRole.NOTIFY_PARTY,
    "FFW": PartyRole.FREIGHT_FORWARDER,
    "AGT": PartyRole.FREIGHT_FORWARDER,
}

_AWB = re.compile(r"^(\d{3})-?(\d{8})$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HS = re.compile(r"^\d{2,10}$")
_ULD_FULL = re.compile(r"^[A-Z]{3}\d{4,5}[A-Z0-9]{2,3}$")


def warning(
    code: str, message: str, *, line: int | None = None, field: str | None = None, value: Any = None
) -> DataQualityIssue:
    return DataQualityIssue(
        code=code,
        message=message,
        line=line,
        field=field,
        value=None if value is None else str(value)[:200],
        severity=Severity.WARNING,
    )


def error(
    code: str, message: str, *, line: int | None = None, field: str | None = None, value: Any = None
) -> DataQualityIssue:
    issue = warning(code, message, line=line, field=field, value=value)
    return issue.model_copy(update={"severity": Severity.ERROR})


@dataclass
class Draft:
    """A consignment being assembled: model data, issues, the line it starts on."""

    line: int | None
    data: dict[str, Any] = field(default_factory=dict)
    issues: list[DataQualityIssue] = field(default_factory=list)

    def warn(
        self, code: str, message: str, *, node: Node | None = None, field: str | None = None, value: Any = None
    ) -> None:
        line = node.line if node is not None else self.line
        self.issues.append(warning(code, message, line=line, field=field, value=value))


# --- reading the document ------------------------------------------------------------------------------


def read_root(raw: bytes, result: ParseResult, namespace: str, local_name: str) -> Node | None:
    """The root element when it is the expected one; otherwise a file-level error on ``result``."""
    try:
        root = parse_xml(raw)
    except XmlRejected as exc:
        result.issues.append(error(exc.code, exc.message, line=exc.line))
        return None
    if root.ns != namespace or root.name != local_name:
        found = f"{{{root.ns}}}{root.name}" if root.ns else root.name
        result.issues.append(
            error(
                "UNEXPECTED_ROOT", f"expected {{{namespace}}}{local_name}, found {found}", line=root.line, value=found
            )
        )
        return None
    return root


@dataclass(frozen=True)
class Header:
    message_ref: str | None
    function: MessageFunction
    filed_at: datetime | None
    issues: tuple[DataQualityIssue, ...] = ()


def read_header(root: Node) -> Header:
    header = root.child("MessageHeaderDocument")
    if header is None:
        return Header(None, MessageFunction.ORIGINAL, None)
    issues: list[DataQualityIssue] = []
    function = MessageFunction.ORIGINAL
    purpose = header.text_of("PurposeCode")
    if purpose:
        known = PURPOSE_CODES.get(purpose.lower())
        if known is None:
            node = header.child("PurposeCode")
            issues.append(
                warning(
                    "UNKNOWN_PURPOSE_CODE",
                    "PurposeCode is not Creation, Update or Deletion: read as an original",
                    line=node.line if node else header.line,
                    field="message_function",
                    value=purpose,
                )
            )
        else:
            function = known
    filed_at, issue = read_datetime(header.child("IssueDateTime"), "filed_at")
    if issue:
        issues.append(issue)
    return Header(header.text_of("ID"), function, filed_at, tuple(issues))


# --- values ---------------------------------------------------------------------------------------------


def read_datetime(node: Node | None, field_name: str) -> tuple[datetime | None, DataQualityIssue | None]:
    if node is None or not node.text:
        return None, None
    text = node.text
    try:
        return datetime.fromisoformat(text.replace("z", "Z")), None
    except ValueError:
        return None, warning(
            "INVALID_DATETIME", "not an ISO 8601 date-time", line=node.line, field=field_name, value=text
        )


def read_decimal(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    # at most 15 digits before the point: unit conversion and rounding then stay inside Decimal's precision
    return value if value.is_finite() and value.adjusted() < 15 else None


def read_count(node: Node | None) -> int | None:
    value = read_decimal(node.text) if node is not None else None
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def read_weight_kg(node: Node | None, draft: Draft, field_name: str) -> Decimal | None:
    """A weight in kilograms (KGM, LBR ...), or ``None`` with ``WEIGHT_UNIT_UNKNOWN`` for another unit."""
    if node is None or not node.text:
        return None
    value = read_decimal(node.text)
    if value is None:
        draft.warn("INVALID_NUMBER", "weight is not a number", node=node, field=field_name, value=node.text)
        return None
    unit = node.attrs.get("unitCode", "").strip().upper()
    factor = WEIGHT_UNITS.get(unit)
    if factor is None:
        draft.warn(
            "WEIGHT_UNIT_UNKNOWN",
            f"weight unit {unit or '(none)'} is not KGM or LBR: weight left out",
            node=node,
            field=field_name,
            value=f"{node.text} {unit}".strip(),
        )
        return None
    return _kg(value * factor) if factor != 1 else value


def read_volume_m3(node: Node | None, draft: Draft, field_name: str) -> Decimal | None:
    if node is None or not node.text:
        return None
    value = read_decimal(node.text)
    unit = node.attrs.get("unitCode", "").strip().upper()
    factor = VOLUME_UNITS.get(unit)
    if value is None or factor is None:
        draft.warn(
            "VOLUME_UNIT_UNKNOWN",
            "volume is not a number in MTQ, CMQ, DMQ, LTR or FTQ: volume left out",
            node=node,
            field=field_name,
            value=f"{node.text} {unit}".strip(),
        )
        return None
    if factor == 1:
        return value
    cubic_metres = (value * factor).quantize(Decimal("0.000001")).normalize()
    return cubic_metres.quantize(Decimal(1)) if cubic_metres == cubic_metres.to_integral_value() else cubic_metres


def _kg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.001"))


# --- AWB numbers ----------------------------------------------------------------------------------------


def read_awb(text: str, draft: Draft, node: Node | None, field_name: str) -> tuple[str, str | None]:
    """``(number, airline prefix)``: ``ppp-ssssssss`` when it is an AWB number, checked; otherwise as written."""
    compact = re.sub(r"[\s]", "", text).upper()
    match = _AWB.match(compact)
    if match is None:
        draft.warn("BAD_AWB_NUMBER", "not an air waybill number ppp-ssssssss", node=node, field=field_name, value=text)
        return compact, None
    prefix, serial = match.groups()
    if not awb_serial_valid(serial):
        expected = awb_check_digit(serial)
        draft.warn(
            "BAD_AWB_CHECK_DIGIT",
            f"AWB serial check digit should be {expected} (mod 7)",
            node=node,
            field=field_name,
            value=f"{prefix}-{serial}",
        )
    return f"{prefix}-{serial}", prefix


# --- places and flights ---------------------------------------------------------------------------------


def place(node: Node | None) -> dict[str, str] | None:
    """An airport as ``Place(name=<IATA code>)``: IATA location codes are not UN/LOCODEs (a name when no ID)."""
    if node is None:
        return None
    code = node.text_of("ID")
    if code:
        return {"name": code.upper()}
    name = node.text_of("Name")
    return {"name": name} if name else None


@dataclass
class Flight:
    number: str | None
    sequence: int
    departure: dict[str, str] | None
    arrival: dict[str, str] | None
    departs: datetime | None
    arrives: datetime | None
    registration: str | None = None


DEPARTURE_TIMES = ("DepartureOccurrenceDateTime", "ScheduledOccurrenceDateTime", "ActualOccurrenceDateTime")
ARRIVAL_TIMES = ("ArrivalOccurrenceDateTime", "ScheduledOccurrenceDateTime", "ActualOccurrenceDateTime")


def event_time(event: Node | None, names: tuple[str, ...], field_name: str, draft: Draft) -> datetime | None:
    """The first of ``names`` under a departure or arrival event that is given, as a date-time."""
    if event is None:
        return None
    node = next((n for name in names if (n := event.child(name)) is not None), None)
    moment, issue = read_datetime(node, field_name)
    if issue:
        draft.issues.append(issue)
    return moment


def read_movement(node: Node, index: int, draft: Draft) -> Flight:
    departure = node.child("DepartureEvent")
    arrival = node.child("ArrivalEvent")
    return Flight(
        number=_compact(node.text_of("ID")),
        sequence=read_count(node.child("SequenceNumeric")) or index,
        departure=place(departure.child("OccurrenceDepartureLocation")) if departure else None,
        arrival=place(arrival.child("OccurrenceArrivalLocation")) if arrival else None,
        departs=event_time(departure, DEPARTURE_TIMES, "etd", draft),
        arrives=event_time(arrival, ARRIVAL_TIMES, "eta", draft),
        registration=_compact(node.text_of("UsedLogisticsTransportMeans", "ID")),
    )


def apply_flights(
    flights: list[Flight], draft: Draft, origin: dict[str, str] | None, destination: dict[str, str] | None
) -> None:
    """First flight -> conveyance and ETD; last flight's arrival -> ETA; intermediate airports -> transshipment."""
    flights = sorted(flights, key=lambda f: f.sequence)
    data = draft.data
    itinerary = data.setdefault("itinerary", {})
    if origin:
        itinerary["place_of_loading"] = origin
    if destination:
        itinerary["place_of_discharge"] = destination
    if not flights:
        return
    first, last = flights[0], flights[-1]
    data["conveyance"] = {"journey_id": first.number, "flight_date": first.departs, "registration": first.registration}
    data["etd"] = first.departs
    data["eta"] = last.arrives
    if not origin and first.departure:
        itinerary["place_of_loading"] = first.departure
    if not destination and last.arrival:
        itinerary["place_of_discharge"] = last.arrival
    ends = {(origin or {}).get("name"), (destination or {}).get("name")}
    stops: list[dict[str, str]] = []
    for flight in flights:
        for stop in (flight.departure, flight.arrival):
            if stop and stop["name"] not in ends and stop not in stops:
                stops.append(stop)
    itinerary["transshipment"] = stops


def _compact(value: str | None) -> str | None:
    return (re.sub(r"\s", "", value).upper() or None) if value else None


# --- parties --------------------------------------------------------------------------------------------

PARTY_ELEMENTS = (
    ("ConsignorParty", PartyRole.CONSIGNOR),
    ("ConsigneeParty", PartyRole.CONSIGNEE),
    ("FreightForwarderParty", PartyRole.FREIGHT_FORWARDER),
    ("NotifyParty", PartyRole.NOTIFY_PARTY),
)


def read_parties(consignment: Node, draft: Draft) -> list[dict[str, Any]]:
    found: list[tuple[Node, PartyRole]] = [(n, role) for name, role in PARTY_ELEMENTS for n in consignment.all(name)]
    for node in consignment.all("AssociatedParty"):
        role_code = (node.text_of("RoleCode") or "").upper()
        role_text = (node.text_of("Role") or "").lower()
        if role_code in NOTIFY_ROLE_CODES or "notify" in role_text:
            found.append((node, PartyRole.NOTIFY_PARTY))
    parties = []
    for node, role in found:
        party = _party(node, role, draft)
        if party is not None:
            parties.append(party)
    _apply_customs_notes(consignment, parties, draft)
    return parties


def _party(node: Node, role: PartyRole, draft: Draft) -> dict[str, Any] | None:
    name = node.text_of("Name")
    if not name:
        draft.warn("PARTY_WITHOUT_NAME", f"{node.name} has no Name: left out", node=node, field=f"parties.{role.value}")
        return None
    address = next((c for c in node.children if c.name.endswith("Address") and c.is_iata()), None)
    party: dict[str, Any] = {"role": role.value, "name": name, "address_lines": [], "identifiers": []}
    if address is not None:
        lines: list[str] = []
        for part in ("StreetName", "PostOfficeBox", "CountrySubDivisionName"):
            text = address.text_of(part)
            if text:
                lines += [line.strip() for line in text.splitlines() if line.strip()]
        party["address_lines"] = lines
        party["city"] = address.text_of("CityName")
        party["postcode"] = address.text_of("PostcodeCode")
        country = (address.text_of("CountryID") or "").upper()
        if country and _COUNTRY.match(country):
            party["country"] = country
        elif country:
            draft.warn(
                "INVALID_COUNTRY_CODE",
                "CountryID is not an ISO 3166 alpha-2 code: left out",
                node=address.child("CountryID"),
                field=f"parties.{role.value}.country",
                value=country,
            )
    for tag, scheme in (("PrimaryID", None), ("AccountID", "ACCOUNT"), ("CargoAgentID", "IATA_AGENT")):
        for ident in node.all(tag):
            if ident.text:
                party["identifiers"].append(
                    {"scheme": scheme or ident.attrs.get("schemeID") or "PRIMARY", "value": ident.text}
                )
    party["phone"] = node.text_of("DefinedTradeContact", "DirectTelephoneCommunication", "CompleteNumber")
    party["email"] = node.text_of("DefinedTradeContact", "URIEmailCommunication", "URIID")
    return party


def _apply_customs_notes(consignment: Node, parties: list[dict[str, Any]], draft: Draft) -> None:
    """OCI lines (IncludedCustomsNote) about a party: ``T`` -> a TIN identifier, ``CT`` -> its phone if missing."""
    for note in consignment.all("IncludedCustomsNote"):
        role = OCI_SUBJECTS.get((note.text_of("SubjectCode") or "").upper())
        code = (note.text_of("ContentCode") or "").upper()
        content = note.text_of("Content")
        if role is None or not content:
            continue
        party = next((p for p in parties if p["role"] == role.value), None)
        if party is None:
            continue
        if code == "T":
            identifier = {"scheme": "TIN", "value": content}
            if identifier not in party["identifiers"]:
                party["identifiers"].append(identifier)
        elif code == "CT" and not party.get("phone"):
            party["phone"] = content


# --- goods and ULDs -------------------------------------------------------------------------------------


def uld_number(node: Node) -> str | None:
    """ULD id as carriers print it: type + serial + owner, e.g. ``AKE12345XX``."""
    serial = compact_identifier(node.text_of("ID") or "")
    kind = compact_identifier(node.text_of("CharacteristicCode") or "")
    owner = compact_identifier(node.text_of("OperatingParty", "PrimaryID") or "")
    if not serial:
        return None
    if _ULD_FULL.match(serial) or (kind and serial.startswith(kind)):
        return serial
    return f"{kind}{serial}{owner}"


def read_uld(node: Node, draft: Draft) -> dict[str, Any] | None:
    number = uld_number(node)
    if number is None or not 4 <= len(number) <= 17:
        draft.warn("BAD_ULD_NUMBER", "ULD without a usable ID: left out", node=node, field="equipment", value=number)
        return None
    uld: dict[str, Any] = {
        "number": number,
        "size_type": compact_identifier(node.text_of("CharacteristicCode") or "") or None,
    }
    weight = read_weight_kg(node.child("GrossWeightMeasure"), draft, "equipment.gross_weight_kg")
    if weight is not None and weight >= 0:
        uld["gross_weight_kg"] = weight
    return uld


def add_equipment(draft: Draft, uld: dict[str, Any]) -> None:
    equipment: list[dict[str, Any]] = draft.data.setdefault("equipment", [])
    if all(e["number"] != uld["number"] for e in equipment):
        equipment.append(uld)


def hs_codes(item: Node, draft: Draft, field_name: str) -> list[str]:
    """HS codes of an item: its ``TypeCode`` values, or ``ApplicableCommodityClassification`` codes."""
    nodes = list(item.all("TypeCode"))
    for classification in item.all("ApplicableCommodityClassification"):
        nodes += [n for tag in ("SystemID", "ClassCode", "TypeCode", "ID") for n in classification.all(tag)]
    codes: list[str] = []
    for node in nodes:
        digits = re.sub(r"[\s.]", "", node.text)
        if not digits:
            continue
        if not _HS.match(digits):
            draft.warn(
                "INVALID_HS_CODE",
                "HS code is not 2 to 10 digits: left out",
                node=node,
                field=field_name,
                value=node.text,
            )
        elif digits not in codes:
            codes.append(digits)
    return codes


def read_items(consignment: Node, item_tag: str, draft: Draft) -> list[dict[str, Any]]:
    """Goods items with their ULDs; a second HS code on an item becomes an extra item without quantities."""
    goods: list[dict[str, Any]] = []
    summary = consignment.text_of("SummaryDescription") or ""
    for index, item in enumerate(consignment.descendants(item_tag)):
        prefix = f"goods[{len(goods)}]"
        description = (
            " ".join(
                n.text
                for nature in item.all("NatureIdentificationTransportCargo")
                for n in nature.all("Identification")
                if n.text
            )
            or item.text_of("Description")
            or summary
        )
        pieces = read_count(item.child("PieceQuantity"))
        packages = [read_count(p.child("ItemQuantity")) for p in item.all("TransportLogisticsPackage")]
        known = [p for p in packages if p is not None]
        if pieces is not None and known and sum(known) != pieces:
            draft.warn(
                "PIECES_MISMATCH",
                f"item {index + 1}: PieceQuantity {pieces} but the packages' ItemQuantity add up to {sum(known)}",
                node=item,
                field=f"{prefix}.package_count",
                value=f"{pieces} != {sum(known)}",
            )
        ulds = [u for n in item.all("AssociatedUnitLoadTransportEquipment") if (u := read_uld(n, draft))]
        for uld in ulds:
            add_equipment(draft, uld)
        codes = hs_codes(item, draft, f"{prefix}.hs_code")
        goods.append(
            {
                "sequence": len(goods) + 1,
                "description": description,
                "hs_code": codes[0] if codes else None,
                "package_count": pieces if pieces is not None and pieces >= 0 else None,
                "gross_weight_kg": read_weight_kg(item.child("GrossWeightMeasure"), draft, f"{prefix}.gross_weight_kg"),
                "volume_m3": read_volume_m3(item.child("GrossVolumeMeasure"), draft, f"{prefix}.volume_m3"),
                "container_numbers": [u["number"] for u in ulds],
            }
        )
        goods += [
            {"sequence": len(goods) + 1 + i, "description": description, "hs_code": c} for i, c in enumerate(codes[1:])
        ]
    return goods


# --- finishing ------------------------------------------------------------------------------------------


def finish(
    draft: Draft, number: str, source_format: SourceFormat, header: Header, ctx: ParseContext
) -> ParsedConsignment:
    data = draft.data
    data.setdefault("message_function", header.function.value)
    data["message_ref"] = header.message_ref
    data["filed_at"] = header.filed_at
    data["provenance"] = Provenance(
        object_key=ctx.object_key,
        source_format=source_format,
        message_ref=header.message_ref,
        line=draft.line,
        received_at=ctx.received_at,
    )
    for key in ("total_packages", "total_gross_weight_kg"):
        value = data.get(key)
        if value is not None and value < 0:
            draft.warn("INVALID_NUMBER", f"{key} is negative: left out", field=key, value=value)
            data[key] = None
    for item in data.get("goods", []):
        if item.get("gross_weight_kg") is not None and item["gross_weight_kg"] < 0:
            item["gross_weight_kg"] = None
        if item.get("volume_m3") is not None and item["volume_m3"] < 0:
            item["volume_m3"] = None
    issues = list(header.issues) + draft.issues
    try:
        consignment = Consignment.model_validate(data)
    except ValidationError as exc:
        return ParsedConsignment(number, None, issues + issues_from_validation(exc, line=draft.line), line=draft.line)
    consignment.quality = issues  # kept with the record (risk rules, receipt); not repeated on the item
    return ParsedConsignment(number, consignment, [], line=draft.line)
