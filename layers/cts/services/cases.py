"""Work a case: claim, assign, decide (and override), record the examination, close, add notes.

Each action reads the case, checks it with the pure rules (:func:`cts.domain.case_workflow.apply`), stores the
change with its audit entry at the revision read (and, on close, the outcome counters) in one write, then hands
the step the state machine waits on back to Step Functions (the task token stored on the case) and tells search
the new case status. The write is the truth: a token that cannot be completed (the step timed out meanwhile) or a
search engine that is down does not undo it; the state machine re-reads the case when its revision moved on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from cts.domain.case_feedback import CounterKey, Counts, feedback_increments
from cts.domain.case_workflow import Actor, CaseAction, Change, Command, StepMoved, apply, pick_by_workload
from cts.domain.cases import CaseRecord, CaseStatus, Decision, Examination
from cts.domain.errors import Conflict, CtsError, NotFound, Unavailable
from cts.ports.clock import Clock, SystemClock
from cts.ports.records import AlertRepository, CaseStore
from cts.ports.search import SearchIndex
from cts.ports.workflow import CaseTasks
from cts.services.reports import ReportRecorder

log = logging.getLogger(__name__)

BLOCKED_ERROR = "Case.Blocked"
"""The error a blocked step fails with in the state machine (caught as ``States.TaskFailed``)."""


@dataclass
class CaseService:
    cases: CaseStore
    tasks: CaseTasks
    alerts: AlertRepository
    search: SearchIndex
    clock: Clock = field(default_factory=SystemClock)
    attempts: int = 3  # re-reads when the state machine replaced its step's token during a change
    reports: ReportRecorder | None = None  # the report counters (docs/reports.md); None: not counted

    def claim(self, case_id: str, actor: Actor, revision: int | None = None) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.CLAIM), revision)

    def assign(self, case_id: str, actor: Actor, officer: str, revision: int | None = None) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.ASSIGN, assignee=officer), revision)

    def auto_assign(self, case_id: str, actor: Actor, officers: Iterable[str]) -> CaseRecord:
        """Assign the case to whichever of ``officers`` holds the fewest open cases."""
        candidates = list(officers)
        officer = pick_by_workload(self.cases.open_cases(candidates), candidates)
        return self._act(case_id, actor, Command(CaseAction.ASSIGN, assignee=officer, reason="by workload"), None)

    def decide(self, case_id: str, actor: Actor, decision: Decision, revision: int | None = None) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.DECIDE, decision=decision), revision)

    def override(
        self, case_id: str, actor: Actor, decision: Decision, justification: str, revision: int | None = None
    ) -> CaseRecord:
        command = Command(CaseAction.OVERRIDE, decision=decision, reason=justification)
        return self._act(case_id, actor, command, revision)

    def record_examination(
        self, case_id: str, actor: Actor, examination: Examination, revision: int | None = None
    ) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.RECORD_EXAMINATION, examination=examination), revision)

    def close(self, case_id: str, actor: Actor, reason: str = "", revision: int | None = None) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.CLOSE, reason=reason), revision)

    def add_note(self, case_id: str, actor: Actor, text: str, revision: int | None = None) -> CaseRecord:
        return self._act(case_id, actor, Command(CaseAction.NOTE, reason=text), revision)

    def report_blocked(self, case_id: str, actor: Actor, reason: str, revision: int | None = None) -> CaseRecord:
        """The step cannot be done (goods not presented, scanner down ...): recorded, and the state machine's
        step fails, which records the failure and escalates to the supervisor."""
        return self._act(case_id, actor, Command(CaseAction.REPORT_BLOCKED, reason=reason), revision)

    # -----------------------------------------------------------------------------------------------

    def _act(self, case_id: str, actor: Actor, command: Command, revision: int | None) -> CaseRecord:
        for _ in range(self.attempts):
            case = self.cases.get(case_id)
            if case is None:
                raise NotFound(f"case {case_id}")
            if revision is not None and case.revision != revision:
                raise Conflict(f"case {case_id} is at revision {case.revision}, not {revision}: re-read it")
            change = apply(case, actor, command, self.clock.now())
            hands_back = change.moves_on or command.action is CaseAction.REPORT_BLOCKED
            try:
                stored = self.cases.save(
                    change.case,
                    change.audit,
                    expected_token=case.task_token,
                    complete_step=hands_back,
                    counters=self._feedback(change),
                )
            except StepMoved:
                continue
            self._report(case, stored, actor)
            if hands_back and case.task_token is not None:
                self._hand_back(case.task_token, stored, command)
            if change.moves_on:
                self._index(stored)
            return stored
        raise Conflict(f"case {case_id}: the workflow kept moving while the change was stored; try again")

    def _feedback(self, change: Change) -> dict[CounterKey, Counts] | None:
        if CaseStatus(change.case.status) is not CaseStatus.CLOSED:
            return None
        alert = self.alerts.get(change.case.alert_id)
        if alert is None:  # a case without its alert still closes; it has nothing to count against
            return {}
        return dict(feedback_increments(change.case, alert.hits, alert.random_selection))

    def _report(self, before: CaseRecord, after: CaseRecord, actor: Actor) -> None:
        """Counted once: the change was stored at the revision read, so a retry of the same change is a Conflict."""
        if self.reports is None:
            return
        counted = (
            (before.decision is None and after.decision is not None)
            or (before.examination is None and after.examination is not None)
            or (before.status != after.status and CaseStatus(after.status) is CaseStatus.CLOSED)
        )
        if not counted:
            return
        try:
            alert = self.alerts.get(after.alert_id)
        except CtsError as exc:
            log.warning("case %s: report counters without the alert: %s", after.case_id, exc)
            alert = None
        self.reports.case_changed(before, after, alert, actor.user, self.clock.now())

    def _hand_back(self, token: str, case: CaseRecord, command: Command) -> None:
        try:
            if command.action is CaseAction.REPORT_BLOCKED:
                self.tasks.fail(token, BLOCKED_ERROR, command.reason)
            else:
                self.tasks.complete(
                    token, {"status": case.status, "revision": case.revision, "action": command.action.value}
                )
        except (Conflict, NotFound, Unavailable) as exc:
            # Stored already; the state machine finds the new revision when its step times out and re-reads.
            log.warning("case %s: could not hand the step back to the workflow: %s", case.case_id, exc)

    def _index(self, case: CaseRecord) -> None:
        try:
            self.search.set_statuses(case.consignment_key, case_status=case.status)
        except CtsError as exc:
            # The next scoring of the consignment writes the statuses it reads from the records.
            log.warning("case %s: search keeps the old case status: %s", case.case_id, exc)
