"""In-memory fakes of the case workflow's ports (the case store and the state machine's waiting steps)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cts.domain.case_feedback import CounterKey, Counts
from cts.domain.case_workflow import AuditEntry, StepMoved
from cts.domain.cases import CaseRecord
from cts.domain.errors import Conflict, NotFound


class MemoryCaseStore:
    """:class:`cts.ports.records.CaseStore` in memory, with the table's conditions (revision and token)."""

    def __init__(self) -> None:
        self.cases: dict[str, CaseRecord] = {}
        self.trail: list[AuditEntry] = []
        self.stats: dict[CounterKey, Counts] = {}
        self.before_save: list[Any] = []  # callables run before a save checks its conditions (races)

    def open(self, case_id: str, token: str | None = "T0") -> None:
        self.cases[case_id] = CaseRecord(
            case_id=case_id, alert_id="A1", consignment_key="sea:K1", level="red", status="new", task_token=token
        )

    def get(self, case_id: str) -> CaseRecord | None:
        return self.cases.get(case_id)

    def save(
        self,
        case: CaseRecord,
        audit: AuditEntry,
        *,
        expected_token: str | None,
        complete_step: bool,
        counters: Mapping[CounterKey, Counts] | None = None,
    ) -> CaseRecord:
        while self.before_save:
            self.before_save.pop(0)()
        stored = self.cases.get(case.case_id)
        if stored is None:
            raise NotFound(case.case_id)
        if stored.revision != case.revision:
            raise Conflict(f"revision {stored.revision}")
        if complete_step and stored.task_token != expected_token:
            raise StepMoved("token moved")
        token = None if complete_step else stored.task_token
        new = case.model_copy(update={"revision": case.revision + 1, "task_token": token})
        self.cases[case.case_id] = new
        self.trail.append(audit)
        for key, n in (counters or {}).items():
            old = self.stats.get(key, Counts())
            self.stats[key] = Counts(
                *(a + b for a, b in zip(old.as_dict().values(), n.as_dict().values(), strict=True))
            )
        return new

    def audit_trail(self, case_id: str) -> list[AuditEntry]:
        return [a for a in self.trail if a.case_id == case_id]

    def overrides(self, since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        return [a for a in reversed(self.trail) if a.action == "override"][:limit]

    def escalations(self, limit: int = 100) -> list[AuditEntry]:
        return []

    def open_cases(self, officers: Iterable[str]) -> dict[str, int]:
        wanted = set(officers)
        counts = dict.fromkeys(wanted, 0)
        for case in self.cases.values():
            if case.assignee in wanted and case.status != "closed":
                counts[case.assignee] += 1
        return counts

    def counts(self, key: CounterKey) -> Counts:
        return self.stats.get(key, Counts())


@dataclass
class RecordingTasks:
    completed: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    error: Exception | None = None

    def complete(self, token: str, output: Mapping[str, Any]) -> None:
        if self.error:
            raise self.error
        self.completed.append((token, dict(output)))

    def fail(self, token: str, error: str, cause: str) -> None:
        self.failed.append((token, error, cause))
