"""A user's web alert inbox: soonest arrival first, with what the user has read, unread counts, and the alerts
raised since the app last asked (its live updates: a cheap poll, not a re-read of the inbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import NotFound, ValidationFailed
from cts.domain.records import arrival_instant
from cts.ports.clock import Clock, SystemClock
from cts.ports.notifications import AlertSchedule, ReadMarkers
from cts.ports.records import AlertRepository


class InboxItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert: Alert
    read: bool


class InboxPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: tuple[InboxItem, ...]
    unread: int
    # Where the next live-update poll starts (a few seconds back: see InboxService.settle).
    cursor: datetime


@dataclass
class InboxService:
    alerts: AlertRepository
    reads: ReadMarkers
    schedule: AlertSchedule
    clock: Clock = field(default_factory=SystemClock)
    # How far back a live-update poll may reach; older cursors re-read the inbox instead.
    max_since: timedelta = timedelta(days=2)
    # The feed is a secondary index, which lags its table by a moment: the next poll starts this far back, so an
    # alert written just before a poll but not yet indexed is found by the next one (the app merges by alert id).
    settle: timedelta = timedelta(seconds=5)

    def inbox(self, user_id: str, status: AlertStatus = AlertStatus.NEW, limit: int = 100) -> InboxPage:
        """The alerts in ``status``, soonest arrival first (unknown arrivals last); unread counts this page."""
        alerts = self.alerts.inbox(status, limit=limit)
        return self._page(user_id, alerts, self.clock.now())

    def since(self, user_id: str, since: datetime, limit: int = 200) -> InboxPage:
        """Alerts raised after ``since``, soonest arrival first: what the app adds to its inbox on a poll."""
        now = self.clock.now()
        if since.tzinfo is None:
            raise ValidationFailed("since must carry a time zone")
        if since < now - self.max_since:
            raise ValidationFailed(f"since is more than {self.max_since} ago: read the inbox instead")
        raised = self.schedule.raised_since(since, now, limit)
        # A full page resumes after its last alert; otherwise the next poll starts a little back (see settle).
        cursor = max(a.raised_at for a in raised) if len(raised) >= limit else max(since, now - self.settle)
        return self._page(user_id, raised, cursor)

    def unread_count(self, user_id: str, status: AlertStatus = AlertStatus.NEW, limit: int = 500) -> int:
        return self.inbox(user_id, status, limit).unread

    def mark_read(self, user_id: str, alert_id: str) -> None:
        if self.alerts.get(alert_id) is None:
            raise NotFound(f"no alert {alert_id}")
        self.reads.mark_read(user_id, alert_id, self.clock.now())

    def mark_unread(self, user_id: str, alert_id: str) -> None:
        self.reads.mark_unread(user_id, alert_id)

    def _page(self, user_id: str, alerts: list[Alert], cursor: datetime) -> InboxPage:
        ordered = sorted(alerts, key=_arrival_order)
        read = self.reads.read(user_id, [a.alert_id for a in ordered]) if ordered else set()
        items = tuple(InboxItem(alert=a, read=a.alert_id in read) for a in ordered)
        return InboxPage(items=items, unread=sum(not i.read for i in items), cursor=cursor)


def _arrival_order(alert: Alert) -> tuple[int, str, str]:
    if alert.eta is None:
        return (1, "", alert.alert_id)
    return (0, arrival_instant(alert.eta), alert.alert_id)
