"""Alerts: raised once per consignment version whose assessment crosses the alert threshold or that a random
selection rate drew (then marked with the rate's id, whatever the score)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cts.domain.errors import Conflict
from cts.domain.model import Direction, TransportMode
from cts.domain.risk.engine import Assessment, Hit, Level


class AlertStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert_id: str
    key: str
    version: int
    document_number: str
    score: int
    level: Level
    hits: tuple[Hit, ...]
    eta: datetime | None
    place_of_discharge: str | None
    raised_at: datetime
    status: AlertStatus = AlertStatus.NEW
    # The random selection rate that drew this consignment (its score may be below the alert threshold).
    random_selection: str | None = None
    # What subscriptions match on; alerts stored before these existed load with None (the mode is then read from
    # the consignment key, the direction from the consignment version).
    mode: TransportMode | None = None
    direction: Direction | None = None

    @property
    def transport_mode(self) -> TransportMode | None:
        """The mode, from the alert or else from the consignment key (``<mode>:<issuer>:<number>``)."""
        if self.mode is not None:
            return self.mode
        prefix = self.key.split(":", 1)[0]
        return TransportMode(prefix) if prefix in TransportMode._value2member_map_ else None

    @property
    def categories(self) -> tuple[str, ...]:
        """The risk categories of its hits, sorted, each once."""
        return tuple(sorted({h.category for h in self.hits if h.category}))

    def acknowledged(self) -> Alert:
        """New -> acknowledged; acknowledging twice is harmless; a closed alert cannot be re-opened."""
        if self.status is AlertStatus.CLOSED:
            raise Conflict(f"alert {self.alert_id} is closed")
        return self.model_copy(update={"status": AlertStatus.ACKNOWLEDGED})


def alert_id_for(key: str, version: int) -> str:
    """Deterministic, so a retried score never raises the same alert twice."""
    return f"{key}#v{version}"


def should_alert(assessment: Assessment) -> bool:
    """Scored at or above the alert threshold, or drawn by a random selection rate."""
    return assessment.level is not Level.NONE or assessment.random


LEVEL_RANK = {Level.NONE: 0, Level.AMBER: 1, Level.RED: 2}


def at_least(level: Level, minimum: Level) -> bool:
    return LEVEL_RANK[level] >= LEVEL_RANK[minimum]
