"""What the system stores about a consignment: its versions and what they were built from."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cts.domain.model import Consignment, MessageFunction


class VersionStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class ConsignmentVersion(BaseModel):
    """One version of a consignment: the original, then one per amendment or cancellation."""

    model_config = ConfigDict(extra="forbid")

    key: str
    version: int
    content_hash: str
    status: VersionStatus
    file_id: str
    carrier_id: str
    stored_at: datetime
    consignment: Consignment


def content_hash(consignment: Consignment) -> str:
    """Fingerprint of what the carrier said, ignoring where and when it arrived, to spot re-sent data."""
    payload = consignment.model_dump_json(exclude={"provenance": {"received_at", "object_key"}, "quality": True})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def version_status(consignment: Consignment) -> VersionStatus:
    if consignment.message_function is MessageFunction.CANCELLATION:
        return VersionStatus.CANCELLED
    return VersionStatus.ACTIVE


def arrival_instant(eta: datetime) -> str:
    """An ETA as a sortable UTC instant (``2026-11-25T14:00:00Z``); an ETA without an offset is read as UTC."""
    moment = eta.astimezone(UTC) if eta.tzinfo is not None else eta
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def arrival_day(eta: datetime) -> date:
    """The UTC day of an ETA: the partition of the arrivals index a consignment is found under."""
    return (eta.astimezone(UTC) if eta.tzinfo is not None else eta).date()


def journey_of(consignment: Consignment) -> str | None:
    """The vessel voyage or flight a consignment travels on, as ``<mode>#<carrier>#<journey id>`` (journey ids
    upper-cased, spaces removed); None without a carrier or a journey id. A flight number repeats every day: the
    ETA tells its journeys apart."""
    journey = consignment.conveyance.journey_id
    if consignment.carrier is None or not journey or not journey.strip():
        return None
    return f"{consignment.mode.value}#{consignment.carrier.code}#{journey.replace(' ', '').upper()}"


def discharge_port(consignment: Consignment) -> str | None:
    """The UN/LOCODE of the place of discharge, when the carrier gave one."""
    place = consignment.itinerary.place_of_discharge
    return place.locode if place is not None and place.locode else None
