"""The system audit trail in the records table (:class:`cts.ports.audit.AuditLog`), append-only.

One item per entry: ``pk = AUDIT#<subject>``, ``sk = <time>#<event id>`` (a subject's history is one query),
listed by actor on gsi1 (``AUDITBY#<actor>``, full projection) and by UTC day on gsi2 (``AUDITDAY#<yyyy-mm-dd>``,
keys only there: the page's items are then read in one batch). Every put is conditional on
``attribute_not_exists(pk)``, and the adapter has no update or delete, so an entry is never overwritten or removed
(docs/data-model.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters import dynamodb_cursor
from cts.adapters.aws import client, translate
from cts.adapters.dynamodb_cases import timestamp
from cts.domain.audit import AuditEvent, AuditPage
from cts.domain.errors import Conflict, ValidationFailed

SUBJECT_PREFIX = "AUDIT#"
ACTOR_PREFIX = "AUDITBY#"
DAY_PREFIX = "AUDITDAY#"


def audit_item(event: AuditEvent) -> dict[str, Any]:
    sort = f"{timestamp(event.at)}#{event.event_id}"
    return {
        "pk": {"S": SUBJECT_PREFIX + event.subject},
        "sk": {"S": sort},
        "gsi1pk": {"S": ACTOR_PREFIX + event.actor},
        "gsi1sk": {"S": sort},
        "gsi2pk": {"S": DAY_PREFIX + event.day.isoformat()},
        "gsi2sk": {"S": sort},
        "event": {"S": event.model_dump_json()},
    }


class DynamoAuditLog:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self.table_name = table_name
        self._region = region

    def _ddb(self) -> Any:
        return client("dynamodb", self._region)

    def record(self, entry: AuditEvent) -> None:
        try:
            self._ddb().put_item(
                TableName=self.table_name,
                Item=audit_item(entry),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, f"record audit entry {entry.event_id}")
            if isinstance(error, Conflict):
                message = f"audit entry {entry.event_id} is already recorded: entries are never overwritten"
                raise Conflict(message) from exc
            raise error from exc

    def query(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        day: date | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AuditPage:
        if sum(x is not None for x in (subject, actor, day)) != 1:
            raise ValidationFailed("give exactly one of subject, actor or day")
        names: tuple[str, ...]
        params: dict[str, Any] = {"TableName": self.table_name, "ScanIndexForward": False, "Limit": limit}
        if subject is not None:
            partition, names = ("pk", SUBJECT_PREFIX + subject), ("pk", "sk")
            params["ConsistentRead"] = True
        elif actor is not None:
            partition, names = ("gsi1pk", ACTOR_PREFIX + actor), ("pk", "sk", "gsi1pk", "gsi1sk")
            params["IndexName"] = "gsi1"
        else:
            assert day is not None
            partition, names = ("gsi2pk", DAY_PREFIX + day.isoformat()), ("pk", "sk", "gsi2pk", "gsi2sk")
            params["IndexName"] = "gsi2"
        params["KeyConditionExpression"] = f"{partition[0]} = :p"
        params["ExpressionAttributeValues"] = {":p": {"S": partition[1]}}
        start = dynamodb_cursor.decode(cursor, names, {partition[0]: partition[1]})
        if start is not None:
            params["ExclusiveStartKey"] = start
        try:
            page = self._ddb().query(**params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "query the audit trail") from exc
        items: list[Mapping[str, Any]] = page.get("Items", [])
        if day is not None:
            items = self._read(items)
        return AuditPage(
            events=tuple(AuditEvent.model_validate(json.loads(item["event"]["S"])) for item in items),
            cursor=dynamodb_cursor.encode(page.get("LastEvaluatedKey")),
        )

    def _read(self, keys: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The items behind a keys-only index page, in the page's order (one batch read: at most 100 keys)."""
        wanted = [{"pk": k["pk"], "sk": k["sk"]} for k in keys]
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        pending: list[dict[str, Any]] = wanted
        for _ in range(5):
            if not pending:
                break
            try:
                got = self._ddb().batch_get_item(RequestItems={self.table_name: {"Keys": pending}})
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, "read audit entries") from exc
            for item in got.get("Responses", {}).get(self.table_name, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            pending = got.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
        return [found[(k["pk"]["S"], k["sk"]["S"])] for k in wanted if (k["pk"]["S"], k["sk"]["S"]) in found]
