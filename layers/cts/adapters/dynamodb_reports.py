"""Report counters in the records table (:class:`cts.ports.reports.ReportCounters`, docs/data-model.md).

Items:

* ``STATS#<family>#<scope>`` / ``D#<yyyy-mm-dd>``: a day's counters, numbers added with ``UpdateItem ... ADD``
  (atomic, so concurrent writers never lose an increment);
* ``STATS#<family>#<scope>`` / ``M#<yyyy-mm>``: a month's roll-up, put once the month is over, its numbers in one
  attribute ``v`` (zlib-compressed JSON: a roll-up is read whole, and one attribute of a few KB costs less to read
  and parse than hundreds of numbers);
* a day counter that is over (before the day a reader passes as ``seal_before``) is rewritten once in the same
  packed form, so that reports read one attribute per past day;
* ``STATS#SCOPES`` / ``SCOPES``: the string set of every ``<port>|<mode>|<direction>`` scope counted (``ADD``);
* ``STATS#ONCE#<marker>`` / ``ONCE``: put with ``attribute_not_exists(pk)``, e.g. a carrier file counted once.

The open cases of the overdue and workload figures are not here: the reports read them from the case board
(:class:`cts.ports.case_board.CaseBoard`, gsi5 ``CASES#<status>``).

A period is one ``Query`` per family, scope and run of days (``sk BETWEEN D#<first> AND D#<last>``) plus one for
the roll-ups of its whole months: never a scan. Roll-ups and sealed days never change once written, so an adapter
keeps those it read (up to ``CACHED_ITEMS``, the most recent first out of mind last): a warm API container reads
again only the days not sealed yet (the last day or two), and a run of days or months it holds whole costs no
request."""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import Conflict
from cts.domain.reports import Family, Values

SCOPES_KEY = {"pk": {"S": "STATS#SCOPES"}, "sk": {"S": "SCOPES"}}
MAX_NAMES_PER_UPDATE = 100  # keeps each update expression well under DynamoDB's 4 KB
CACHED_ITEMS = 20_000  # immutable items kept per adapter (a year of days of every family and a few dozen scopes)
_ABSENT: Values = {}  # a sealed day that has no item: nothing happened, and nothing will be counted on it


def partition(family: Family, scope: str) -> str:
    return f"STATS#{family.value}#{scope}"


def number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return str(Decimal(repr(float(value))))


def _month_keys(first: date, last: date) -> list[tuple[int, int]]:
    keys, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        keys.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _values(item: Mapping[str, Any]) -> Values:
    packed = item.get("v", {}).get("B")
    if packed is not None:
        values: Values = json.loads(zlib.decompress(packed))
        return values
    return {name: float(value["N"]) for name, value in item.items() if "N" in value}


class DynamoReportCounters:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self._table = table_name
        self._region = region
        self._known_scopes: set[str] = set()
        self._lock = threading.Lock()
        self._immutable: OrderedDict[tuple[str, str], Values] = OrderedDict()

    def _cached(self, pk: str, sk: str) -> Values | None:
        with self._lock:
            found = self._immutable.get((pk, sk))
            if found is not None:
                self._immutable.move_to_end((pk, sk))
            return found

    def _keep(self, pk: str, sk: str, values: Values) -> None:
        with self._lock:
            self._immutable[(pk, sk)] = values
            self._immutable.move_to_end((pk, sk))
            while len(self._immutable) > CACHED_ITEMS:
                self._immutable.popitem(last=False)

    def _ddb(self) -> Any:
        return client("dynamodb", self._region)

    def add(self, cells: Mapping[tuple[Family, str, date], Mapping[str, float]]) -> None:
        updates = []
        for (family, scope, day), values in sorted(cells.items()):
            names = sorted(name for name, value in values.items() if value)
            key = {"pk": {"S": partition(family, scope)}, "sk": {"S": f"D#{day.isoformat()}"}}
            for start in range(0, len(names), MAX_NAMES_PER_UPDATE):
                chunk = names[start : start + MAX_NAMES_PER_UPDATE]
                updates.append(
                    {
                        "TableName": self._table,
                        "Key": key,
                        "UpdateExpression": "ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(chunk))),
                        "ExpressionAttributeNames": {f"#n{i}": name for i, name in enumerate(chunk)},
                        "ExpressionAttributeValues": {
                            f":v{i}": {"N": number(values[name])} for i, name in enumerate(chunk)
                        },
                    }
                )
        try:
            if len(updates) == 1:
                self._ddb().update_item(**updates[0])
            elif updates:  # independent items (``all`` and the scope): side by side, so a batch waits for one
                with ThreadPoolExecutor(max_workers=min(8, len(updates))) as pool:
                    list(pool.map(lambda update: self._ddb().update_item(**update), updates))
            self._remember({scope for _, scope, _ in cells if scope != "all"})
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, "report counters") from exc

    def _remember(self, scopes: set[str]) -> None:
        with self._lock:
            new = scopes - self._known_scopes
        if not new:
            return
        self._ddb().update_item(
            TableName=self._table,
            Key=SCOPES_KEY,
            UpdateExpression="ADD #s :s",
            ExpressionAttributeNames={"#s": "scopes"},
            ExpressionAttributeValues={":s": {"SS": sorted(new)}},
        )
        with self._lock:
            self._known_scopes |= new

    def _query(self, pk: str, low: str, high: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
        }
        items: list[dict[str, Any]] = []
        try:
            while True:
                page = self._ddb().query(**params)
                items += page.get("Items", [])
                if "LastEvaluatedKey" not in page:
                    return items
                params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, "report counters") from exc

    def days(
        self, family: Family, scope: str, first: date, last: date, seal_before: date | None = None
    ) -> dict[date, Values]:
        pk = partition(family, scope)
        known: dict[date, Values] = {}
        start = first
        # The sealed days at the start of the run that this adapter read before: not asked again.
        while seal_before is not None and start <= last and start < seal_before:
            cached = self._cached(pk, f"D#{start.isoformat()}")
            if cached is None:
                break
            known[start] = cached
            start += timedelta(days=1)
        if start > last:
            return {day: values for day, values in known.items() if values is not _ABSENT}
        items = self._query(pk, f"D#{start.isoformat()}", f"D#{last.isoformat()}")
        found = {date.fromisoformat(item["sk"]["S"][2:]): (item, _values(item)) for item in items}
        if seal_before is not None:
            for day, (item, values) in found.items():
                if day < seal_before and "v" not in item:
                    self._seal(family, scope, day, values)
            day = start
            while day <= last and day < seal_before:
                self._keep(pk, f"D#{day.isoformat()}", found[day][1] if day in found else _ABSENT)
                day += timedelta(days=1)
        known.update((day, values) for day, (_, values) in found.items())
        return {day: values for day, values in known.items() if values is not _ABSENT}

    def _seal(self, family: Family, scope: str, day: date, values: Values) -> None:
        """Rewrite a day that is over as one packed attribute (read like a roll-up from then on)."""
        packed = zlib.compress(json.dumps(values, separators=(",", ":")).encode())
        key = {"pk": {"S": partition(family, scope)}, "sk": {"S": f"D#{day.isoformat()}"}}
        try:
            self._ddb().put_item(
                TableName=self._table,
                Item={**key, "v": {"B": packed}},
                ConditionExpression="attribute_not_exists(v)",
            )
        except (BotoCoreError, ClientError) as exc:
            error = translate(exc, "report day seal")
            if not isinstance(error, Conflict):  # Conflict: another reader sealed it first
                raise error from exc

    def months(self, family: Family, scope: str, first: date, last: date) -> dict[str, Values]:
        pk = partition(family, scope)
        keys = [f"{year:04d}-{month:02d}" for year, month in _month_keys(first, last)]
        cached = {key: self._cached(pk, f"M#{key}") for key in keys}
        if all(values is not None for values in cached.values()):  # every roll-up read before: none asked
            return {key: values for key, values in cached.items() if values is not None}
        found = {item["sk"]["S"][2:]: _values(item) for item in self._query(pk, f"M#{keys[0]}", f"M#{keys[-1]}")}
        for key, values in found.items():
            self._keep(pk, f"M#{key}", values)  # a roll-up is put once, never changed
        return found

    def put_month(self, family: Family, scope: str, month: str, values: Mapping[str, float]) -> None:
        packed = zlib.compress(json.dumps(dict(values), separators=(",", ":")).encode())
        item: dict[str, Any] = {"pk": {"S": partition(family, scope)}, "sk": {"S": f"M#{month}"}, "v": {"B": packed}}
        try:
            self._ddb().put_item(TableName=self._table, Item=item)
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, "report roll-up") from exc

    def put_days(self, cells: Mapping[tuple[Family, str, date], Mapping[str, float]]) -> None:
        """Write whole day counters at once (batch writes, replacing what is there): for seeding a benchmark or a
        demo, never on a live table."""
        requests = []
        for (family, scope, day), values in cells.items():
            item: dict[str, Any] = {"pk": {"S": partition(family, scope)}, "sk": {"S": f"D#{day.isoformat()}"}}
            item.update({name: {"N": number(value)} for name, value in values.items() if value})
            requests.append({"PutRequest": {"Item": item}})
        try:
            for start in range(0, len(requests), 25):
                pending: dict[str, Any] = {self._table: requests[start : start + 25]}
                while pending:
                    answer = self._ddb().batch_write_item(RequestItems=pending)
                    pending = answer.get("UnprocessedItems") or {}
            scopes = {scope for _, scope, _ in cells if scope != "all"}
            if scopes:
                self._remember(scopes)
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, "report counters") from exc

    def scopes(self) -> set[str]:
        try:
            item = self._ddb().get_item(TableName=self._table, Key=SCOPES_KEY).get("Item") or {}
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, "report scopes") from exc
        return set(item.get("scopes", {}).get("SS", []))

    def first_time(self, marker: str) -> bool:
        try:
            self._ddb().put_item(
                TableName=self._table,
                Item={"pk": {"S": f"STATS#ONCE#{marker}"}, "sk": {"S": "ONCE"}},
                ConditionExpression="attribute_not_exists(pk)",
            )
            return True
        except (BotoCoreError, ClientError) as exc:
            error = translate(exc, "report marker")
            if isinstance(error, Conflict):
                return False
            raise error from exc
