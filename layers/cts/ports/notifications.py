"""What delivering, digesting, escalating and reading alerts needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from cts.domain.alerts import Alert
from cts.domain.case_escalations import CaseEscalation
from cts.domain.case_workflow import AuditEntry
from cts.domain.cases import CaseRecord
from cts.domain.subscriptions import Channel, DeliveryRecord, DigestEntry


class DeliveryLog(Protocol):
    """Per alert: who was sent what (so a retry does not send twice) and every failure (so none is silent)."""

    def was_sent(self, alert_id: str, channel: Channel, recipient: str) -> bool: ...

    def mark_sent(self, record: DeliveryRecord) -> None:
        """Remember a successful send (and the record of it); marking twice is harmless."""
        ...

    def record(self, record: DeliveryRecord) -> None:
        """Keep a delivery event (failure, retry, bounce, queued) on the alert."""
        ...

    def for_alert(self, alert_id: str) -> list[DeliveryRecord]:
        """The alert's delivery records, oldest first."""
        ...

    def remember_message(self, message_id: str, alert_ids: Sequence[str], recipient: str) -> None:
        """Which alerts a provider message carried, so a bounce reported later can be put on them."""
        ...

    def message(self, message_id: str) -> tuple[list[str], str] | None:
        """``(alert ids, recipient)`` of a message sent earlier, or None."""
        ...

    def record_bounce(self, address: str, message_id: str, at: datetime, reason: str) -> None:
        """Keep a bounce against the address itself (whatever alerts it was about)."""
        ...


class DigestQueue(Protocol):
    def enqueue(self, entry: DigestEntry) -> bool:
        """Queue an alert for a recipient's digest; False when it is queued already (retries are harmless)."""
        ...

    def pending(self, limit: int = 1000) -> list[DigestEntry]:
        """Entries waiting to be sent, every recipient (may include some claimed or sent a moment ago)."""
        ...

    def claim(self, entry: DigestEntry, batch: str, now: datetime, lease_s: int) -> bool:
        """Take a pending entry (or one whose claim is older than ``lease_s``) for ``batch``; False if another
        run holds it or it was sent."""
        ...

    def release(self, entries: Sequence[DigestEntry], batch: str) -> None:
        """Give claimed entries back (the send failed and will be retried)."""
        ...

    def mark_sent(self, entries: Sequence[DigestEntry], batch: str, message_id: str, now: datetime) -> None: ...

    def mark_failed(self, entries: Sequence[DigestEntry], batch: str, reason: str, now: datetime) -> None: ...


class EscalationLog(Protocol):
    def claim(self, alert_id: str, now: datetime) -> bool:
        """Mark the alert escalated; False if it was before (a conditional write: once per alert)."""
        ...

    def release(self, alert_id: str) -> None:
        """Undo a claim whose e-mail could not be sent, so the next run escalates it again."""
        ...

    def escalated(self, alert_ids: Sequence[str]) -> set[str]:
        """Which of these alerts have escalated."""
        ...


class CaseEscalationSource(Protocol):
    """The escalations the case workflow recorded, and the cases (a subset of :class:`cts.ports.records.CaseStore`)."""

    def escalations(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        """Escalation audit entries, newest first, at most ``limit``, recorded at or after ``since``."""
        ...

    def get(self, case_id: str) -> CaseRecord | None: ...


class CaseEscalationLog(Protocol):
    """Which case escalations were e-mailed: a marker per escalation (once), a sent marker per recipient."""

    def claim(self, escalation: CaseEscalation, now: datetime) -> bool:
        """Mark the escalation notified; False if it was before (a conditional write: once per escalation)."""
        ...

    def release(self, escalation: CaseEscalation) -> None:
        """Undo a claim whose e-mails could not all be sent, so the next run tries again."""
        ...

    def notified(self, escalations: Sequence[CaseEscalation]) -> set[str]:
        """The ``ref`` of each of these escalations that was claimed."""
        ...

    def was_sent(self, escalation: CaseEscalation, recipient: str) -> bool: ...

    def mark_sent(self, escalation: CaseEscalation, recipient: str, now: datetime) -> None: ...


class AlertSchedule(Protocol):
    def new_arriving_before(self, until: datetime, after: datetime, limit: int = 500) -> list[Alert]:
        """New alerts whose ETA is in ``[after, until]``, soonest first (the ETA-ordered index, bounded)."""
        ...

    def raised_since(self, since: datetime, until: datetime, limit: int = 200) -> list[Alert]:
        """Alerts raised after ``since`` (exclusive), oldest first: what a polling web app has not seen."""
        ...


class ReadMarkers(Protocol):
    def mark_read(self, user_id: str, alert_id: str, at: datetime) -> None: ...

    def mark_unread(self, user_id: str, alert_id: str) -> None: ...

    def read(self, user_id: str, alert_ids: Sequence[str]) -> set[str]:
        """Which of these alerts the user has read."""
        ...
