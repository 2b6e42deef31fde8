"""Who hears about an alert, how, and what they may read in the e-mail.

Analysts subscribe by port, mode, direction, risk category and minimum level; an empty filter means "any". Red
alerts go out at once, the rest in a digest. Nobody matching means the duty mailbox (the country's fallback), so an
alert is never raised without someone being told. Pure: no AWS, no clock (callers pass ``now``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cts.domain.alerts import Alert, AlertStatus, at_least
from cts.domain.errors import ValidationFailed
from cts.domain.model import Direction, TransportMode
from cts.domain.permissions import Action, allowed
from cts.domain.risk.engine import Level

DUTY = "duty"
"""The recipient name under which deliveries to the duty mailbox are recorded."""


class DeliveryRejected(ValidationFailed):
    """The mail provider refused the message for good (bad address, rejected content, bounce): retrying the same
    message cannot help, so it is recorded against the alert instead of being retried."""


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subscription_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    user_id: str = Field(min_length=1, max_length=128)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    roles: tuple[str, ...] = Field(min_length=1)
    ports: frozenset[str] = frozenset()
    modes: frozenset[TransportMode] = frozenset()
    directions: frozenset[Direction] = frozenset()
    categories: frozenset[str] = frozenset()
    min_level: Level = Level.AMBER
    # Supervisors also receive escalations (alerts about to miss their arrival).
    supervisor: bool = False
    active: bool = True

    @field_validator("ports", mode="after")
    @classmethod
    def _upper_ports(cls, ports: frozenset[str]) -> frozenset[str]:
        return frozenset(p.strip().upper() for p in ports if p.strip())

    @field_validator("roles", mode="after")
    @classmethod
    def _may_view_alerts(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        # A role that may not read alerts in the app may not read them by e-mail either.
        if not allowed(roles, Action.VIEW_ALERTS):
            raise ValueError("these roles may not view alerts, so they may not subscribe to them")
        return roles

    def matches(self, alert: Alert) -> bool:
        """Every filter that is set must hold; an attribute the alert does not know fails a filter on it."""
        if not self.active or not at_least(alert.level, self.min_level):
            return False
        if self.ports and (alert.place_of_discharge or "").upper() not in self.ports:
            return False
        if self.modes and alert.transport_mode not in self.modes:
            return False
        if self.directions and alert.direction not in self.directions:
            return False
        return not self.categories or not self.categories.isdisjoint(alert.categories)


class Channel(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    ESCALATION = "escalation"


class Route(BaseModel):
    """One recipient of one alert: its address(es), the roles that decide what the e-mail shows, and when."""

    model_config = ConfigDict(frozen=True)

    recipient: str  # the user id, or DUTY
    to: tuple[str, ...]
    roles: tuple[str, ...]
    channel: Channel


# The duty mailbox is read by the analysts on duty: it sees what an analyst sees.
DUTY_ROLES: tuple[str, ...] = ("targeting_analyst",)


def duty_route(mailboxes: Sequence[str], channel: Channel = Channel.IMMEDIATE) -> Route:
    return Route(recipient=DUTY, to=tuple(mailboxes), roles=DUTY_ROLES, channel=channel)


def plan_delivery(
    alert: Alert, subscriptions: Iterable[Subscription], duty: Sequence[str], duty_digest: bool = False
) -> list[Route]:
    """Red at once, the rest in the digest, for every matching subscriber (one route per user, even with several
    matching subscriptions); nobody matching sends the duty mailbox (at once, unless the country digests it)."""
    channel = Channel.IMMEDIATE if alert.level is Level.RED else Channel.DIGEST
    by_user: dict[str, Route] = {}
    for sub in sorted(subscriptions, key=lambda s: (s.user_id, s.subscription_id)):
        if sub.user_id in by_user or not sub.matches(alert):
            continue
        by_user[sub.user_id] = Route(recipient=sub.user_id, to=(sub.email,), roles=sub.roles, channel=channel)
    if by_user:
        return list(by_user.values())
    if not duty:
        return []
    fallback = channel if duty_digest else Channel.IMMEDIATE
    return [duty_route(duty, fallback)]


def escalation_routes(alert: Alert, subscriptions: Iterable[Subscription], duty: Sequence[str]) -> list[Route]:
    """Supervisors whose subscription matches the alert at any level; else every active supervisor; else duty."""
    supervisors = [s for s in subscriptions if s.supervisor and s.active]
    matching = [s for s in supervisors if s.model_copy(update={"min_level": Level.NONE}).matches(alert)]
    chosen: dict[str, Route] = {}
    for sub in sorted(matching or supervisors, key=lambda s: (s.user_id, s.subscription_id)):
        chosen.setdefault(
            sub.user_id, Route(recipient=sub.user_id, to=(sub.email,), roles=sub.roles, channel=Channel.ESCALATION)
        )
    if chosen:
        return list(chosen.values())
    return [duty_route(duty, Channel.ESCALATION)] if duty else []


class AlertSummary(BaseModel):
    """What an e-mail may say about an alert: never party names, goods or the hits' matched values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str
    document_number: str
    level: Level
    score: int
    eta: datetime | None
    port: str | None
    categories: tuple[str, ...] = ()
    random_selection: str | None = None

    @classmethod
    def of(cls, alert: Alert) -> AlertSummary:
        return cls(
            alert_id=alert.alert_id,
            document_number=alert.document_number,
            level=alert.level,
            score=alert.score,
            eta=alert.eta,
            port=alert.place_of_discharge,
            categories=alert.categories,
            random_selection=alert.random_selection,
        )

    def for_roles(self, roles: Iterable[str]) -> AlertSummary | None:
        """The part a reader with ``roles`` may see: nothing without ``view_alerts``; the risk categories (why it
        was targeted) only with ``view_consignments``, the permission that shows the explanation in the app."""
        held = tuple(roles)
        if not allowed(held, Action.VIEW_ALERTS):
            return None
        if self.categories and not allowed(held, Action.VIEW_CONSIGNMENTS):
            return self.model_copy(update={"categories": ()})
        return self


class DigestState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class DigestEntry(BaseModel):
    """One alert waiting in one recipient's digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recipient: str
    to: tuple[str, ...]
    roles: tuple[str, ...]
    summary: AlertSummary
    queued_at: datetime

    @property
    def alert_id(self) -> str:
        return self.summary.alert_id


def _eta_order(summary: AlertSummary) -> tuple[int, str, str]:
    return (0, summary.eta.isoformat(), summary.alert_id) if summary.eta else (1, "", summary.alert_id)


def group_digest(entries: Iterable[DigestEntry]) -> dict[str, list[DigestEntry]]:
    """One digest per recipient, soonest arrival first (unknown arrivals last), each alert once."""
    grouped: dict[str, dict[str, DigestEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.recipient, {}).setdefault(entry.alert_id, entry)
    return {
        recipient: sorted(by_alert.values(), key=lambda e: _eta_order(e.summary))
        for recipient, by_alert in sorted(grouped.items())
    }


class DeliveryStatus(StrEnum):
    SENT = "sent"
    QUEUED = "queued"  # waiting in a digest
    RETRYING = "retrying"  # a transient failure: the message goes back to the queue
    FAILED = "failed"  # rejected for good: recorded, the duty mailbox told if nobody else was
    BOUNCED = "bounced"
    ESCALATED = "escalated"


class DeliveryRecord(BaseModel):
    """What happened to one alert for one recipient; the app shows these on the alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str
    recipient: str
    channel: Channel
    status: DeliveryStatus
    at: datetime
    reason: str | None = None
    message_id: str | None = None


def due_for_escalation(alert: Alert, now: datetime, margin: timedelta) -> bool:
    """Still new (nobody acknowledged or triaged it) and arriving within ``margin`` (or already arrived)."""
    if alert.status is not AlertStatus.NEW or alert.eta is None:
        return False
    eta = alert.eta if alert.eta.tzinfo is not None else alert.eta.replace(tzinfo=UTC)
    return eta <= now + margin
