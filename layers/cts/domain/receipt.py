"""The receipt a carrier gets for every file it uploads: accepted, accepted with warnings, or rejected."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cts.domain.model import DataQualityIssue, Severity, SourceFormat


class ReceiptStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
    REJECTED = "rejected"


class ConsignmentOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_number: str | None
    key: str | None = None
    status: ReceiptStatus
    version: int | None = None
    duplicate: bool = False
    issues: list[DataQualityIssue] = Field(default_factory=list)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_id: str
    object_key: str
    carrier_id: str
    source_format: SourceFormat | None
    status: ReceiptStatus
    received_at: datetime
    processed_at: datetime
    consignments: list[ConsignmentOutcome] = Field(default_factory=list)
    issues: list[DataQualityIssue] = Field(default_factory=list, description="file-level issues")

    @property
    def accepted_count(self) -> int:
        return sum(1 for c in self.consignments if c.status is not ReceiptStatus.REJECTED)


def outcome_status(issues: list[DataQualityIssue]) -> ReceiptStatus:
    if any(i.severity is Severity.ERROR for i in issues):
        return ReceiptStatus.REJECTED
    return ReceiptStatus.ACCEPTED_WITH_WARNINGS if issues else ReceiptStatus.ACCEPTED


def file_status(file_issues: list[DataQualityIssue], outcomes: list[ConsignmentOutcome]) -> ReceiptStatus:
    """A file is rejected only when nothing in it could be accepted."""
    if any(i.severity is Severity.ERROR for i in file_issues) and not outcomes:
        return ReceiptStatus.REJECTED
    if not outcomes or all(o.status is ReceiptStatus.REJECTED for o in outcomes):
        return ReceiptStatus.REJECTED
    if file_issues or any(o.status is not ReceiptStatus.ACCEPTED for o in outcomes):
        return ReceiptStatus.ACCEPTED_WITH_WARNINGS
    return ReceiptStatus.ACCEPTED


def file_id_for(object_key: str, raw: bytes) -> str:
    """A file's identity: the same bytes under the same key are the same delivery (S3 repeats events)."""
    return hashlib.sha256(object_key.encode() + b"\0" + raw).hexdigest()[:32]
