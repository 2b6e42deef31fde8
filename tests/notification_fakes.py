"""In-memory ports for subscriptions, digests, deliveries, escalations and read markers (the unit tests' stand-ins
for ``cts.adapters.dynamodb_subscriptions`` and ``cts.adapters.dynamodb_inbox``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.case_escalations import CaseEscalation
from cts.domain.case_workflow import AuditEntry
from cts.domain.cases import CaseRecord
from cts.domain.errors import Unavailable
from cts.domain.subscriptions import Channel, DeliveryRecord, DeliveryRejected, DigestEntry, DigestState, Subscription
from cts.ports.email import EmailMessage


class FakeSubscriptions:
    def __init__(self, *subscriptions: Subscription) -> None:
        self.items: dict[tuple[str, str], Subscription] = {}
        for s in subscriptions:
            self.put(s)

    def put(self, subscription: Subscription) -> None:
        self.items[(subscription.user_id, subscription.subscription_id)] = subscription

    def for_user(self, user_id: str) -> list[Subscription]:
        return [s for (u, _), s in sorted(self.items.items()) if u == user_id]

    def delete(self, user_id: str, subscription_id: str) -> None:
        self.items.pop((user_id, subscription_id), None)

    def active(self) -> list[Subscription]:
        return [s for _, s in sorted(self.items.items()) if s.active]


@dataclass
class _Slot:
    entry: DigestEntry
    state: DigestState = DigestState.PENDING
    batch: str | None = None
    claimed_at: datetime | None = None
    note: str | None = None


class FakeDigestQueue:
    def __init__(self) -> None:
        self.slots: dict[tuple[str, str], _Slot] = {}

    def enqueue(self, entry: DigestEntry) -> bool:
        key = (entry.recipient, entry.alert_id)
        if key in self.slots:
            return False
        self.slots[key] = _Slot(entry)
        return True

    def pending(self, limit: int = 1000) -> list[DigestEntry]:
        live = (DigestState.PENDING, DigestState.CLAIMED)
        return [s.entry for s in self.slots.values() if s.state in live][:limit]

    def claim(self, entry: DigestEntry, batch: str, now: datetime, lease_s: int) -> bool:
        slot = self.slots[(entry.recipient, entry.alert_id)]
        stale = (
            slot.state is DigestState.CLAIMED
            and slot.claimed_at is not None
            and (now - slot.claimed_at).total_seconds() > lease_s
        )
        if slot.state is not DigestState.PENDING and not stale:
            return False
        slot.state, slot.batch, slot.claimed_at = DigestState.CLAIMED, batch, now
        return True

    def release(self, entries: Sequence[DigestEntry], batch: str) -> None:
        for e in entries:
            slot = self.slots[(e.recipient, e.alert_id)]
            if slot.batch == batch and slot.state is DigestState.CLAIMED:
                slot.state, slot.batch, slot.claimed_at = DigestState.PENDING, None, None

    def mark_sent(self, entries: Sequence[DigestEntry], batch: str, message_id: str, now: datetime) -> None:
        self._finish(entries, batch, DigestState.SENT, message_id)

    def mark_failed(self, entries: Sequence[DigestEntry], batch: str, reason: str, now: datetime) -> None:
        self._finish(entries, batch, DigestState.FAILED, reason)

    def _finish(self, entries: Sequence[DigestEntry], batch: str, state: DigestState, note: str) -> None:
        for e in entries:
            slot = self.slots[(e.recipient, e.alert_id)]
            if slot.batch == batch:
                slot.state, slot.note = state, note


class FakeDeliveryLog:
    def __init__(self) -> None:
        self.records: list[DeliveryRecord] = []
        self.sent: set[tuple[str, Channel, str]] = set()
        self.messages: dict[str, tuple[list[str], str]] = {}
        self.bounces: list[tuple[str, str, str]] = []

    def was_sent(self, alert_id: str, channel: Channel, recipient: str) -> bool:
        return (alert_id, channel, recipient) in self.sent

    def mark_sent(self, record: DeliveryRecord) -> None:
        self.sent.add((record.alert_id, record.channel, record.recipient))
        self.record(record)

    def record(self, record: DeliveryRecord) -> None:
        self.records.append(record)

    def for_alert(self, alert_id: str) -> list[DeliveryRecord]:
        return [r for r in self.records if r.alert_id == alert_id]

    def remember_message(self, message_id: str, alert_ids: Sequence[str], recipient: str) -> None:
        self.messages[message_id] = (list(alert_ids), recipient)

    def message(self, message_id: str) -> tuple[list[str], str] | None:
        return self.messages.get(message_id)

    def record_bounce(self, address: str, message_id: str, at: datetime, reason: str) -> None:
        self.bounces.append((address, message_id, reason))


class FakeEscalations:
    def __init__(self) -> None:
        self.marked: dict[str, datetime] = {}

    def claim(self, alert_id: str, now: datetime) -> bool:
        if alert_id in self.marked:
            return False
        self.marked[alert_id] = now
        return True

    def release(self, alert_id: str) -> None:
        self.marked.pop(alert_id, None)

    def escalated(self, alert_ids: Sequence[str]) -> set[str]:
        return {a for a in alert_ids if a in self.marked}


class FakeSchedule:
    """Answers from a list of alerts the way the indexes would (ETA range of new ones; raised after)."""

    def __init__(self, alerts: list[Alert]) -> None:
        self.alerts = alerts
        self.windows: list[tuple[datetime, datetime]] = []

    def new_arriving_before(self, until: datetime, after: datetime, limit: int = 500) -> list[Alert]:
        self.windows.append((after, until))
        found = [a for a in self.alerts if a.status is AlertStatus.NEW and a.eta and after <= a.eta <= until]
        return sorted(found, key=lambda a: (a.eta, a.alert_id))[:limit]

    def raised_since(self, since: datetime, until: datetime, limit: int = 200) -> list[Alert]:
        return sorted((a for a in self.alerts if a.raised_at > since), key=lambda a: a.raised_at)[:limit]


class FakeReadMarkers:
    def __init__(self) -> None:
        self.read_by: dict[str, set[str]] = {}

    def mark_read(self, user_id: str, alert_id: str, at: datetime) -> None:
        self.read_by.setdefault(user_id, set()).add(alert_id)

    def mark_unread(self, user_id: str, alert_id: str) -> None:
        self.read_by.get(user_id, set()).discard(alert_id)

    def read(self, user_id: str, alert_ids: Sequence[str]) -> set[str]:
        return self.read_by.get(user_id, set()) & set(alert_ids)


@dataclass
class ScriptedEmail:
    """Sends, or fails with the error scripted for an address (once per entry in ``failures``)."""

    sent: list[EmailMessage] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)

    def send(self, message: EmailMessage) -> str:
        for address in message.to:
            queued = self.failures.get(address)
            if queued:
                raise queued.pop(0)
        self.sent.append(message)
        return f"msg-{len(self.sent)}"

    def reject(self, address: str, times: int = 1) -> None:
        self.failures.setdefault(address, []).extend(DeliveryRejected(f"rejected {address}") for _ in range(times))

    def throttle(self, address: str, times: int = 1) -> None:
        self.failures.setdefault(address, []).extend(Unavailable("Throttling") for _ in range(times))


class FakeCaseEscalationSource:
    """Escalation audit entries and cases, answered like the records table's ESCALATIONS index and CASE items."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.cases: dict[str, CaseRecord] = {}
        self.queries: list[tuple[int, datetime | None]] = []

    def escalations(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        self.queries.append((limit, since))
        found = [e for e in self.entries if since is None or e.at >= since]
        return sorted(found, key=lambda e: (e.at, e.case_id), reverse=True)[:limit]

    def get(self, case_id: str) -> CaseRecord | None:
        return self.cases.get(case_id)


class FakeCaseEscalationNotices:
    def __init__(self) -> None:
        self.claimed: dict[str, datetime] = {}
        self.sent: set[tuple[str, str]] = set()

    def claim(self, escalation: CaseEscalation, now: datetime) -> bool:
        if escalation.ref in self.claimed:
            return False
        self.claimed[escalation.ref] = now
        return True

    def release(self, escalation: CaseEscalation) -> None:
        self.claimed.pop(escalation.ref, None)

    def notified(self, escalations: Sequence[CaseEscalation]) -> set[str]:
        return {e.ref for e in escalations if e.ref in self.claimed}

    def was_sent(self, escalation: CaseEscalation, recipient: str) -> bool:
        return (escalation.ref, recipient) in self.sent

    def mark_sent(self, escalation: CaseEscalation, recipient: str, now: datetime) -> None:
        self.sent.add((escalation.ref, recipient))
