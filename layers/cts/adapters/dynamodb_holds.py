"""Legal holds on the records table (:class:`cts.ports.retention.RecordsHold`).

A hold writes a marker item ``<pk>`` / ``HOLD`` into the held partition (a consignment's ``CONS#<key>`` or a
receipt's ``RECEIPT#<file_id>``), then removes ``expires_at`` from every item of the partition (``Query pk``, then
``UpdateItem REMOVE expires_at`` conditional on the attribute existing, so that a repeated hold changes nothing).
Writes with an expiry check that no marker exists in the same transaction (``_Table.save_expiring``,
``DynamoConsignments.add_version``), so an item is never left expiring in a held partition: see
docs/data-model.md#retention-and-legal-holds.
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime

from pynamodb.exceptions import PynamoDBException, UpdateError

from cts.adapters.dynamodb import HOLD_SK, RecordItem, _Table, domain_error
from cts.domain.errors import Conflict
from cts.domain.retention import Hold


class DynamoRecordsHold:
    """:class:`cts.ports.retention.RecordsHold` on the records table."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def hold_consignment(self, hold: Hold) -> int:
        return self._hold(f"CONS#{hold.key}", hold)

    def hold_receipt(self, file_id: str, hold: Hold) -> int:
        return self._hold(f"RECEIPT#{file_id}", hold)

    def held(self, key: str) -> Hold | None:
        item = self._t.get(f"CONS#{key}", HOLD_SK)
        if item is None:
            return None
        data = json.loads(item.data)
        return Hold(key=data["key"], reason=data["reason"], held_at=datetime.fromisoformat(data["held_at"]))

    def _hold(self, pk: str, hold: Hold) -> int:
        model = self._t.model
        data = json.dumps({"key": hold.key, "reason": hold.reason, "held_at": hold.held_at.isoformat()})
        with suppress(Conflict):  # the first hold is kept (its reason and time); a later one only re-removes
            self._t.save(model(pk, HOLD_SK, data=data), condition=model.pk.does_not_exist())
        removed = 0
        try:
            items = list(model.query(pk, consistent_read=True))
        except PynamoDBException as exc:
            raise domain_error(exc, f"query {pk}") from exc
        for item in items:
            if item.expires_at is None:
                continue
            try:
                item.update(actions=[model.expires_at.remove()], condition=model.expires_at.exists())
                removed += 1
            except UpdateError as exc:
                if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                    raise domain_error(exc, f"hold {pk} {item.sk}") from exc
            except PynamoDBException as exc:
                raise domain_error(exc, f"hold {pk} {item.sk}") from exc
        return removed
