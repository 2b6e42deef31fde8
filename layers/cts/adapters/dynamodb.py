"""The records table (single-table design) through PynamoDB.

Item layout (``docs/data-model.md`` has the access patterns):

=================  ==========================  ==========================  =========================================
item               pk                          sk                          gsi1pk / gsi1sk
=================  ==========================  ==========================  =========================================
consignment ver.   ``CONS#<key>``              ``V#<version:06>``          -
latest pointer     ``CONS#<key>``              ``LATEST``                  -
assessment         ``CONS#<key>``              ``ASSESS#<version:06>``     -
receipt            ``RECEIPT#<file_id>``       ``RECEIPT``                 ``CARRIER#<id>`` / ``<processed_at>``
alert              ``ALERT#<alert_id>``        ``ALERT``                   ``ALERTS#<status>`` / ``<eta>#<alert_id>``
profile version    ``PROFILE#<id>``            ``V#<version:04>``          ``RULES`` / ``PROFILE#<id>#<version>``
watch-list entry   ``WATCH#<id>``              ``ENTRY``                   ``RULES`` / ``WATCH#<id>``
entry version      ``WATCH#<id>``              ``V#<version:04>``          - (``cts.adapters.dynamodb_rules``)
profile step       ``PROFILE#<id>``            ``H#<version:04>#<n:04>``   - (``cts.adapters.dynamodb_rules``)
random selection   ``RANDOM#<id>``             ``RATE``                    ``RULES`` / ``RANDOM#<id>``
consignee seen     ``PARTY#<consignee>``       ``PARTY``                   -
pair seen          ``PAIR#<shipper>|<cnee>``   ``PAIR``                    -
legal-hold marker  ``CONS#<key>`` / receipt's  ``HOLD``                    - (``cts.adapters.dynamodb_holds``)
=================  ==========================  ==========================  =========================================

The latest pointer of an active consignment with an ETA also carries ``gsi2pk`` / ``gsi2sk`` =
``ARRIVING#<UTC day>`` / ``<ETA as UTC instant>#<key>``: the arrivals index that re-scoring pages through.
It carries ``gsi3pk`` / ``gsi3sk`` = ``JOURNEY#<mode>#<carrier>#<journey>`` / ``<ETA>#<key>`` and ``gsi4pk`` /
``gsi4sk`` = ``PORT#<locode>#<ETA month>`` / ``<ETA>#<key>``; version items carry ``gsi3pk`` / ``gsi3sk`` =
``FILE#<file_id>`` / ``<key>#<version:06>`` (a manifest's consignments). Cases (``CASE#<id>`` / ``CASE``) are
written by the case workflow and changed at a ``revision``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from cts.domain.alerts import Alert, AlertStatus
from cts.domain.cases import CaseRecord
from cts.domain.errors import Conflict, NotFound, Unavailable, ValidationFailed
from cts.domain.parties import PartyPair, PartySightings, Sighting
from cts.domain.receipt import Receipt
from cts.domain.records import (
    ConsignmentVersion,
    VersionStatus,
    arrival_day,
    arrival_instant,
    discharge_port,
    journey_of,
)
from cts.domain.retention import epoch_seconds
from cts.domain.risk.engine import Assessment
from cts.domain.risk.rules import AllowEntry, Profile, ProfileStatus, RandomSelection, Ruleset, WatchlistEntry
from cts.domain.rule_lifecycle import WatchlistChange, WatchlistVersion

_FAR_FUTURE = "9999-12-31T23:59:59"
WRITTEN_OUTSIDE_THE_API = "(rules file or command line)"  # the author of a watch-list version written in place
HOLD_SK = "HOLD"  # legal-hold marker in a consignment's or a receipt's partition (cts.adapters.dynamodb_holds)
_NO_ETA = "9999-12-31T23:59:59Z"  # sorts after every ETA in the journey index
PORT_WINDOW_MONTHS = 24


class _Gsi1(GlobalSecondaryIndex["RecordItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex["RecordItem"]):  # type: ignore[no-untyped-call]
    """Arrivals: the latest pointers of active consignments with an ETA, by UTC day (keys and version only)."""

    class Meta:
        index_name = "gsi2"
        projection = IncludeProjection(["version"])

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class _Gsi3(GlobalSecondaryIndex["RecordItem"]):  # type: ignore[no-untyped-call]
    """Overloaded, keys and version only: ``FILE#<file_id>`` on version items (a manifest's consignments) and
    ``JOURNEY#<mode>#<carrier>#<journey>`` on latest pointers (a voyage or flight, by ETA)."""

    class Meta:
        index_name = "gsi3"
        projection = IncludeProjection(["version"])

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class _Gsi4(GlobalSecondaryIndex["RecordItem"]):  # type: ignore[no-untyped-call]
    """Keys and version only: ``PORT#<locode>#<ETA month>`` on latest pointers (a port's arrivals, by ETA)."""

    class Meta:
        index_name = "gsi4"
        projection = IncludeProjection(["version"])

    gsi4pk = UnicodeAttribute(hash_key=True)
    gsi4sk = UnicodeAttribute(range_key=True)


class _Gsi5(GlobalSecondaryIndex["RecordItem"]):  # type: ignore[no-untyped-call]
    """The case board (``CASES#<status>`` / ``<ETA>#<case id>`` on case items), written and read with the plain
    DynamoDB API (:mod:`cts.adapters.dynamodb_case_board`); declared here so the model creates the same table."""

    class Meta:
        index_name = "gsi5"
        projection = AllProjection()

    gsi5pk = UnicodeAttribute(hash_key=True)
    gsi5sk = UnicodeAttribute(range_key=True)


class RecordItem(Model):
    """Base item; :func:`bind_table` makes a subclass bound to one physical table."""

    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    data = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)
    gsi1 = _Gsi1()
    gsi2 = _Gsi2()
    gsi3 = _Gsi3()
    gsi4 = _Gsi4()
    gsi5 = _Gsi5()


def bind_table(table_name: str, region: str | None = None) -> type[RecordItem]:
    """A model class bound to ``table_name``; the connection is opened lazily on first use."""
    meta = type("Meta", (), {"table_name": table_name, "region": region})
    gsi_meta = type("Meta", (), {"index_name": "gsi1", "projection": AllProjection()})
    gsi = type("Gsi1", (_Gsi1,), {"Meta": gsi_meta})
    gsi2_meta = type("Meta", (), {"index_name": "gsi2", "projection": IncludeProjection(["version"])})
    gsi2 = type("Gsi2", (_Gsi2,), {"Meta": gsi2_meta})
    gsi3_meta = type("Meta", (), {"index_name": "gsi3", "projection": IncludeProjection(["version"])})
    gsi3 = type("Gsi3", (_Gsi3,), {"Meta": gsi3_meta})
    gsi4_meta = type("Meta", (), {"index_name": "gsi4", "projection": IncludeProjection(["version"])})
    gsi4 = type("Gsi4", (_Gsi4,), {"Meta": gsi4_meta})
    gsi5_meta = type("Meta", (), {"index_name": "gsi5", "projection": AllProjection()})
    gsi5 = type("Gsi5", (_Gsi5,), {"Meta": gsi5_meta})
    indexes = {"gsi1": gsi(), "gsi2": gsi2(), "gsi3": gsi3(), "gsi4": gsi4(), "gsi5": gsi5()}
    return type(f"RecordItem_{table_name}", (RecordItem,), {"Meta": meta, **indexes})


def domain_error(exc: PynamoDBException, what: str) -> Exception:
    """A PynamoDB error as the domain's: a failed condition or cancelled transaction is a Conflict."""
    cause = getattr(exc, "cause_response_code", None)
    if cause in ("ConditionalCheckFailedException", "TransactionCanceledException"):
        return Conflict(f"{what}: {exc}")
    return Unavailable(f"{what}: {exc}")


class _Table:
    """Plumbing shared by the repositories: one bound model, PynamoDB errors become domain errors."""

    def __init__(self, model: type[RecordItem]) -> None:
        self.model = model
        self._connection: Connection | None = None

    def save(self, item: RecordItem, condition: Any = None) -> None:
        try:
            item.save(condition=condition)
        except PynamoDBException as exc:
            raise domain_error(exc, f"save {item.pk}") from exc

    def get(self, pk: str, sk: str) -> RecordItem | None:
        try:
            return self.model.get(pk, sk, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise domain_error(exc, f"get {pk}") from exc

    def batch_get(
        self, keys: Iterable[tuple[str, str]], attributes: list[str] | None = None
    ) -> dict[tuple[str, str], RecordItem]:
        """The items that exist among ``keys`` (consistent reads, 100 keys a request; PynamoDB retries the
        unprocessed ones); only ``attributes`` (and the key) when given."""
        wanted = set(keys)
        if not wanted:
            return {}
        fetch = sorted({"pk", "sk", *attributes}) if attributes is not None else None
        try:
            found = self.model.batch_get(wanted, consistent_read=True, attributes_to_get=fetch)
            return {(i.pk, i.sk): i for i in found}
        except PynamoDBException as exc:
            raise domain_error(exc, f"batch get of {len(wanted)} items") from exc

    def batch_write(self, items: Sequence[RecordItem]) -> None:
        """Unconditional puts, 25 a request (PynamoDB retries the unprocessed ones)."""
        try:
            with self.model.batch_write() as batch:
                for item in items:
                    batch.save(item)
        except PynamoDBException as exc:
            raise domain_error(exc, f"batch write of {len(items)} items") from exc

    def query(
        self, pk: str, condition: Any, limit: int | None = None, newest_first: bool = False, consistent: bool = False
    ) -> list[RecordItem]:
        try:
            found = self.model.query(
                pk, condition, limit=limit, scan_index_forward=not newest_first, consistent_read=consistent
            )
            return list(found)
        except PynamoDBException as exc:
            raise domain_error(exc, f"query {pk}") from exc

    def query_gsi(self, pk: str, limit: int | None, newest_first: bool) -> list[RecordItem]:
        if limit is not None and limit <= 0:
            return []
        try:
            return list(self.model.gsi1.query(pk, limit=limit, scan_index_forward=not newest_first))
        except PynamoDBException as exc:
            raise domain_error(exc, f"query gsi1 {pk}") from exc

    def page(
        self, index: Any, partitions: list[str], condition: Any, cursor: str | None, limit: int
    ) -> tuple[list[tuple[str, int]], str | None]:
        """One page of ``(key, version)`` from an index whose items are consignment items, across ``partitions``
        in order; the cursor (JSON) names the partition and the key to resume after."""
        if limit < 1:
            raise ValidationFailed(f"page size {limit} is not positive")
        if not partitions:
            return [], None
        try:
            state: dict[str, Any] = json.loads(cursor) if cursor else {"p": partitions[0], "k": None}
            start, resume = partitions.index(state["p"]), state["k"]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValidationFailed(f"cursor {cursor!r} does not belong to this query") from exc
        found: list[tuple[str, int]] = []
        for position in range(start, len(partitions)):
            pk = partitions[position]
            if len(found) >= limit:
                return found, json.dumps({"p": pk, "k": None})
            try:
                results = index.query(pk, condition, limit=limit - len(found), last_evaluated_key=resume)
                found += [(item.pk.removeprefix("CONS#"), int(item.version or 0)) for item in results]
                following = results.last_evaluated_key
            except PynamoDBException as exc:
                raise domain_error(exc, f"query {index.Meta.index_name} {pk}") from exc
            if following:
                return found, json.dumps({"p": pk, "k": following}, sort_keys=True)
            resume = None
        return found, None

    def connection(self) -> Connection:
        # One per table object (so once per container): building one costs a botocore client each time.
        if self._connection is None:
            self._connection = Connection(region=getattr(self.model.Meta, "region", None))
        return self._connection

    def held(self, pk: str) -> bool:
        """Whether the partition carries a legal-hold marker (its items are kept beyond the retention)."""
        return self.get(pk, HOLD_SK) is not None

    def not_held(self) -> Any:
        return self.model.pk.does_not_exist()

    def save_all_expiring(self, items: list[RecordItem], expires: datetime | None) -> bool:
        """Save items of one partition together, with the TTL ``expires`` unless the partition is under legal
        hold; returns True when held. One transaction with the check that no hold marker exists: a hold is rare,
        so it is not read first; when the check fails the items are saved without expiry."""
        if expires is None:
            for item in items:
                item.expires_at = None
                self.save(item)
            return False
        for item in items:
            item.expires_at = epoch_seconds(expires)
        try:
            with TransactWrite(connection=self.connection()) as tx:
                for item in items:
                    tx.save(item)
                tx.condition_check(self.model, items[0].pk, HOLD_SK, condition=self.not_held())
        except TransactWriteError:
            for item in items:  # held (or placed meanwhile): kept beyond the retention
                item.expires_at = None
                self.save(item)
            return True
        except PynamoDBException as exc:
            raise domain_error(exc, f"save {items[0].pk}") from exc
        return False

    def save_expiring(self, item: RecordItem, expires: datetime | None) -> bool:
        """:meth:`save_all_expiring` for one item."""
        return self.save_all_expiring([item], expires)


def _sighting(data: str) -> Sighting:
    fields = json.loads(data)
    return Sighting(first_key=fields["first_key"], first_seen=date.fromisoformat(fields["first_seen"]))


_TRANSACTION_CONSIGNMENTS = 33  # 3 operations each, DynamoDB allows 100 per transaction
_TRANSACTION_BYTES = 2_000_000  # of item data per transaction; DynamoDB allows 4 MB


def _chunks(
    versions: list[tuple[ConsignmentVersion, datetime | None]], most: int, most_bytes: int
) -> Iterator[list[tuple[ConsignmentVersion, datetime | None]]]:
    chunk: list[tuple[ConsignmentVersion, datetime | None]] = []
    size = 0
    for entry in versions:
        weight = 2 * len(entry[0].model_dump_json())  # the version item and the LATEST pointer
        if chunk and (len(chunk) >= most or size + weight > most_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(entry)
        size += weight
    if chunk:
        yield chunk


class DynamoConsignments:
    """:class:`cts.ports.records.ConsignmentRepository`: versions plus a LATEST pointer, written together."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def add_version(self, version: ConsignmentVersion, expires: datetime | None = None) -> None:
        # Read the hold first; the transaction re-checks it, so a hold placed meanwhile fails it (Conflict: the
        # ingest service retries and then reads the hold).
        expiring = expires is not None and not self._t.held(f"CONS#{version.key}")
        try:
            with TransactWrite(connection=self._t.connection()) as tx:
                self._write_version(tx, version, expires if expiring else None)
        except TransactWriteError as exc:
            raise Conflict(f"consignment {version.key} version {version.version} already stored") from exc
        except PynamoDBException as exc:
            raise domain_error(exc, f"store {version.key}") from exc

    def add_versions(self, versions: Sequence[tuple[ConsignmentVersion, datetime | None]]) -> set[str]:
        """Versions of distinct consignments in transactions of up to 33 consignments (100 operations, well under
        the 4 MB limit for manifests' consignments): a file of 10,000 is ~300 writes instead of 20,000 requests.
        A transaction that fails (one of its consignments was changed meanwhile) leaves all its consignments to
        the caller, who stores them one by one."""
        keys = [v.key for v, _ in versions]
        if len(set(keys)) != len(keys):
            raise ValueError("add_versions takes one version per consignment")
        held = self._t.batch_get((f"CONS#{key}", HOLD_SK) for key in keys)
        not_stored: set[str] = set()
        for chunk in _chunks(list(versions), _TRANSACTION_CONSIGNMENTS, _TRANSACTION_BYTES):
            try:
                with TransactWrite(connection=self._t.connection()) as tx:
                    for version, expires in chunk:
                        is_held = (f"CONS#{version.key}", HOLD_SK) in held
                        self._write_version(tx, version, None if is_held else expires)
            except TransactWriteError:
                not_stored.update(v.key for v, _ in chunk)
            except PynamoDBException as exc:
                raise domain_error(exc, f"store {len(chunk)} consignments") from exc
        return not_stored

    def _write_version(self, tx: TransactWrite, version: ConsignmentVersion, expires: datetime | None) -> None:
        """The version item and the LATEST pointer (newer only), plus, when they expire, the check that no legal
        hold exists (a hold placed meanwhile fails the transaction)."""
        model, key = self._t.model, version.key
        data = version.model_dump_json()
        item = model(f"CONS#{key}", f"V#{version.version:06d}", version=version.version, data=data)
        item.gsi3pk, item.gsi3sk = f"FILE#{version.file_id}", f"{key}#{version.version:06d}"
        latest = model(f"CONS#{key}", "LATEST", version=version.version, data=data)
        latest.gsi2pk, latest.gsi2sk = _arrival_keys(version)
        latest.gsi3pk, latest.gsi3sk = _journey_keys(version)
        latest.gsi4pk, latest.gsi4sk = _port_keys(version)
        item.expires_at = latest.expires_at = epoch_seconds(expires) if expires is not None else None
        newer = (model.version.does_not_exist()) | (model.version < version.version)
        tx.save(item, condition=model.pk.does_not_exist())
        tx.save(latest, condition=newer)
        if expires is not None:
            tx.condition_check(model, f"CONS#{key}", HOLD_SK, condition=self._t.not_held())

    def arriving(
        self, day: date, after: datetime | None = None, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        model = self._t.model
        condition = model.gsi2sk >= arrival_instant(after) if after is not None else None
        start = json.loads(cursor) if cursor else None
        pk = f"ARRIVING#{day.isoformat()}"
        try:
            results = model.gsi2.query(pk, condition, limit=limit, last_evaluated_key=start)
            page = [(item.pk.removeprefix("CONS#"), int(item.version or 0)) for item in results]
            following = results.last_evaluated_key
        except PynamoDBException as exc:
            raise domain_error(exc, f"query gsi2 {pk}") from exc
        return page, json.dumps(following, sort_keys=True) if following else None

    def consignments_in_file(
        self, file_id: str, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[tuple[str, int]], str | None]:
        return self._t.page(self._t.model.gsi3, [f"FILE#{file_id}"], None, cursor, limit)

    def by_journey(
        self,
        journey: str,
        eta_from: datetime | None = None,
        eta_to: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[str, int]], str | None]:
        sort_key = self._t.model.gsi3sk
        lo = arrival_instant(eta_from) if eta_from is not None else None
        hi = arrival_instant(eta_to) if eta_to is not None else None
        condition = (
            sort_key.between(lo, hi)  # "<hi>#key" sorts after "<hi>": the upper bound is exclusive
            if lo is not None and hi is not None
            else sort_key >= lo
            if lo is not None
            else sort_key < hi
            if hi is not None
            else None
        )
        return self._t.page(self._t.model.gsi3, [f"JOURNEY#{journey}"], condition, cursor, limit)

    def by_port(
        self, locode: str, eta_from: datetime, eta_to: datetime, cursor: str | None = None, limit: int = 100
    ) -> tuple[list[tuple[str, int]], str | None]:
        lo, hi = arrival_instant(eta_from), arrival_instant(eta_to)
        if hi <= lo:
            return [], None
        months = _months(lo[:7], hi[:7])
        if len(months) > PORT_WINDOW_MONTHS:  # one query per month: an unbounded window is a disguised scan
            raise ValidationFailed(f"an ETA window by port spans at most {PORT_WINDOW_MONTHS} months")
        partitions = [f"PORT#{locode}#{month}" for month in months]
        condition = self._t.model.gsi4sk.between(lo, hi)
        return self._t.page(self._t.model.gsi4, partitions, condition, cursor, limit)

    def latest(self, key: str) -> ConsignmentVersion | None:
        item = self._t.get(f"CONS#{key}", "LATEST")
        return ConsignmentVersion.model_validate_json(item.data) if item else None

    def get(self, key: str, version: int) -> ConsignmentVersion | None:
        item = self._t.get(f"CONS#{key}", f"V#{version:06d}")
        return ConsignmentVersion.model_validate_json(item.data) if item else None

    def latest_many(self, keys: Sequence[str]) -> dict[str, ConsignmentVersion]:
        found = self._t.batch_get((f"CONS#{key}", "LATEST") for key in keys)
        return {
            pk.removeprefix("CONS#"): ConsignmentVersion.model_validate_json(i.data) for (pk, _), i in found.items()
        }

    def latest_versions(self, keys: Sequence[str]) -> dict[str, int]:
        found = self._t.batch_get(((f"CONS#{key}", "LATEST") for key in keys), attributes=["pk", "version"])
        return {pk.removeprefix("CONS#"): int(item.version or 0) for (pk, _), item in found.items()}

    def get_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], ConsignmentVersion]:
        found = self._t.batch_get((f"CONS#{key}", f"V#{version:06d}") for key, version in refs)
        versions = (ConsignmentVersion.model_validate_json(i.data) for i in found.values())
        return {(v.key, v.version): v for v in versions}

    def versions(self, key: str) -> list[ConsignmentVersion]:
        items = self._t.query(f"CONS#{key}", self._t.model.sk.startswith("V#"))
        return [ConsignmentVersion.model_validate_json(i.data) for i in items]


def _arrival_keys(version: ConsignmentVersion) -> tuple[str | None, str | None]:
    """gsi2 keys of a latest pointer: only active consignments with an ETA are listed among the arrivals."""
    eta = version.consignment.eta
    if eta is None or version.status is VersionStatus.CANCELLED:
        return None, None
    return f"ARRIVING#{arrival_day(eta).isoformat()}", f"{arrival_instant(eta)}#{version.key}"


def _journey_keys(version: ConsignmentVersion) -> tuple[str | None, str | None]:
    """gsi3 keys of a latest pointer: the journey of an active consignment, by ETA (unknown ETAs last)."""
    journey = journey_of(version.consignment)
    if journey is None or version.status is VersionStatus.CANCELLED:
        return None, None
    eta = version.consignment.eta
    return f"JOURNEY#{journey}", f"{arrival_instant(eta) if eta is not None else _NO_ETA}#{version.key}"


def _port_keys(version: ConsignmentVersion) -> tuple[str | None, str | None]:
    """gsi4 keys of a latest pointer: port of discharge and ETA month (a partition per port and month)."""
    port, eta = discharge_port(version.consignment), version.consignment.eta
    if port is None or eta is None or version.status is VersionStatus.CANCELLED:
        return None, None
    instant = arrival_instant(eta)
    return f"PORT#{port}#{instant[:7]}", f"{instant}#{version.key}"


def _months(first: str, last: str) -> list[str]:
    """``yyyy-mm`` from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# A receipt's JSON kept in its records item, at most: DynamoDB holds 400 KB an item (names and keys included). A
# larger receipt (a file of thousands of consignments) is kept as its summary; the receipt object has it all.
RECEIPT_ITEM_BYTES = 350_000


class DynamoReceipts:
    """:class:`cts.ports.records.ReceiptRepository`, listed per carrier through gsi1."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def put(self, receipt: Receipt, expires: datetime | None = None) -> bool:
        item = self._t.model(
            f"RECEIPT#{receipt.file_id}",
            "RECEIPT",
            data=receipt.within(RECEIPT_ITEM_BYTES).model_dump_json(),
            gsi1pk=f"CARRIER#{receipt.carrier_id}",
            gsi1sk=receipt.processed_at.isoformat(),
        )
        return self._t.save_expiring(item, expires)

    def get(self, file_id: str) -> Receipt | None:
        item = self._t.get(f"RECEIPT#{file_id}", "RECEIPT")
        return Receipt.model_validate_json(item.data) if item else None

    def for_carrier(self, carrier_id: str, limit: int = 50) -> list[Receipt]:
        items = self._t.query_gsi(f"CARRIER#{carrier_id}", limit=limit, newest_first=True)
        return [Receipt.model_validate_json(i.data) for i in items]


class DynamoAssessments:
    """:class:`cts.ports.records.AssessmentRepository`, kept beside the consignment's versions."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def put(self, assessment: Assessment, expires: datetime | None = None) -> None:
        # Two items: the version's current assessment (what the API and re-scoring read) and one per ruleset version
        # that judged it (what reporting reads to compare rulesets); a retry rewrites both with the same content.
        self._t.save_all_expiring(self._items(assessment), expires)

    def put_many(self, entries: Sequence[tuple[Assessment, datetime | None]]) -> None:
        """Both items of every assessment in batch writes with their expiry, then the hold markers of those
        partitions are read and the items of a held one written again without expiry. Reading after writing
        is what makes it safe: a hold placed before the read is seen here, one placed after it finds these
        items and removes their expiry itself; an expiry is years away, so it never fires in between."""
        items: list[RecordItem] = []
        for assessment, expires in entries:
            for item in self._items(assessment):
                item.expires_at = epoch_seconds(expires) if expires is not None else None
                items.append(item)
        if not items:
            return
        self._t.batch_write(items)
        expiring = {i.pk for i in items if i.expires_at is not None}
        held = {pk for pk, _ in self._t.batch_get((pk, HOLD_SK) for pk in expiring)}
        if held:
            again = [i for i in items if i.pk in held]
            for item in again:
                item.expires_at = None
            self._t.batch_write(again)

    def _items(self, assessment: Assessment) -> list[RecordItem]:
        pk, data = f"CONS#{assessment.key}", assessment.model_dump_json()
        current = self._t.model(pk, f"ASSESS#{assessment.version:06d}", version=assessment.version, data=data)
        run = self._t.model(
            pk, f"RUN#{assessment.version:06d}#{assessment.ruleset_version}", version=assessment.version, data=data
        )
        return [current, run]

    def current_many(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Assessment]:
        found = self._t.batch_get((f"CONS#{key}", f"ASSESS#{version:06d}") for key, version in refs)
        assessments = (Assessment.model_validate_json(item.data) for item in found.values())
        return {(a.key, a.version): a for a in assessments}

    def latest(self, key: str) -> Assessment | None:
        items = self._t.query(f"CONS#{key}", self._t.model.sk.startswith("ASSESS#"), limit=1, newest_first=True)
        return Assessment.model_validate_json(items[0].data) if items else None

    def runs(self, key: str) -> list[Assessment]:
        items = self._t.query(f"CONS#{key}", self._t.model.sk.startswith("RUN#"), limit=None, newest_first=False)
        return [Assessment.model_validate_json(i.data) for i in items]


class DynamoAlerts:
    """:class:`cts.ports.records.AlertRepository`; the inbox is gsi1 sorted by ETA within a status."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def add(self, alert: Alert) -> bool:
        try:
            self._t.save(self._item(alert), condition=self._t.model.pk.does_not_exist())
        except Conflict:
            return False
        return True

    def get(self, alert_id: str) -> Alert | None:
        item = self._t.get(f"ALERT#{alert_id}", "ALERT")
        return Alert.model_validate_json(item.data) if item else None

    def inbox(self, status: AlertStatus = AlertStatus.NEW, limit: int = 100) -> list[Alert]:
        items = self._t.query_gsi(f"ALERTS#{status.value}", limit=limit, newest_first=False)
        return [Alert.model_validate_json(i.data) for i in items]

    def set_status(self, alert_id: str, status: AlertStatus) -> None:
        alert = self.get(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id}")
        self._t.save(self._item(alert.model_copy(update={"status": status})))

    def _item(self, alert: Alert) -> RecordItem:
        # UTC instants, so ETAs filed with different offsets sort by the moment they arrive.
        eta = arrival_instant(alert.eta) if alert.eta else _FAR_FUTURE
        raised_pk, raised_sk = alert_raised_keys(alert)
        return self._t.model(
            f"ALERT#{alert.alert_id}",
            "ALERT",
            data=alert.model_dump_json(),
            gsi1pk=f"ALERTS#{alert.status.value}",
            gsi1sk=f"{eta}#{alert.alert_id}",
            gsi2pk=raised_pk,  # the live-update feed: alerts by the UTC day and instant they were raised
            gsi2sk=raised_sk,
        )


def raised_instant(moment: datetime) -> str:
    """A sortable UTC instant to the microsecond (two alerts in one second still sort apart)."""
    return (moment.astimezone(UTC) if moment.tzinfo is not None else moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def alert_raised_keys(alert: Alert) -> tuple[str, str]:
    instant = raised_instant(alert.raised_at)
    return f"ALERTS_RAISED#{instant[:10]}", f"{instant}#{alert.alert_id}"


class DynamoRules:
    """:class:`cts.ports.records.RuleRepository`: all rules under one gsi1 partition, read as a ruleset."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    def put_profile(self, profile: Profile) -> None:
        # Optimistic versions: the next number is read, then claimed with attribute_not_exists, so of two editors
        # who both read version n, one stores n + 1 and the other gets Conflict (and must re-read and re-apply).
        versions = self._t.model.sk.startswith("V#")
        stored = self._t.query(f"PROFILE#{profile.id}", versions, limit=1, newest_first=True, consistent=True)
        latest = int(stored[0].version or 0) if stored else 0
        if profile.version != latest + 1:
            raise Conflict(f"profile {profile.id} version {profile.version}: the latest stored version is {latest}")
        item = self._t.model(
            f"PROFILE#{profile.id}",
            f"V#{profile.version:04d}",
            version=profile.version,
            data=profile.model_dump_json(),
            gsi1pk="RULES",
            gsi1sk=f"PROFILE#{profile.id}#{profile.version:04d}",
        )
        self._t.save(item, condition=self._t.model.pk.does_not_exist())

    def profile_versions(self, profile_id: str) -> list[Profile]:
        items = self._t.query(f"PROFILE#{profile_id}", self._t.model.sk.startswith("V#"))
        return [Profile.model_validate_json(i.data) for i in items]

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None:
        """Store or replace by id (rules files, imports, demo data), keeping the entry versioned like a change through
        the API (:mod:`cts.adapters.dynamodb_rules`): a new or changed entry gets the next version number and a history
        item; an unchanged one is left as it is."""
        pk = f"WATCH#{entry.id}"
        data = entry.model_dump_json()
        current = self._t.get(pk, "ENTRY")
        if current is not None and current.data == data:
            return
        version = int(current.version or 1) + 1 if current is not None else 1
        record = WatchlistVersion(
            entry=entry,
            version=version,
            change=WatchlistChange.IMPORT,
            by=WRITTEN_OUTSIDE_THE_API,
            at=datetime.now(UTC),
            reason="written in place (rules file, import or demo data)",
        )
        self._t.save(self._t.model(pk, "ENTRY", version=version, data=data, gsi1pk="RULES", gsi1sk=f"WATCH#{entry.id}"))
        self._t.save(self._t.model(pk, f"V#{version:04d}", data=record.model_dump_json()))

    def put_allow_entry(self, entry: AllowEntry) -> None:
        item = self._t.model(
            f"ALLOW#{entry.id}", "ENTRY", data=entry.model_dump_json(), gsi1pk="RULES", gsi1sk=f"ALLOW#{entry.id}"
        )
        self._t.save(item)

    def put_random_selection(self, selection: RandomSelection) -> None:
        item = self._t.model(
            f"RANDOM#{selection.id}",
            "RATE",
            data=selection.model_dump_json(),
            gsi1pk="RULES",
            gsi1sk=f"RANDOM#{selection.id}",
        )
        self._t.save(item)

    def ruleset(self, on: date) -> Ruleset:
        profiles: dict[str, Profile] = {}
        watchlist: list[WatchlistEntry] = []
        selections: list[RandomSelection] = []
        allowed: list[AllowEntry] = []
        for item in self._t.query_gsi("RULES", limit=None, newest_first=False):
            sort_key = item.gsi1sk or ""
            if sort_key.startswith("PROFILE#"):
                profile = Profile.model_validate_json(item.data)
                if profile.status is ProfileStatus.ACTIVE:
                    profiles[profile.id] = profile  # ascending sort key: the newest active version wins
            elif sort_key.startswith("RANDOM#"):
                selections.append(RandomSelection.model_validate_json(item.data))
            elif sort_key.startswith("ALLOW#"):
                allowed.append(AllowEntry.model_validate_json(item.data))
            else:
                watchlist.append(WatchlistEntry.model_validate_json(item.data))
        active = tuple(p for p in profiles.values() if p.in_force(on))
        current = tuple(e for e in watchlist if e.in_force(on))
        allow = tuple(e for e in allowed if e.in_force(on))
        # Profiles carry a version number; entries and rates are edited in place, so their whole content names
        # the ruleset version (an edited entry must not be judged by a worker's stale compiled ruleset).
        digest = hashlib.sha256()
        for part in (
            *(f"{p.id}@{p.version}" for p in active),
            *(f"watch:{e.model_dump_json()}" for e in current),
            *(f"allow:{e.model_dump_json()}" for e in allow),
            *(f"random:{s.model_dump_json()}" for s in selections),
        ):
            digest.update(part.encode())
            digest.update(b"\n")
        return Ruleset(
            version=digest.hexdigest()[:12],
            profiles=active,
            watchlist=current,
            allow_list=allow,
            random_selection=tuple(selections),
        )


class _CaseItem(Model):
    """A case item as the case workflow writes it (top-level attributes, see ``statemachines/case.asl.json``)."""

    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute(null=True)
    alert_id = UnicodeAttribute(null=True)
    consignment_key = UnicodeAttribute(null=True)
    level = UnicodeAttribute(null=True)
    revision = NumberAttribute(null=True)
    data = UnicodeAttribute(null=True)


class DynamoCases:
    """:class:`cts.ports.records.CaseRepository`: ``CASE#<id>`` items, changed only at the revision read."""

    def __init__(self, model: type[RecordItem]) -> None:
        meta = type("Meta", (), {"table_name": model.Meta.table_name, "region": getattr(model.Meta, "region", None)})
        self._model: type[_CaseItem] = type(f"CaseItem_{model.Meta.table_name}", (_CaseItem,), {"Meta": meta})

    def get(self, case_id: str) -> CaseRecord | None:
        try:
            item = self._model.get(f"CASE#{case_id}", "CASE", consistent_read=True)
        except self._model.DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise domain_error(exc, f"get case {case_id}") from exc
        return _case(case_id, item)

    def update(self, case: CaseRecord, expected_revision: int) -> CaseRecord:
        model = self._model
        item = model(f"CASE#{case.case_id}", "CASE")
        # A case opened before revisions existed has none: it is at revision 0.
        unchanged = model.revision == expected_revision
        if expected_revision == 0:
            unchanged = model.revision.does_not_exist() | unchanged
        try:
            item.update(
                actions=[model.status.set(case.status), model.revision.set(expected_revision + 1)],
                condition=model.pk.exists() & unchanged,
            )
        except PynamoDBException as exc:
            if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise domain_error(exc, f"update case {case.case_id}") from exc
            stored = self.get(case.case_id)
            if stored is None:
                raise NotFound(f"case {case.case_id}") from exc
            raise Conflict(
                f"case {case.case_id} is at revision {stored.revision}, not {expected_revision}: re-read it"
            ) from exc
        return _case(case.case_id, item)


def _case(case_id: str, item: _CaseItem) -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        alert_id=item.alert_id or "",
        consignment_key=item.consignment_key or "",
        level=item.level or "",
        status=item.status or "",
        revision=int(item.revision or 0),
    )


# A partition key holds at most 2048 bytes: longer names keep a readable prefix and a digest of the whole.
_NAME_KEY_MAX = 400


def _name_key(name: str) -> str:
    if len(name) <= _NAME_KEY_MAX:
        return name
    return f"{name[:_NAME_KEY_MAX]}~{hashlib.sha256(name.encode()).hexdigest()[:16]}"


class DynamoPartyHistory:
    """:class:`cts.ports.records.PartyHistoryRepository`: one item per consignee and per shipper-consignee pair.

    Each item holds the first sighting (day and consignment key), written with ``attribute_not_exists`` so that
    neither a later consignment nor a retry can move it; a lookup is two consistent ``GetItem``s."""

    def __init__(self, model: type[RecordItem]) -> None:
        self._t = _Table(model)

    @staticmethod
    def _keys(parties: PartyPair) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
        if parties.consignee is None:
            return None, None
        consignee = _name_key(parties.consignee)
        party = (f"PARTY#{consignee}", "PARTY")
        # Normalised names hold only a-z, 0-9 and spaces, so "|" cannot occur inside either of them.
        pair = (f"PAIR#{_name_key(parties.shipper)}|{consignee}", "PAIR") if parties.shipper is not None else None
        return party, pair

    def _read(self, at: tuple[str, str] | None) -> Sighting | None:
        if at is None:
            return None
        item = self._t.get(*at)
        return _sighting(item.data) if item is not None else None

    def _put_first(self, at: tuple[str, str] | None, sighting: Sighting) -> Sighting | None:
        if at is None:
            return None
        data = json.dumps({"first_key": sighting.first_key, "first_seen": sighting.first_seen.isoformat()})
        try:
            self._t.save(self._t.model(*at, data=data), condition=self._t.model.pk.does_not_exist())
        except Conflict:
            stored = self._read(at)  # an earlier writer (or an earlier try of this one) was first
            if stored is None:
                raise Unavailable(f"{at[0]} was stored and is not readable") from None
            return stored
        return sighting

    def lookup(self, parties: PartyPair) -> PartySightings:
        party, pair = self._keys(parties)
        return PartySightings(consignee=self._read(party), pair=self._read(pair))

    def lookup_many(self, parties: Sequence[PartyPair]) -> list[PartySightings]:
        keys = [self._keys(p) for p in parties]
        found = self._t.batch_get(k for pair in keys for k in pair if k is not None)

        def sighting(at: tuple[str, str] | None) -> Sighting | None:
            item = found.get(at) if at is not None else None
            return _sighting(item.data) if item is not None else None

        return [PartySightings(consignee=sighting(party), pair=sighting(pair)) for party, pair in keys]

    def record_many(self, entries: Sequence[tuple[str, PartyPair, date]]) -> list[PartySightings]:
        """First sightings of a batch in transactions of up to 100 conditional puts. An item someone stored first
        (the transaction names it among the cancellation reasons) is read instead; the rest are put again."""
        keys = [self._keys(parties) for _, parties, _ in entries]
        wanted: dict[tuple[str, str], Sighting] = {}
        for (key, _, seen_on), pair in zip(entries, keys, strict=True):
            for at in pair:
                if at is not None:  # the first consignment of the batch to name it wins, as one by one
                    wanted.setdefault(at, Sighting(first_key=key, first_seen=seen_on))
        resolved: dict[tuple[str, str], Sighting] = {}
        taken: set[tuple[str, str]] = set()
        pending = list(wanted)
        for _round in range(4):
            retry: list[tuple[str, str]] = []
            for start in range(0, len(pending), 100):
                chunk = pending[start : start + 100]
                lost = self._put_firsts(chunk, wanted)
                if lost is None:
                    resolved.update((at, wanted[at]) for at in chunk)
                    continue
                taken.update(lost)
                retry += [at for at in chunk if at not in lost]
            pending = retry
            if not pending:
                break
        else:
            raise Unavailable(f"could not record {len(pending)} party sightings")
        for at, item in self._t.batch_get(taken).items():
            resolved[at] = _sighting(item.data)
        if taken - resolved.keys():
            raise Unavailable("a party sighting was stored and is not readable")

        def of(at: tuple[str, str] | None) -> Sighting | None:
            return resolved.get(at) if at is not None else None

        return [PartySightings(consignee=of(party), pair=of(pair)) for party, pair in keys]

    def _put_firsts(
        self, chunk: list[tuple[str, str]], wanted: dict[tuple[str, str], Sighting]
    ) -> set[tuple[str, str]] | None:
        """Put ``chunk`` in one transaction, each only if absent; None when all were put, else the ones that
        were already there (nothing was put)."""
        model = self._t.model
        try:
            with TransactWrite(connection=self._t.connection()) as tx:
                for at in chunk:
                    sighting = wanted[at]
                    data = json.dumps({"first_key": sighting.first_key, "first_seen": sighting.first_seen.isoformat()})
                    tx.save(model(*at, data=data), condition=model.pk.does_not_exist())
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            codes = [why.code if why is not None else None for why in reasons]
            lost = {at for at, code in zip(chunk, codes, strict=False) if code == "ConditionalCheckFailed"}
            if not lost and "TransactionConflict" not in codes:  # not a lost race: throttled, invalid, ...
                raise domain_error(exc, f"record {len(chunk)} party sightings") from exc
            return lost
        except PynamoDBException as exc:
            raise domain_error(exc, f"record {len(chunk)} party sightings") from exc
        return None

    def record(self, key: str, parties: PartyPair, seen_on: date) -> PartySightings:
        party, pair = self._keys(parties)
        sighting = Sighting(first_key=key, first_seen=seen_on)
        return PartySightings(consignee=self._put_first(party, sighting), pair=self._put_first(pair, sighting))
