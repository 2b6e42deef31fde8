"""Working the alert inbox."""

from __future__ import annotations

from cts.domain.alerts import Alert
from cts.domain.errors import NotFound
from cts.ports.records import AlertRepository


def acknowledge(alerts: AlertRepository, alert_id: str) -> Alert:
    alert = alerts.get(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    updated = alert.acknowledged()
    if updated.status is not alert.status:
        alerts.set_status(alert_id, updated.status)
    return updated
