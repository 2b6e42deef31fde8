"""moto's SQS, Step Functions and request dispatch, patched for the local stack (local AWS only; see
:mod:`cts.adapters.local.moto_server`).

Its SQS layer costs time per message queued: every message sent or received re-reads all the queue's attributes
(counting every message three times), and every delete rebuilds the message list. :func:`patch_sqs` reads the one
attribute needed and deletes in one pass. :func:`patch_state_machine_parsing` keeps a state machine's program per
definition (moto parsed it for every execution). For every request moto also lists its own package directory and
inspects the handler class's methods; :func:`patch_request_dispatch` keeps both lists, which do not change while the
server runs. :func:`quiet_http_log` drops the log line werkzeug writes for every request."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

_LOCK = threading.RLock()
_ID_LETTERS = str.maketrans("+/", "qZ")


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
