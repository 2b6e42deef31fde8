"""Deliver one alert: open its case workflow, then tell whoever subscribed to it (red at once, the rest through
their digest) or, when nobody did, the duty mailbox; every send and every failure is recorded on the alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cts.domain.alerts import Alert
from cts.domain.case_workflow import workflow_input
from cts.domain.errors import NotFound, Unavailable
from cts.domain.records import ConsignmentVersion
from cts.domain.subscriptions import (
    DUTY,
    DUTY_ROLES,
    AlertSummary,
    Channel,
    DeliveryRecord,
    DeliveryRejected,
    DeliveryStatus,
    DigestEntry,
    Route,
    duty_route,
    plan_delivery,
)
from cts.ports.clock import Clock, SystemClock
from cts.ports.email import EmailMessage, EmailSender
from cts.ports.notifications import DeliveryLog, DigestQueue
from cts.ports.records import AlertRepository
from cts.ports.subscriptions import SubscriptionRepository
from cts.ports.workflow import CaseWorkflow
from cts.services.notifications_email import render_summary_email


class VersionLookup(Protocol):
    def get(self, key: str, version: int) -> ConsignmentVersion | None: ...


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    execution: str
    message_id: str  # the first e-mail sent now ("" when everything went to digests)
    sent: tuple[str, ...] = ()
    queued: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


@dataclass
class NotificationService:
    alerts: AlertRepository
    email: EmailSender
    workflow: CaseWorkflow
    recipients: tuple[str, ...]  # the duty mailbox: told when nobody subscribed
    web_url: str
    subscriptions: SubscriptionRepository | None = None
    deliveries: DeliveryLog | None = None
    digests: DigestQueue | None = None
    consignments: VersionLookup | None = None
    clock: Clock = field(default_factory=SystemClock)
    duty_digest: bool = False  # the country may send the duty mailbox digests too, instead of every alert at once

    def deliver(self, alert_id: str) -> Delivery:
        alert = self.alerts.get(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id}")
        # escalate_at: a case still open shortly before the arrival goes to the supervisor (docs/cases.md)
        execution = self.workflow.start(
            f"case-{alert.alert_id}",
            workflow_input(alert.alert_id, alert.alert_id, alert.key, alert.level.value, alert.eta, score=alert.score),
        )
        alert = self._complete(alert)
        subscriptions = self.subscriptions.active() if self.subscriptions is not None else []
        routes = plan_delivery(alert, subscriptions, self.recipients, self.duty_digest)
        if self.digests is None:  # nowhere to keep a digest: everyone is told at once
            routes = [r.model_copy(update={"channel": Channel.IMMEDIATE}) for r in routes]
        summary = AlertSummary.of(alert)
        sent: list[str] = []
        queued: list[str] = []
        failed: list[str] = []
        message_ids: list[str] = []
        transient: list[str] = []
        for route in routes:
            if route.channel is Channel.DIGEST and self.digests is not None:
                self._queue(route, summary)
                queued.append(route.recipient)
                continue
            outcome = self._send(alert.alert_id, route, summary)
            if isinstance(outcome, Unavailable):
                transient.append(f"{route.recipient}: {outcome}")
            elif isinstance(outcome, DeliveryRejected):
                failed.append(route.recipient)
            elif outcome is not None:
                sent.append(route.recipient)
                message_ids.append(outcome)
        lost = failed and not (sent or queued or transient) and all(r.recipient != DUTY for r in routes)
        if lost and self.recipients:
            # Every subscriber's address was refused: the duty mailbox is the last resort, so it is not lost.
            outcome = self._send(alert.alert_id, duty_route(self.recipients), summary)
            if isinstance(outcome, Unavailable):
                transient.append(f"{DUTY}: {outcome}")
            elif isinstance(outcome, str):
                sent.append(DUTY)
                message_ids.append(outcome)
        if transient:
            # Retried by the queue (with its backoff, then the dead-letter queue); recipients already served are
            # skipped on the retry because their sends were marked.
            raise Unavailable(f"alert {alert.alert_id}: {'; '.join(transient)}")
        return Delivery(
            alert.alert_id,
            execution,
            message_ids[0] if message_ids else "",
            tuple(sent),
            tuple(queued),
            tuple(failed),
        )

    def bounced(self, message_id: str, addresses: list[str], reason: str, permanent: bool) -> list[str]:
        """A bounce reported by the provider (SES through SNS): recorded against each address and on every alert
        the message carried; a permanent bounce of a subscriber's mailbox sends those alerts to the duty mailbox,
        so they still reach someone. Returns the alert ids it concerned (none for a message we do not know)."""
        if self.deliveries is None:
            return []
        now = self.clock.now()
        for address in addresses:
            self.deliveries.record_bounce(address, message_id, now, reason)
        known = self.deliveries.message(message_id)
        if known is None:
            return []
        alert_ids, recipient = known
        status = DeliveryStatus.BOUNCED if permanent else DeliveryStatus.RETRYING
        for alert_id in alert_ids:
            self.deliveries.record(
                DeliveryRecord(
                    alert_id=alert_id,
                    recipient=recipient,
                    channel=Channel.IMMEDIATE,
                    status=status,
                    at=now,
                    reason=f"{reason} ({', '.join(addresses)})"[:500],
                )
            )
            alert = self.alerts.get(alert_id) if permanent and recipient != DUTY and self.recipients else None
            if alert is not None:
                outcome = self._send(alert_id, duty_route(self.recipients), AlertSummary.of(alert))
                if isinstance(outcome, Unavailable):
                    raise outcome
        return alert_ids

    def _complete(self, alert: Alert) -> Alert:
        """Alerts raised before they carried mode and direction get them from their consignment version."""
        if alert.direction is not None and alert.mode is not None:
            return alert
        stored = self.consignments.get(alert.key, alert.version) if self.consignments is not None else None
        if stored is None:
            return alert.model_copy(update={"mode": alert.transport_mode})
        consignment = stored.consignment
        return alert.model_copy(update={"mode": consignment.mode, "direction": consignment.direction})

    def _queue(self, route: Route, summary: AlertSummary) -> None:
        assert self.digests is not None
        visible = summary.for_roles(route.roles)
        if visible is None:
            return
        entry = DigestEntry(
            recipient=route.recipient, to=route.to, roles=route.roles, summary=visible, queued_at=self.clock.now()
        )
        if self.digests.enqueue(entry) and self.deliveries is not None:
            self.deliveries.record(
                DeliveryRecord(
                    alert_id=summary.alert_id,
                    recipient=route.recipient,
                    channel=Channel.DIGEST,
                    status=DeliveryStatus.QUEUED,
                    at=entry.queued_at,
                )
            )

    def _send(self, alert_id: str, route: Route, summary: AlertSummary) -> str | DeliveryRejected | Unavailable | None:
        """The message id, the failure (rejected for good, or transient), or None when there was nothing to send
        (already sent by an earlier attempt, or a role that may not read alerts)."""
        return send_recorded(
            self.email, self.deliveries, self.clock, alert_id, route, summary, self.web_url, render_summary_email
        )


def send_recorded(
    email: EmailSender,
    deliveries: DeliveryLog | None,
    clock: Clock,
    alert_id: str,
    route: Route,
    summary: AlertSummary,
    web_url: str,
    render: _Render,
) -> str | DeliveryRejected | Unavailable | None:
    """Send one alert e-mail to one route unless an earlier attempt did; record the outcome either way."""
    if deliveries is not None and deliveries.was_sent(alert_id, route.channel, route.recipient):
        return None
    visible = summary.for_roles(route.roles)
    if visible is None:
        return None
    try:
        message_id = email.send(render(visible, route.to, web_url, route.channel))
    except DeliveryRejected as exc:
        _record(deliveries, clock, alert_id, route, DeliveryStatus.FAILED, str(exc))
        return exc
    except Unavailable as exc:
        _record(deliveries, clock, alert_id, route, DeliveryStatus.RETRYING, str(exc))
        return exc
    if deliveries is not None:
        deliveries.mark_sent(
            DeliveryRecord(
                alert_id=alert_id,
                recipient=route.recipient,
                channel=route.channel,
                status=DeliveryStatus.SENT,
                at=clock.now(),
                message_id=message_id,
            )
        )
        deliveries.remember_message(message_id, [alert_id], route.recipient)
    return message_id


class _Render(Protocol):
    def __call__(
        self, summary: AlertSummary, to: tuple[str, ...], web_url: str, channel: Channel = ...
    ) -> EmailMessage: ...


def _record(
    deliveries: DeliveryLog | None, clock: Clock, alert_id: str, route: Route, status: DeliveryStatus, reason: str
) -> None:
    if deliveries is None:
        return
    deliveries.record(
        DeliveryRecord(
            alert_id=alert_id,
            recipient=route.recipient,
            channel=route.channel,
            status=status,
            at=clock.now(),
            reason=reason[:500],
        )
    )


def render_alert_email(alert: Alert, recipients: tuple[str, ...], web_url: str) -> EmailMessage:
    """The duty mailbox's e-mail: only what any analyst may see (document, level, score, arrival, port, risk
    categories) and the link; details stay in the app."""
    summary = AlertSummary.of(alert).for_roles(DUTY_ROLES)
    assert summary is not None  # the duty mailbox reads as an analyst, who may view alerts
    return render_summary_email(summary, recipients, web_url)
