"""The system audit trail: who looked at or changed what, and when (append-only).

An :class:`AuditEvent` is written once and never changed or removed: the port that stores them
(:class:`cts.ports.audit.AuditLog`) has no update or delete. ``subject`` names the thing seen or changed as
``<kind>:<id>`` (``consignment:sea:MSCU/MBL1:HBL9``, ``profile:P-12``, ``case:<case id>``), so one subject's history
is one query. The case workflow keeps its own per-case trail (:class:`cts.domain.case_workflow.AuditEntry`), which
:func:`from_case_entry` shows in the same shape.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cts.domain.case_workflow import AuditEntry

MAX_SUBJECT = 512
MAX_DETAILS = 20
MAX_DETAIL_VALUE = 2000
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class SubjectKind(StrEnum):
    CONSIGNMENT = "consignment"
    CASE = "case"
    PROFILE = "profile"
    WATCHLIST = "watchlist"
    USER = "user"
    SUBSCRIPTION = "subscription"
    MANIFEST = "manifest"


def subject(kind: SubjectKind | str, ident: str) -> str:
    """``<kind>:<id>``, the one spelling of a subject (``subject(SubjectKind.CONSIGNMENT, key)``)."""
    return f"{SubjectKind(kind).value}:{ident}"


class AuditEvent(BaseModel):
    """One line of the audit trail.

    ``event_id`` is unique (the writer makes it, e.g. ``uuid4().hex``): storing the same id twice is refused
    (:class:`cts.domain.errors.Conflict`), so an entry is never overwritten. ``action`` is a short verb phrase
    (``view``, ``create``, ``update``, ``delete``, ``upload_attachment``, a case action ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str = Field(pattern=_ID.pattern)
    at: datetime
    actor: str = Field(min_length=1, max_length=256)
    roles: tuple[str, ...] = ()
    action: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=3, max_length=MAX_SUBJECT, pattern=r"^[a-z_]+:.+")
    details: dict[str, str] = Field(default_factory=dict, max_length=MAX_DETAILS)

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("at must carry a time zone")
        return value.astimezone(UTC)

    @field_validator("details")
    @classmethod
    def _short_details(cls, value: dict[str, str]) -> dict[str, str]:
        if any(len(v) > MAX_DETAIL_VALUE or len(k) > 64 for k, v in value.items()):
            raise ValueError(f"details keys are at most 64 and values at most {MAX_DETAIL_VALUE} characters")
        return value

    @property
    def day(self) -> date:
        return self.at.date()


class AuditPage(BaseModel):
    """Newest first; ``cursor`` (opaque) asks for the next page, ``None`` at the end."""

    model_config = ConfigDict(frozen=True)

    events: tuple[AuditEvent, ...]
    cursor: str | None = None


def from_case_entry(entry: AuditEntry) -> AuditEvent:
    """A case workflow's audit entry in the system trail's shape (``subject`` ``case:<id>``)."""
    details = {k: v for k, v in entry.details.items()}
    details |= {"from_status": entry.from_status, "to_status": entry.to_status, "revision": str(entry.revision)}
    if entry.reason:
        details["reason"] = entry.reason[:MAX_DETAIL_VALUE]
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return AuditEvent(
        event_id=f"case-r{entry.revision:06d}-{int(at.timestamp() * 1000)}",
        at=at,
        actor=entry.actor or "workflow",
        roles=entry.roles,
        action=entry.action or "case",
        subject=subject(SubjectKind.CASE, entry.case_id),
        details=details,
    )
