"""The alert inbox (soonest arrival first, with what the caller has read), its live updates (the alerts raised
since the app last asked), marking an alert read, and acknowledging an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.http import Call, Routes
from cts.domain.alerts import AlertStatus
from cts.domain.errors import Unavailable, ValidationFailed
from cts.domain.permissions import Action
from cts.services.alerts import acknowledge
from cts.services.inbox import InboxService

routes = Routes()


@routes.api("/alerts", action=Action.VIEW_ALERTS)
def alert_inbox(call: Call) -> dict[str, Any]:
    raw_status = call.query("status") or AlertStatus.NEW.value
    try:
        status = AlertStatus(raw_status.lower())
    except ValueError:
        choices = ", ".join(s.value for s in AlertStatus)
        raise ValidationFailed(f"status must be one of {choices}") from None
    limit = call.query_int("limit", 100, 1, 500)
    alerts = call.container.alerts.inbox(status, limit=limit)  # soonest arrival first, unknown arrivals last
    markers = call.container.read_markers
    read = markers.read(call.user.subject, [a.alert_id for a in alerts]) if markers is not None and alerts else set()
    return {
        "status": status.value,
        "unread": sum(a.alert_id not in read for a in alerts),
        "alerts": [{**a.model_dump(mode="json"), "read": a.alert_id in read} for a in alerts],
    }


@routes.api("/alerts/{alert_id}/ack", methods=("POST",), action=Action.ACK_ALERT)
def acknowledge_alert(call: Call, alert_id: str) -> dict[str, Any]:
    return acknowledge(call.container.alerts, alert_id, call.container.search).model_dump(mode="json")


@routes.api("/alerts/updates", action=Action.VIEW_ALERTS)
def alert_updates(call: Call) -> dict[str, Any]:
    """Alerts raised after ``since`` (ISO 8601 with a zone), soonest arrival first, and the ``cursor`` the next
    poll passes as ``since``."""
    raw = call.query("since")
    if not raw:
        raise ValidationFailed("since is required (the cursor of the previous answer, or the time the inbox was read)")
    try:
        since = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("since must be an ISO 8601 time with a zone") from None
    page = _inbox(call).since(call.user.subject, since, limit=call.query_int("limit", 200, 1, 500))
    return {
        "cursor": page.cursor.isoformat(),
        "unread": page.unread,
        "alerts": [{**i.alert.model_dump(mode="json"), "read": i.read} for i in page.items],
    }


@routes.api("/alerts/{alert_id}/read", methods=("POST",), action=Action.VIEW_ALERTS)
def mark_alert_read(call: Call, alert_id: str) -> dict[str, Any]:
    _inbox(call).mark_read(call.user.subject, alert_id)
    return {"alert_id": alert_id, "read": True}


def _inbox(call: Call) -> InboxService:
    container = call.container
    if container.read_markers is None or container.alert_schedule is None:
        raise Unavailable("the alert inbox is not configured")
    return InboxService(alerts=container.alerts, reads=container.read_markers, schedule=container.alert_schedule)
