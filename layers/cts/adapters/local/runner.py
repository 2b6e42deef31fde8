"""Feed SQS messages to the real handlers the way Lambda's event source mapping does.

Each poller long-polls its function's trigger queue, hands a batch to ``lambda_handler``
in the SQS event shape, deletes what succeeded and leaves the reported failures to become
visible again (and reach the dead-letter queue after ``maxReceiveCount``), as in AWS.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3

from cts.adapters.local.paths import repo_root
from cts.config.resources import Function

log = logging.getLogger("cts.adapters.local.runner")


@dataclass
class LambdaContext:
    """The subset of the Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def load_handler(function: Function) -> Callable[[dict[str, Any], Any], Any]:
    """Import ``functions/<name>/handler.py`` under a unique module name (each function has a ``handler``)."""
    module_name, _, attr = function.handler.rpartition(".")
    code_dir = repo_root() / function.code_dir
    path = code_dir / f"{module_name}.py"
    if str(code_dir) not in sys.path:  # as in Lambda, the function's code folder is importable (chalicelib)
        sys.path.insert(0, str(code_dir))
    spec = importlib.util.spec_from_file_location(f"cts_fn_{function.logical_id}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as a normal import would: pydantic resolves annotations through it
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], Any] = getattr(module, attr)
    return handler


class QueuePoller(threading.Thread):
    def __init__(
        self,
        function: Function,
        queue_url: str,
        queue_arn: str,
        endpoint_url: str,
        region: str,
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"poller-{function.logical_id}", daemon=True)
        self.function, self.queue_url, self.queue_arn = function, queue_url, queue_arn
        self.region, self.stop = region, stop
        self.sqs = boto3.session.Session().client("sqs", region_name=region, endpoint_url=endpoint_url)
        self.handler = load_handler(function)
        self.invocations = 0
        self.failures = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once(wait_s=1)
            except Exception:  # a poller must survive anything a handler or the emulator throws
                log.error("poller %s: %s", self.function.logical_id, traceback.format_exc())
                self.stop.wait(1)

    def poll_once(self, wait_s: int = 0) -> int:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.function.batch_size, 10),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[Any] = list(response.get("Messages", []))
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        context = LambdaContext(
            function_name=self.function.logical_id,
            memory_limit_in_mb=self.function.memory_mb,
            invoked_function_arn=f"arn:aws:lambda:{self.region}:123456789012:function:{self.function.logical_id}",
            aws_request_id=str(uuid.uuid4()),
        )
        self.invocations += 1
        try:
            result = self.handler(event, context) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:
            log.error("%s failed the whole batch: %s", self.function.logical_id, traceback.format_exc())
            failed = {m["MessageId"] for m in messages}
        self.failures += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            entries: Any = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return len(messages)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        body = message["Body"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }
