"""moto's server for the local stack, with DynamoDB transactions and queries that do not walk whole tables.

moto answers for correctness, not speed, and two of its DynamoDB paths cost time proportional to the table, which
makes the local pipeline quadratic in the number of consignments stored:

* ``TransactWriteItems`` deep-copies every table the transaction touches (its rollback plan): ~100 ms with a few
  thousand consignments, and concurrent requests can see a table while it is copied (500 errors).
  :func:`patch_transactions` replaces it with check-then-write under a lock: every condition is evaluated first
  against the current items; if any fails, nothing is written and the same ``TransactionCanceledException`` (with
  one reason per item) is raised; otherwise the writes are applied.
* ``Query`` sorts every item of the table and filters them, on the base table as on an index (~1 s with 100,000
  items). :func:`patch_queries` hands moto's own query code only the candidates: the items of the queried partition,
  from moto's per-partition dict for the base table and from a per-index map of partition values kept up to date
  on every write for a global index. moto's key conditions, filters, sorting, paging and projections still run on
  those candidates, so results are moto's. For a global index, moto also sorts the whole partition again for
  every page and walks it up to the page's start key (a day of arrivals paged 500 at a time is quadratic), then
  deep-copies whole items only to project them to the index's keys: the patch keeps each partition sorted (until a
  write touches it), hands moto only the run of items its walk would visit (from the start key to one past the
  page) and, for a keys-only or include projection, those items as the index holds them. The one difference is
  meant: the 1 MB page limit counts an index's items as projected, as DynamoDB does, not whole table items.

It also parses every condition expression again for every write (twice in a transaction); the pipeline's repeat,
and :func:`patch_condition_parsing` keeps them parsed. Its SQS layer costs time per message queued: every message
sent or received re-reads all the queue's attributes (counting every message three times), and every delete
rebuilds the message list. :func:`patch_sqs` reads the one attribute needed and deletes in one pass.
moto writes every response by walking the operation's output shape; for DynamoDB items that walk probes each of the
ten members of every attribute value under several spellings, which is ~80 % of the server's time for a batch read.
:func:`patch_item_costs` writes an attribute value moto already holds in wire form directly (anything else
still takes moto's path). It also runs a regular expression over every response body to put a request id into XML
ones; :func:`patch_item_costs` skips it for a body without a ``<RequestId>`` element, where it changes nothing.
And it checks an item's 400 KB limit as each attribute is set by summing the sizes of all the attributes set before
(quadratic in attributes); :func:`patch_item_costs` keeps a running total, raising the same error at the same point.
It projects an item (an index query's every item, a projected read's) by turning the whole item into Python and back
once per projected name: :func:`patch_item_costs` keeps the named top-level attributes (copied; nested paths still go
moto's way), which also keeps an attribute of type NULL that moto drops next to a map. It copies, sizes and converts
answers value by value through generic paths; plain text and number values take a direct one.
For every request it also lists its own package directory and inspects the handler class's methods;
:func:`patch_request_dispatch` keeps both lists, which do not change while the server runs.
:func:`quiet_http_log` drops the log line werkzeug writes for every request (werkzeug's server also closes every
connection; the handlers' clients pay a connect per request).

Local AWS only (``python -m cts.adapters.local.moto_server -H 127.0.0.1 -p PORT``)."""

from __future__ import annotations

import inspect
import json
import os
import sys
import threading
from typing import Any

_LOCK = threading.RLock()
_OPS = {"ConditionCheck", "Put", "Delete", "Update"}


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
        with _LOCK:
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


def patch_dynamodb() -> None:
    """The DynamoDB fixes; idempotent."""
    patch_transactions()
    patch_queries()
    patch_condition_parsing()


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
        with _LOCK:
            hit = parsed.get(key)
        if hit is None:
            parser = original(expr, names, values)
            hit = (parser.parse(), list(parser.expr_attr_names_found), list(parser.expr_attr_values_found))
            with _LOCK:
                if len(parsed) > 10_000:  # conditions with ever-new values (timestamps) must not grow it forever
                    parsed.clear()
                parsed[key] = hit
        return _Parsed(*hit)

    comparisons.create_condition_expression_parser = create_condition_expression_parser
    responses.create_condition_expression_parser = create_condition_expression_parser  # type: ignore[attr-defined]
    comparisons._cts_cached = True  # type: ignore[attr-defined]


class _KeptClients:
    """In place of the ``boto3`` module where moto's state machines make their clients: ``client()`` answers the
    client it made before for the same arguments."""

    def __init__(self, boto3: Any) -> None:
        self._boto3 = boto3
        self._clients: dict[str, Any] = {}

    def client(self, **kwargs: Any) -> Any:
        key = json.dumps({k: v for k, v in kwargs.items() if k != "config"}, sort_keys=True, default=str)
        with _LOCK:
            made = self._clients.get(key)
        if made is None:
            made = self._boto3.client(**kwargs)
            with _LOCK:
                made = self._clients.setdefault(key, made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self._boto3, name)


def patch_state_machine_parsing() -> None:
    """moto parses a state machine's definition again for every execution (its ANTLR parser and the components'
    construction: ~70 ms for the case workflow, once per alert). The program is kept per definition text: its
    components are configuration only (an execution's state, such as retry counts and the data between states,
    lives in the execution's environment, keyed by each component's ``heap_key``), so executions can share them.
    ``heap_key`` is made once per component under a lock (moto makes it lazily, and two executions asking at once
    could each keep a different key)."""
    import functools

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.parse import asl_parser
    from moto.stepfunctions.parser.asl.utils import boto_client, json_path
    from moto.stepfunctions.parser.utils import long_uid

    parser = asl_parser.AmazonStateLanguageParser
    if getattr(parser, "_cts_cached", False):
        return
    original = parser.parse
    programs: dict[str, tuple[Any, Any]] = {}

    def parse(definition: str) -> tuple[Any, Any]:
        with _LOCK:
            parsed = programs.get(definition)
        if parsed is None:
            parsed = original(definition)  # a definition that does not parse raises here, every time
            with _LOCK:
                if len(programs) > 100:
                    programs.clear()
                parsed = programs.setdefault(definition, parsed)
        return parsed

    keys_lock = threading.Lock()

    def heap_key(self: Any) -> str:
        key: str | None = self.__dict__.get("_cts_heap_key")
        if key is None:
            with keys_lock:
                key = self.__dict__.setdefault("_cts_heap_key", long_uid())
        return key

    parser.parse = staticmethod(parse)  # type: ignore[method-assign]
    parser._cts_cached = original  # type: ignore[attr-defined]
    EvalComponent.heap_key = property(heap_key)  # type: ignore[method-assign,assignment]
    # And each task state builds a new boto3 client (endpoint resolution, service model, ~20 ms) to call moto
    # itself: one client per service, region and endpoint is kept (botocore clients are thread-safe).
    boto_client.boto3 = _KeptClients(boto_client.boto3)  # type: ignore[attr-defined,assignment]
    # It also builds a JSONPath parser (its parse tables included) for every path it evaluates, several per state:
    # a parsed path is only read, so each text is parsed once.
    for module in (json_path, result_path):
        module.parse = functools.lru_cache(maxsize=4096)(module.parse)  # type: ignore[attr-defined]


def patch_all() -> None:
    """Every fix of this module; idempotent. Call before the server starts."""
    patch_dynamodb()
    patch_item_costs()
    patch_request_dispatch()
    patch_sqs()
    patch_state_machine_parsing()
    quiet_http_log()


def patch_request_dispatch() -> None:
    import base64
    import functools

    from moto import backends
    from moto.core import responses

    if getattr(backends, "_cts_cached", False):
        return

    def request_id(headerdict: dict[str, Any] | None = None) -> str:
        # moto draws each of the 52 characters of a request id from its seedable generator, ~7 % of a small
        # request; the same alphabet (letters and digits), drawn from the system's randomness in one call.
        made = base64.b64encode(os.urandom(39)).decode("ascii").translate(_ID_LETTERS)
        if isinstance(headerdict, dict):
            headerdict["x-amzn-requestid"] = made
        return made

    responses.gen_amzn_requestid_long = request_id  # type: ignore[attr-defined]
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    cached = functools.lru_cache(maxsize=None)(getattr(responses, "method_names_from_class"))  # noqa: B009
    setattr(responses, "method_names_from_class", cached)  # noqa: B010
    backends._cts_cached = True  # type: ignore[attr-defined]


_ID_LETTERS = str.maketrans("+/", "qZ")
_ITEM_LIMIT = 405_000  # moto's own limit (DynamoDB's 400 KB, measured by moto at between 409 and 410 KB)
_SCALARS = frozenset({"S", "N", "B", "BOOL", "NULL"})
_WIRE_MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


def patch_item_costs() -> None:
    import base64

    from moto.core.responses import BaseResponse
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import responses as dynamodb_responses
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
    # moto's own versions, for the tests that check these against them.
    BaseJSONSerializer._cts_fast_items = (  # type: ignore[attr-defined]
        (BaseJSONSerializer, "_serialize_type_structure", original),
        (BaseResponse, "_enrich_response", staticmethod(enrich)),
        (Item, "__init__", original_item_init),
        (Item, "project", original_project),
        (DynamoType, "__deepcopy__", original_value_copy),
        (Item, "__deepcopy__", original_item_copy),
        (DynamoType, "size", original_value_size),
        (Item, "size", original_item_size),
        (dynamodb_responses, "dynamo_to_dict", original_to_dict),
    )


_sending = threading.local()  # set while moto's send_message runs: it reads one attribute of the queue


def patch_sqs() -> None:
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    if getattr(Queue, "_cts_fast", False):
        return
    full_attributes = Queue.attributes.fget  # type: ignore[attr-defined]
    original_send = SQSBackend.send_message

    def attributes(self: Any) -> dict[str, Any]:
        if not getattr(_sending, "active", False):
            return full_attributes(self)  # type: ignore[no-any-return]
        # send_message only asks for ContentBasedDeduplication; the full set counts every message three times
        value = getattr(self, "content_based_deduplication", None) if self.fifo_queue else None
        if value is None:
            return {}
        return {"ContentBasedDeduplication": str(value).lower() if isinstance(value, bool) else value}

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.active = True
        try:
            return original_send(self, *args, **kwargs)
        finally:
            _sending.active = False

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()  # once, not twice per message
        return [m for m in self._messages if now > m.visible_at and now >= m.delayed_until]

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_s = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_s + message.sent_timestamp / 1000 > unix_time())

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: deleting again is not an error (as in moto)
        for position, message in enumerate(self._messages):
            if message.had_receipt_handle(receipt_handle):
                self.pending_messages.discard(message)
                self.deleted_messages.update(message.all_receipt_handles)
                del self._messages[position]
                return
        raise ReceiptHandleIsInvalid()

    # GetQueueAttributes counts every message three times, asking the clock twice for each: once is enough.
    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]
    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[method-assign,assignment]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
    Queue._cts_fast = True  # type: ignore[attr-defined]


def quiet_http_log() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)


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
        with _LOCK:
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
        with _LOCK:
            _reindex(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        with _LOCK:
            _reindex(self, hash_key, range_key)
        return item

    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:  # moto edits the stored item in place: index what it holds now, whatever happened
            table = self.get_table(table_name)
            hash_value, range_value = _key_values(table, key)
            with _LOCK:
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
    touched = list(partitions.by_key.get(key, {}).items())  # the partitions it leaves...
    partitions.remove(key)
    item = table.get_item(hash_value, range_value) if range_value is not None or not table.range_key_attr else None
    if item is not None:
        partitions.add(item)
        touched += partitions.by_key.get(key, {}).items()  # ...and those it is in now
    ordered: dict[tuple[str, Any], _Ordered] = table.__dict__.setdefault("_cts_sorted", {})
    for name, value in touched:
        ordered.pop((name, value), None)


class _Ordered:
    """A global index partition in moto's query order (ascending), with each item's sort key."""

    def __init__(self, items: list[Any], attrs: list[str]) -> None:
        items.sort(key=lambda item: tuple(item.attrs[a] for a in attrs))
        self.items = items
        self.keys = [tuple(item.attrs[a] for a in attrs) for item in items]
        self.attrs = attrs


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


def _with_raw_uri(app: Any) -> Any:
    """moto reads the request's undecoded path from ``RAW_URI`` (werkzeug's name), which waitress calls
    ``REQUEST_URI``: without it an S3 key with an encoded character (a presigned upload's ``%3A``) is decoded."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if "RAW_URI" not in environ and "REQUEST_URI" in environ:
            environ["RAW_URI"] = environ["REQUEST_URI"]
        return app(environ, start_response)

    return application


class MotoServer:
    """moto's application (every service, patched) behind waitress, on a thread: see :func:`serve`."""

    def __init__(self, host: str, port: int, threads: int = 64) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from waitress.server import create_server

        patch_all()
        os.environ.setdefault("MOTO_PORT", str(port))  # moto names itself in some answers (queue URLs)
        # Long polls (SQS receives waiting up to 20 s) each hold a thread: there are enough for every poller.
        self._server: Any = create_server(
            _with_raw_uri(DomainDispatcherApplication(create_backend_app)),
            host=host,
            port=port,
            threads=threads,
            connection_limit=1000,
            channel_timeout=300,
            ident="moto",
        )
        self._thread: threading.Thread | None = None

    def start(self) -> MotoServer:
        self._thread = threading.Thread(target=self._server.run, name="moto-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """``-H HOST -p PORT``: moto's server, patched, until the process is stopped.

    moto's own server is werkzeug's development server, which closes every connection after one answer (a TCP
    connect and a new thread per request, ~1 ms of the server's time) and then waits 10 ms to drain the socket.
    waitress keeps connections alive and answers from a pool of threads; moto's application is the same."""
    import argparse

    parser = argparse.ArgumentParser(prog="cts.adapters.local.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    MotoServer(args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
