"""Case escalations e-mailed to the supervisors, once each.

The case state machine records escalations (step overdue, arrival near, step failed) on the ``ESCALATIONS`` index;
the notify function's escalation run (every 15 minutes) reads those recorded within the look-back, and e-mails each
one it has not e-mailed before: the ``NOTIFIED`` marker is put with ``attribute_not_exists`` first, then the
supervisors are e-mailed (those whose subscription matches the case's alert, else every supervisor, else the duty
mailbox), each recipient once (a sent marker). A transient failure releases the marker, so the next run tries again
without e-mailing those already told; a closed case is marked and not e-mailed (nothing is left to do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cts.domain.alerts import Alert
from cts.domain.case_escalations import (
    CaseEscalation,
    CaseEscalationSummary,
    case_escalation_routes,
    new_escalations,
)
from cts.domain.cases import CaseStatus
from cts.domain.errors import Unavailable
from cts.domain.subscriptions import (
    AlertSummary,
    Channel,
    DeliveryRecord,
    DeliveryRejected,
    DeliveryStatus,
    Route,
    Subscription,
)
from cts.ports.clock import Clock, SystemClock
from cts.ports.email import EmailSender
from cts.ports.notifications import CaseEscalationLog, CaseEscalationSource, DeliveryLog
from cts.ports.subscriptions import SubscriptionRepository
from cts.services.notifications_email import render_case_escalation_email


class AlertReader(Protocol):
    def get(self, alert_id: str) -> Alert | None: ...


@dataclass
class CaseEscalationNotifier:
    cases: CaseEscalationSource
    alerts: AlertReader
    notices: CaseEscalationLog
    subscriptions: SubscriptionRepository
    email: EmailSender
    deliveries: DeliveryLog
    recipients: tuple[str, ...]  # the duty mailbox, when no supervisor subscribed
    web_url: str
    clock: Clock = field(default_factory=SystemClock)
    # Escalations recorded this long ago are still e-mailed if no run did (a run that failed, a deploy gap).
    lookback: timedelta = timedelta(days=1)
    limit: int = 1000

    def notify_new(self) -> list[str]:
        """E-mail the escalations recorded since the look-back that no run e-mailed; returns their ``ref``s."""
        now = self.clock.now()
        found = new_escalations(self.cases.escalations(self.limit, since=now - self.lookback))
        if not found:
            return []
        done = self.notices.notified(found)
        subscriptions: list[Subscription] | None = None
        notified: list[str] = []
        transient: list[str] = []
        for escalation in found:
            if escalation.ref in done or not self.notices.claim(escalation, now):
                continue
            case = self.cases.get(escalation.case_id)
            if case is None or case.status == CaseStatus.CLOSED.value:
                continue  # marked: a closed (or vanished) case needs nobody any more
            alert = self.alerts.get(case.alert_id) if case.alert_id else None
            summary = CaseEscalationSummary(
                case_id=case.case_id,
                kind=escalation.kind,
                status=case.status,
                at=escalation.at,
                alert_id=case.alert_id or None,
                alert=AlertSummary.of(alert) if alert is not None else None,
            )
            if subscriptions is None:
                subscriptions = self.subscriptions.active()
            routes = case_escalation_routes(alert, subscriptions, self.recipients)
            failures = [
                failure for route in routes if (failure := self._send(escalation, summary, route, now)) is not None
            ]
            if failures:
                self.notices.release(escalation)  # the next run tries again; those told are skipped
                transient.append(f"{escalation.ref}: {failures[0]}")
                continue
            notified.append(escalation.ref)
        if transient:
            raise Unavailable(f"case escalations not sent: {'; '.join(transient)}")
        return notified

    def _send(
        self, escalation: CaseEscalation, summary: CaseEscalationSummary, route: Route, now: datetime
    ) -> Unavailable | None:
        """One recipient, once; a rejection is recorded (not retried), a transient failure returned."""
        if self.notices.was_sent(escalation, route.recipient):
            return None
        visible = summary.for_roles(route.roles)
        if visible is None:
            return None
        reason = f"case escalation: {escalation.kind.value}"
        try:
            message_id = self.email.send(render_case_escalation_email(visible, route.to, self.web_url))
        except DeliveryRejected as exc:
            self._record(summary, route, DeliveryStatus.FAILED, f"{reason}: {exc}")
            return None
        except Unavailable as exc:
            self._record(summary, route, DeliveryStatus.RETRYING, f"{reason}: {exc}")
            return exc
        self.notices.mark_sent(escalation, route.recipient, now)
        self._record(summary, route, DeliveryStatus.SENT, reason, message_id)
        if summary.alert_id:  # a bounce reported later is put on the alert
            self.deliveries.remember_message(message_id, [summary.alert_id], route.recipient)
        return None

    def _record(
        self,
        summary: CaseEscalationSummary,
        route: Route,
        status: DeliveryStatus,
        reason: str,
        message_id: str | None = None,
    ) -> None:
        if not summary.alert_id:
            return
        self.deliveries.record(
            DeliveryRecord(
                alert_id=summary.alert_id,
                recipient=route.recipient,
                channel=Channel.ESCALATION,
                status=status,
                at=self.clock.now(),
                reason=reason[:500],
                message_id=message_id,
            )
        )
