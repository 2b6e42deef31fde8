"""The alert inbox (soonest arrival first, with what the caller has read) and acknowledging an alert."""

from __future__ import annotations

from typing import Any

from chalicelib.http import Call, Routes
from cts.domain.alerts import AlertStatus
from cts.domain.errors import ValidationFailed
from cts.domain.permissions import Action
from cts.services.alerts import acknowledge

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
