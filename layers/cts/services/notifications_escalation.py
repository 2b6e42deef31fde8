"""Escalation: an alert nobody has acknowledged whose consignment arrives within the margin (or has arrived) is
escalated once to the supervisors, found through the ETA-ordered inbox index with a bounded query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from cts.domain.errors import Unavailable
from cts.domain.subscriptions import (
    AlertSummary,
    Channel,
    DeliveryRecord,
    DeliveryStatus,
    due_for_escalation,
    escalation_routes,
)
from cts.ports.clock import Clock, SystemClock
from cts.ports.email import EmailSender
from cts.ports.notifications import AlertSchedule, DeliveryLog, EscalationLog
from cts.ports.subscriptions import SubscriptionRepository
from cts.services.notifications_email import render_summary_email
from cts.services.notify import send_recorded


@dataclass
class EscalationService:
    schedule: AlertSchedule
    escalations: EscalationLog
    subscriptions: SubscriptionRepository
    email: EmailSender
    deliveries: DeliveryLog
    recipients: tuple[str, ...]  # the duty mailbox, when no supervisor subscribed
    web_url: str
    clock: Clock = field(default_factory=SystemClock)
    margin: timedelta = timedelta(hours=6)
    # How far back an arrival that nobody took is still worth escalating. It bounds the query, whose range also
    # holds the alerts escalated by earlier runs (still new until someone takes them), hence a generous limit.
    lookback: timedelta = timedelta(days=2)
    limit: int = 2000

    def escalate_due(self) -> list[str]:
        """Escalate what is due; returns the alert ids escalated by this run."""
        now = self.clock.now()
        due = [
            a
            for a in self.schedule.new_arriving_before(now + self.margin, now - self.lookback, self.limit)
            if due_for_escalation(a, now, self.margin)
        ]
        if not due:
            return []
        already = self.escalations.escalated([a.alert_id for a in due])
        subscriptions = self.subscriptions.active()
        escalated: list[str] = []
        transient: list[str] = []
        for alert in due:
            if alert.alert_id in already or not self.escalations.claim(alert.alert_id, now):
                continue
            summary = AlertSummary.of(alert)
            routes = escalation_routes(alert, subscriptions, self.recipients)
            outcomes = [
                send_recorded(
                    self.email,
                    self.deliveries,
                    self.clock,
                    alert.alert_id,
                    r,
                    summary,
                    self.web_url,
                    render_summary_email,
                )
                for r in routes
            ]
            failures = [o for o in outcomes if isinstance(o, Unavailable)]
            if failures:
                # Not escalated yet: the next run claims it again (recipients already told are skipped).
                self.escalations.release(alert.alert_id)
                transient.append(f"{alert.alert_id}: {failures[0]}")
                continue
            self.deliveries.record(
                DeliveryRecord(
                    alert_id=alert.alert_id,
                    recipient=",".join(r.recipient for r in routes) or "-",
                    channel=Channel.ESCALATION,
                    status=DeliveryStatus.ESCALATED,
                    at=self.clock.now(),
                )
            )
            escalated.append(alert.alert_id)
        if transient:
            raise Unavailable(f"escalations not sent: {'; '.join(transient)}")
        return escalated
