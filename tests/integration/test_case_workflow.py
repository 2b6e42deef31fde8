"""Every path of a case, with the real definition executed by moto's Step Functions interpreter.

The local bootstrap creates the records table and the state machine from the catalogue; moto runs the state
machine's DynamoDB tasks against that table, waits on the task tokens the service completes through
``send_task_success``/``send_task_failure``, and enforces the step timeouts (a second here, via the input)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto.core.config import default_user_config

from cts.adapters.dynamodb_cases import DynamoCaseStore
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.moto_services import patch_state_machine_parsing
from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow
from cts.domain.alerts import Alert
from cts.domain.case_feedback import CounterKey, CounterKind, Counts
from cts.domain.case_workflow import Actor, CaseAction, Command, apply, workflow_input
from cts.domain.cases import CaseRecord, Decision, Examination, ExaminationResult, Finding
from cts.domain.errors import Conflict, NotFound, ValidationFailed
from cts.domain.risk.assessment import Hit
from cts.domain.risk.engine import Level
from cts.domain.roles import Role
from cts.services.cases import CaseService
from fakes import FakeAlerts

OFFICER = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))
ANALYST = Actor("anna", frozenset({Role.TARGETING_ANALYST.value}))
SUPERVISOR = Actor("sam", frozenset({Role.SUPERVISOR.value}))
JUSTIFICATION = "The shipper is an authorised economic operator; the physical examination is not warranted."
HITS = (
    Hit(source="profile", ref="cocaine-route@3#origin", points=40, reason="r", matched="m", category="drugs"),
    Hit(source="watchlist", ref="ofac-123", points=60, reason="r", matched="m", category="sanctions"),
)


@pytest.fixture(params=["moto", "local stack"])
def executing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto executing the state machine with its own parser (a program per execution) and with the local stack's
    (one program per definition, shared by the executions)."""
    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})
    if request.param == "local stack":
        patch_state_machine_parsing()
    else:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        original = getattr(AmazonStateLanguageParser, "_cts_cached", None)
        if original is not None:  # patched earlier in this session: moto's own parser for this run
            monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(original))


@dataclass
class RecordingSearch:
    statuses: list[tuple[str, Any]] = field(default_factory=list)

    def set_statuses(self, key: str, *, alert_status: Any = None, case_status: Any = None) -> bool:
        self.statuses.append((key, case_status))
        return True


@dataclass
class Desk:
    """The case service wired to moto, and the means to watch the execution."""

    service: CaseService
    store: DynamoCaseStore
    workflow: StepFunctionsCaseWorkflow
    alerts: FakeAlerts
    search: RecordingSearch
    executions: dict[str, str] = field(default_factory=dict)

    def open(self, case_id: str, step_timeout_s: int = 60, max_failures: int = 3, **extra: Any) -> None:
        self.alerts.add(
            Alert(
                alert_id=case_id,
                key=f"sea:{case_id}",
                version=1,
                document_number=f"BL-{case_id}",
                score=100,
                level=Level.RED,
                hits=HITS,
                eta=None,
                place_of_discharge="JMKIN",
                raised_at=datetime.now(UTC),
            )
        )
        payload = workflow_input(case_id, case_id, f"sea:{case_id}", "red", None)
        payload["timers"] = {"step_timeout_s": step_timeout_s, "max_failures": max_failures}
        self.executions[case_id] = self.workflow.start(f"case-{case_id}", {**payload, **extra})
        self.waiting(case_id)

    def waiting(self, case_id: str) -> CaseRecord:
        """The case once the state machine waits on its next step (a token is stored)."""
        return until(lambda: _with_token(self.store.get(case_id)), f"{case_id} waits for a step")

    def status(self, case_id: str) -> str:
        described = boto3.client("stepfunctions").describe_execution(executionArn=self.executions[case_id])
        return str(described["status"])

    def finished(self, case_id: str) -> str:
        return until(lambda: (s := self.status(case_id)) != "RUNNING" and s, f"{case_id} finishes")


def _with_token(case: CaseRecord | None) -> CaseRecord | None:
    return case if case is not None and case.task_token else None


def until(probe: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture
def desk(executing: None, resources: LocalResources) -> Iterator[Desk]:
    """Execution is switched on first: moto keeps the state machines it executes apart from the others."""
    store = DynamoCaseStore(resources.env["CTS_RECORDS_TABLE"])
    workflow = StepFunctionsCaseWorkflow(resources.env["CTS_CASE_STATE_MACHINE_ARN"])
    alerts, search = FakeAlerts(), RecordingSearch()
    desk = Desk(CaseService(store, workflow, alerts, search), store, workflow, alerts, search)  # type: ignore[arg-type]
    yield desk
    # An execution still waiting would write into the next test's table of the same name.
    sfn = boto3.client("stepfunctions")
    for arn in desk.executions.values():
        if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            sfn.stop_execution(executionArn=arn)


def test_a_released_case_closes_and_the_execution_ends(desk: Desk) -> None:
    desk.open("C1")
    desk.service.claim("C1", ANALYST)
    desk.waiting("C1")
    desk.service.decide("C1", ANALYST, Decision.RELEASE)
    desk.waiting("C1")
    closed = desk.service.close("C1", ANALYST)
    assert desk.finished("C1") == "SUCCEEDED"
    stored = desk.store.get("C1")
    assert stored is not None
    assert (stored.status, stored.revision, stored.task_token, closed.revision) == ("closed", 3, None, 3)
    trail = desk.store.audit_trail("C1")
    assert [(a.action, a.from_status, a.to_status, a.actor) for a in trail] == [
        ("claim", "new", "triaged", "anna"),
        ("decide", "triaged", "decided", "anna"),
        ("close", "decided", "closed", "anna"),
    ]
    assert desk.search.statuses == [("sea:C1", "triaged"), ("sea:C1", "decided"), ("sea:C1", "closed")]
    assert desk.store.counts(CounterKey(CounterKind.PROFILE, "cocaine-route")) == Counts(alerts=1)
    assert desk.store.open_cases(["anna"]) == {"anna": 0}


def test_a_document_check_without_finding_is_examined_then_closed(desk: Desk) -> None:
    desk.open("C2")
    desk.service.claim("C2", OFFICER)
    assert desk.store.open_cases(["olive"]) == {"olive": 1}
    desk.waiting("C2")
    desk.service.decide("C2", OFFICER, Decision.DOCUMENT_CHECK)
    desk.waiting("C2")
    desk.service.record_examination("C2", OFFICER, Examination(result=ExaminationResult.NO_FINDING))
    desk.waiting("C2")
    desk.service.close("C2", OFFICER)
    assert desk.finished("C2") == "SUCCEEDED"
    stored = desk.store.get("C2")
    assert stored is not None
    assert stored.examination == Examination(result=ExaminationResult.NO_FINDING)
    assert desk.store.counts(CounterKey(CounterKind.WATCHLIST, "ofac-123")) == Counts(alerts=1, examinations=1)


def test_a_seizure_after_a_physical_examination_feeds_back_to_every_rule_that_fired(desk: Desk) -> None:
    seizure = Examination(
        result=ExaminationResult.SEIZURE,
        findings=(Finding(category="drugs", quantity=Decimal("12.5"), unit="kg", value=Decimal(400000)),),
        remarks="false floor in the container",
    )
    for case_id in ("C3", "C4"):  # two cases: the counters add up
        desk.open(case_id)
        desk.service.claim(case_id, OFFICER)
        desk.waiting(case_id)
        desk.service.decide(case_id, OFFICER, Decision.PHYSICAL_EXAMINATION)
        desk.waiting(case_id)
        desk.service.record_examination(case_id, OFFICER, seizure)
        desk.waiting(case_id)
        desk.service.close(case_id, OFFICER)
        assert desk.finished(case_id) == "SUCCEEDED"
    stored = desk.store.get("C4")
    assert stored is not None
    assert stored.examination == seizure
    every = Counts(alerts=2, examinations=2, findings=2, seizures=2)
    assert desk.store.counts(CounterKey(CounterKind.PROFILE, "cocaine-route")) == every
    assert desk.store.counts(CounterKey(CounterKind.INDICATOR, "cocaine-route#origin")) == every
    assert desk.store.counts(CounterKey(CounterKind.WATCHLIST, "ofac-123")) == every


def test_a_supervisor_overrides_a_decision_only_with_a_justification_which_is_reported(desk: Desk) -> None:
    desk.open("C5")
    desk.service.claim("C5", OFFICER)
    desk.waiting("C5")
    desk.service.decide("C5", OFFICER, Decision.PHYSICAL_EXAMINATION)
    desk.waiting("C5")
    with pytest.raises(ValidationFailed, match="justification"):
        desk.service.override("C5", SUPERVISOR, Decision.RELEASE, "just because")
    refused = desk.store.get("C5")
    assert refused is not None
    assert (refused.revision, refused.decision) == (2, Decision.PHYSICAL_EXAMINATION)
    overridden = desk.service.override("C5", SUPERVISOR, Decision.RELEASE, JUSTIFICATION)
    assert overridden.override is not None
    assert overridden.override.replaced is Decision.PHYSICAL_EXAMINATION
    # the override does not move the case on: the same step still waits, and the officer closes the case
    assert desk.waiting("C5").task_token == refused.task_token
    desk.service.close("C5", OFFICER)
    assert desk.finished("C5") == "SUCCEEDED"
    (report,) = desk.store.overrides()
    assert (report.case_id, report.actor, report.reason) == ("C5", "sam", JUSTIFICATION)
    assert report.details == {"decision": "release", "replaced": "physical_examination"}
    stored = desk.store.get("C5")
    assert stored is not None
    assert stored.override == overridden.override


def test_an_overdue_step_escalates_to_the_supervisor_and_waits_again(desk: Desk) -> None:
    desk.open("C6", step_timeout_s=1)
    first = desk.waiting("C6")
    escalated = until(lambda: (c := desk.store.get("C6")) and c.escalations >= 1 and c, "the step is overdue")
    assert escalated.status == "new"
    again = desk.waiting("C6")
    assert again.task_token != first.task_token
    # the old token is void: AWS answers TaskTimedOut (Conflict), moto ignores it; either way nothing moves
    with contextlib.suppress(Conflict):
        desk.workflow.complete(str(first.task_token), {"status": "closed", "revision": 0})
    time.sleep(0.3)
    assert desk.status("C6") == "RUNNING"
    desk.service.claim("C6", OFFICER)
    assert desk.waiting("C6").status == "triaged"
    trail = desk.store.audit_trail("C6")
    assert ("escalate", "workflow", "step overdue") in [(a.action, a.actor, a.reason) for a in trail]
    assert "C6" in {e.case_id for e in desk.store.escalations()}


def test_a_case_still_open_near_arrival_escalates_before_the_ship_arrives(desk: Desk) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    desk.open("C7", escalate_at=soon)
    (escalation,) = until(
        lambda: [a for a in desk.store.audit_trail("C7") if a.reason == "arrival near"], "the arrival nears"
    )
    assert (escalation.action, escalation.actor, escalation.from_status) == ("escalate", "workflow", "new")
    stored = desk.store.get("C7")
    assert stored is not None
    assert stored.escalations == 1
    assert desk.status("C7") == "RUNNING"  # the human steps go on


def test_a_blocked_step_is_recorded_escalated_and_after_too_many_failures_the_execution_fails(desk: Desk) -> None:
    desk.open("C8", max_failures=2)
    desk.service.report_blocked("C8", OFFICER, "the container was not presented")
    failed_once = until(lambda: (c := desk.store.get("C8")) and c.failures == 1 and c.task_token and c, "recorded")
    assert failed_once.status == "new"
    desk.service.claim("C8", OFFICER)  # the workflow goes on after one failure
    desk.waiting("C8")
    desk.service.report_blocked("C8", OFFICER, "the scanner is down")
    assert desk.finished("C8") == "FAILED"
    stored = desk.store.get("C8")
    assert stored is not None
    assert (stored.failures, stored.status) == (2, "triaged")
    steps = [(a.action, a.actor) for a in desk.store.audit_trail("C8")]
    assert steps.count(("step_failed", "workflow")) == 2
    assert steps.count(("report_blocked", "olive")) == 2


def test_a_retried_execution_re_reads_a_case_people_moved_on_instead_of_overwriting_it(desk: Desk) -> None:
    desk.open("C9")
    desk.service.claim("C9", OFFICER)
    desk.waiting("C9")
    desk.service.decide("C9", OFFICER, Decision.RELEASE)
    desk.waiting("C9")
    sfn = boto3.client("stepfunctions")
    sfn.stop_execution(executionArn=desk.executions["C9"])  # the first execution died ...
    key = {"pk": {"S": "CASE#C9"}, "sk": {"S": "CASE"}}
    boto3.client("dynamodb").update_item(TableName=desk.store.table_name, Key=key, UpdateExpression="REMOVE task_token")
    payload = workflow_input("C9", "C9", "sea:C9", "red", None)
    desk.executions["C9"] = desk.workflow.start("case-C9-retried", payload)  # ... and is started again
    resumed = desk.waiting("C9")
    assert (resumed.status, resumed.revision, resumed.decision) == ("decided", 2, Decision.RELEASE)
    desk.service.close("C9", OFFICER)
    assert desk.finished("C9") == "SUCCEEDED"


def test_unknown_task_tokens_are_refused(desk: Desk) -> None:
    with pytest.raises((NotFound, Conflict)):
        desk.workflow.complete("no-such-token", {"status": "triaged"})
    with pytest.raises((NotFound, Conflict)):
        desk.workflow.fail("no-such-token", "Case.Blocked", "x")


def _opened(table: str, case_id: str) -> None:
    """What the state machine's first state writes, without running it."""
    item = {
        "pk": {"S": f"CASE#{case_id}"},
        "sk": {"S": "CASE"},
        "status": {"S": "new"},
        "alert_id": {"S": case_id},
        "consignment_key": {"S": f"sea:{case_id}"},
        "level": {"S": "amber"},
        "revision": {"N": "0"},
    }
    boto3.client("dynamodb").put_item(TableName=table, Item=item)


def test_of_two_people_changing_a_case_the_second_is_told_and_nothing_of_theirs_is_stored(
    resources: LocalResources,
) -> None:
    table = resources.env["CTS_RECORDS_TABLE"]
    _opened(table, "R1")
    alice, bob = DynamoCaseStore(table), DynamoCaseStore(table)
    alerts, search = FakeAlerts(), RecordingSearch()
    tasks = StepFunctionsCaseWorkflow(resources.env["CTS_CASE_STATE_MACHINE_ARN"])
    seen = alice.get("R1")
    assert seen is not None
    CaseService(alice, tasks, alerts, search).claim("R1", OFFICER)  # type: ignore[arg-type]
    change = apply(seen, ANALYST, Command(CaseAction.CLAIM), datetime.now(UTC))
    with pytest.raises(Conflict, match="revision 1, not 0"):
        bob.save(change.case, change.audit, expected_token=None, complete_step=True)
    assert [a.actor for a in alice.audit_trail("R1")] == ["olive"]
    with pytest.raises(NotFound):
        bob.save(
            change.case.model_copy(update={"case_id": "nope"}), change.audit, expected_token=None, complete_step=True
        )
