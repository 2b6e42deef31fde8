"""The audit trail: ``GET /audit`` by subject (``consignment:<key>``, ``case:<id>``, ``profile:<id>`` ...), by
actor or by UTC day, newest first, paged. Append-only: there is no route that changes or removes an entry."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.audit import AuditEvent
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.services.audit import AuditTrail

routes = Routes()


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str | None = Field(default=None, min_length=3, max_length=512, description="<kind>:<id>")
    actor: str | None = Field(default=None, min_length=1, max_length=256, description="a username")
    day: date | None = Field(default=None, description="a UTC day, YYYY-MM-DD")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=2048, description="the previous page's cursor")


class AuditAnswer(BaseModel):
    entries: list[AuditEvent] = Field(description="newest first")
    cursor: str | None = Field(description="pass it back for the next page; null at the end")


@routes.api("/audit", action=Action.VIEW_AUDIT, query=AuditQuery, response=AuditAnswer)
def audit_trail(call: Call) -> AuditAnswer:
    """Exactly one of ``subject``, ``actor`` or ``day``; a case subject includes the case workflow's own trail."""
    log = call.container.audit_log
    if log is None:
        raise Unavailable("the audit trail is not configured")
    asked = call.params(AuditQuery)
    page = AuditTrail(log, cases=call.container.cases).query(
        subject=asked.subject, actor=asked.actor, day=asked.day, limit=asked.limit, cursor=asked.cursor
    )
    return AuditAnswer(entries=list(page.events), cursor=page.cursor)
