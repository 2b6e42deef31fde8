"""Working the alert inbox."""

from __future__ import annotations

from cts.domain.alerts import Alert
from cts.domain.errors import NotFound
from cts.ports.records import AlertRepository
from cts.ports.search import SearchIndex


def acknowledge(alerts: AlertRepository, alert_id: str, search: SearchIndex | None = None) -> Alert:
    """New -> acknowledged (harmless twice). With ``search``, the consignment's search document shows the
    new status too, when it is the alert's version (a later version carries its own alert's status); a
    retry after a failed search update brings the document up to date."""
    alert = alerts.get(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    updated = alert.acknowledged()
    if updated.status is not alert.status:
        alerts.set_status(alert_id, updated.status)
    if search is not None:
        indexed = search.get(updated.key)
        if indexed is not None and indexed.version == updated.version and indexed.alert_status != updated.status.value:
            search.set_statuses(updated.key, alert_status=updated.status.value)
    return updated
