"""The case workflow's pure rules: every action from every status, by every role, and what each change records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cts.domain.case_workflow import (
    FROM,
    MIN_JUSTIFICATION,
    ROLES,
    Actor,
    CaseAction,
    Command,
    allowed_actions,
    apply,
    pick_by_workload,
    workflow_input,
)
from cts.domain.cases import (
    EXAMINATIONS,
    CaseRecord,
    CaseStatus,
    Decision,
    Examination,
    ExaminationResult,
    Finding,
    status_of,
)
from cts.domain.errors import Conflict, Forbidden, ValidationFailed
from cts.domain.roles import Role

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OFFICER = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))
ANALYST = Actor("anna", frozenset({Role.TARGETING_ANALYST.value}))
SUPERVISOR = Actor("sam", frozenset({Role.SUPERVISOR.value}))
JUSTIFICATION = "Intelligence from the port authority says the container was inspected at loading."
SEIZURE = Examination(
    result=ExaminationResult.SEIZURE,
    findings=(Finding(category="drugs", quantity=Decimal("12.5"), unit="kg", value=Decimal(250000)),),
)


def case(status: CaseStatus, assignee: str | None = "olive", decision: Decision | None = None) -> CaseRecord:
    return CaseRecord(
        case_id="C1",
        alert_id="A1",
        consignment_key="sea:K1",
        level="red",
        status=status.value,
        revision=3,
        assignee=assignee,
        decision=decision,
    )


def command_for(action: CaseAction) -> Command:
    """A command that is well formed for ``action`` (so that only the status and role decide)."""
    return {
        CaseAction.CLAIM: Command(action),
        CaseAction.ASSIGN: Command(action, assignee="olive"),
        CaseAction.DECIDE: Command(action, decision=Decision.PHYSICAL_EXAMINATION),
        CaseAction.OVERRIDE: Command(action, decision=Decision.RELEASE, reason=JUSTIFICATION),
        CaseAction.RECORD_EXAMINATION: Command(action, examination=SEIZURE),
        CaseAction.CLOSE: Command(action),
        CaseAction.NOTE: Command(action, reason="called the broker"),
        CaseAction.REPORT_BLOCKED: Command(action, reason="the container was not presented"),
    }[action]


def typical(status: CaseStatus) -> CaseRecord:
    """A case in ``status`` as the workflow leaves it (decided cases wait for a physical examination)."""
    decision = Decision.PHYSICAL_EXAMINATION if status in (CaseStatus.DECIDED, CaseStatus.EXAMINED) else None
    return case(status, assignee=None if status is CaseStatus.NEW else "olive", decision=decision)


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("action", list(CaseAction))
def test_a_supervisor_may_take_an_action_exactly_from_the_statuses_the_table_allows(
    action: CaseAction, status: CaseStatus
) -> None:
    current = typical(status)
    allowed = status in FROM[action]
    if action is CaseAction.CLOSE and status is CaseStatus.DECIDED:
        allowed = False  # a physical examination is pending: tested with the other decisions below
    if action is CaseAction.OVERRIDE and status is CaseStatus.DECIDED:
        allowed = True
    if allowed:
        change = apply(current, SUPERVISOR, command_for(action), AT)
        assert change.audit.from_status == status.value
    else:
        with pytest.raises(Conflict):
            apply(current, SUPERVISOR, command_for(action), AT)


@pytest.mark.parametrize("action", list(CaseAction))
@pytest.mark.parametrize("role", list(Role))
def test_only_the_roles_of_the_table_may_take_an_action(action: CaseAction, role: Role) -> None:
    status = next(iter(sorted(FROM[action], key=list(CaseStatus).index)))
    if action is CaseAction.CLOSE:
        status = CaseStatus.EXAMINED
    actor = Actor("olive", frozenset({role.value}))
    current = typical(status)
    if role in ROLES[action]:
        assert apply(current, actor, command_for(action), AT).audit.actor == "olive"
    else:
        with pytest.raises(Forbidden):
            apply(current, actor, command_for(action), AT)


def test_auditors_administrators_and_carriers_change_no_case() -> None:
    for role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.CARRIER, Role.RISK_MANAGER):
        actor = Actor("x", frozenset({role.value}))
        assert all(not allowed_actions(typical(s), actor) for s in CaseStatus)


def test_claiming_a_new_case_triages_it_to_the_claimant_and_audits_who_when_from_and_to() -> None:
    change = apply(case(CaseStatus.NEW, assignee=None), ANALYST, Command(CaseAction.CLAIM), AT)
    assert (change.case.status, change.case.assignee, change.moves_on) == ("triaged", "anna", True)
    audit = change.audit
    assert (audit.actor, audit.roles, audit.at, audit.action) == ("anna", ("targeting_analyst",), AT, "claim")
    assert (audit.from_status, audit.to_status, audit.revision) == ("new", "triaged", 4)


def test_a_supervisor_reassigns_without_moving_the_case_on() -> None:
    change = apply(case(CaseStatus.TRIAGED), SUPERVISOR, Command(CaseAction.ASSIGN, assignee="otto"), AT)
    assert (change.case.assignee, change.case.status, change.moves_on) == ("otto", "triaged", False)
    assert change.audit.details == {"assignee": "otto", "previous": "olive"}
    with pytest.raises(ValidationFailed):
        apply(case(CaseStatus.NEW), SUPERVISOR, Command(CaseAction.ASSIGN), AT)


def test_only_the_assigned_officer_or_a_supervisor_decides_examines_and_closes() -> None:
    someone_else = Actor("otto", frozenset({Role.EXAMINATION_OFFICER.value}))
    decide = Command(CaseAction.DECIDE, decision=Decision.RELEASE)
    with pytest.raises(Forbidden, match="assigned to olive"):
        apply(case(CaseStatus.TRIAGED), someone_else, decide, AT)
    assert apply(case(CaseStatus.TRIAGED), OFFICER, decide, AT).case.decision is Decision.RELEASE
    assert apply(case(CaseStatus.TRIAGED), SUPERVISOR, decide, AT).case.decision is Decision.RELEASE


def test_deciding_needs_a_decision() -> None:
    with pytest.raises(ValidationFailed, match="release"):
        apply(case(CaseStatus.TRIAGED), OFFICER, Command(CaseAction.DECIDE), AT)


@pytest.mark.parametrize("decision", list(Decision))
def test_a_released_or_referred_case_closes_at_once_and_an_examined_one_waits_for_its_result(
    decision: Decision,
) -> None:
    decided = case(CaseStatus.DECIDED, decision=decision)
    if decision in EXAMINATIONS:
        with pytest.raises(Conflict, match="waits for the result"):
            apply(decided, OFFICER, Command(CaseAction.CLOSE), AT)
        examined = apply(decided, OFFICER, Command(CaseAction.RECORD_EXAMINATION, examination=SEIZURE), AT).case
        assert examined.status == "examined"
        closed = apply(examined, OFFICER, Command(CaseAction.CLOSE), AT).case
    else:
        with pytest.raises(Conflict, match="no examination to record"):
            apply(decided, OFFICER, Command(CaseAction.RECORD_EXAMINATION, examination=SEIZURE), AT)
        closed = apply(decided, OFFICER, Command(CaseAction.CLOSE), AT).case
    assert (closed.status, closed.closed_at) == ("closed", AT)


def test_recording_an_examination_needs_its_result() -> None:
    decided = case(CaseStatus.DECIDED, decision=Decision.DOCUMENT_CHECK)
    with pytest.raises(ValidationFailed):
        apply(decided, OFFICER, Command(CaseAction.RECORD_EXAMINATION), AT)


def test_a_finding_or_seizure_lists_what_was_found_and_no_finding_lists_nothing() -> None:
    with pytest.raises(ValueError, match="at least one finding"):
        Examination(result=ExaminationResult.FINDING)
    with pytest.raises(ValueError, match="lists no findings"):
        Examination(result=ExaminationResult.NO_FINDING, findings=SEIZURE.findings)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Finding(category="drugs", quantity=Decimal(-1), unit="kg")


def test_a_supervisor_overrides_a_decision_with_a_justification_that_the_audit_keeps() -> None:
    decided = case(CaseStatus.DECIDED, decision=Decision.PHYSICAL_EXAMINATION)
    change = apply(
        decided, SUPERVISOR, Command(CaseAction.OVERRIDE, decision=Decision.RELEASE, reason=JUSTIFICATION), AT
    )
    assert change.case.decision is Decision.RELEASE
    assert change.case.override is not None
    assert (change.case.override.by, change.case.override.replaced) == ("sam", Decision.PHYSICAL_EXAMINATION)
    assert change.case.override.justification == JUSTIFICATION
    assert (change.audit.reason, change.audit.details) == (
        JUSTIFICATION,
        {"decision": "release", "replaced": "physical_examination"},
    )
    assert change.moves_on is False


@pytest.mark.parametrize("justification", ["", "   ", "ok", "x" * (MIN_JUSTIFICATION - 1)])
def test_an_override_without_a_written_justification_is_refused(justification: str) -> None:
    decided = case(CaseStatus.DECIDED, decision=Decision.PHYSICAL_EXAMINATION)
    command = Command(CaseAction.OVERRIDE, decision=Decision.RELEASE, reason=justification)
    with pytest.raises(ValidationFailed, match="justification"):
        apply(decided, SUPERVISOR, command, AT)


def test_an_officer_cannot_override_and_an_override_must_change_the_decision() -> None:
    decided = case(CaseStatus.DECIDED, decision=Decision.RELEASE)
    command = Command(CaseAction.OVERRIDE, decision=Decision.PHYSICAL_EXAMINATION, reason=JUSTIFICATION)
    with pytest.raises(Forbidden):
        apply(decided, OFFICER, command, AT)
    same = Command(CaseAction.OVERRIDE, decision=Decision.RELEASE, reason=JUSTIFICATION)
    with pytest.raises(Conflict, match="already decided release"):
        apply(decided, SUPERVISOR, same, AT)


def test_notes_and_blocked_steps_need_a_text_and_keep_the_status() -> None:
    for action in (CaseAction.NOTE, CaseAction.REPORT_BLOCKED):
        with pytest.raises(ValidationFailed):
            apply(case(CaseStatus.TRIAGED), OFFICER, Command(action, reason=" "), AT)
        change = apply(case(CaseStatus.TRIAGED), OFFICER, Command(action, reason="called the broker"), AT)
        assert (change.audit.from_status, change.audit.to_status, change.moves_on) == ("triaged", "triaged", False)
        assert change.audit.reason == "called the broker"


def test_cases_opened_before_the_workflow_statuses_are_new() -> None:
    assert status_of("triage") is CaseStatus.NEW
    legacy = case(CaseStatus.NEW, assignee=None).model_copy(update={"status": "triage"})
    assert apply(legacy, OFFICER, Command(CaseAction.CLAIM), AT).audit.from_status == "new"


def test_auto_assignment_picks_the_officer_with_the_fewest_open_cases_and_breaks_ties_by_name() -> None:
    assert pick_by_workload({"olive": 3, "otto": 1, "oscar": 1}, ["olive", "otto", "oscar"]) == "oscar"
    assert pick_by_workload({"olive": 3}, ["olive", "newcomer"]) == "newcomer"
    with pytest.raises(ValidationFailed):
        pick_by_workload({}, [])


def test_the_workflow_input_escalates_the_margin_before_arrival() -> None:
    payload = workflow_input("C1", "A1", "K", "red", AT, margin=timedelta(hours=6), step_timeout=timedelta(hours=2))
    assert payload["escalate_at"] == "2026-11-25T06:00:00Z"
    assert payload["timers"] == {"step_timeout_s": 7200, "max_failures": 3}
    assert "escalate_at" not in workflow_input("C1", "A1", "K", "amber", None)
