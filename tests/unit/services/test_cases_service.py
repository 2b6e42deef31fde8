"""CaseService over in-memory ports: rules, optimistic revisions, task tokens, search statuses and feedback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from cts.domain.alerts import Alert
from cts.domain.case_feedback import CounterKey, CounterKind, Counts
from cts.domain.case_workflow import Actor
from cts.domain.cases import Decision, Examination, ExaminationResult, Finding
from cts.domain.errors import Conflict, NotFound, SearchUnavailable, ValidationFailed
from cts.domain.risk.assessment import Hit
from cts.domain.risk.engine import Level
from cts.domain.roles import Role
from cts.services.cases import BLOCKED_ERROR, CaseService
from fakes import FakeAlerts, FakeClock
from fakes_cases import MemoryCaseStore, RecordingTasks

OFFICER = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))
SUPERVISOR = Actor("sam", frozenset({Role.SUPERVISOR.value}))
JUSTIFICATION = "The scan image was reviewed by the regional team: nothing to examine."


@dataclass
class RecordingSearch:
    statuses: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False

    def set_statuses(self, key: str, *, alert_status: Any = None, case_status: Any = None) -> bool:
        if self.down:
            raise SearchUnavailable("search is down")
        self.statuses.append((key, case_status))
        return True


@pytest.fixture
def store() -> MemoryCaseStore:
    memory = MemoryCaseStore()
    memory.open("C1")
    return memory


@pytest.fixture
def alerts() -> FakeAlerts:
    fake = FakeAlerts()
    hits = (
        Hit(source="profile", ref="route@2#origin", points=40, reason="r", matched="m", category="drugs"),
        Hit(source="watchlist", ref="entry-9", points=60, reason="r", matched="m", category="sanctions"),
    )
    fake.add(
        Alert(
            alert_id="A1",
            key="sea:K1",
            version=1,
            document_number="BL1",
            score=100,
            level=Level.RED,
            hits=hits,
            eta=None,
            place_of_discharge="JMKIN",
            raised_at=datetime(2026, 11, 25, tzinfo=UTC),
        )
    )
    return fake


@dataclass
class World:
    service: CaseService
    store: MemoryCaseStore
    tasks: RecordingTasks
    search: RecordingSearch


@pytest.fixture
def world(store: MemoryCaseStore, alerts: FakeAlerts) -> World:
    tasks, search = RecordingTasks(), RecordingSearch()
    service = CaseService(store, tasks, alerts, search, clock=FakeClock())  # type: ignore[arg-type]
    return World(service, store, tasks, search)


def step(world: World, case_id: str = "C1", token: str | None = None) -> None:
    """The state machine waits on the next step: it stores a new token."""
    case = world.store.cases[case_id]
    world.store.cases[case_id] = case.model_copy(update={"task_token": token or f"T{case.revision}"})


def test_each_move_is_stored_audited_handed_back_to_the_workflow_and_shown_in_search(world: World) -> None:
    claimed = world.service.claim("C1", OFFICER)
    assert (claimed.status, claimed.assignee, claimed.revision, claimed.task_token) == ("triaged", "olive", 1, None)
    assert world.tasks.completed == [("T0", {"status": "triaged", "revision": 1, "action": "claim"})]
    assert world.search.statuses == [("sea:K1", "triaged")]
    step(world)
    world.service.decide("C1", OFFICER, Decision.RELEASE)
    step(world)
    closed = world.service.close("C1", OFFICER, reason="documents in order")
    assert (closed.status, closed.revision) == ("closed", 3)
    assert [t for t, _ in world.tasks.completed] == ["T0", "T1", "T2"]
    trail = world.store.audit_trail("C1")
    assert [(a.action, a.from_status, a.to_status, a.actor) for a in trail] == [
        ("claim", "new", "triaged", "olive"),
        ("decide", "triaged", "decided", "olive"),
        ("close", "decided", "closed", "olive"),
    ]
    assert trail[-1].reason == "documents in order"


def test_a_note_is_audited_but_does_not_complete_the_step(world: World) -> None:
    noted = world.service.add_note("C1", SUPERVISOR, "asked the broker for the invoice")
    assert (noted.status, noted.revision, noted.task_token) == ("new", 1, "T0")
    assert world.tasks.completed == []
    assert world.search.statuses == []


def test_closing_counts_the_outcome_against_every_rule_that_fired(world: World) -> None:
    world.service.claim("C1", OFFICER)
    world.service.decide("C1", OFFICER, Decision.PHYSICAL_EXAMINATION)
    finding = Finding(category="drugs", quantity=Decimal(4), unit="kg", value=Decimal(120000))
    world.service.record_examination("C1", OFFICER, Examination(result=ExaminationResult.SEIZURE, findings=(finding,)))
    world.service.close("C1", OFFICER)
    for key in (
        CounterKey(CounterKind.PROFILE, "route"),
        CounterKey(CounterKind.INDICATOR, "route#origin"),
        CounterKey(CounterKind.WATCHLIST, "entry-9"),
    ):
        assert world.store.counts(key) == Counts(alerts=1, examinations=1, findings=1, seizures=1)


def test_an_override_without_justification_stores_nothing(world: World) -> None:
    world.service.claim("C1", OFFICER)
    world.service.decide("C1", OFFICER, Decision.PHYSICAL_EXAMINATION)
    with pytest.raises(ValidationFailed):
        world.service.override("C1", SUPERVISOR, Decision.RELEASE, "no")
    assert world.store.cases["C1"].revision == 2
    overridden = world.service.override("C1", SUPERVISOR, Decision.RELEASE, JUSTIFICATION)
    assert overridden.decision is Decision.RELEASE
    (report,) = world.store.overrides()
    assert (report.actor, report.reason) == ("sam", JUSTIFICATION)


def test_a_stale_revision_from_the_caller_is_a_conflict(world: World) -> None:
    world.service.add_note("C1", OFFICER, "first")
    with pytest.raises(Conflict, match="revision 1, not 0"):
        world.service.claim("C1", OFFICER, revision=0)


def test_a_token_replaced_by_the_workflow_meanwhile_is_read_again_and_completed(world: World) -> None:
    # the step timed out between the read and the write, and the workflow waits anew with another token
    world.store.before_save.append(lambda: step(world, token="T0-after-timeout"))
    world.service.claim("C1", OFFICER)
    assert [token for token, _ in world.tasks.completed] == ["T0-after-timeout"]
    assert world.store.cases["C1"].revision == 1


def test_a_step_that_no_longer_waits_or_a_search_that_is_down_does_not_undo_the_change(world: World) -> None:
    world.tasks.error = Conflict("the step is no longer waiting (TaskTimedOut)")
    world.search.down = True
    claimed = world.service.claim("C1", OFFICER)
    assert (claimed.status, world.store.cases["C1"].status) == ("triaged", "triaged")


def test_a_blocked_step_fails_the_waiting_task_with_the_reason(world: World) -> None:
    world.service.report_blocked("C1", OFFICER, "the container was not presented")
    assert world.tasks.failed == [("T0", BLOCKED_ERROR, "the container was not presented")]
    assert world.store.cases["C1"].status == "new"


def test_auto_assignment_gives_the_case_to_the_least_loaded_officer(world: World) -> None:
    for busy in ("B1", "B2"):
        world.store.open(busy)
        world.store.cases[busy] = world.store.cases[busy].model_copy(update={"assignee": "olive", "status": "triaged"})
    assigned = world.service.auto_assign("C1", SUPERVISOR, ["olive", "otto"])
    assert (assigned.assignee, assigned.status) == ("otto", "triaged")
    assert world.store.audit_trail("C1")[-1].reason == "by workload"


def test_an_unknown_case_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.service.claim("nope", OFFICER)
