"""The flat, indexable view of a consignment that analysts search, filter and facet on.

One :class:`SearchDocument` per consignment key: the latest version of the consignment as
parsed, plus its latest assessment (score, level, matched profiles) and workflow state
(alert and case status). Search engines (:mod:`cts.ports.search`) index exactly this shape,
so the embedded engine and OpenSearch return the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cts.domain.model import Consignment, Party
from cts.domain.records import VersionStatus

ACTIVE = VersionStatus.ACTIVE.value


def as_utc(value: datetime | None) -> datetime | None:
    """Timezone-aware UTC; a naive datetime is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order preserved."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return tuple(seen)


def _party_text(party: Party) -> str:
    parts = [party.name, *party.address_lines, party.postcode, party.city, party.country]
    return ", ".join(p for p in parts if p)


class SearchDocument(BaseModel):
    """A consignment version and its latest assessment, flattened for search.

    ``key`` is the consignment key (:attr:`Consignment.key`) and the document's id in the
    index; ``version`` orders updates, so an older version never replaces a newer one.
    Datetimes are timezone-aware UTC. List fields are tuples of unique values.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=512)
    version: int = Field(ge=0)
    mode: str
    direction: str
    document_number: str
    master_number: str | None = None
    carrier: str | None = None
    journey_id: str | None = None
    vessel_name: str | None = None
    imo_number: str | None = None
    place_of_loading: str | None = None
    place_of_discharge: str | None = None
    ports: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    hs_codes: tuple[str, ...] = ()
    container_numbers: tuple[str, ...] = ()
    parties_text: str = ""
    goods_text: str = ""
    consignor_name: str | None = None
    consignee_name: str | None = None
    eta: datetime | None = None
    etd: datetime | None = None
    score: int = 0
    level: str = "none"
    profiles_matched: tuple[str, ...] = ()
    alert_status: str | None = None
    case_status: str | None = None
    received_at: datetime | None = None
    carrier_id: str | None = None
    status: str = ACTIVE
    """The consignment version's status (:class:`cts.domain.records.VersionStatus`): ``active`` or ``cancelled``."""

    @field_validator("eta", "etd", "received_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @field_validator("ports", "countries", "hs_codes", "container_numbers", "profiles_matched")
    @classmethod
    def _dedupe(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(value)

    @classmethod
    def from_consignment(
        cls,
        key: str,
        version: int,
        consignment: Consignment,
        *,
        score: int = 0,
        level: str = "none",
        profiles_matched: Iterable[str] = (),
        alert_status: str | None = None,
        case_status: str | None = None,
        carrier_id: str | None = None,
        received_at: datetime | None = None,
        status: str = ACTIVE,
    ) -> SearchDocument:
        """Flatten ``consignment`` (version ``version`` of consignment ``key``) with its assessment.

        ``received_at`` defaults to when the carrier's file arrived (``provenance.received_at``);
        ``status`` is the version's status (``active``, or ``cancelled`` for a cancellation).
        """
        c = consignment
        itinerary = c.itinerary
        places = itinerary.all_places()
        loading, discharge = itinerary.place_of_loading, itinerary.place_of_discharge
        consignor, consignee = c.consignor, c.consignee
        return cls(
            key=key,
            version=version,
            mode=c.mode.value,
            direction=c.direction.value,
            document_number=c.transport_document.number,
            master_number=c.transport_document.master_number,
            carrier=c.carrier.code if c.carrier else None,
            journey_id=c.conveyance.journey_id,
            vessel_name=c.conveyance.vessel_name,
            imo_number=c.conveyance.imo_number,
            place_of_loading=loading.locode if loading else None,
            place_of_discharge=discharge.locode if discharge else None,
            ports=_unique(p.locode for p in places),
            countries=_unique(
                [
                    *itinerary.routing_countries,
                    *(p.country for p in places),
                    *(p.country for p in c.parties),
                ]
            ),
            hs_codes=_unique(g.hs_code for g in c.goods),
            container_numbers=_unique(
                [*(e.number for e in c.equipment), *(n for g in c.goods for n in g.container_numbers)]
            ),
            parties_text="\n".join(_party_text(p) for p in c.parties),
            goods_text="\n".join(g.description for g in c.goods if g.description),
            consignor_name=consignor.name if consignor else None,
            consignee_name=consignee.name if consignee else None,
            eta=c.eta,
            etd=c.etd,
            score=score,
            level=level,
            profiles_matched=tuple(profiles_matched),
            alert_status=alert_status,
            case_status=case_status,
            received_at=received_at if received_at is not None else c.provenance.received_at,
            carrier_id=carrier_id,
            status=status,
        )
