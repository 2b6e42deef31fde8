"""moto's DynamoDB queries without walking whole tables (local AWS only; see :mod:`cts.adapters.local.moto_server`).

``Query`` sorts every item of the table and filters them, on the base table as on an index (~1 s with 100,000
items). :func:`patch_queries` hands moto's own query code only the candidates: the items of the queried partition,
from moto's per-partition dict for the base table and from a per-index map of partition values kept up to date on
every write for a global index. moto's key conditions, filters, sorting, paging and projections still run on those
candidates, so results are moto's. For a global index, moto also sorts the whole partition again for every page and
walks it up to the page's start key (a day of arrivals paged 500 at a time is quadratic), then deep-copies whole
items only to project them to the index's keys: the patch keeps each partition sorted (until a write touches it),
hands moto only the run of items its walk would visit (from the start key to one past the page) and, for a
keys-only or include projection, those items as the index holds them. The one difference is meant: the 1 MB page
limit counts an index's items as projected, as DynamoDB does, not whole table items."""

from __future__ import annotations

import inspect
import threading
from typing import Any

# Held while the index maps change and while a transaction checks and writes: a query never sees half of either.
TABLE_LOCK = threading.RLock()

_candidates = threading.local()  # the items moto's query walks instead of the whole table, per request thread


def patch_queries() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_cts_fast_queries", False):
        return
    original_query = Table.query
    signature = inspect.signature(original_query)
    original_all_items = Table.all_items
    original_put = Table.put_item
    original_delete = Table.delete_item
    original_update = DynamoDBBackend.update_item

    def all_items(self: Any) -> Any:
        override = getattr(_candidates, "items", None)
        if override is not None and override[0] is self:
            return list(override[1])
        return original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, hash_key, *args, **kwargs).arguments
        wanted = {
            "hash_key_conditions": bound.get("hash_key_conditions"),
            "range_key_conditions": bound.get("range_key_conditions"),
            "range_comparison": bound.get("range_comparison"),
            "range_objs": bound.get("range_objs"),
            "limit": bound.get("limit"),
            "start": bound.get("exclusive_start_key"),
            "forward": bound.get("scan_index_forward"),
            "filter_kwargs": bound.get("filter_kwargs"),
        }
        with TABLE_LOCK:
            candidates = _query_candidates(self, hash_key, bound.get("index_name"), wanted)
        if candidates is None:
            return original_query(self, hash_key, *args, **kwargs)
        _candidates.items = (self, candidates)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _candidates.items = None

    def put_item(self: Any, item_attrs: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, item_attrs, *args, **kwargs)
        with TABLE_LOCK:
            _reindex(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        with TABLE_LOCK:
            _reindex(self, hash_key, range_key)
        return item

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:  # moto edits the stored item in place: index what it holds now, whatever happened
            table = self.get_table(table_name)
            hash_value, range_value = _key_values(table, key)
            with TABLE_LOCK:
                _reindex(table, hash_value, range_value)

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    Table._cts_fast_queries = (  # type: ignore[attr-defined]
        (Table, "query", original_query),
        (Table, "all_items", original_all_items),
    )


def _key_values(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _global_index_keys(table: Any) -> tuple[tuple[str, str], ...]:
    """(index name, partition key attribute) of each global index with a single-attribute partition key."""
    pairs = []
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            pairs.append((index.name, hashes[0]))
    return tuple(pairs)


class _PartitionMap:
    """For each global index: partition value -> keys of the items in that partition (and the reverse)."""

    def __init__(self, table: Any) -> None:
        self.signature = _global_index_keys(table)
        self.by_value: dict[str, dict[Any, set[tuple[Any, Any]]]] = {name: {} for name, _ in self.signature}
        self.by_key: dict[tuple[Any, Any], dict[str, Any]] = {}
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else [partition]:
                self.add(item)

    def add(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        values = {}
        for name, attribute in self.signature:
            value = item.attrs.get(attribute)
            if value is not None:
                self.by_value[name].setdefault(value, set()).add(key)
                values[name] = value
        if values:
            self.by_key[key] = values

    def remove(self, key: tuple[Any, Any]) -> None:
        for name, value in self.by_key.pop(key, {}).items():
            keys = self.by_value[name].get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_value[name][value]


def _partition_map(table: Any) -> _PartitionMap:
    current: _PartitionMap | None = table.__dict__.get("_cts_partitions")
    if current is None or current.signature != _global_index_keys(table):  # first use, or an index added/removed
        current = _PartitionMap(table)
        table.__dict__["_cts_partitions"] = current
    return current


def _reindex(table: Any, hash_value: Any, range_value: Any) -> None:
    if table.__dict__.get("_cts_partitions") is None:
        return  # built from the whole table on the first query
    partitions = _partition_map(table)
    key = (hash_value, range_value)
    before = dict(partitions.by_key.get(key, {}))  # the partitions it leaves...
    partitions.remove(key)
    item = table.get_item(hash_value, range_value) if range_value is not None or not table.range_key_attr else None
    after: dict[str, Any] = {}
    if item is not None:
        partitions.add(item)
        after = dict(partitions.by_key.get(key, {}))  # ...and those it is in now
    ordered: dict[tuple[str, Any], _Ordered] = table.__dict__.setdefault("_cts_sorted", {})
    for name, value in {*before.items(), *after.items()}:
        found = ordered.get((name, value))
        # A write that leaves an item where it sorts (a legal hold's expiry removal, a rewrite with the same index
        # keys) keeps the partition's order: re-sorting a day of arrivals after each would cost more than the page.
        unmoved = item is not None and name in before and name in after and before[name] == value == after[name]
        if found is not None and not (unmoved and found.replace(item)):
            del ordered[(name, value)]


class _Ordered:
    """A global index partition in moto's query order (ascending), with each item's sort key."""

    def __init__(self, items: list[Any], attrs: list[str]) -> None:
        items.sort(key=lambda item: tuple(item.attrs[a] for a in attrs))
        self.items = items
        self.keys = [tuple(item.attrs[a] for a in attrs) for item in items]
        self.attrs = attrs

    def replace(self, item: Any) -> bool:
        """Put ``item`` in place of the entry with its table keys, when it sorts where that entry is (the sort key
        ends with the table's keys, so it names one entry); False when it does not, or is not in the order."""
        import bisect

        if any(a not in item.attrs for a in self.attrs):
            return False
        sort_key = tuple(item.attrs[a] for a in self.attrs)
        at = bisect.bisect_left(self.keys, sort_key)
        if at == len(self.keys) or self.keys[at] != sort_key:
            return False
        held = self.items[at]
        if (held.hash_key, held.range_key) != (item.hash_key, item.range_key):
            return False
        self.items[at] = item
        self.keys[at] = sort_key
        return True


def _ordered_partition(table: Any, index: Any, value: Any, keys: set[tuple[Any, Any]]) -> _Ordered | None:
    """The partition's items sorted as moto's query sorts them, kept until a write touches the partition."""
    cache: dict[tuple[str, Any], _Ordered] = table.__dict__.setdefault("_cts_sorted", {})
    found = cache.get((index.name, value))
    if found is not None:
        return found
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(ranges) > 1:
        return None
    if ranges:
        range_attrs = [ranges[0], table.range_key_attr]
    else:  # moto sorts a range-less global index by the table's range key (or hash key)
        range_attrs = [table.range_key_attr or table.hash_key_attr, table.range_key_attr]
    attrs = table._generate_attr_to_sort_by([*hashes, table.hash_key_attr], range_attrs)
    items = [item for item in _stored(table, keys) if all(item.attrs.get(a) for a in ranges)]
    if any(a not in item.attrs for item in items for a in attrs):
        return None  # moto would fail to sort them: let it
    found = _Ordered(items, attrs)
    cache[(index.name, value)] = found
    return found


def _page_slice(
    ordered: _Ordered, forward: bool, start: dict[str, Any] | None, limit: int | None, condition: Any
) -> list[Any] | None:
    """The run of ``ordered`` that moto's walk of the whole partition visits: from the first item after the start
    key up to the first one past ``limit`` results (moto's cue for a LastEvaluatedKey). ``condition``: (attribute,
    comparison, values) of a range key condition, which decides what counts as a result."""
    import bisect

    from moto.dynamodb.models.dynamo_type import DynamoType

    items = ordered.items
    if start is not None:
        if any(a not in start for a in ordered.attrs):
            return None
        # moto skips what sorts at or before the start key (in the query's direction)
        bound = tuple(DynamoType(start[a]) for a in ordered.attrs)
        run = (
            items[bisect.bisect_right(ordered.keys, bound) :]
            if forward
            else items[: bisect.bisect_left(ordered.keys, bound)][::-1]
        )
    else:
        run = items if forward else items[::-1]
    if limit is None:
        return list(run)
    counted = 0
    for position, item in enumerate(run):
        if counted == limit:
            return list(run[: position + 1])
        if condition is None:
            counted += 1
        else:
            attribute, comparison, values = condition
            value = item.attrs.get(attribute)
            if value and value.compare(comparison, values):
                counted += 1
    return list(run)


def _projected(index: Any, items: list[Any]) -> list[Any]:
    """The items as the index holds them: the keys (and included attributes) only, as DynamoDB sizes an index's
    items for a query's 1 MB page, and as moto would otherwise deep-copy whole items to project them."""
    from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

    projection = (index.projection or {}).get("ProjectionType")
    if projection not in ("KEYS_ONLY", "INCLUDE"):
        return items
    kept = [*index.table_key_attrs, *(k["AttributeName"] for k in index.schema)]
    if projection == "INCLUDE":
        kept += index.projection.get("NonKeyAttributes", [])
    trimmed = []
    for item in items:
        entry: Any = Item.__new__(Item)  # the stored values, shared: moto deep-copies what it returns
        entry.hash_key, entry.range_key = item.hash_key, item.range_key
        entry.attrs = LimitedSizeDict()
        for name in kept:
            if name in item.attrs:
                dict.__setitem__(entry.attrs, name, item.attrs[name])
        trimmed.append(entry)
    return trimmed


def _query_candidates(table: Any, hash_key: Any, index_name: str | None, query: dict[str, Any]) -> list[Any] | None:
    """The items that can match, or None to let moto walk the table (a case this does not cover)."""
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    if any(index.name == index_name for index in table.indexes or []):  # a local index shares the partition key
        return _query_candidates(table, hash_key, None, {})
    partitions = _partition_map(table)
    attribute = dict(partitions.signature).get(index_name)
    hash_conditions = query.get("hash_key_conditions")
    if attribute is None or not hash_conditions or len(hash_conditions) != 1 or hash_conditions[0][0] != attribute:
        return None
    value = hash_conditions[0][1]
    keys = partitions.by_value[index_name].get(value, set())
    index = table.get_index(index_name)
    ordered = _ordered_partition(table, index, value, keys)
    ranges = query.get("range_key_conditions") or []
    if ordered is None or query.get("filter_kwargs") or len(ranges) > 1:
        return _stored(table, keys)
    condition = None
    if query.get("range_comparison"):
        has_range = any(k["KeyType"] == "RANGE" for k in index.schema)
        attribute = ranges[-1][0] if ranges else (ordered.attrs[1] if has_range else None)
        if attribute is None:  # moto refuses a range condition on an index without a range key: let it
            return _stored(table, keys)
        condition = (attribute, query["range_comparison"], query["range_objs"])
    run = _page_slice(ordered, query["forward"] is not False, query.get("start"), query["limit"], condition)
    return _stored(table, keys) if run is None else _projected(index, run)


def _stored(table: Any, keys: set[tuple[Any, Any]]) -> list[Any]:
    """The items stored under ``keys`` (for moto to sort and walk itself)."""
    return [item for key in keys if (item := table.get_item(*key)) is not None]
