"""Segment-to-model mapping shared by CUSCAR and IFTMIN/IFTMCS.

A :class:`Draft` accumulates what the segments of one consignment say; :meth:`Draft.build` turns it
into a :class:`~cts.domain.model.Consignment`. A part that does not validate (a party with a bad country,
an equipment number of three characters) is dropped with a WARNING; only a consignment that cannot be
built at all (no document number, model errors) is rejected with ERROR issues. Whether codes are *known*
(UN/LOCODE, HS, ISO 6346 check digits) is left to :mod:`cts.domain.quality`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from cts.domain.model import (
    Carrier,
    Consignment,
    Conveyance,
    DataQualityIssue,
    Direction,
    DocumentKind,
    Equipment,
    FullEmpty,
    GoodsItem,
    Itinerary,
    MessageFunction,
    Party,
    PartyIdentifier,
    PartyRole,
    Place,
    Severity,
    SourceFormat,
    TransportDocument,
    TransportMode,
    compact_identifier,
)
from cts.domain.parsers.base import ParseContext, ParsedConsignment, issues_from_validation
from cts.domain.parsers.edifact.tokenizer import Segment

_LOCODE = re.compile(r"[A-Z]{2}[A-Z0-9]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_HS = re.compile(r"\d{2,10}")
_UN = re.compile(r"\d{4}")
_CARRIER = re.compile(r"[A-Z0-9]{2,4}")
_NUMBER = re.compile(r"-?(?:\d+(?:[.,]\d*)?|[.,]\d+)")

#: BGM 1225 message function.
FUNCTIONS: dict[str, MessageFunction] = {
    "": MessageFunction.ORIGINAL,
    "9": MessageFunction.ORIGINAL,
    "5": MessageFunction.AMENDMENT,
    "4": MessageFunction.AMENDMENT,
    "1": MessageFunction.CANCELLATION,
    "3": MessageFunction.CANCELLATION,
}

#: DTM 2005 qualifiers read into the model.
DATES = {"132": "eta", "133": "etd", "137": "filed_at"}
_DATE_FORMATS = {"101": "%y%m%d", "102": "%Y%m%d", "201": "%y%m%d%H%M", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
_DATE_BY_LENGTH = {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}

#: TDT 8067 mode of transport (UN/ECE Rec. 19, first digit).
MODES = {"1": TransportMode.SEA, "2": TransportMode.RAIL, "3": TransportMode.ROAD, "4": TransportMode.AIR}
MODES["8"] = TransportMode.SEA  # inland waterway: a vessel

#: LOC 3227 qualifiers: itinerary role and rank (lower wins when several are given).
PLACES: dict[str, tuple[str, int]] = {
    "88": ("place_of_receipt", 0),
    "9": ("place_of_loading", 0),
    "5": ("place_of_loading", 1),
    "76": ("place_of_loading", 2),
    "11": ("place_of_discharge", 0),
    "12": ("place_of_discharge", 1),
    "60": ("place_of_discharge", 2),
    "24": ("place_of_discharge", 3),
    "7": ("place_of_delivery", 0),
    "8": ("place_of_delivery", 1),
    "20": ("place_of_delivery", 2),
}
TRANSSHIPMENT = "13"
#: LOC 3055 agencies whose codes are not UN/LOCODEs even when they look like one (carrier, GS1, seller, buyer).
NOT_LOCODE_AGENCIES = frozenset({"87", "9", "91", "92", "ZZZ"})

#: NAD 3035 party qualifiers; the fallback ones count only when no primary party of the role is given.
ROLES = {
    "CZ": PartyRole.CONSIGNOR,
    "CN": PartyRole.CONSIGNEE,
    "N1": PartyRole.NOTIFY_PARTY,
    "NI": PartyRole.NOTIFY_PARTY,
    "FW": PartyRole.FREIGHT_FORWARDER,
}
FALLBACK_ROLES = {"OS": PartyRole.CONSIGNOR, "SH": PartyRole.CONSIGNOR, "N2": PartyRole.NOTIFY_PARTY}

#: DOC 1001 document name codes.
DOCUMENT_KINDS = {
    "704": DocumentKind.MASTER_BILL,
    "705": DocumentKind.MASTER_BILL,
    "706": DocumentKind.MASTER_BILL,
    "714": DocumentKind.HOUSE_BILL,
    "703": DocumentKind.HOUSE_AWB,
    "740": DocumentKind.MASTER_AWB,
    "741": DocumentKind.MASTER_AWB,
    "730": DocumentKind.ROAD_CONSIGNMENT_NOTE,
    "720": DocumentKind.RAIL_CONSIGNMENT_NOTE,
}
MODE_KINDS = {
    TransportMode.SEA: DocumentKind.MASTER_BILL,
    TransportMode.AIR: DocumentKind.MASTER_AWB,
    TransportMode.ROAD: DocumentKind.ROAD_CONSIGNMENT_NOTE,
    TransportMode.RAIL: DocumentKind.RAIL_CONSIGNMENT_NOTE,
}

WEIGHT_UNITS = {
    "KGM": Decimal(1),
    "KGS": Decimal(1),
    "GRM": Decimal("0.001"),
    "TNE": Decimal(1000),
    "LBR": Decimal("0.45359237"),
}
VOLUME_UNITS = {
    "MTQ": Decimal(1),
    "DMQ": Decimal("0.001"),
    "LTR": Decimal("0.001"),
    "CMQ": Decimal("0.000001"),
    "FTQ": Decimal("0.028316846592"),
}
FULL_EMPTY = {"5": FullEmpty.FULL, "4": FullEmpty.EMPTY}
HS_TYPES = {"HS", "HT", "CG", "CN", "TAR"}


def parse_decimal(text: str) -> Decimal | None:
    """An EDIFACT number: comma or full stop as decimal mark (UNA), optional minus sign."""
    text = text.strip()
    if len(text) > 20 or not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        return None


def parse_date(value: str, fmt: str) -> datetime | None:
    value = value.strip()
    fmt = fmt or _DATE_BY_LENGTH.get(len(value), "")
    pattern = _DATE_FORMATS.get(fmt)
    if pattern is None:
        return None
    try:
        return datetime.strptime(value, pattern)
    except ValueError:
        return None


@dataclass
class _Tdt:
    stage: str
    level: int
    order: int
    values: dict[str, str]


@dataclass
class Draft:
    """What the segments of one consignment say, before validation."""

    source_format: SourceFormat
    message_ref: str | None
    segment: int
    line: int
    level: int = 0
    bgm_number: str = ""
    function_code: str = ""
    function_segment: int | None = None
    numbers: dict[str, str] = field(default_factory=dict)  # "CNI", RFF qualifiers, "DOC", "DOC_KIND"
    inherited_master: str | None = None  # RFF BM/MB at message level: the master of house CNI groups
    dates: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    tdts: list[_Tdt] = field(default_factory=list)
    places: dict[str, tuple[int, int, dict[str, str | None]]] = field(default_factory=dict)
    transshipment: list[dict[str, str | None]] = field(default_factory=list)
    parties: list[tuple[PartyRole, bool, dict[str, Any], int]] = field(default_factory=list)
    carrier: dict[str, str] = field(default_factory=dict)
    goods: list[dict[str, Any]] = field(default_factory=list)
    equipment: dict[str, dict[str, Any]] = field(default_factory=dict)
    shared_equipment: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    total_packages: int | None = None
    total_gross: Decimal | None = None
    issues: list[DataQualityIssue] = field(default_factory=list)
    context: str = ""
    current_equipment: dict[str, Any] | None = None
    _fast: bool = False
    _order: list[_Tdt] = field(default_factory=list)

    # --- seeding ----------------------------------------------------------------------------------
    def child(self, segment: Segment) -> Draft:
        """A consignment draft inside a message (CUSCAR CNI): inherits the message-level facts."""
        return Draft(
            source_format=self.source_format,
            message_ref=self.message_ref,
            segment=segment.number,
            line=segment.line,
            level=1,
            bgm_number=self.bgm_number,
            function_code=self.function_code,
            function_segment=self.function_segment,
            dates=dict(self.dates),
            tdts=list(self.tdts),
            places=dict(self.places),
            transshipment=list(self.transshipment),
            parties=list(self.parties),
            carrier=dict(self.carrier),
            shared_equipment=self.equipment,
            issues=list(self.issues),
            inherited_master=self.numbers.get("BM") or self.numbers.get("MB"),
        )

    # --- issues -----------------------------------------------------------------------------------
    def warn(self, code: str, message: str, seg: Segment | None, *, field: str | None = None, value: str = "") -> None:
        self.issues.append(
            DataQualityIssue(
                code=code,
                message=message,
                field=field,
                value=value[:200] or None,
                segment=seg.number if seg else self.segment,
                line=seg.line if seg else self.line,
            )
        )

    # --- segments ---------------------------------------------------------------------------------
    def add(self, seg: Segment) -> None:
        handler = _HANDLERS.get(seg.tag)
        if handler is not None:
            handler(self, seg)

    def bgm(self, seg: Segment) -> None:
        self.bgm_number = seg.value(2)
        self.function_code = seg.value(3)
        self.function_segment = seg.number
        if self.function_code not in FUNCTIONS:
            self.warn(
                "UNKNOWN_MESSAGE_FUNCTION",
                "BGM message function code is not 9, 5, 4, 3 or 1; read as an original",
                seg,
                field="message_function",
                value=self.function_code,
            )

    def dtm(self, seg: Segment) -> None:
        qualifier = seg.value(1, 0)
        name = DATES.get(qualifier)
        if name is None or self.context in ("GID", "DGS", "EQD"):
            return
        moment = parse_date(seg.value(1, 1), seg.value(1, 2))
        if moment is None:
            self.warn("INVALID_DATE", f"DTM {qualifier} date is not a valid date", seg, field=name, value=seg.raw)
            return
        current = self.dates.get(name)
        if current is None or self.level > current[0]:
            self.dates[name] = (self.level, moment)

    def tdt(self, seg: Segment) -> None:
        values = {
            "journey_id": seg.value(2),
            "mode": seg.value(3, 0).lstrip("0")[:1],
            "carrier_code": seg.value(5, 0),
            "carrier_name": seg.value(5, 3),
            "id": seg.value(8, 0),
            "id_list": seg.value(8, 1),
            "id_agency": seg.value(8, 2),
            "name": seg.value(8, 3),
            "nationality": seg.value(8, 4),
        }
        self.tdts.append(_Tdt(seg.value(1), self.level, len(self.tdts), values))
        self.context = ""

    def loc(self, seg: Segment) -> None:
        if self.context in ("GID", "DGS", "EQD", "SGP"):
            return
        qualifier = seg.value(1)
        if qualifier != TRANSSHIPMENT and qualifier not in PLACES:
            return
        ident, agency, name = seg.value(2, 0), seg.value(2, 2), seg.value(2, 3)
        compact = compact_identifier(ident)
        place: dict[str, str | None]
        if _LOCODE.fullmatch(compact) and agency not in NOT_LOCODE_AGENCIES:
            place = {"locode": compact, "name": name or None}
        elif name or ident:
            place = {"locode": None, "name": name or ident}
        else:
            return
        if qualifier == TRANSSHIPMENT:
            self.transshipment.append(place)
            return
        role, rank = PLACES[qualifier]
        current = self.places.get(role)
        if current is None or (self.level, -rank) > (current[0], -current[1]):
            self.places[role] = (self.level, rank, place)

    def nad(self, seg: Segment) -> None:
        qualifier = seg.value(1)
        ident, id_list, agency = seg.value(2, 0), seg.value(2, 1), seg.value(2, 2)
        unstructured = [c.strip() for c in seg.element(3) if c.strip()]
        names = [c.strip() for c in seg.element(4)[:5] if c.strip()]
        streets = [c.strip() for c in seg.element(5) if c.strip()]
        if names:
            name, lines = " ".join(names), [*unstructured, *streets]
        elif unstructured:
            name, lines = unstructured[0], [*unstructured[1:], *streets]
        else:
            name, lines = "", streets
        if qualifier == "CA":
            if ident:
                self.carrier["code"] = ident
            if name:
                self.carrier["name"] = name
            return
        role = ROLES.get(qualifier) or FALLBACK_ROLES.get(qualifier)
        if role is None:
            return
        if not name:
            self.warn(
                "PARTY_WITHOUT_NAME",
                f"NAD {qualifier} gives no name; party left out",
                seg,
                field="parties",
                value=ident,
            )
            return
        country = seg.value(9).upper()
        if country and not _COUNTRY.fullmatch(country):
            self.warn("INVALID_VALUE", "NAD country is not two letters; left out", seg, field="country", value=country)
            country = ""
        party: dict[str, Any] = {
            "role": role,
            "name": name,
            "address_lines": lines,
            "city": seg.value(6) or None,
            "postcode": seg.value(8) or None,
            "country": country or None,
        }
        if ident:
            scheme = _scheme(id_list, agency)
            party["identifiers"] = [PartyIdentifier(scheme=scheme, value=ident)]
        self.parties.append((role, qualifier in ROLES, party, seg.number))

    def rff(self, seg: Segment) -> None:
        if self.context in ("GID", "DGS", "EQD", "SGP"):
            return
        qualifier, number = seg.value(1, 0), seg.value(1, 1)
        if qualifier and number:
            self.numbers.setdefault(qualifier, number)

    def cni(self, seg: Segment) -> None:
        number = seg.value(2, 0)
        if number:
            self.numbers["CNI"] = number

    def doc(self, seg: Segment) -> None:
        code, number = seg.value(1, 0), seg.value(2, 0)
        if code in DOCUMENT_KINDS and number:
            self.numbers.setdefault("DOC", number)
            self.numbers.setdefault("DOC_KIND", code)

    def cnt(self, seg: Segment) -> None:
        qualifier, value, unit = seg.value(1, 0), seg.value(1, 1), seg.value(1, 2)
        if qualifier == "7":
            self.total_gross = self._weight(value, unit or "KGM", seg, "total_gross_weight_kg")
        elif qualifier == "11":
            self.total_packages = self._int(value, seg, "total_packages")

    def gid(self, seg: Segment) -> None:
        self.context = "GID"
        sequence = self._int(seg.value(1), seg, "goods.sequence", quiet=True)
        used = {g["sequence"] for g in self.goods}
        if sequence is None or sequence < 1 or sequence in used:
            sequence = max(used, default=0) + 1
        item: dict[str, Any] = {"sequence": sequence, "_segment": seg.number, "_desc": []}
        count = seg.value(2, 0)
        if count:
            item["package_count"] = self._int(count, seg, "goods.package_count")
        if seg.value(2, 1):
            item["package_kind"] = seg.value(2, 1)
        self.goods.append(item)

    def pac(self, seg: Segment) -> None:
        if self.context == "GID" and self.goods:
            item = self.goods[-1]
            if item.get("package_count") is None and seg.value(1):
                item["package_count"] = self._int(seg.value(1), seg, "goods.package_count")
            if not item.get("package_kind") and seg.value(3):
                item["package_kind"] = seg.value(3)

    def ftx(self, seg: Segment) -> None:
        if seg.value(1) == "AAA" and self.context in ("GID", "SGP") and self.goods:
            text = " ".join(c.strip() for c in seg.element(4) if c.strip())
            if text:
                self.goods[-1]["_desc"].append(text)

    def pci(self, seg: Segment) -> None:
        if self.context in ("GID", "SGP") and self.goods:
            marks = " ".join(c.strip() for c in seg.element(2) if c.strip())
            if marks and not self.goods[-1].get("marks"):
                self.goods[-1]["marks"] = marks

    def pia(self, seg: Segment) -> None:
        if self.context not in ("GID", "SGP") or not self.goods:
            return
        for index in range(2, len(seg.elements)):
            if seg.value(index, 1).upper() in HS_TYPES and seg.value(index, 0):
                self._hs(seg.value(index, 0), seg)
                return

    def cst(self, seg: Segment) -> None:
        if not self.goods:
            return
        for index in range(2, len(seg.elements)):
            code = seg.value(index, 0)
            if code and re.fullmatch(r"[\d.\s]{2,14}", code):
                self._hs(code, seg)
                return

    def _hs(self, code: str, seg: Segment) -> None:
        item = self.goods[-1]
        digits = re.sub(r"[\s.]", "", code)
        if not _HS.fullmatch(digits):
            self.warn("INVALID_HS_CODE", "HS code must be 2 to 10 digits; left out", seg, field="hs_code", value=code)
        elif not item.get("hs_code"):
            item["hs_code"] = digits

    def mea(self, seg: Segment) -> None:
        target: dict[str, Any] | None = None
        if self.context == "GID" and self.goods:
            target = self.goods[-1]
        elif self.context == "EQD":
            target = self.current_equipment
        elif self.context == "" and self.level == 1:
            target = {}
        if target is None:
            return
        prop, unit, value = seg.value(2, 0).upper(), seg.value(3, 0).upper(), seg.value(3, 1)
        key: str | None = None
        amount: Decimal | None = None
        if unit in WEIGHT_UNITS:
            key = {"G": "gross_weight_kg", "AAL": "net_weight_kg", "T": "tare_weight_kg"}.get(prop)
            if key:
                amount = self._weight(value, unit, seg, key)
        elif unit in VOLUME_UNITS and prop in ("AAW", "ABJ", ""):
            key = "volume_m3"
            amount = self._scaled(value, VOLUME_UNITS[unit], seg, key)
        if key is None or amount is None:
            return
        if self.context == "":
            if key == "gross_weight_kg" and self.total_gross is None:
                self.total_gross = amount
            return
        if self.context == "EQD" and key in ("net_weight_kg", "volume_m3"):
            return
        if self.context == "GID" and key == "tare_weight_kg":
            return
        current = target.get(key)
        if current is None:
            target[key] = amount
        elif current != amount:
            self.warn(
                "DUPLICATE_MEASURE",
                f"a second {key} ({amount}) differs from the first ({current}); the first is kept",
                seg,
                field=key,
                value=seg.raw,
            )

    def dgs(self, seg: Segment) -> None:
        self.context = "DGS"
        if not self.goods:
            return
        un = seg.value(3, 0)
        if un and not _UN.fullmatch(un):
            self.warn("INVALID_UN_NUMBER", "UN number must be 4 digits; left out", seg, field="un_number", value=un)
        elif un and not self.goods[-1].get("un_number"):
            self.goods[-1]["un_number"] = un

    def sgp(self, seg: Segment) -> None:
        self.context = "SGP"
        number = compact_identifier(seg.value(1, 0))
        if number and self.goods:
            containers = self.goods[-1].setdefault("container_numbers", [])
            if number not in containers:
                containers.append(number)
            if number not in self.links:
                self.links.append(number)

    def eqd(self, seg: Segment) -> None:
        self.context = "EQD"
        number = compact_identifier(seg.value(2, 0))
        if len(number) < 4 or len(number) > 17:
            self.current_equipment = None
            self.warn("INVALID_VALUE", "EQD equipment number must be 4 to 17 characters", seg, field="equipment")
            return
        equipment = self.equipment.setdefault(number, {"number": number, "seals": [], "_segment": seg.number})
        if seg.value(3, 0) and not equipment.get("size_type"):
            equipment["size_type"] = seg.value(3, 0)
        full_empty = FULL_EMPTY.get(seg.value(6))
        if full_empty is not None:
            equipment["full_empty"] = full_empty
        self.current_equipment = equipment

    def sel(self, seg: Segment) -> None:
        seal = seg.value(1, 0)
        equipment = self.current_equipment
        if self.context == "EQD" and equipment is not None and seal and seal not in equipment["seals"]:
            equipment["seals"].append(seal)

    # --- numbers ----------------------------------------------------------------------------------
    def _int(self, text: str, seg: Segment, name: str, *, quiet: bool = False) -> int | None:
        value = parse_decimal(text)
        if value is None or value != value.to_integral_value() or value < 0:
            if not quiet:
                self.warn("INVALID_NUMBER", f"{name} is not a whole number; left out", seg, field=name, value=text)
            return None
        return int(value)

    def _scaled(self, text: str, factor: Decimal, seg: Segment, name: str) -> Decimal | None:
        value = parse_decimal(text)
        if value is None or value < 0:
            self.warn("INVALID_NUMBER", f"{name} is not a positive number; left out", seg, field=name, value=text)
            return None
        if factor == 1:
            return value
        scaled = (value * factor).normalize()
        return scaled.quantize(Decimal(1)) if scaled == scaled.to_integral_value() else scaled

    def _weight(self, text: str, unit: str, seg: Segment, name: str) -> Decimal | None:
        factor = WEIGHT_UNITS.get(unit.upper())
        if factor is None:
            self.warn("UNKNOWN_UNIT", f"weight unit {unit} is not read; left out", seg, field=name, value=unit)
            return None
        return self._scaled(text, factor, seg, name)

    # --- building ---------------------------------------------------------------------------------
    def document(self, mode: TransportMode, *, use_bgm: bool) -> tuple[str | None, DocumentKind, str | None]:
        """Document number, kind and master number from CNI, RFF BH/BM/MB, DOC, RFF AAM, BGM (in that order)."""
        numbers = self.numbers
        house, master = numbers.get("BH"), numbers.get("BM") or numbers.get("MB")
        number = numbers.get("CNI") or house or master
        master = master or self.inherited_master
        kind = MODE_KINDS[mode]
        if number is None and numbers.get("DOC"):
            number = numbers["DOC"]
            kind = DOCUMENT_KINDS[numbers["DOC_KIND"]]
        number = number or numbers.get("AAM") or (self.bgm_number if use_bgm else None) or None
        if house and number == house:
            kind = DocumentKind.HOUSE_AWB if mode is TransportMode.AIR else DocumentKind.HOUSE_BILL
        if kind.is_house and master and master != number:
            return number, kind, master
        return number, kind, None

    def build(self, ctx: ParseContext, *, use_bgm: bool, truncated: bool = False) -> ParsedConsignment:
        mode, mode_code = self._mode()
        number, kind, master = self.document(mode, use_bgm=use_bgm)
        if truncated:
            issue = self._fatal("TRUNCATED_CONSIGNMENT", number)
            return ParsedConsignment(number, None, [*self.issues, issue], line=self.line)
        if not number:
            issue = self._fatal("MISSING_DOCUMENT_NUMBER", None)
            return ParsedConsignment(None, None, [*self.issues, issue], line=self.line)
        if not mode_code:
            self.warn("ASSUMED_TRANSPORT_MODE", "no TDT mode of transport; read as sea", None, field="mode", value="")
        elif mode_code not in MODES:
            self.warn(
                "ASSUMED_TRANSPORT_MODE",
                "TDT mode of transport not read; read as sea",
                None,
                field="mode",
                value=mode_code,
            )
        self._order = self._ordered_tdts()
        mark = len(self.issues)
        try:
            self._fast = True  # one validation of the whole consignment: the common, clean case
            return self._assemble(ctx, mode, number, kind, master)
        except ValidationError:
            del self.issues[mark:]
        self._fast = False  # part by part: a bad part is left out with a warning
        try:
            return self._assemble(ctx, mode, number, kind, master)
        except ValidationError as exc:
            errors = issues_from_validation(exc, line=self.line)
            for issue in errors:
                issue.segment = self.segment
            return ParsedConsignment(number, None, [*self.issues, *errors], line=self.line)

    def _assemble(
        self, ctx: ParseContext, mode: TransportMode, number: str, kind: DocumentKind, master: str | None
    ) -> ParsedConsignment:
        document = self._sub(
            TransportDocument, {"number": number, "kind": kind, "master_number": master}, "transport_document"
        )
        if document is None:
            issue = self._fatal("INVALID_DOCUMENT_NUMBER", number)
            return ParsedConsignment(number, None, [*self.issues, issue], line=self.line)
        data: dict[str, Any] = {
            "message_function": FUNCTIONS.get(self.function_code, MessageFunction.ORIGINAL),
            "message_ref": self.bgm_number or None,
            "mode": mode,
            "direction": self._direction(),
            "transport_document": document,
            "carrier": self._carrier(),
            "conveyance": self._conveyance(mode),
            "itinerary": self._itinerary(),
            "parties": self._parties(),
            "goods": self._goods(),
            "equipment": self._equipment(),
            "total_packages": self.total_packages,
            "total_gross_weight_kg": self.total_gross,
            "provenance": {
                "object_key": ctx.object_key,
                "source_format": self.source_format,
                "message_ref": self.message_ref,
                "line": max(self.line, 1),
                "segment": max(self.segment, 1),
                "received_at": ctx.received_at,
            },
        }
        for name, (_, moment) in self.dates.items():
            data[name] = moment
        consignment = Consignment.model_validate({k: v for k, v in data.items() if v is not None})
        return ParsedConsignment(consignment.transport_document.number, consignment, self.issues, line=self.line)

    def _direction(self) -> Direction:
        """Direction from the itinerary, as the declaring country is not in the message.

        Transshipment when the place of discharge is also a place of transshipment; transit when the goods are
        discharged in one country and delivered in another; import otherwise.
        """
        discharge = self.places.get("place_of_discharge")
        delivery = self.places.get("place_of_delivery")
        discharge_code = discharge[2].get("locode") if discharge else None
        delivery_code = delivery[2].get("locode") if delivery else None
        if discharge_code and any(t.get("locode") == discharge_code for t in self.transshipment):
            return Direction.TRANSSHIPMENT
        if discharge_code and delivery_code and discharge_code[:2] != delivery_code[:2]:
            return Direction.TRANSIT
        return Direction.IMPORT

    def _fatal(self, code: str, number: str | None) -> DataQualityIssue:
        messages = {
            "TRUNCATED_CONSIGNMENT": "the message ends before this consignment is complete; consignment rejected",
            "MISSING_DOCUMENT_NUMBER": "no document number (CNI, RFF BM/BH, DOC or BGM); consignment rejected",
            "INVALID_DOCUMENT_NUMBER": "the document number is not usable; consignment rejected",
        }
        return DataQualityIssue(
            code=code,
            message=messages[code],
            field="transport_document.number",
            value=number,
            severity=Severity.ERROR,
            segment=self.segment,
            line=self.line,
        )

    def _sub(self, model: type[BaseModel], data: dict[str, Any], name: str, segment: int | None = None) -> Any:
        """The part as a model (careful mode, ``None`` with warnings when invalid) or as its data (fast mode)."""
        if self._fast:
            return data
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                self.issues.append(
                    DataQualityIssue(
                        code="INVALID_VALUE",
                        message=f"{name} left out: {err['msg']}",
                        field=f"{name}.{where}" if where else name,
                        value=str(err.get("input"))[:200],
                        segment=segment or self.segment,
                    )
                )
            return None

    def _mode(self) -> tuple[TransportMode, str]:
        for tdt in self._ordered_tdts():
            if tdt.values["mode"]:
                code = tdt.values["mode"]
                return MODES.get(code, TransportMode.SEA), code
        return TransportMode.SEA, ""

    def _ordered_tdts(self) -> list[_Tdt]:
        return sorted(self.tdts, key=lambda t: (t.stage != "20", -t.level, t.order))

    def _tdt_value(self, key: str) -> str:
        return next((t.values[key] for t in self._order if t.values[key]), "")

    def _carrier(self) -> Any:
        code = compact_identifier(self.carrier.get("code") or self._tdt_value("carrier_code"))
        name = self.carrier.get("name") or self._tdt_value("carrier_name") or None
        if not _CARRIER.fullmatch(code):
            return None
        return self._sub(Carrier, {"code": code, "name": name}, "carrier")

    def _conveyance(self, mode: TransportMode) -> Any:
        ident, id_list, agency = self._tdt_value("id"), self._tdt_value("id_list"), self._tdt_value("id_agency")
        name = self._tdt_value("name")
        data: dict[str, Any] = {"journey_id": self._tdt_value("journey_id") or None}
        nationality = self._tdt_value("nationality").upper()
        if _COUNTRY.fullmatch(nationality):
            data["nationality"] = nationality
        if mode in (TransportMode.ROAD, TransportMode.RAIL):
            data["registration"] = ident or name or None
        else:
            data["vessel_name"] = name or None
            imo = id_list.upper() in ("146", "IMO") or agency == "11" or ident.upper().startswith("IMO")
            if ident and imo:
                data["imo_number"] = ident
            elif ident:
                data["registration"] = ident
        return self._sub(Conveyance, data, "conveyance")

    def _itinerary(self) -> Any:
        data: dict[str, Any] = {}
        for role, (_, _, place) in self.places.items():
            data[role] = self._sub(Place, place, f"itinerary.{role}")
        data["transshipment"] = [
            p for p in (self._sub(Place, t, "itinerary.transshipment") for t in self.transshipment) if p
        ]
        return self._sub(Itinerary, {k: v for k, v in data.items() if v is not None}, "itinerary")

    def _parties(self) -> list[Any]:
        primary_roles = {role for role, primary, _, _ in self.parties if primary}
        parties = []
        for role, primary, data, segment in self.parties:
            if primary or role not in primary_roles:
                party = self._sub(Party, data, "parties", segment)
                if party is not None:
                    parties.append(party)
        return parties

    def _goods(self) -> list[Any]:
        goods = []
        for item in self.goods:
            data = {k: v for k, v in item.items() if not k.startswith("_") and v is not None}
            data["description"] = " ".join(item["_desc"])
            good = self._sub(GoodsItem, data, f"goods[{item['sequence']}]", item["_segment"])
            if good is not None:
                goods.append(good)
        return goods

    def _equipment(self) -> list[Any]:
        chosen = dict(self.equipment)
        shared = self.shared_equipment
        if shared:
            numbers = self.links or list(shared)
            for number in numbers:
                if number in shared and number not in chosen:
                    chosen[number] = shared[number]
        result = []
        for data in chosen.values():
            clean = {k: v for k, v in data.items() if not k.startswith("_")}
            clean["seals"] = list(clean.get("seals", []))
            equipment = self._sub(Equipment, clean, "equipment", data["_segment"])
            if equipment is not None:
                result.append(equipment)
        return result


def _scheme(id_list: str, agency: str) -> str:
    for code in (id_list, agency):
        if code.isalpha():
            return code.upper()
    return "GLN" if agency == "9" else "PARTY_ID"


_HANDLERS = {
    "BGM": Draft.bgm,
    "DTM": Draft.dtm,
    "TDT": Draft.tdt,
    "LOC": Draft.loc,
    "NAD": Draft.nad,
    "RFF": Draft.rff,
    "CNI": Draft.cni,
    "DOC": Draft.doc,
    "CNT": Draft.cnt,
    "GID": Draft.gid,
    "PAC": Draft.pac,
    "FTX": Draft.ftx,
    "PCI": Draft.pci,
    "PIA": Draft.pia,
    "CST": Draft.cst,
    "MEA": Draft.mea,
    "DGS": Draft.dgs,
    "SGP": Draft.sgp,
    "EQD": Draft.eqd,
    "SEL": Draft.sel,
}
