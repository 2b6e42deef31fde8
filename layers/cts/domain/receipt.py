"""The receipt a carrier gets for every file it uploads: accepted, accepted with warnings, or rejected."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

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
    consignments_total: int | None = Field(
        default=None,
        description="set when `consignments` lists only some of the file's outcomes (a large file's summary: those "
        "with issues or not plainly accepted, as many as fit); the receipt object lists every one",
    )
    issues_total: int | None = Field(default=None, description="set when `issues` lists only the first file issues")

    def within(self, max_bytes: int) -> Receipt:
        """This receipt when its JSON fits in ``max_bytes``; otherwise its summary, which does: every field but the
        lists, the file issues in order and then the outcomes that have something to say (rejected, or with
        issues) in file order, as many as fit, with the totals set. A receipt of ten thousand plainly accepted
        consignments is over a megabyte, more than a records item holds; the carrier's receipt object keeps it all.
        """
        if _size(self) <= max_bytes:
            return self
        summary = self.model_copy(
            update={
                "consignments": [],
                "issues": [],
                "consignments_total": len(self.consignments),
                "issues_total": len(self.issues),
            }
        )
        room = max_bytes - _size(summary)
        issues, room = _fitting(self.issues, room)
        noted = [o for o in self.consignments if o.status is not ReceiptStatus.ACCEPTED or o.issues]
        outcomes, _ = _fitting(noted, room)
        return summary.model_copy(
            update={
                "issues": issues,
                "consignments": outcomes,
                "issues_total": None if len(issues) == len(self.issues) else len(self.issues),
            }
        )


_Entry = TypeVar("_Entry", bound=BaseModel)


def _size(model: BaseModel) -> int:
    return len(model.model_dump_json().encode("utf-8"))


def _fitting(entries: list[_Entry], room: int) -> tuple[list[_Entry], int]:
    """The first ``entries`` whose JSON (with a separating comma each) fits in ``room``, and the room left."""
    kept: list[_Entry] = []
    for entry in entries:
        size = _size(entry) + 1
        if size > room:
            break
        kept.append(entry)
        room -= size
    return kept, room


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
