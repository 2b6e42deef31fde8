"""Write and read the system audit trail (:class:`cts.ports.audit.AuditLog`).

:meth:`AuditTrail.record` fills the entry's id, time and actor; :meth:`AuditTrail.query` answers one subject,
actor or day, and for a case subject (``case:<id>``) adds the case workflow's own trail
(:meth:`cts.ports.records.CaseStore.audit_trail`) on its first page, so an auditor sees both in one list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from cts.domain.audit import AuditEvent, AuditPage, SubjectKind, from_case_entry
from cts.domain.errors import ValidationFailed
from cts.ports.audit import AuditLog
from cts.ports.clock import Clock, SystemClock
from cts.ports.records import CaseStore

MAX_LIMIT = 200


@dataclass
class AuditTrail:
    log: AuditLog
    cases: CaseStore | None = None
    clock: Clock = field(default_factory=SystemClock)

    def record(
        self,
        actor: str,
        roles: Iterable[str],
        action: str,
        subject: str,
        details: Mapping[str, str] | None = None,
    ) -> AuditEvent:
        """Append one entry now, by ``actor`` (a new random id: never overwrites another entry)."""
        event = AuditEvent(
            event_id=uuid.uuid4().hex,
            at=self.clock.now(),
            actor=actor,
            roles=tuple(sorted(roles)),
            action=action,
            subject=subject,
            details=dict(details or {}),
        )
        self.log.record(event)
        return event

    def query(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        day: date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AuditPage:
        if sum(x is not None for x in (subject, actor, day)) != 1:
            raise ValidationFailed("give exactly one of subject, actor or day")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
        page = self.log.query(subject=subject, actor=actor, day=day, limit=limit, cursor=cursor)
        case_prefix = f"{SubjectKind.CASE.value}:"
        if subject is None or not subject.startswith(case_prefix) or cursor is not None or self.cases is None:
            return page
        # The workflow's own trail of this case (small: one entry per step), merged newest first.
        workflow = [from_case_entry(e) for e in self.cases.audit_trail(subject[len(case_prefix) :])]
        merged = sorted((*page.events, *workflow), key=lambda e: (e.at, e.event_id), reverse=True)
        return AuditPage(events=tuple(merged), cursor=page.cursor)
