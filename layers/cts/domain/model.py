"""The canonical consignment model every carrier format parses into.

Names follow the WCO Data Model where they fit (consignor, consignee, notify party,
transport document, border transport means, transport equipment, goods item). The model
keeps what the carrier said, normalised in shape only; whether a code is *known* is a
data-quality question answered by :mod:`cts.domain.quality`, never a reason to drop data.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SPACES = re.compile(r"\s+")


def _clean_text(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


def compact_identifier(value: str) -> str:
    """Strip the separators carriers put in identifiers ("MSCU 123456-7", "IMO 9123456")."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


class TransportMode(StrEnum):
    SEA = "sea"
    AIR = "air"
    ROAD = "road"
    RAIL = "rail"


class Direction(StrEnum):
    """Customs procedure seen from the declaring country."""

    IMPORT = "import"
    EXPORT = "export"
    TRANSIT = "transit"
    TRANSSHIPMENT = "transshipment"


class MessageFunction(StrEnum):
    """What the message does to the consignment (EDIFACT BGM 1225: 9, 5, 1 ...)."""

    ORIGINAL = "original"
    AMENDMENT = "amendment"
    CANCELLATION = "cancellation"


class DocumentKind(StrEnum):
    MASTER_BILL = "master_bill"
    HOUSE_BILL = "house_bill"
    MASTER_AWB = "master_awb"
    HOUSE_AWB = "house_awb"
    ROAD_CONSIGNMENT_NOTE = "road_consignment_note"
    RAIL_CONSIGNMENT_NOTE = "rail_consignment_note"

    @property
    def is_house(self) -> bool:
        return self in (DocumentKind.HOUSE_BILL, DocumentKind.HOUSE_AWB)


class PartyRole(StrEnum):
    CONSIGNOR = "consignor"  # the shipper
    CONSIGNEE = "consignee"
    NOTIFY_PARTY = "notify_party"
    FREIGHT_FORWARDER = "freight_forwarder"  # includes NVOCCs


class SourceFormat(StrEnum):
    CUSCAR = "cuscar"
    IFTMIN = "iftmin"
    IFTMCS = "iftmcs"
    FWB = "fwb"
    FHL = "fhl"
    FFM = "ffm"
    XFWB = "xfwb"
    XFZB = "xfzb"
    XFFM = "xffm"
    CSV = "csv"
    JSON = "json"


class Severity(StrEnum):
    WARNING = "warning"
    ERROR = "error"


class FullEmpty(StrEnum):
    FULL = "full"
    EMPTY = "empty"
    LCL = "lcl"


_Model = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
LocodeText = Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Z0-9]{3}$")]


class Provenance(BaseModel):
    """Where a fact came from, so an analyst or a carrier can find it in the raw file."""

    model_config = _Model

    object_key: str
    source_format: SourceFormat
    message_ref: str | None = None
    line: int | None = Field(default=None, ge=1)
    segment: int | None = Field(default=None, ge=1)
    received_at: datetime | None = None


class DataQualityIssue(BaseModel):
    """A problem found in the data: kept with the record, reported on the receipt, usable by risk rules."""

    model_config = _Model

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    message: str
    field: str | None = None
    value: str | None = None
    severity: Severity = Severity.WARNING
    line: int | None = None
    segment: int | None = None


class Place(BaseModel):
    """A location: a UN/LOCODE where the carrier gave one, otherwise what it wrote."""

    model_config = _Model

    locode: LocodeText | None = None
    name: str | None = None

    @field_validator("locode", mode="before")
    @classmethod
    def _compact_locode(cls, value: object) -> object:
        return compact_identifier(value) if isinstance(value, str) and value.strip() else None

    @model_validator(mode="after")
    def _needs_something(self) -> Place:
        if self.locode is None and not self.name:
            raise ValueError("a place needs a UN/LOCODE or a name")
        return self

    @property
    def country(self) -> str | None:
        return self.locode[:2] if self.locode else None


class TransportDocument(BaseModel):
    """Bill of lading or air waybill; a house document links to its master."""

    model_config = _Model

    number: str = Field(min_length=1, max_length=70)
    kind: DocumentKind
    master_number: str | None = None

    @field_validator("number", "master_number")
    @classmethod
    def _no_inner_spaces(cls, value: str | None) -> str | None:
        return value.replace(" ", "").upper() if value else value

    @model_validator(mode="after")
    def _house_links_master(self) -> TransportDocument:
        if self.master_number and not self.kind.is_house:
            raise ValueError("only a house document links to a master document")
        return self


class Carrier(BaseModel):
    """The operating carrier: SCAC for sea/road, IATA airline prefix (3 digits) or designator for air."""

    model_config = _Model

    code: str = Field(min_length=2, max_length=4)
    name: str | None = None

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Conveyance(BaseModel):
    """WCO 'border transport means': the vessel, aircraft, truck or train and its journey."""

    model_config = _Model

    journey_id: str | None = Field(default=None, description="voyage or flight number")
    vessel_name: str | None = None
    imo_number: str | None = Field(default=None, description="7 digits; check digit verified in quality")
    flight_date: datetime | None = None
    registration: str | None = Field(default=None, description="aircraft or vehicle registration")
    nationality: CountryCode | None = None

    @field_validator("imo_number", mode="before")
    @classmethod
    def _compact_imo(cls, value: object) -> object:
        if isinstance(value, str):
            digits = compact_identifier(value).removeprefix("IMO")
            return digits or None
        return value


class Itinerary(BaseModel):
    model_config = _Model

    place_of_receipt: Place | None = None
    place_of_loading: Place | None = None
    transshipment: list[Place] = Field(default_factory=list)
    place_of_discharge: Place | None = None
    place_of_delivery: Place | None = None
    routing_countries: list[CountryCode] = Field(default_factory=list)

    def all_places(self) -> list[Place]:
        ordered = [self.place_of_receipt, self.place_of_loading, *self.transshipment]
        ordered += [self.place_of_discharge, self.place_of_delivery]
        return [p for p in ordered if p is not None]


class PartyIdentifier(BaseModel):
    model_config = _Model

    scheme: str = Field(description="EORI, TIN, VAT, LEI, IATA_AGENT ...")
    value: str


class Party(BaseModel):
    model_config = _Model

    role: PartyRole
    name: str = Field(min_length=1)
    address_lines: list[str] = Field(default_factory=list)
    city: str | None = None
    postcode: str | None = None
    country: CountryCode | None = None
    identifiers: list[PartyIdentifier] = Field(default_factory=list)
    phone: str | None = None
    email: str | None = None

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return _clean_text(value)


class GoodsItem(BaseModel):
    model_config = _Model

    sequence: int = Field(ge=1)
    description: str = ""
    hs_code: str | None = Field(default=None, description="2 to 10 digits, dots and spaces removed")
    package_count: int | None = Field(default=None, ge=0)
    package_kind: str | None = Field(default=None, description="UN/ECE Rec. 21 code, e.g. CT, PK")
    gross_weight_kg: Decimal | None = Field(default=None, ge=0)
    net_weight_kg: Decimal | None = Field(default=None, ge=0)
    volume_m3: Decimal | None = Field(default=None, ge=0)
    value: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    un_number: str | None = Field(default=None, pattern=r"^\d{4}$")
    marks: str | None = None
    container_numbers: list[str] = Field(default_factory=list)

    @field_validator("hs_code", mode="before")
    @classmethod
    def _hs_digits(cls, value: object) -> object:
        if isinstance(value, str):
            digits = re.sub(r"[\s.]", "", value)
            if not digits:
                return None
            if not re.fullmatch(r"\d{2,10}", digits):
                raise ValueError(f"HS code must be 2 to 10 digits, got {value!r}")
            return digits
        return value

    @field_validator("description")
    @classmethod
    def _clean_description(cls, value: str) -> str:
        return _clean_text(value)

    @field_validator("container_numbers")
    @classmethod
    def _compact_containers(cls, value: list[str]) -> list[str]:
        return [compact_identifier(v) for v in value]


class Equipment(BaseModel):
    """A container or other transport equipment (ISO 6346 number; check digit verified in quality)."""

    model_config = _Model

    number: str = Field(min_length=4, max_length=17)
    size_type: str | None = Field(default=None, description="ISO 6346 size/type code, e.g. 22G1")
    full_empty: FullEmpty | None = None
    seals: list[str] = Field(default_factory=list)
    tare_weight_kg: Decimal | None = Field(default=None, ge=0)
    gross_weight_kg: Decimal | None = Field(default=None, ge=0)

    @field_validator("number", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return compact_identifier(value) if isinstance(value, str) else value


class Consignment(BaseModel):
    """One consignment as reported by a carrier: the unit that is scored, alerted and examined."""

    model_config = _Model

    message_function: MessageFunction = MessageFunction.ORIGINAL
    message_ref: str | None = Field(default=None, description="sender's message reference")
    mode: TransportMode
    direction: Direction
    transport_document: TransportDocument
    carrier: Carrier | None = None
    conveyance: Conveyance = Field(default_factory=Conveyance)
    itinerary: Itinerary = Field(default_factory=Itinerary)
    etd: datetime | None = None
    eta: datetime | None = None
    filed_at: datetime | None = None
    parties: list[Party] = Field(default_factory=list)
    goods: list[GoodsItem] = Field(default_factory=list)
    equipment: list[Equipment] = Field(default_factory=list)
    total_packages: int | None = Field(default=None, ge=0)
    total_gross_weight_kg: Decimal | None = Field(default=None, ge=0)
    provenance: Provenance
    quality: list[DataQualityIssue] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable identity across versions: the same document from the same carrier is the same consignment."""
        doc = self.transport_document
        issuer = self.carrier.code if self.carrier else "-"
        if doc.kind.is_house and doc.master_number:
            issuer = f"{issuer}/{doc.master_number}"
        return f"{self.mode.value}:{issuer}:{doc.number}"

    def party(self, role: PartyRole) -> Party | None:
        return next((p for p in self.parties if p.role is role), None)

    @property
    def consignor(self) -> Party | None:
        return self.party(PartyRole.CONSIGNOR)

    @property
    def consignee(self) -> Party | None:
        return self.party(PartyRole.CONSIGNEE)

    @property
    def gross_weight_kg(self) -> Decimal | None:
        if self.total_gross_weight_kg is not None:
            return self.total_gross_weight_kg
        weights = [g.gross_weight_kg for g in self.goods if g.gross_weight_kg is not None]
        return sum(weights, Decimal(0)) if weights else None
