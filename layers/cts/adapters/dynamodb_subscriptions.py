"""Subscriptions, digest entries, delivery records and escalation markers in the records table.

- subscription: ``USER#<user>`` / ``SUB#<id>``; gsi1 ``SUBSCRIPTIONS`` / ``<user>#<id>`` while active;
- digest entry: ``DIGEST#<recipient>`` / ``ALERT#<alert id>``; gsi1 ``DIGESTS#pending`` /
  ``<recipient>#<queued>#<alert id>`` until sent or failed;
- delivery record: ``ALERT#<alert id>`` / ``DELIVERY#<at>#<channel>#<recipient>#<n>``;
- sent marker: ``ALERT#<alert id>`` / ``SENT#<channel>#<recipient>``;
- escalation marker: ``ALERT#<alert id>`` / ``ESCALATED``;
- case escalation e-mailed: ``CASE#<case id>`` / ``NOTIFIED#<escalation key>`` (once), and per recipient
  ``CASE#<case id>`` / ``NOTIFIED#<escalation key>#SENT#<recipient>``;
- provider message: ``SESMSG#<message id>`` / ``MSG`` (expires after 30 days);
- bounce: ``RECIPIENT#<address>`` / ``BOUNCE#<at>#<message id>``.

Top-level attributes (``state``, ``batch``, ``claimed_at``) carry what conditional writes test; ``data`` the JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from cts.adapters.dynamodb import domain_error
from cts.domain.case_escalations import CaseEscalation
from cts.domain.subscriptions import Channel, DeliveryRecord, DigestEntry, DigestState, Subscription

SUBSCRIPTIONS_PK = "SUBSCRIPTIONS"
PENDING_DIGESTS_PK = "DIGESTS#pending"
_MESSAGE_DAYS = 30


class _NoticeGsi1(GlobalSecondaryIndex["NoticeItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class NoticeItem(Model):
    """A notification item of the records table (bound to the physical table by :func:`bind_notices`)."""

    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    batch = UnicodeAttribute(null=True)
    claimed_at = NumberAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    gsi1 = _NoticeGsi1()


def bind_notices(records_model: Any) -> type[NoticeItem]:
    """A :class:`NoticeItem` bound to the table of a records model (``cts.adapters.dynamodb.bind_table``)."""
    table, region = records_model.Meta.table_name, getattr(records_model.Meta, "region", None)
    meta = type("Meta", (), {"table_name": table, "region": region})
    gsi = type(
        "NoticeGsi1", (_NoticeGsi1,), {"Meta": type("Meta", (), {"index_name": "gsi1", "projection": AllProjection()})}
    )
    return type(f"NoticeItem_{table}", (NoticeItem,), {"Meta": meta, "gsi1": gsi()})


def _conditional(exc: PynamoDBException) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _instant(moment: datetime) -> str:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NoticeTable:
    def __init__(self, records_model: Any) -> None:
        self.model = bind_notices(records_model)

    def save(self, item: NoticeItem, condition: Any = None) -> bool:
        """False when the condition failed."""
        try:
            item.save(condition=condition)
        except PynamoDBException as exc:
            if _conditional(exc):
                return False
            raise domain_error(exc, f"save {item.pk} {item.sk}") from exc
        return True

    def update(self, pk: str, sk: str, actions: list[Any], condition: Any) -> bool:
        try:
            self.model(pk, sk).update(actions=actions, condition=condition)
        except PynamoDBException as exc:
            if _conditional(exc):
                return False
            raise domain_error(exc, f"update {pk} {sk}") from exc
        return True

    def get(self, pk: str, sk: str) -> NoticeItem | None:
        try:
            return self.model.get(pk, sk, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise domain_error(exc, f"get {pk} {sk}") from exc

    def delete(self, pk: str, sk: str, condition: Any = None) -> None:
        try:
            self.model(pk, sk).delete(condition=condition)
        except PynamoDBException as exc:
            if not _conditional(exc):
                raise domain_error(exc, f"delete {pk} {sk}") from exc

    def query(self, pk: str, prefix: str) -> list[NoticeItem]:
        try:
            return list(self.model.query(pk, self.model.sk.startswith(prefix), consistent_read=True))
        except PynamoDBException as exc:
            raise domain_error(exc, f"query {pk}") from exc

    def query_gsi(self, pk: str, limit: int) -> list[NoticeItem]:
        try:
            return list(self.model.gsi1.query(pk, limit=limit))
        except PynamoDBException as exc:
            raise domain_error(exc, f"query gsi1 {pk}") from exc

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[NoticeItem]:
        if not keys:
            return []
        try:
            return list(self.model.batch_get(list(dict.fromkeys(keys))))
        except PynamoDBException as exc:
            raise domain_error(exc, "batch get") from exc


class DynamoSubscriptions:
    """:class:`cts.ports.subscriptions.SubscriptionRepository`. Every active subscription sits in one gsi1
    partition (``SUBSCRIPTIONS``): a few hundred analysts make a few hundred small items, read in one query per
    alert; an inactive subscription drops its gsi1 keys and leaves the partition (the index is sparse)."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    def put(self, subscription: Subscription) -> None:
        active = subscription.active
        item = self._n.model(
            f"USER#{subscription.user_id}",
            f"SUB#{subscription.subscription_id}",
            data=subscription.model_dump_json(),
            gsi1pk=SUBSCRIPTIONS_PK if active else None,
            gsi1sk=f"{subscription.user_id}#{subscription.subscription_id}" if active else None,
        )
        self._n.save(item)

    def for_user(self, user_id: str) -> list[Subscription]:
        return [Subscription.model_validate_json(i.data or "{}") for i in self._n.query(f"USER#{user_id}", "SUB#")]

    def delete(self, user_id: str, subscription_id: str) -> None:
        self._n.delete(f"USER#{user_id}", f"SUB#{subscription_id}")

    def active(self) -> list[Subscription]:
        found = [Subscription.model_validate_json(i.data or "{}") for i in self._n.query_gsi(SUBSCRIPTIONS_PK, 5000)]
        return [s for s in found if s.active]


class DynamoDigestQueue:
    """:class:`cts.ports.notifications.DigestQueue`: one item per (recipient, alert); pending ones are listed in the
    sparse gsi1 partition ``DIGESTS#pending`` until they are sent or fail for good."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    def enqueue(self, entry: DigestEntry) -> bool:
        m = self._n.model
        item = m(
            f"DIGEST#{entry.recipient}",
            f"ALERT#{entry.alert_id}",
            data=entry.model_dump_json(),
            state=DigestState.PENDING.value,
            gsi1pk=PENDING_DIGESTS_PK,
            gsi1sk=f"{entry.recipient}#{_instant(entry.queued_at)}#{entry.alert_id}",
        )
        return self._n.save(item, condition=m.pk.does_not_exist())

    def pending(self, limit: int = 1000) -> list[DigestEntry]:
        items = self._n.query_gsi(PENDING_DIGESTS_PK, limit)
        return [DigestEntry.model_validate_json(i.data or "{}") for i in items]

    def claim(self, entry: DigestEntry, batch: str, now: datetime, lease_s: int) -> bool:
        m = self._n.model
        stale = (m.state == DigestState.CLAIMED.value) & (m.claimed_at < _epoch(now) - lease_s)
        return self._n.update(
            f"DIGEST#{entry.recipient}",
            f"ALERT#{entry.alert_id}",
            [m.state.set(DigestState.CLAIMED.value), m.batch.set(batch), m.claimed_at.set(_epoch(now))],
            m.pk.exists() & ((m.state == DigestState.PENDING.value) | stale),
        )

    def release(self, entries: Sequence[DigestEntry], batch: str) -> None:
        m = self._n.model
        for entry in entries:
            self._n.update(
                f"DIGEST#{entry.recipient}",
                f"ALERT#{entry.alert_id}",
                [m.state.set(DigestState.PENDING.value), m.batch.remove(), m.claimed_at.remove()],
                (m.batch == batch) & (m.state == DigestState.CLAIMED.value),
            )

    def mark_sent(self, entries: Sequence[DigestEntry], batch: str, message_id: str, now: datetime) -> None:
        self._finish(entries, batch, DigestState.SENT, message_id)

    def mark_failed(self, entries: Sequence[DigestEntry], batch: str, reason: str, now: datetime) -> None:
        self._finish(entries, batch, DigestState.FAILED, reason)

    def _finish(self, entries: Sequence[DigestEntry], batch: str, state: DigestState, note: str) -> None:
        m = self._n.model
        for entry in entries:
            self._n.update(
                f"DIGEST#{entry.recipient}",
                f"ALERT#{entry.alert_id}",
                [m.state.set(state.value), m.message_id.set(note[:500]), m.gsi1pk.remove(), m.gsi1sk.remove()],
                m.batch == batch,
            )


class DynamoDeliveryLog:
    """:class:`cts.ports.notifications.DeliveryLog`: records and sent markers in the alert's partition."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    def was_sent(self, alert_id: str, channel: Channel, recipient: str) -> bool:
        return self._n.get(f"ALERT#{alert_id}", f"SENT#{channel.value}#{recipient}") is not None

    def mark_sent(self, record: DeliveryRecord) -> None:
        m = self._n.model
        marker = m(f"ALERT#{record.alert_id}", f"SENT#{record.channel.value}#{record.recipient}")
        marker.data = record.model_dump_json()
        marker.message_id = record.message_id
        self._n.save(marker)
        self.record(record)

    def record(self, record: DeliveryRecord) -> None:
        # The suffix keeps two records of one instant apart (a retry in the same microsecond is possible).
        sk = f"DELIVERY#{_instant(record.at)}#{record.channel.value}#{record.recipient}#{uuid.uuid4().hex[:8]}"
        self._n.save(self._n.model(f"ALERT#{record.alert_id}", sk, data=record.model_dump_json()))

    def for_alert(self, alert_id: str) -> list[DeliveryRecord]:
        return [
            DeliveryRecord.model_validate_json(i.data or "{}") for i in self._n.query(f"ALERT#{alert_id}", "DELIVERY#")
        ]

    def remember_message(self, message_id: str, alert_ids: Sequence[str], recipient: str) -> None:
        expires = datetime.now(UTC) + timedelta(days=_MESSAGE_DAYS)
        item = self._n.model(
            f"SESMSG#{message_id}",
            "MSG",
            data=json.dumps({"alert_ids": list(alert_ids), "recipient": recipient}),
            expires_at=_epoch(expires),
        )
        self._n.save(item)

    def message(self, message_id: str) -> tuple[list[str], str] | None:
        item = self._n.get(f"SESMSG#{message_id}", "MSG")
        if item is None:
            return None
        body = json.loads(item.data or "{}")
        return [str(a) for a in body.get("alert_ids", [])], str(body.get("recipient", ""))

    def record_bounce(self, address: str, message_id: str, at: datetime, reason: str) -> None:
        """Against the address itself too: a subscription whose mailbox bounces is visible without its alerts."""
        item = self._n.model(
            f"RECIPIENT#{address.lower()}",
            f"BOUNCE#{_instant(at)}#{message_id}",
            data=json.dumps({"address": address, "message_id": message_id, "reason": reason[:500]}),
        )
        self._n.save(item)


class DynamoEscalations:
    """:class:`cts.ports.notifications.EscalationLog`: an ``ESCALATED`` marker in the alert's partition, put with
    ``attribute_not_exists``, so an alert escalates once however many runs see it."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    def claim(self, alert_id: str, now: datetime) -> bool:
        m = self._n.model
        item = m(f"ALERT#{alert_id}", "ESCALATED", data=json.dumps({"at": _instant(now)}))
        return self._n.save(item, condition=m.pk.does_not_exist())

    def release(self, alert_id: str) -> None:
        self._n.delete(f"ALERT#{alert_id}", "ESCALATED")

    def escalated(self, alert_ids: Sequence[str]) -> set[str]:
        items = self._n.batch_get([(f"ALERT#{a}", "ESCALATED") for a in alert_ids])
        return {i.pk.removeprefix("ALERT#") for i in items}


class DynamoCaseEscalationNotices:
    """:class:`cts.ports.notifications.CaseEscalationLog`: a ``NOTIFIED#<key>`` marker in the case's partition, put
    with ``attribute_not_exists``, so a case escalation is e-mailed once however many runs see it."""

    def __init__(self, records_model: Any) -> None:
        self._n = NoticeTable(records_model)

    @staticmethod
    def _key(escalation: CaseEscalation) -> tuple[str, str]:
        return f"CASE#{escalation.case_id}", f"NOTIFIED#{escalation.key}"

    def claim(self, escalation: CaseEscalation, now: datetime) -> bool:
        m = self._n.model
        pk, sk = self._key(escalation)
        item = m(pk, sk, data=json.dumps({"at": _instant(now), "kind": escalation.kind.value}))
        return self._n.save(item, condition=m.pk.does_not_exist())

    def release(self, escalation: CaseEscalation) -> None:
        self._n.delete(*self._key(escalation))

    def notified(self, escalations: Sequence[CaseEscalation]) -> set[str]:
        by_key = {self._key(e): e.ref for e in escalations}
        return {by_key[(i.pk, i.sk)] for i in self._n.batch_get(list(by_key)) if (i.pk, i.sk) in by_key}

    def was_sent(self, escalation: CaseEscalation, recipient: str) -> bool:
        pk, sk = self._key(escalation)
        return self._n.get(pk, f"{sk}#SENT#{recipient}") is not None

    def mark_sent(self, escalation: CaseEscalation, recipient: str, now: datetime) -> None:
        pk, sk = self._key(escalation)
        self._n.save(self._n.model(pk, f"{sk}#SENT#{recipient}", data=json.dumps({"at": _instant(now)})))
