"""The case workflow's items in the records table (:class:`cts.ports.records.CaseStore`).

``CASE#<id>`` / ``CASE`` is the case: the state machine puts it (revision 0) and keeps its own attributes on it
(``task_token``, ``escalations``, ``failures`` ...); people change it only through :meth:`DynamoCaseStore.save`,
one ``TransactWriteItems`` that updates the case at the revision read, puts its audit entry
(``AUDIT#<at>#r<revision>``, ``attribute_not_exists``) and, when it closes, adds the outcome counters
(``STATS#<kind>#<id>`` / ``OUTCOMES``). See docs/data-model.md and docs/cases.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.case_board import NO_ETA, board_partition
from cts.domain.case_feedback import CounterKey, Counts
from cts.domain.case_workflow import AuditEntry, CaseAction, StepMoved
from cts.domain.cases import CaseRecord, CaseStatus, Decision, Examination, Override, status_of
from cts.domain.errors import Conflict, NotFound

# A transaction holds at most 100 items: the case, its audit entry and up to 98 counters.
_TRANSACTION_ITEMS = 100
OVERRIDES_KEY = "OVERRIDES"
ESCALATIONS_KEY = "ESCALATIONS"


def case_key(case_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CASE#{case_id}"}, "sk": {"S": "CASE"}}


def stats_key(key: CounterKey) -> dict[str, Any]:
    return {"pk": {"S": f"STATS#{key.kind.value}#{key.id}"}, "sk": {"S": "OUTCOMES"}}


def timestamp(at: datetime) -> str:
    """The ISO form Step Functions uses (``...T12:00:00.000Z``), so audit keys of both writers sort together."""
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DynamoCaseStore:
    """:class:`cts.ports.records.CaseStore` on the records table (plain DynamoDB API: one transaction per change)."""

    def __init__(self, table_name: str, region: str | None = None) -> None:
        self.table_name = table_name
        self._region = region

    def _ddb(self) -> Any:
        return client("dynamodb", self._region)

    # -- reads -----------------------------------------------------------------------------------

    def get(self, case_id: str) -> CaseRecord | None:
        try:
            item = self._ddb().get_item(TableName=self.table_name, Key=case_key(case_id), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"get case {case_id}") from exc
        return _case(case_id, item["Item"]) if "Item" in item else None

    def audit_trail(self, case_id: str) -> list[AuditEntry]:
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :audit)",
            ExpressionAttributeValues={":pk": {"S": f"CASE#{case_id}"}, ":audit": {"S": "AUDIT#"}},
            ConsistentRead=True,
        )
        return [_audit(case_id, item) for item in items]

    def overrides(self, since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        return self._reported(OVERRIDES_KEY, since, limit)

    def escalations(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        return self._reported(ESCALATIONS_KEY, since, limit)

    def _reported(self, key: str, since: datetime | None, limit: int) -> list[AuditEntry]:
        """Newest first, the audit entries listed under ``key`` on gsi1 (sort key ``<time>#<case id>``)."""
        condition = "gsi1pk = :k"
        values: dict[str, Any] = {":k": {"S": key}}
        if since is not None:
            condition += " AND gsi1sk >= :since"
            values[":since"] = {"S": timestamp(since)}
        items = self._query(
            IndexName="gsi1",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit,
            first_page_only=True,
        )
        return [_audit(item["case_id"]["S"], item) for item in items]

    def open_cases(self, officers: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for officer in sorted(set(officers)):
            total, start = 0, None
            while True:
                params: dict[str, Any] = {
                    "TableName": self.table_name,
                    "IndexName": "gsi1",
                    "KeyConditionExpression": "gsi1pk = :k",
                    "ExpressionAttributeValues": {":k": {"S": f"OFFICER#{officer}"}},
                    "Select": "COUNT",
                }
                if start:
                    params["ExclusiveStartKey"] = start
                try:
                    page = self._ddb().query(**params)
                except (ClientError, BotoCoreError) as exc:
                    raise translate(exc, f"count open cases of {officer}") from exc
                total += int(page.get("Count", 0))
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
            counts[officer] = total
        return counts

    def counts(self, key: CounterKey) -> Counts:
        try:
            got = self._ddb().get_item(TableName=self.table_name, Key=stats_key(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"get outcome counts of {key.kind.value} {key.id}") from exc
        item = got.get("Item", {})
        return Counts(**{name: int(item.get(name, {}).get("N", "0")) for name in Counts().as_dict()})

    def _query(self, first_page_only: bool = False, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            try:
                page = self._ddb().query(TableName=self.table_name, **params)
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, "query cases") from exc
            items.extend(page.get("Items", []))
            if first_page_only or "LastEvaluatedKey" not in page:
                return items
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- the one write ---------------------------------------------------------------------------

    def save(
        self,
        case: CaseRecord,
        audit: AuditEntry,
        *,
        expected_token: str | None,
        complete_step: bool,
        counters: Mapping[CounterKey, Counts] | None = None,
    ) -> CaseRecord:
        updates = [_case_update(self.table_name, case, audit, expected_token, complete_step)]
        updates.append({"Put": {"TableName": self.table_name, "Item": _audit_item(audit), **_NEW_ITEM}})
        increments = [_counter_update(self.table_name, key, n) for key, n in sorted((counters or {}).items())]
        room = _TRANSACTION_ITEMS - len(updates)
        try:
            self._ddb().transact_write_items(TransactItems=updates + increments[:room])
        except (ClientError, BotoCoreError) as exc:
            raise self._refused(case, expected_token, exc) from exc
        # Beyond 98 counters (a case that fired over 98 rules) the rest follow the committed change.
        for start in range(room, len(increments), _TRANSACTION_ITEMS):
            try:
                self._ddb().transact_write_items(TransactItems=increments[start : start + _TRANSACTION_ITEMS])
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"count the outcome of case {case.case_id}") from exc
        stored = case.model_copy(update={"revision": case.revision + 1})
        return stored.model_copy(update={"task_token": None}) if complete_step else stored

    def _refused(self, case: CaseRecord, expected_token: str | None, exc: Exception) -> Exception:
        error = translate(exc, f"change case {case.case_id}")
        if not isinstance(error, Conflict):
            return error
        stored = self.get(case.case_id)
        if stored is None:
            return NotFound(f"case {case.case_id}")
        if stored.revision != case.revision:
            return Conflict(f"case {case.case_id} is at revision {stored.revision}, not {case.revision}: re-read it")
        if stored.task_token != expected_token:
            return StepMoved(f"case {case.case_id}: the workflow moved to another step meanwhile")
        return error


_NEW_ITEM = {"ConditionExpression": "attribute_not_exists(pk)"}


def _case_update(
    table: str, case: CaseRecord, audit: AuditEntry, expected_token: str | None, complete_step: bool
) -> dict[str, Any]:
    status = status_of(case.status)
    values: dict[str, Any] = {
        ":status": {"S": status.value},
        ":next": {"N": str(case.revision + 1)},
        ":expected": {"N": str(case.revision)},
        ":at": {"S": timestamp(audit.at)},
    }
    # The case board (gsi5) lists the case under its status; a case opened without board keys sorts last.
    values[":board"] = {"S": board_partition(status)}
    values[":board_sort"] = {"S": f"{NO_ETA}#{case.case_id}"}
    sets = [
        "#status = :status",
        "revision = :next",
        "updated_at = :at",
        "gsi5pk = :board",
        "gsi5sk = if_not_exists(gsi5sk, :board_sort)",
    ]
    removes: list[str] = []
    fields: dict[str, str | None] = {
        "assignee": case.assignee,
        "decision": case.decision.value if case.decision else None,
        "override": case.override.model_dump_json() if case.override else None,
        "examination": case.examination.model_dump_json() if case.examination else None,
        "closed_at": timestamp(case.closed_at) if case.closed_at else None,
    }
    # An open, assigned case is listed under its officer (gsi1): the workload that auto-assignment balances.
    open_assigned = case.assignee is not None and status is not CaseStatus.CLOSED
    fields["gsi1pk"] = f"OFFICER#{case.assignee}" if open_assigned else None
    fields["gsi1sk"] = f"CASE#{case.case_id}" if open_assigned else None
    names = {"#status": "status"}
    for name, value in fields.items():
        names[f"#{name}"] = name  # names like "override" are reserved words in expressions
        if value is None:
            removes.append(f"#{name}")
        else:
            sets.append(f"#{name} = :{name}")
            values[f":{name}"] = {"S": value}
    # A case opened before revisions existed has none: it is at revision 0.
    condition = "attribute_exists(pk) AND (revision = :expected"
    condition += " OR attribute_not_exists(revision))" if case.revision == 0 else ")"
    if complete_step:
        removes.append("task_token")
        if expected_token is None:
            condition += " AND attribute_not_exists(task_token)"
        else:
            condition += " AND task_token = :token"
            values[":token"] = {"S": expected_token}
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return {
        "Update": {
            "TableName": table,
            "Key": case_key(case.case_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _audit_item(audit: AuditEntry) -> dict[str, Any]:
    at = timestamp(audit.at)
    item: dict[str, Any] = {
        "pk": {"S": f"CASE#{audit.case_id}"},
        "sk": {"S": f"AUDIT#{at}#r{audit.revision:06d}"},
        "case_id": {"S": audit.case_id},
        "revision": {"N": str(audit.revision)},
        "at": {"S": at},
        "actor": {"S": audit.actor},
        "roles": {"L": [{"S": role} for role in audit.roles]},
        "action": {"S": audit.action},
        "from_status": {"S": audit.from_status},
        "to_status": {"S": audit.to_status},
        "reason": {"S": audit.reason},
        "details": {"M": {k: {"S": v} for k, v in audit.details.items()}},
    }
    if audit.action == CaseAction.OVERRIDE.value:  # reported: every override with its justification
        item["gsi1pk"] = {"S": OVERRIDES_KEY}
        item["gsi1sk"] = {"S": f"{at}#{audit.case_id}"}
    return item


def _counter_update(table: str, key: CounterKey, counts: Counts) -> dict[str, Any]:
    names = counts.as_dict()
    return {
        "Update": {
            "TableName": table,
            "Key": stats_key(key),
            "UpdateExpression": "SET #kind = :kind, #ref = :ref ADD " + ", ".join(f"#{n} :{n}" for n in names),
            "ExpressionAttributeNames": {"#kind": "kind", "#ref": "ref", **{f"#{n}": n for n in names}},
            "ExpressionAttributeValues": {
                ":kind": {"S": key.kind.value},
                ":ref": {"S": key.id},
                **{f":{n}": {"N": str(v)} for n, v in names.items()},
            },
        }
    }


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def _case(case_id: str, item: Mapping[str, Any]) -> CaseRecord:
    decision, override, examination, closed_at = (
        _text(item, n) for n in ("decision", "override", "examination", "closed_at")
    )
    return CaseRecord(
        case_id=case_id,
        alert_id=_text(item, "alert_id") or "",
        consignment_key=_text(item, "consignment_key") or "",
        level=_text(item, "level") or "",
        status=_text(item, "status") or "",
        revision=int(item.get("revision", {}).get("N", "0")),
        assignee=_text(item, "assignee"),
        decision=Decision(decision) if decision else None,
        override=Override.model_validate_json(override) if override else None,
        examination=Examination.model_validate_json(examination) if examination else None,
        closed_at=datetime.fromisoformat(closed_at) if closed_at else None,
        task_token=_text(item, "task_token"),
        escalations=int(item.get("escalations", {}).get("N", "0")),
        failures=int(item.get("failures", {}).get("N", "0")),
    )


def _audit(case_id: str, item: Mapping[str, Any]) -> AuditEntry:
    """An audit item, written by the service or by the state machine (which has no roles or details)."""
    details = item.get("details", {}).get("M", {})
    return AuditEntry(
        case_id=case_id,
        revision=int(item.get("revision", {}).get("N", "0")),
        at=datetime.fromisoformat(_text(item, "at") or "1970-01-01T00:00:00Z"),
        actor=_text(item, "actor") or "",
        roles=tuple(str(r["S"]) for r in item.get("roles", {}).get("L", [])),
        action=_text(item, "action") or "",
        from_status=_text(item, "from_status") or "",
        to_status=_text(item, "to_status") or "",
        reason=_text(item, "reason") or "",
        details={k: str(v.get("S", "")) for k, v in details.items()},
    )
