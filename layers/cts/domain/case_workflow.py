"""The case workflow's rules: which action is allowed from which status and by which role, and what it changes.

Pure: :func:`apply` takes a case, an actor and a command and returns the changed case and its audit entry, or
raises (:class:`Forbidden` for a role that may not act, :class:`Conflict` for a case in the wrong status,
:class:`ValidationFailed` for a command that breaks a rule, e.g. an override without justification). Storing the
change and completing the state machine's waiting step is the service's job (:mod:`cts.services.cases`).

    new --claim/assign--> triaged --decide--> decided --record_examination--> examined --close--> closed
                                               |  (override by a supervisor, with a justification)
                                               +--close (release, refer_to_agency)--> closed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cts.domain.case_board import board_sort, eta_text
from cts.domain.cases import EXAMINATIONS, CaseRecord, CaseStatus, Decision, Examination, Override, status_of
from cts.domain.errors import Conflict, Forbidden, ValidationFailed
from cts.domain.roles import Role

MIN_JUSTIFICATION = 20
"""Characters an override's justification needs at least: "ok" or "see above" is not a reason anyone can audit."""


class CaseAction(StrEnum):
    CLAIM = "claim"
    ASSIGN = "assign"
    DECIDE = "decide"
    OVERRIDE = "override"
    RECORD_EXAMINATION = "record_examination"
    CLOSE = "close"
    NOTE = "note"
    REPORT_BLOCKED = "report_blocked"


_WORKERS = frozenset({Role.TARGETING_ANALYST, Role.EXAMINATION_OFFICER, Role.SUPERVISOR})

ROLES: dict[CaseAction, frozenset[Role]] = {
    CaseAction.CLAIM: _WORKERS,
    CaseAction.ASSIGN: frozenset({Role.SUPERVISOR}),
    CaseAction.DECIDE: _WORKERS,
    CaseAction.OVERRIDE: frozenset({Role.SUPERVISOR}),
    CaseAction.RECORD_EXAMINATION: frozenset({Role.EXAMINATION_OFFICER, Role.SUPERVISOR}),
    CaseAction.CLOSE: _WORKERS,
    CaseAction.NOTE: _WORKERS,
    CaseAction.REPORT_BLOCKED: _WORKERS,
}
"""Who may take each action (any one of the roles). Auditors and administrators read cases, never change them."""

FROM: dict[CaseAction, frozenset[CaseStatus]] = {
    CaseAction.CLAIM: frozenset({CaseStatus.NEW}),
    CaseAction.ASSIGN: frozenset({CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.DECIDED}),
    CaseAction.DECIDE: frozenset({CaseStatus.TRIAGED}),
    CaseAction.OVERRIDE: frozenset({CaseStatus.DECIDED}),
    CaseAction.RECORD_EXAMINATION: frozenset({CaseStatus.DECIDED}),
    CaseAction.CLOSE: frozenset({CaseStatus.DECIDED, CaseStatus.EXAMINED}),
    CaseAction.NOTE: frozenset(CaseStatus),
    CaseAction.REPORT_BLOCKED: frozenset({CaseStatus.NEW, CaseStatus.TRIAGED, CaseStatus.DECIDED}),
}
"""The statuses each action may start from (further conditions, e.g. the decision, are checked in :func:`apply`)."""

# Only the officer who owns the case moves it on; a supervisor may act on anyone's case.
_OWNER_ONLY = frozenset({CaseAction.DECIDE, CaseAction.RECORD_EXAMINATION, CaseAction.CLOSE})


@dataclass(frozen=True)
class Actor:
    """Who acts: the user id (Cognito ``sub`` or user name) and the roles (groups) the token carries."""

    user: str
    roles: frozenset[str]

    @property
    def supervisor(self) -> bool:
        return Role.SUPERVISOR.value in self.roles


class StepMoved(Conflict):
    """The state machine replaced the token of the step it waits on while the change was prepared: read the
    case again and retry (the change itself was not stored)."""


WORKFLOW_ACTOR = "workflow"
"""The actor the state machine writes into the audit entries it records itself (escalations, failures)."""


@dataclass(frozen=True)
class Command:
    """One request to change a case; which fields matter depends on ``action``."""

    action: CaseAction
    reason: str = ""  # the why: a note's text, an override's justification, a blocked step's cause
    assignee: str | None = None
    decision: Decision | None = None
    examination: Examination | None = None


class AuditEntry(BaseModel):
    """One line of a case's audit trail (append-only): who did what, when, why, and the status before and after."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    revision: int = Field(ge=0)  # the case's revision this change produced
    at: datetime
    actor: str
    roles: tuple[str, ...] = ()
    action: str
    from_status: str
    to_status: str
    reason: str = ""
    details: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """A case after an action, with its audit entry; ``moves_on`` when the status changed, which completes the
    step the state machine waits on."""

    case: CaseRecord
    audit: AuditEntry
    moves_on: bool


def allowed_actions(case: CaseRecord, actor: Actor) -> frozenset[CaseAction]:
    """The actions ``actor`` could take on ``case`` now (for the web app's buttons; :func:`apply` decides)."""
    return frozenset(action for action in CaseAction if _refusal(case, actor, action) is None)


def apply(case: CaseRecord, actor: Actor, command: Command, at: datetime) -> Change:
    """Check ``command`` against the rules and return the changed case (same revision: the store moves it)."""
    refusal = _refusal(case, actor, command.action)
    if refusal is not None:
        raise refusal
    before = status_of(case.status)
    update, details = _effect(case, actor, command, before, at)
    after = CaseStatus(str(update.get("status", before)))
    changed = case.model_copy(update={**update, "status": after.value})
    audit = AuditEntry(
        case_id=case.case_id,
        revision=case.revision + 1,
        at=at,
        actor=actor.user,
        roles=tuple(sorted(actor.roles)),
        action=command.action.value,
        from_status=before.value,
        to_status=after.value,
        reason=command.reason.strip(),
        details=details,
    )
    return Change(changed, audit, moves_on=after is not before)


def _refusal(case: CaseRecord, actor: Actor, action: CaseAction) -> Exception | None:
    if not any(role.value in actor.roles for role in ROLES[action]):
        return Forbidden(f"your roles do not allow {action.value.replace('_', ' ')} on a case")
    status = status_of(case.status)
    if status not in FROM[action]:
        return Conflict(f"case {case.case_id} is {status.value}: {action.value.replace('_', ' ')} is not possible")
    if action in _OWNER_ONLY and not actor.supervisor and case.assignee != actor.user:
        return Forbidden(f"case {case.case_id} is assigned to {case.assignee or 'nobody'}, not to you")
    if action is CaseAction.RECORD_EXAMINATION and case.decision not in EXAMINATIONS:
        return Conflict(f"case {case.case_id} was decided {_name(case.decision)}: there is no examination to record")
    if action is CaseAction.CLOSE and status is CaseStatus.DECIDED and case.decision in EXAMINATIONS:
        return Conflict(f"case {case.case_id} waits for the result of its {_name(case.decision)}")
    return None


def _name(decision: Decision | None) -> str:
    return decision.value.replace("_", " ") if decision else "nothing"


def _effect(
    case: CaseRecord, actor: Actor, command: Command, status: CaseStatus, at: datetime
) -> tuple[dict[str, object], dict[str, str]]:
    """The fields ``command`` changes and the details its audit entry keeps."""
    action = command.action
    if action is CaseAction.CLAIM:
        return {"assignee": actor.user, "status": CaseStatus.TRIAGED}, {"assignee": actor.user}
    if action is CaseAction.ASSIGN:
        if not command.assignee:
            raise ValidationFailed("assign names the officer who takes the case")
        new_status = CaseStatus.TRIAGED if status is CaseStatus.NEW else status
        details = {"assignee": command.assignee, "previous": case.assignee or ""}
        return {"assignee": command.assignee, "status": new_status}, details
    if action is CaseAction.DECIDE:
        decision = _required_decision(command)
        return {"decision": decision, "status": CaseStatus.DECIDED}, {"decision": decision.value}
    if action is CaseAction.OVERRIDE:
        return _override(case, actor, command, at)
    if action is CaseAction.RECORD_EXAMINATION:
        if command.examination is None:
            raise ValidationFailed("record the examination's result")
        result = command.examination.result.value
        return {"examination": command.examination, "status": CaseStatus.EXAMINED}, {"result": result}
    if action is CaseAction.CLOSE:
        return {"status": CaseStatus.CLOSED, "closed_at": at}, {}
    # NOTE and REPORT_BLOCKED change nothing but the trail (a blocked step is also failed in the state machine).
    if not command.reason.strip():
        raise ValidationFailed(f"{action.value.replace('_', ' ')} needs a text")
    return {}, {}


def _required_decision(command: Command) -> Decision:
    if command.decision is None:
        raise ValidationFailed(f"{command.action.value} names a decision: {', '.join(d.value for d in Decision)}")
    return command.decision


def _override(
    case: CaseRecord, actor: Actor, command: Command, at: datetime
) -> tuple[dict[str, object], dict[str, str]]:
    decision = _required_decision(command)
    justification = command.reason.strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise ValidationFailed(
            f"a supervisor overrides a decision only with a written justification ({MIN_JUSTIFICATION}+ characters)"
        )
    if case.decision is None or decision is case.decision:
        raise Conflict(f"case {case.case_id} is already decided {_name(case.decision)}")
    override = Override(by=actor.user, at=at, replaced=case.decision, justification=justification)
    details = {"decision": decision.value, "replaced": case.decision.value}
    return {"decision": decision, "override": override}, details


def pick_by_workload(open_cases: Mapping[str, int], candidates: Iterable[str]) -> str:
    """The candidate with the fewest open cases (ties: the first by name, so the choice is repeatable)."""
    ranked = sorted((open_cases.get(user, 0), user) for user in set(candidates))
    if not ranked:
        raise ValidationFailed("no officer to assign the case to")
    return ranked[0][1]


ARRIVAL_MARGIN = timedelta(hours=6)


def workflow_input(
    case_id: str,
    alert_id: str,
    consignment_key: str,
    level: str,
    eta: datetime | None,
    margin: timedelta = ARRIVAL_MARGIN,
    step_timeout: timedelta | None = None,
    score: int | None = None,
) -> dict[str, Any]:
    """The case state machine's input: with an ETA, ``escalate_at`` (ETA minus ``margin``) is when a case still
    open escalates to the supervisor before the arrival; ``step_timeout`` replaces the day a step may wait;
    ``board`` is what the case board lists and sorts by (:mod:`cts.domain.case_board`)."""
    payload: dict[str, Any] = {
        "case_id": case_id,
        "alert_id": alert_id,
        "consignment_key": consignment_key,
        "level": level,
        "board": {
            "eta": eta_text(eta) if eta is not None else "",
            "sort": board_sort(eta, case_id),
            "score": str(score) if score is not None else "",
        },
    }
    if eta is not None:
        payload["escalate_at"] = (eta - margin).astimezone(UTC).isoformat().replace("+00:00", "Z")
    if step_timeout is not None:
        payload["timers"] = {"step_timeout_s": max(1, int(step_timeout.total_seconds())), "max_failures": 3}
    return payload
