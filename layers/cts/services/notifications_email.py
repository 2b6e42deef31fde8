"""The alert e-mails: one alert at once, a digest of several, an escalation. Plain text and HTML from the same
:class:`AlertSummary`, which holds only what the reader's role may see (never parties, goods or matched values);
the details are one click away, behind the web app's sign-in."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from cts.domain.case_escalations import EXPLANATIONS, CaseEscalationSummary
from cts.domain.risk.engine import Level
from cts.domain.subscriptions import AlertSummary, Channel, DigestEntry
from cts.ports.email import EmailMessage


def alert_link(web_url: str, alert_id: str) -> str:
    # Everything after the first '#' is the fragment, so the id's own '#' survives; anything odd is quoted.
    return f"{web_url.rstrip('/')}/#/alerts/{quote(alert_id, safe=':#')}"


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M UTC")


def _eta(summary: AlertSummary) -> str:
    return summary.eta.strftime("%Y-%m-%d %H:%M UTC") if summary.eta else "unknown"


def _urgency(summary: AlertSummary) -> str:
    urgency = {Level.RED: "RED", Level.AMBER: "Amber"}.get(summary.level, "")
    if summary.random_selection:  # drawn at random: its score may be below the alert threshold
        urgency = f"{urgency}, random selection" if urgency else "Random selection"
    return urgency


def _text_block(summary: AlertSummary, web_url: str) -> str:
    drawn = f"Selected at random (rate {summary.random_selection}).\n" if summary.random_selection else ""
    categories = f"Risk categories: {', '.join(summary.categories)}\n" if summary.categories else ""
    return (
        f"Consignment {summary.document_number} scored {summary.score} ({summary.level.value}).\n"
        f"{drawn}"
        f"Arrival: {_eta(summary)} at {summary.port or 'unknown port'}\n"
        f"{categories}"
        f"Open it in the Cargo Targeting System: {alert_link(web_url, summary.alert_id)}\n"
    )


def _html_block(summary: AlertSummary, web_url: str) -> str:
    drawn = (
        f"<p>{html.escape(f'Selected at random (rate {summary.random_selection}).')}</p>"
        if summary.random_selection
        else ""
    )
    categories = f"<p>Risk categories: {html.escape(', '.join(summary.categories))}</p>" if summary.categories else ""
    return (
        f"<p>Consignment <strong>{html.escape(summary.document_number)}</strong> scored "
        f"<strong>{summary.score}</strong> ({summary.level.value}).</p>"
        f"{drawn}"
        f"<p>Arrival: {html.escape(_eta(summary))} at {html.escape(summary.port or 'unknown port')}</p>"
        f"{categories}"
        f'<p><a href="{html.escape(alert_link(web_url, summary.alert_id))}">'
        "Open it in the Cargo Targeting System</a></p>"
    )


def render_summary_email(
    summary: AlertSummary, to: tuple[str, ...], web_url: str, channel: Channel = Channel.IMMEDIATE
) -> EmailMessage:
    """One alert, sent at once (red, or the duty mailbox) or as an escalation."""
    if channel is Channel.ESCALATION:
        subject = f"[CTS ESCALATION] {summary.document_number} arrives {_eta(summary)} and nobody has taken it"
        lead_text = "Nobody has acknowledged this alert and the consignment arrives soon.\n\n"
        lead_html = "<p><strong>Nobody has acknowledged this alert and the consignment arrives soon.</strong></p>"
    else:
        subject = (
            f"[CTS {_urgency(summary)}] {summary.document_number} scored {summary.score}, arriving {_eta(summary)}"
        )
        lead_text = lead_html = ""
    return EmailMessage(
        to=to,
        subject=subject,
        text=lead_text + _text_block(summary, web_url),
        html=lead_html + _html_block(summary, web_url),
    )


def render_digest_email(entries: Sequence[DigestEntry], to: tuple[str, ...], web_url: str) -> EmailMessage:
    """Every pending alert of one recipient in one e-mail, soonest arrival first (the caller orders them)."""
    count = len(entries)
    first = _eta(entries[0].summary) if entries else "unknown"
    subject = f"[CTS digest] {count} alert{'s' if count != 1 else ''}, first arriving {first}"
    text = f"{count} alert{'s' if count != 1 else ''} since your last digest, soonest arrival first.\n\n"
    text += "\n".join(_text_block(e.summary, web_url) for e in entries)
    items = "".join(f"<li>{_html_block(e.summary, web_url)}</li>" for e in entries)
    lead = f"{count} alert{'s' if count != 1 else ''} since your last digest, soonest arrival first."
    body = f"<p>{lead}</p><ol>{items}</ol>"
    return EmailMessage(to=to, subject=subject, text=text, html=body)


def render_case_escalation_email(summary: CaseEscalationSummary, to: tuple[str, ...], web_url: str) -> EmailMessage:
    """A case the workflow escalated (step overdue, arrival near, step failed), for the supervisors: the kind, the
    case's status and its alert's summary, trimmed to the reader's role beforehand (``summary.for_roles``)."""
    why = EXPLANATIONS[summary.kind]
    document = summary.alert.document_number if summary.alert else f"case {summary.case_id}"
    subject = f"[CTS CASE ESCALATION] {document}: {summary.kind.value} (case {summary.status})"
    lead = (
        f"The case workflow escalated this case at {_utc(summary.at)}: {why}. "
        f"The case is {summary.status}; it needs a supervisor."
    )
    if summary.alert is not None:
        text_block, html_block = _text_block(summary.alert, web_url), _html_block(summary.alert, web_url)
    else:
        link = alert_link(web_url, summary.alert_id) if summary.alert_id else web_url.rstrip("/") + "/"
        text_block = f"Open it in the Cargo Targeting System: {link}\n"
        html_block = f'<p><a href="{html.escape(link)}">Open it in the Cargo Targeting System</a></p>'
    return EmailMessage(
        to=to,
        subject=subject,
        text=f"{lead}\n\n{text_block}",
        html=f"<p><strong>{html.escape(lead)}</strong></p>{html_block}",
    )
