"""The web inbox's reads: read markers per user, alerts due for escalation (the ETA-ordered gsi1 partition
``ALERTS#new``, one bounded range), and the live-update feed (gsi2 ``ALERTS_RAISED#<day>``, by raised instant).

Read markers are ``USER#<user>`` / ``READ#<alert id>``; they are fetched for the alerts on a page with one
``BatchGetItem`` (never a query over everything a user ever read), so a page's unread count costs one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PynamoDBException

from cts.adapters.dynamodb import alert_raised_keys, domain_error, raised_instant
from cts.adapters.dynamodb_subscriptions import NoticeTable
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import ValidationFailed
from cts.domain.records import arrival_instant

_FEED_DAYS = 7  # the feed reads one gsi2 partition per day; a longer reach is a re-read of the inbox


class DynamoReadMarkers:
    """:class:`cts.ports.notifications.ReadMarkers`."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    def mark_read(self, user_id: str, alert_id: str, at: datetime) -> None:
        self._n.save(self._n.model(f"USER#{user_id}", f"READ#{alert_id}", data=at.isoformat()))

    def mark_unread(self, user_id: str, alert_id: str) -> None:
        self._n.delete(f"USER#{user_id}", f"READ#{alert_id}")

    def read(self, user_id: str, alert_ids: Sequence[str]) -> set[str]:
        items = self._n.batch_get([(f"USER#{user_id}", f"READ#{a}") for a in alert_ids])
        return {i.sk.removeprefix("READ#") for i in items}


class DynamoAlertSchedule:
    """:class:`cts.ports.notifications.AlertSchedule` over the alert items (``cts.adapters.dynamodb.DynamoAlerts``
    writes their keys)."""

    def __init__(self, records_model: Any) -> None:
        self.model = records_model

    def new_arriving_before(self, until: datetime, after: datetime, limit: int = 500) -> list[Alert]:
        # '~' sorts after '#', so every '<until>#<id>' is inside the range; unknown ETAs (9999-...) are outside.
        low, high = arrival_instant(after), f"{arrival_instant(until)}~"
        try:
            found = self.model.gsi1.query(
                f"ALERTS#{AlertStatus.NEW.value}", self.model.gsi1sk.between(low, high), limit=limit
            )
            return [Alert.model_validate_json(i.data) for i in found]
        except PynamoDBException as exc:
            raise domain_error(exc, "query gsi1 new alerts by arrival") from exc

    def raised_since(self, since: datetime, until: datetime, limit: int = 200) -> list[Alert]:
        if until - since > timedelta(days=_FEED_DAYS):
            raise ValidationFailed(f"the alert feed reaches {_FEED_DAYS} days back at most")
        start = since.astimezone(UTC)
        after = f"{raised_instant(start)}#~"  # exclusive: an alert raised at exactly `since` was seen
        keys: list[tuple[str, str]] = []
        day = start.date()
        while day <= until.astimezone(UTC).date() and len(keys) < limit:
            pk = f"ALERTS_RAISED#{day.isoformat()}"
            try:
                found = self.model.gsi2.query(pk, self.model.gsi2sk > after, limit=limit - len(keys))
                keys += [(i.pk, i.sk) for i in found]
            except PynamoDBException as exc:
                raise domain_error(exc, f"query gsi2 {pk}") from exc
            day += timedelta(days=1)
        if not keys:
            return []
        try:
            items = list(self.model.batch_get(keys))
        except PynamoDBException as exc:
            raise domain_error(exc, "batch get alerts") from exc
        alerts = [Alert.model_validate_json(i.data) for i in items]
        return sorted(alerts, key=lambda a: alert_raised_keys(a)[1])
