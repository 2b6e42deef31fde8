"""Deliver one alert: open its case workflow and e-mail the duty mailbox with a link into the web app."""

from __future__ import annotations

import html
from dataclasses import dataclass

from cts.domain.alerts import Alert
from cts.domain.errors import NotFound
from cts.domain.risk.engine import Level
from cts.ports.email import EmailMessage, EmailSender
from cts.ports.records import AlertRepository
from cts.ports.workflow import CaseWorkflow


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    execution: str
    message_id: str


@dataclass
class NotificationService:
    alerts: AlertRepository
    email: EmailSender
    workflow: CaseWorkflow
    recipients: tuple[str, ...]
    web_url: str

    def deliver(self, alert_id: str) -> Delivery:
        alert = self.alerts.get(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id}")
        execution = self.workflow.start(
            f"case-{alert.alert_id}",
            {
                "case_id": alert.alert_id,
                "alert_id": alert.alert_id,
                "consignment_key": alert.key,
                "level": alert.level.value,
            },
        )
        message_id = self.email.send(render_alert_email(alert, self.recipients, self.web_url))
        return Delivery(alert_id, execution, message_id)


def render_alert_email(alert: Alert, recipients: tuple[str, ...], web_url: str) -> EmailMessage:
    """Only what any analyst may see: document, level, score, arrival, and the link; details stay in the app."""
    link = f"{web_url.rstrip('/')}/#/alerts/{alert.alert_id}"
    eta = alert.eta.strftime("%Y-%m-%d %H:%M UTC") if alert.eta else "unknown"
    urgency = {Level.RED: "RED", Level.AMBER: "Amber"}.get(alert.level, "")
    if alert.random_selection:  # drawn at random: its score may be below the alert threshold
        urgency = f"{urgency}, random selection" if urgency else "Random selection"
    subject = f"[CTS {urgency}] {alert.document_number} scored {alert.score}, arriving {eta}"
    reasons = sorted({h.category for h in alert.hits})
    drawn = f"Selected at random (rate {alert.random_selection}).\n" if alert.random_selection else ""
    text = (
        f"Consignment {alert.document_number} scored {alert.score} ({alert.level.value}).\n"
        f"{drawn}"
        f"Arrival: {eta} at {alert.place_of_discharge or 'unknown port'}\n"
        f"Risk categories: {', '.join(reasons) or '-'}\n\n"
        f"Open it in the Cargo Targeting System: {link}\n"
    )
    drawn_html = f"<p>{html.escape(drawn.strip())}</p>" if drawn else ""
    body = (
        f"<p>Consignment <strong>{html.escape(alert.document_number)}</strong> scored "
        f"<strong>{alert.score}</strong> ({alert.level.value}).</p>"
        f"{drawn_html}"
        f"<p>Arrival: {html.escape(eta)} at {html.escape(alert.place_of_discharge or 'unknown port')}</p>"
        f"<p>Risk categories: {html.escape(', '.join(reasons) or '-')}</p>"
        f'<p><a href="{html.escape(link)}">Open it in the Cargo Targeting System</a></p>'
    )
    return EmailMessage(to=recipients, subject=subject, text=text, html=body)
