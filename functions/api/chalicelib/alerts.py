"""The alert inbox (soonest arrival first, with what the caller has read), its live updates (the alerts raised
since the app last asked), marking an alert read, and acknowledging an alert."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from chalicelib.http import Call, Routes
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.services.alerts import acknowledge
from cts.services.inbox import InboxService

routes = Routes()


class InboxQuery(BaseModel):
    status: AlertStatus = Field(default=AlertStatus.NEW, description="case-insensitive")
    limit: int = Field(default=100, ge=1, le=500)

    @field_validator("status", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class UpdatesQuery(BaseModel):
    since: AwareDatetime = Field(
        description="ISO 8601 with a zone: the cursor of the previous answer, or the time the inbox was read"
    )
    limit: int = Field(default=200, ge=1, le=500)


class InboxAlert(Alert):
    read: bool = Field(description="whether the caller has opened it")


class Inbox(BaseModel):
    status: AlertStatus
    unread: int
    alerts: list[InboxAlert] = Field(description="soonest arrival first, unknown arrivals last")


class InboxUpdates(BaseModel):
    cursor: str = Field(description="pass it as since on the next poll")
    unread: int
    alerts: list[InboxAlert]


class MarkedRead(BaseModel):
    alert_id: str
    read: bool


@routes.api("/alerts", action=Action.VIEW_ALERTS, query=InboxQuery, response=Inbox)
def alert_inbox(call: Call) -> dict[str, Any]:
    params = call.params(InboxQuery)
    status = params.status
    alerts = call.container.alerts.inbox(status, limit=params.limit)  # soonest arrival first, unknown arrivals last
    markers = call.container.read_markers
    read = markers.read(call.user.subject, [a.alert_id for a in alerts]) if markers is not None and alerts else set()
    return {
        "status": status.value,
        "unread": sum(a.alert_id not in read for a in alerts),
        "alerts": [{**a.model_dump(mode="json"), "read": a.alert_id in read} for a in alerts],
    }


@routes.api("/alerts/{alert_id}/ack", methods=("POST",), action=Action.ACK_ALERT, response=Alert)
def acknowledge_alert(call: Call, alert_id: str) -> dict[str, Any]:
    return acknowledge(call.container.alerts, alert_id, call.container.search).model_dump(mode="json")


@routes.api("/alerts/updates", action=Action.VIEW_ALERTS, query=UpdatesQuery, response=InboxUpdates)
def alert_updates(call: Call) -> dict[str, Any]:
    """Alerts raised after ``since`` (ISO 8601 with a zone), soonest arrival first, and the ``cursor`` the next
    poll passes as ``since``."""
    params = call.params(UpdatesQuery)
    page = _inbox(call).since(call.user.subject, params.since, limit=params.limit)
    return {
        "cursor": page.cursor.isoformat(),
        "unread": page.unread,
        "alerts": [{**i.alert.model_dump(mode="json"), "read": i.read} for i in page.items],
    }


@routes.api("/alerts/{alert_id}/read", methods=("POST",), action=Action.VIEW_ALERTS, response=MarkedRead)
def mark_alert_read(call: Call, alert_id: str) -> dict[str, Any]:
    _inbox(call).mark_read(call.user.subject, alert_id)
    return {"alert_id": alert_id, "read": True}


def _inbox(call: Call) -> InboxService:
    container = call.container
    if container.read_markers is None or container.alert_schedule is None:
        raise Unavailable("the alert inbox is not configured")
    return InboxService(alerts=container.alerts, reads=container.read_markers, schedule=container.alert_schedule)
