"""The system audit trail (:class:`AuditLog`): append-only, queried by subject, by actor or by day.

Call it from a service or a handler after the action succeeded::

    from uuid import uuid4
    from cts.domain.audit import AuditEvent, SubjectKind, subject

    audit_log.record(AuditEvent(event_id=uuid4().hex, at=clock.now(), actor=user.username, roles=tuple(user.roles),
                                action="update", subject=subject(SubjectKind.PROFILE, profile_id),
                                details={"version": "3"}))

or use :class:`cts.services.audit.AuditTrail`, which fills id, time and actor. The DynamoDB adapter is
:class:`cts.adapters.dynamodb_audit.DynamoAuditLog`; tests use ``tests.fakes_api.FakeAuditLog``.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from cts.domain.audit import AuditEvent, AuditPage


class AuditLog(Protocol):
    """Append-only: there is deliberately no update or delete."""

    def record(self, entry: AuditEvent) -> None:
        """Store ``entry``; an entry with the same ``event_id`` (and time) already stored raises Conflict."""
        ...

    def query(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        day: date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AuditPage:
        """Newest first, the entries of exactly one of ``subject``, ``actor`` or ``day`` (ValidationFailed
        otherwise); ``cursor`` is the previous page's (a malformed one raises ValidationFailed)."""
        ...
