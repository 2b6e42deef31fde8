"""Work a case: read it with its audit trail, claim, assign, decide (or override), record the examination, close,
add a note.

The route's action is the coarse gate (docs/roles.md); :class:`cts.services.cases.CaseService` applies the
workflow's finer rule (who may take which step, on whose case, from which status: 403 or 409). Every change names
the ``revision`` the client read, so a case changed meanwhile answers 409 instead of being overwritten. Case ids
contain ``#`` (they are alert ids): send them percent-encoded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic.json_schema import SkipJsonSchema

from chalicelib.http import Call, Routes
from cts.domain.case_workflow import Actor, AuditEntry, allowed_actions
from cts.domain.cases import CaseRecord, Decision, Examination, ExaminationResult, Finding
from cts.domain.errors import NotFound, Unavailable, ValidationFailed
from cts.domain.permissions import Action
from cts.services.cases import CaseService
from cts.services.reports import ReportRecorder

routes = Routes()

MAX_NOTE = 2000
MAX_TEXT = 2000
MAX_FINDINGS = 50


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: int = Field(ge=0, description="the case's revision the client read (409 when it moved on)")


class ClaimBody(_Body):
    pass


class AssignBody(_Body):
    officer: str = Field(min_length=1, max_length=128, pattern=r"\S")


class DecideBody(_Body):
    decision: Decision
    justification: str | None = Field(default=None, max_length=MAX_TEXT)


class FindingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=MAX_TEXT)
    quantity: Decimal = Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=20)
    value: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e15"), allow_inf_nan=False)
    currency: str = Field(default="USD", min_length=3, max_length=3)


class ExaminationBody(_Body):
    result: ExaminationResult
    findings: list[FindingBody] = Field(default_factory=list, max_length=MAX_FINDINGS)
    remarks: str = Field(default="", max_length=MAX_TEXT)


class CloseBody(_Body):
    reason: str = Field(default="", max_length=MAX_TEXT)


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=MAX_NOTE)


class CaseView(CaseRecord):
    """A case as clients see it (the answer of every case route): without the workflow's task token."""

    task_token: SkipJsonSchema[str | None] = Field(default=None, exclude=True)


class CaseDetail(BaseModel):
    case: CaseView
    audit: list[AuditEntry] = Field(description="oldest first")
    allowed_actions: list[str] = Field(description="the steps the caller could take on the case now")


@routes.api("/cases/{case_id}", action=Action.VIEW_CASES, response=CaseDetail)
def case_detail(call: Call, case_id: str) -> dict[str, Any]:
    """The case, its audit trail (oldest first) and the actions the caller could take on it now."""
    store = call.container.cases
    if store is None:
        raise Unavailable("case work is not configured")
    case = store.get(case_id)
    if case is None:
        raise NotFound(f"case {case_id}")
    return {
        "case": _case(case),
        "audit": [entry.model_dump(mode="json") for entry in store.audit_trail(case_id)],
        "allowed_actions": sorted(a.value for a in allowed_actions(case, _actor(call))),
    }


@routes.api("/cases/{case_id}/claim", methods=("POST",), action=Action.WORK_CASES, body=ClaimBody, response=CaseView)
def claim_case(call: Call, case_id: str) -> dict[str, Any]:
    body = call.body(ClaimBody)
    return _case(_service(call).claim(case_id, _actor(call), revision=body.revision))


@routes.api(
    "/cases/{case_id}/assign", methods=("POST",), action=Action.SUPERVISE_CASES, body=AssignBody, response=CaseView
)
def assign_case(call: Call, case_id: str) -> dict[str, Any]:
    body = call.body(AssignBody)
    return _case(_service(call).assign(case_id, _actor(call), body.officer.strip(), revision=body.revision))


@routes.api("/cases/{case_id}/decide", methods=("POST",), action=Action.WORK_CASES, body=DecideBody, response=CaseView)
def decide_case(call: Call, case_id: str) -> dict[str, Any]:
    """A decision; with a ``justification`` it is a supervisor's override of the decision taken."""
    body = call.body(DecideBody)
    service, actor = _service(call), _actor(call)
    if body.justification is not None:
        changed = service.override(case_id, actor, body.decision, body.justification, revision=body.revision)
    else:
        changed = service.decide(case_id, actor, body.decision, revision=body.revision)
    return _case(changed)


@routes.api(
    "/cases/{case_id}/examination", methods=("POST",), action=Action.WORK_CASES, body=ExaminationBody, response=CaseView
)
def record_examination(call: Call, case_id: str) -> dict[str, Any]:
    body = call.body(ExaminationBody)
    try:
        examination = Examination(
            result=body.result,
            findings=tuple(Finding(**f.model_dump()) for f in body.findings),
            remarks=body.remarks,
        )
    except PydanticValidationError as exc:
        raise ValidationFailed("; ".join(str(e["msg"]) for e in exc.errors())) from None
    return _case(_service(call).record_examination(case_id, _actor(call), examination, revision=body.revision))


@routes.api("/cases/{case_id}/close", methods=("POST",), action=Action.WORK_CASES, body=CloseBody, response=CaseView)
def close_case(call: Call, case_id: str) -> dict[str, Any]:
    body = call.body(CloseBody)
    return _case(_service(call).close(case_id, _actor(call), reason=body.reason, revision=body.revision))


@routes.api("/cases/{case_id}/notes", methods=("POST",), action=Action.WORK_CASES, body=NoteBody, response=CaseView)
def add_note(call: Call, case_id: str) -> dict[str, Any]:
    body = call.body(NoteBody)
    return _case(_service(call).add_note(case_id, _actor(call), body.text, revision=body.revision))


def _actor(call: Call) -> Actor:
    return Actor(call.user.username, call.user.roles)


def _service(call: Call) -> CaseService:
    container = call.container
    if container.cases is None or container.case_tasks is None:
        raise Unavailable("case work is not configured")
    counters = container.reports
    return CaseService(
        cases=container.cases,
        tasks=container.case_tasks,
        alerts=container.alerts,
        search=container.search,
        reports=ReportRecorder(counters, container.consignments) if counters is not None else None,
    )


def _case(case: CaseRecord) -> dict[str, Any]:
    """The case as clients see it: the workflow's task token stays inside."""
    return case.model_dump(mode="json", exclude={"task_token"})
