"""A case as the records keep it: opened by the case workflow, then edited by people with optimistic versions.

The vocabulary of the workflow (statuses, decisions, examination results) lives here with the record; the rules
that say who may move a case from where to where are in :mod:`cts.domain.case_workflow`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CaseStatus(StrEnum):
    NEW = "new"  # opened by the workflow, nobody owns it yet
    TRIAGED = "triaged"  # an officer owns it (claimed or assigned)
    DECIDED = "decided"  # the officer chose what happens to the consignment
    EXAMINED = "examined"  # the examination's result is recorded
    CLOSED = "closed"


# Cases opened before the workflow had its own statuses were written as "triage" (waiting for triage).
LEGACY_STATUSES: dict[str, CaseStatus] = {"triage": CaseStatus.NEW}


def status_of(value: str) -> CaseStatus:
    """The workflow status of a stored status string (an unknown one is a bug in whoever wrote it)."""
    return LEGACY_STATUSES.get(value) or CaseStatus(value)


class Decision(StrEnum):
    RELEASE = "release"
    DOCUMENT_CHECK = "document_check"
    PHYSICAL_EXAMINATION = "physical_examination"
    NON_INTRUSIVE_SCAN = "non_intrusive_scan"
    REFER_TO_AGENCY = "refer_to_agency"


EXAMINATIONS: frozenset[Decision] = frozenset(
    {Decision.DOCUMENT_CHECK, Decision.PHYSICAL_EXAMINATION, Decision.NON_INTRUSIVE_SCAN}
)
"""Decisions whose case waits for an examination result before it may close."""


class ExaminationResult(StrEnum):
    NO_FINDING = "no_finding"
    FINDING = "finding"
    SEIZURE = "seizure"


class Finding(BaseModel):
    """What the examination found: a category (drugs, undeclared goods, IPR ...), how much and what it is worth."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str = Field(min_length=1)
    description: str = ""
    quantity: Decimal = Field(ge=0)
    unit: str = Field(min_length=1)
    value: Decimal = Field(default=Decimal(0), ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)


class Examination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    result: ExaminationResult
    findings: tuple[Finding, ...] = ()
    remarks: str = ""

    @model_validator(mode="after")
    def _findings_match_result(self) -> Examination:
        if self.result is ExaminationResult.NO_FINDING and self.findings:
            raise ValueError("an examination without finding lists no findings")
        if self.result is not ExaminationResult.NO_FINDING and not self.findings:
            raise ValueError(f"a {self.result.value} needs at least one finding (category, quantity, value)")
        return self


class Override(BaseModel):
    """A supervisor replaced the officer's decision: who, when, the decision replaced, and why (reported)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str
    at: datetime
    replaced: Decision
    justification: str


class CaseRecord(BaseModel):
    """The stored state of one case (item ``CASE#<case_id>``).

    The case workflow's first state writes it (``revision`` 0); every later change is a write that names the
    revision it was based on, so that of two people editing the same case, the second is told (``Conflict``)
    instead of silently overwriting the first. ``task_token`` is the workflow's: the token of the human step the
    state machine waits on, which the change that completes the step hands back to Step Functions."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    alert_id: str
    consignment_key: str
    level: str
    status: str
    revision: int = Field(default=0, ge=0)
    assignee: str | None = None
    decision: Decision | None = None
    override: Override | None = None
    examination: Examination | None = None
    closed_at: datetime | None = None
    task_token: str | None = None
    escalations: int = 0
    failures: int = 0
