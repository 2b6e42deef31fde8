"""Retention of records and raw files, and legal holds (docs/data-model.md#retention-and-legal-holds).

Records of a consignment expire ``records_days`` after it arrived: its ETA, or when it was stored when the ETA is
missing or earlier (a wrong ETA in the past must not delete a consignment at once). A receipt expires
``records_days`` after the file was processed. Raw files and receipt objects expire through S3 lifecycle rules
that only apply to objects tagged ``retention=standard``. A consignment tied to a case or a finding is put under
**legal hold**: its records lose their expiry and its files are tagged ``retention=hold``; nothing expires them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cts.domain.receipt import Receipt
from cts.domain.records import ConsignmentVersion

RETENTION_TAG = "retention"
STANDARD = "standard"  # expired by the bucket's lifecycle rule after the retention
HOLD = "hold"  # legal hold: never expired by a lifecycle rule


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long records are kept; ``records_days=None`` keeps them (no expiry is written)."""

    records_days: int | None = None

    def __post_init__(self) -> None:
        if self.records_days is not None and self.records_days < 1:
            raise ValueError(f"records_days must be at least 1, not {self.records_days}")

    def _after(self, moment: datetime) -> datetime | None:
        return None if self.records_days is None else _utc(moment) + timedelta(days=self.records_days)

    def consignment_expiry(self, version: ConsignmentVersion) -> datetime | None:
        """When the records of this version (the version, the latest pointer, its assessment) may expire."""
        eta = version.consignment.eta
        start = max(_utc(version.stored_at), _utc(eta)) if eta is not None else _utc(version.stored_at)
        return self._after(start)

    def receipt_expiry(self, receipt: Receipt) -> datetime | None:
        return self._after(receipt.processed_at)


def epoch_seconds(moment: datetime | None) -> int | None:
    """A DynamoDB TTL value (whole seconds since the epoch, UTC)."""
    return None if moment is None else int(_utc(moment).timestamp())


@dataclass(frozen=True)
class Hold:
    """Why and since when a consignment's records and files are kept beyond the retention."""

    key: str
    reason: str
    held_at: datetime
