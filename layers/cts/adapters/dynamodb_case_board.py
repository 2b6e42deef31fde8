"""The case board on the records table (:class:`cts.ports.case_board.CaseBoard`): gsi5, one partition per status.

The state machine puts ``gsi5pk = CASES#new`` and ``gsi5sk = <ETA>#<case id>`` on the case it opens (with ``eta``
and ``score``); :class:`cts.adapters.dynamodb_cases.DynamoCaseStore` moves ``gsi5pk`` with the status. A page of
several statuses queries each partition after the cursor (``gsi5sk > :after``), side by side (a thread each: every
query waits on the network), and merges them. An owner's open cases are its workload partition (gsi1
``OFFICER#<owner>``, read whole: tens of cases); an owner's closed cases are a filter on the closed partition. The
reports' overdue cases and workload are a page of every open status (:class:`cts.services.reports.ReportsService`).
No scan."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.case_board import DEFAULT_STEP_TIMEOUT, NO_ETA, BoardPage, CaseSummary, board_partition
from cts.domain.cases import CaseStatus, status_of

INDEX = "gsi5"


class DynamoCaseBoard:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self.table_name = table_name
        self._region = region

    def board(
        self,
        statuses: Sequence[CaseStatus],
        owner: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> BoardPage:
        rows: list[CaseSummary] = []
        more = False
        wanted = tuple(dict.fromkeys(statuses))
        if owner is not None and CaseStatus.CLOSED not in wanted:
            # An officer's open cases are already listed together (gsi1 OFFICER#<owner>, the workload partition).
            rows = self._officer(owner, wanted, after)
            wanted = ()
        for found, left in self._partitions(wanted, owner, limit, after):
            rows.extend(found)
            more = more or left
        rows.sort(key=lambda r: r.sort_key)
        page = rows[:limit]
        more = more or len(rows) > limit
        return BoardPage(cases=tuple(page), cursor=page[-1].sort_key if more and page else None)

    def _partitions(
        self, statuses: Sequence[CaseStatus], owner: str | None, limit: int, after: str | None
    ) -> list[tuple[list[CaseSummary], bool]]:
        """:meth:`_partition` of each status, in order; several are queried side by side (the client is
        thread-safe), and the first status whose query fails raises its domain error."""
        if len(statuses) <= 1:
            return [self._partition(status, owner, limit, after) for status in statuses]
        with ThreadPoolExecutor(max_workers=len(statuses)) as pool:
            return list(pool.map(lambda status: self._partition(status, owner, limit, after), statuses))

    def _officer(self, owner: str, statuses: Sequence[CaseStatus], after: str | None) -> list[CaseSummary]:
        """Every open case ``owner`` holds in ``statuses`` after ``after`` (a workload: tens, read whole)."""
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": f"OFFICER#{owner}"}},
        }
        wanted = {s.value for s in statuses}
        rows: list[CaseSummary] = []
        while True:
            try:
                page = client("dynamodb", self._region).query(**params)
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"list the cases of {owner}") from exc
            rows.extend(summary(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [r for r in rows if r.status in wanted and (after is None or r.sort_key > after)]

    def _partition(
        self, status: CaseStatus, owner: str | None, limit: int, after: str | None
    ) -> tuple[list[CaseSummary], bool]:
        """Up to ``limit`` rows of one status after ``after``, and whether the partition has more."""
        condition = "gsi5pk = :p"
        values: dict[str, Any] = {":p": {"S": board_partition(status)}}
        if after is not None:
            condition += " AND gsi5sk > :after"
            values[":after"] = {"S": after}
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit + 1,
        }
        if owner is not None:
            params["FilterExpression"] = "assignee = :owner"
            values[":owner"] = {"S": owner}
        rows: list[CaseSummary] = []
        while True:
            try:
                page = client("dynamodb", self._region).query(**params)
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"list {status.value} cases") from exc
            rows.extend(summary(item) for item in page.get("Items", []))
            if len(rows) > limit:
                return rows[:limit], True
            if "LastEvaluatedKey" not in page:
                return rows, False
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value else None


def _time(item: Mapping[str, Any], name: str) -> datetime | None:
    value = _text(item, name)
    if value is None or value == NO_ETA:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _step_timeout(item: Mapping[str, Any]) -> timedelta:
    """The step timeout the execution was started with (its input is kept in ``data``), else the default."""
    try:
        seconds = json.loads(_text(item, "data") or "{}").get("timers", {}).get("step_timeout_s")
    except (ValueError, AttributeError):
        seconds = None
    return timedelta(seconds=int(seconds)) if isinstance(seconds, int) and seconds > 0 else DEFAULT_STEP_TIMEOUT


def summary(item: Mapping[str, Any]) -> CaseSummary:
    case_id = (_text(item, "pk") or "CASE#").removeprefix("CASE#")
    status = status_of(_text(item, "status") or CaseStatus.NEW.value)
    awaiting = _time(item, "awaiting_since")
    waiting = status is not CaseStatus.CLOSED and awaiting is not None and _text(item, "task_token") is not None
    score = _text(item, "score") or item.get("score", {}).get("N")
    return CaseSummary(
        case_id=case_id,
        status=status.value,
        owner=_text(item, "assignee"),
        consignment_key=_text(item, "consignment_key") or "",
        alert_id=_text(item, "alert_id") or "",
        level=_text(item, "level") or "",
        score=int(score) if score and str(score).isdigit() else None,
        eta=_time(item, "eta"),
        opened_at=_time(item, "opened_at"),
        due_at=awaiting + _step_timeout(item) if waiting and awaiting else None,
        escalations=int(item.get("escalations", {}).get("N", "0")),
        revision=int(item.get("revision", {}).get("N", "0")),
        sort_key=_text(item, "gsi5sk") or f"{NO_ETA}#{case_id}",
    )
