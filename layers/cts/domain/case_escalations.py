"""Case escalations e-mailed to the supervisors: which escalation, who hears of it, what the e-mail may say.

The case state machine records an escalation as an audit entry on the ``ESCALATIONS`` index (step overdue, arrival
near, step failed: docs/cases.md). The notify function's escalation run e-mails each one once to the supervisors
(``escalation_routes``: those whose subscription matches the case's alert, else every supervisor, else the duty
mailbox). The e-mail says what an alert e-mail says (:class:`AlertSummary`, trimmed to the reader's role), the kind
of escalation and the case's status; never a person's free text (a blocked step's reason, a note). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cts.domain.alerts import Alert
from cts.domain.case_workflow import AuditEntry
from cts.domain.permissions import Action, allowed
from cts.domain.subscriptions import AlertSummary, Channel, Route, Subscription, duty_route, escalation_routes


class EscalationKind(StrEnum):
    """Why the workflow escalated (the audit entry's action and reason, as the state machine writes them)."""

    STEP_OVERDUE = "step overdue"
    ARRIVAL_NEAR = "arrival near"
    STEP_FAILED = "step failed"


EXPLANATIONS: dict[EscalationKind, str] = {
    EscalationKind.STEP_OVERDUE: "a step of the case is overdue",
    EscalationKind.ARRIVAL_NEAR: "the consignment arrives soon and the case is still open",
    EscalationKind.STEP_FAILED: "a step of the case could not be done",
}


def _instant(at: datetime) -> str:
    moment = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CaseEscalation(BaseModel):
    """One escalation the workflow recorded on one case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    kind: EscalationKind
    at: datetime

    @property
    def key(self) -> str:
        """Unique within the case: the workflow records one escalation of a kind per state entry (its time)."""
        return f"{_instant(self.at)}#{self.kind.name.lower()}"

    @property
    def ref(self) -> str:
        return f"{self.case_id}#{self.key}"

    @classmethod
    def of(cls, entry: AuditEntry) -> CaseEscalation | None:
        """The escalation an audit entry records, or None for any other entry."""
        if entry.action == "step_failed":
            kind = EscalationKind.STEP_FAILED
        elif entry.action == "escalate":
            kind = EscalationKind.ARRIVAL_NEAR if entry.reason == "arrival near" else EscalationKind.STEP_OVERDUE
        else:
            return None
        return cls(case_id=entry.case_id, kind=kind, at=entry.at)


def new_escalations(entries: Iterable[AuditEntry]) -> list[CaseEscalation]:
    """The escalations among ``entries``, each once, oldest first."""
    found = {e.ref: e for e in (CaseEscalation.of(entry) for entry in entries) if e is not None}
    return sorted(found.values(), key=lambda e: (_instant(e.at), e.ref))


class CaseEscalationSummary(BaseModel):
    """What a case escalation e-mail may say: the alert's summary (document, level, score, arrival, port,
    categories by role), the kind of escalation and the case's status. No field for people's texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    kind: EscalationKind
    status: str
    at: datetime
    alert_id: str | None = None
    alert: AlertSummary | None = None

    def for_roles(self, roles: Iterable[str]) -> CaseEscalationSummary | None:
        """Nothing for a reader who may not see alerts; the alert's summary trimmed to the reader's role."""
        held = tuple(roles)
        if not allowed(held, Action.VIEW_ALERTS):
            return None
        if self.alert is None:
            return self
        return self.model_copy(update={"alert": self.alert.for_roles(held)})


def case_escalation_routes(
    alert: Alert | None, subscriptions: Iterable[Subscription], duty: Sequence[str]
) -> list[Route]:
    """As for an alert nobody took (:func:`escalation_routes`); a case whose alert is unknown goes to every
    supervisor, else the duty mailbox."""
    if alert is not None:
        return escalation_routes(alert, subscriptions, duty)
    chosen: dict[str, Route] = {}
    for sub in sorted(subscriptions, key=lambda s: (s.user_id, s.subscription_id)):
        if sub.supervisor and sub.active:
            chosen.setdefault(
                sub.user_id,
                Route(recipient=sub.user_id, to=(sub.email,), roles=sub.roles, channel=Channel.ESCALATION),
            )
    if chosen:
        return list(chosen.values())
    return [duty_route(duty, Channel.ESCALATION)] if duty else []
