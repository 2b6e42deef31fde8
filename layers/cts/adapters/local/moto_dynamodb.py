"""moto's DynamoDB, patched for the local stack's volumes (local AWS only; see :mod:`cts.adapters.local.moto_server`).

* ``TransactWriteItems`` deep-copies every table the transaction touches (its rollback plan): ~100 ms with a few
  thousand consignments, and concurrent requests can see a table while it is copied (500 errors).
  :func:`patch_transactions` replaces it with check-then-write under a lock: every condition is evaluated first
  against the current items; if any fails, nothing is written and the same ``TransactionCanceledException`` (with
  one reason per item) is raised; otherwise the writes are applied.
* Queries: :mod:`cts.adapters.local.moto_queries`.
* moto parses every condition expression again for every write (twice in a transaction); the pipeline's repeat,
  and :func:`patch_condition_parsing` keeps them parsed.
* moto writes every response by walking the operation's output shape; for DynamoDB items that walk probes each of
  the ten members of every attribute value under several spellings, which is ~80 % of the server's time for a batch
  read. :func:`patch_item_costs` writes an attribute value moto already holds in wire form directly (anything else
  still takes moto's path). It also runs a regular expression over every response body to put a request id into XML
  ones; :func:`patch_item_costs` skips it for a body without a ``<RequestId>`` element, where it changes nothing.
  And it checks an item's 400 KB limit as each attribute is set by summing the sizes of all the attributes set
  before (quadratic in attributes); :func:`patch_item_costs` keeps a running total, raising the same error at the
  same point. It projects an item (an index query's every item, a projected read's) by turning the whole item into
  Python and back once per projected name: :func:`patch_item_reads` keeps the named top-level attributes (copied;
  nested paths still go moto's way), which also keeps an attribute of type NULL that moto drops next to a map. It
  copies, sizes and converts answers value by value through generic paths; plain text and number values take a
  direct one."""

from __future__ import annotations

import json
from typing import Any

from cts.adapters.local.moto_queries import TABLE_LOCK, patch_queries

_OPS = {"ConditionCheck", "Put", "Delete", "Update"}


def patch_dynamodb() -> None:
    """The DynamoDB fixes of this module and :mod:`cts.adapters.local.moto_queries`; idempotent."""
    patch_transactions()
    patch_queries()
    patch_condition_parsing()


def patch_transactions() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        with TABLE_LOCK:
            targets: set[tuple[str, str]] = set()
            errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
            plan: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
            for item in transact_items:
                if len(item) > 1:
                    raise TransactWriteSingleOpException
                op_type, op = next(iter(item.items()))
                if op_type not in _OPS:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)
                current = self.get_item(table_name, key)
                condition = op.get("ConditionExpression")
                if condition is not None:
                    check = get_filter_expression(
                        condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    )
                    if not check.expr(current):
                        old = None
                        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                            old = current.to_json()["Attributes"]
                        errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
                        continue
                errors.append((None, None, None))
                plan.append((op_type, op, key))
            if any(code is not None for code, _, _ in errors):
                raise TransactionCanceledException(errors)
            for op_type, op, key in plan:  # every condition held: write (conditions were checked above)
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(op["TableName"], op["Item"])
                elif op_type == "Delete":
                    self.delete_item(op["TableName"], key)
                elif op_type == "Update":
                    self.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _Parsed:
    """A condition expression parsed once: what moto's parser object offers its callers (the lists are copies:
    callers extend them)."""

    def __init__(self, parsed: Any, names_found: list[str], values_found: list[str]) -> None:
        self._parsed = parsed
        self.expr_attr_names_found = list(names_found)
        self.expr_attr_values_found = list(values_found)

    def parse(self) -> Any:
        return self._parsed


def patch_condition_parsing() -> None:
    """moto parses every condition expression of every write (twice for a transaction: once to validate, once to
    evaluate), ~0.3 ms each; the pipeline's conditions repeat (``attribute_not_exists(pk)``, ``version < :v``), so
    the parsed expression is kept, keyed by its text, names and values (the parsed tree is only read)."""
    from moto.dynamodb import comparisons, responses

    if getattr(comparisons, "_cts_cached", False):
        return
    original = comparisons.create_condition_expression_parser
    parsed: dict[str, tuple[Any, list[str], list[str]]] = {}

    def create_condition_expression_parser(expr: Any, names: Any, values: Any) -> Any:
        if not expr:  # an unconditional write: nothing to parse, and its values can be a whole item
            return original(expr, names, values)
        key = json.dumps([expr, names, values], sort_keys=True)
        with TABLE_LOCK:
            hit = parsed.get(key)
        if hit is None:
            parser = original(expr, names, values)
            hit = (parser.parse(), list(parser.expr_attr_names_found), list(parser.expr_attr_values_found))
            with TABLE_LOCK:
                if len(parsed) > 10_000:  # conditions with ever-new values (timestamps) must not grow it forever
                    parsed.clear()
                parsed[key] = hit
        return _Parsed(*hit)

    comparisons.create_condition_expression_parser = create_condition_expression_parser
    responses.create_condition_expression_parser = create_condition_expression_parser  # type: ignore[attr-defined]
    comparisons._cts_cached = True  # type: ignore[attr-defined]


_ITEM_LIMIT = 405_000  # moto's own limit (DynamoDB's 400 KB, measured by moto at between 409 and 410 KB)
_SCALARS = frozenset({"S", "N", "B", "BOOL", "NULL"})
_WIRE_MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


def patch_item_costs() -> None:
    import base64

    from moto.core.responses import BaseResponse
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    if getattr(BaseJSONSerializer, "_cts_fast_items", False):
        return
    original = BaseJSONSerializer._serialize_type_structure

    def blob(value: str | bytes) -> str:
        # As moto's blob member does: the stored bytes (or text, UTF-8 encoded), base64 encoded.
        raw = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(raw).decode("ascii")

    def wire(value: Any) -> dict[str, Any] | None:
        """The attribute value as moto's walk would write it, or None when it is not a plain wire-form dict."""
        if type(value) is not dict or len(value) != 1:
            return None
        ((member, inner),) = value.items()
        if member not in _WIRE_MEMBERS or inner is None:
            return None
        if member in ("S", "N") and type(inner) is str:
            return {member: inner}
        if member in ("SS", "NS") and type(inner) is list and all(type(v) is str for v in inner):
            return {member: list(inner)}
        if member in ("BOOL", "NULL") and type(inner) is bool:
            return {member: inner}
        if member == "B" and type(inner) in (str, bytes):
            return {member: blob(inner)}
        if member == "BS" and type(inner) is list and all(type(v) in (str, bytes) for v in inner):
            return {member: [blob(v) for v in inner]}
        if member == "M" and type(inner) is dict:
            mapped: dict[str, Any] = {}
            for name, nested in inner.items():
                if (converted := wire(nested)) is None:
                    return None
                mapped[name] = converted
            return {member: mapped}
        if member == "L" and type(inner) is list:
            listed: list[Any] = []
            for nested in inner:
                if (converted := wire(nested)) is None:
                    return None
                listed.append(converted)
            return {member: listed}
        return None

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and (converted := wire(value)) is not None:
            serialized[self.get_serialized_name(shape, key)] = converted
            return
        original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]

    enrich = BaseResponse._enrich_response

    def enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if isinstance(body, str) and "<RequestId>" not in body:
            return enrich(headers, "")[0], body  # the headers' part, without scanning a body it cannot change
        return enrich(headers, body)

    BaseResponse._enrich_response = staticmethod(enrich_response)  # type: ignore[method-assign]

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        self.attrs = LimitedSizeDict()
        total = 0
        for name, value in attrs.items():
            typed = DynamoType(value)
            total += bytesize(name) + typed.size()
            if total > _ITEM_LIMIT:
                raise ItemSizeTooLarge
            dict.__setitem__(self.attrs, name, typed)

    original_item_init = Item.__init__
    Item.__init__ = item_init  # type: ignore[method-assign]
    patch_item_reads()
    # moto's own versions, for the tests that check these against them.
    BaseJSONSerializer._cts_fast_items = (  # type: ignore[attr-defined]
        (BaseJSONSerializer, "_serialize_type_structure", original),
        (BaseResponse, "_enrich_response", staticmethod(enrich)),
        (Item, "__init__", original_item_init),
        *Item._cts_fast_reads,  # type: ignore[attr-defined]
    )


def patch_item_reads() -> None:
    """Projections, copies, sizes and answers of items by direct paths (see the module's docstring)."""
    from moto.dynamodb import responses as dynamodb_responses
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    if getattr(Item, "_cts_fast_reads", False):
        return
    original_project = Item.project

    def project(self: Any, paths: list[list[str]]) -> Any:
        # moto projects an item by turning the whole of it into plain Python once per projected name (and back):
        # most of an index query's time. A projection of top-level names keeps those attributes, copied.
        if not all(len(path) == 1 and "[" not in path[0] for path in paths):
            return original_project(self, paths)  # nested paths and list elements: moto's way
        projected: Any = Item.__new__(Item)
        projected.hash_key, projected.range_key = self.hash_key, self.range_key
        projected.attrs = LimitedSizeDict()
        for (name,) in paths:
            if name in self.attrs and name not in projected.attrs:
                dict.__setitem__(projected.attrs, name, value_copy(self.attrs[name], {}))
        return projected

    Item.project = project  # type: ignore[method-assign,assignment]
    original_value_copy = DynamoType.__deepcopy__

    def value_copy(self: Any, memo: dict[int, Any]) -> Any:
        # moto copies every item it answers with; a scalar's value is immutable and needs no memo.
        if self.type in _SCALARS:
            copied = DynamoType.__new__(DynamoType)
            copied.type, copied.value = self.type, self.value
            return copied
        return original_value_copy(self, memo)

    def item_copy(self: Any, memo: dict[int, Any]) -> Any:
        copied: Any = Item.__new__(Item)
        copied.hash_key = value_copy(self.hash_key, memo)
        copied.range_key = None if self.range_key is None else value_copy(self.range_key, memo)
        copied.attrs = LimitedSizeDict()
        for name, value in self.attrs.items():
            dict.__setitem__(copied.attrs, name, value_copy(value, memo))
        return copied

    original_item_copy = Item.__deepcopy__
    original_value_size = DynamoType.size
    original_item_size = Item.size

    def value_size(self: Any) -> int:
        # A query sizes each item it walks, twice; most values are plain text or numbers.
        value = self.value
        if type(value) is str and self.type in ("S", "N"):
            return len(value) if value.isascii() else len(value.encode("utf-8"))
        return int(original_value_size(self))

    def item_size(self: Any) -> int:
        return sum((len(n) if n.isascii() else len(n.encode("utf-8"))) + value_size(v) for n, v in self.attrs.items())

    DynamoType.size = value_size  # type: ignore[method-assign]
    Item.size = item_size  # type: ignore[method-assign]
    DynamoType.__deepcopy__ = value_copy  # type: ignore[method-assign]
    Item.__deepcopy__ = item_copy  # type: ignore[method-assign]
    original_to_dict = getattr(dynamodb_responses, "dynamo_to_dict")  # noqa: B009

    def to_dict(value: Any) -> Any:
        # What moto's walk makes of an answer, by exact type first (it asks every value for a ``to_json``).
        kind = type(value)
        if kind is dict or kind is LimitedSizeDict:
            return {name: to_dict(nested) for name, nested in value.items()}
        if kind is list:
            return [to_dict(nested) for nested in value]
        if kind is DynamoType and value.type in ("S", "N") and type(value.value) is str:
            return {value.type: value.value}
        if kind in (str, int, bool) or value is None:
            return value
        return original_to_dict(value)

    setattr(dynamodb_responses, "dynamo_to_dict", to_dict)  # noqa: B010
    Item._cts_fast_reads = (  # type: ignore[attr-defined]
        (Item, "project", original_project),
        (DynamoType, "__deepcopy__", original_value_copy),
        (Item, "__deepcopy__", original_item_copy),
        (DynamoType, "size", original_value_size),
        (Item, "size", original_item_size),
        (dynamodb_responses, "dynamo_to_dict", original_to_dict),
    )
