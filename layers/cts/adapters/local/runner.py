"""Feed SQS messages to the real handlers the way Lambda's event source mapping does, and run the schedules.

Each poller long-polls its function's trigger queue, hands a batch to ``lambda_handler``
in the SQS event shape, deletes what succeeded and leaves the reported failures to become
visible again (and reach the dead-letter queue after ``maxReceiveCount``), as in AWS.

The :class:`ScheduleRunner` invokes the handlers of the catalogue's schedules (``SYSTEM.schedules``) on the
country's cadence with the exact event the EventBridge rule sends (``{"action": "escalate"}`` ...).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from cts.adapters.local.paths import repo_root
from cts.config.country import CountryConfig
from cts.config.resources import SYSTEM, Cadence, Function, Schedule

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


Handler = Callable[[dict[str, Any], Any], Any]


def next_run(schedule: Schedule, country: CountryConfig, after: datetime, every: timedelta | None = None) -> datetime:
    """When ``schedule`` fires next after ``after`` (aware, any zone): one interval later for a rate (``every``
    replaces the country's, for tests), else the next of the country's digest times in its own time zone."""
    settings = country.notifications
    if schedule.cadence is Cadence.EVERY:
        return after + (every or timedelta(minutes=settings.escalation_every_minutes))
    zone = ZoneInfo(country.timezone)
    local = after.astimezone(zone)
    for day in range(2):
        on = local.date() + timedelta(days=day)
        for at in settings.local_times():
            candidate = datetime.combine(on, at, tzinfo=zone)
            if candidate > local:
                return candidate.astimezone(UTC)
    raise AssertionError("a digest time recurs every day")  # pragma: no cover


class ScheduleRunner(threading.Thread):
    """Invoke the scheduled functions' handlers as EventBridge would: the catalogue's event, on the cadence."""

    def __init__(
        self,
        country: CountryConfig,
        stop: threading.Event,
        handlers: Mapping[str, Handler] | None = None,
        schedules: Sequence[Schedule] = SYSTEM.schedules,
        every: timedelta | None = None,
        region: str = "us-east-1",
    ) -> None:
        super().__init__(name="schedules", daemon=True)
        self.country, self.stop, self.schedules, self.every, self.region = country, stop, schedules, every, region
        functions = {s.function for s in schedules}
        self.handlers = {f: (handlers or {}).get(f) or load_handler(SYSTEM.function(f)) for f in sorted(functions)}
        self.fired: list[tuple[str, dict[str, Any]]] = []  # (schedule, event) of every invocation
        self.failures = 0

    def run(self) -> None:
        now = datetime.now(UTC)
        due = {s.logical_id: next_run(s, self.country, now, self.every) for s in self.schedules}
        by_id = {s.logical_id: s for s in self.schedules}
        while not self.stop.is_set() and due:
            logical_id = min(due, key=lambda k: due[k])
            wait_s = (due[logical_id] - datetime.now(UTC)).total_seconds()
            if wait_s > 0 and self.stop.wait(min(wait_s, 60)):
                return
            if datetime.now(UTC) < due[logical_id]:
                continue  # woke up early (the wait is capped): look again
            schedule = by_id[logical_id]
            self.fire(schedule)
            due[logical_id] = next_run(schedule, self.country, datetime.now(UTC), self.every)

    def fire(self, schedule: Schedule) -> Any:
        """One invocation with the rule's event; a failure is logged (EventBridge would retry) and the cadence goes
        on."""
        event = dict(schedule.event)
        context = LambdaContext(
            function_name=schedule.function,
            invoked_function_arn=f"arn:aws:lambda:{self.region}:123456789012:function:{schedule.function}",
            aws_request_id=str(uuid.uuid4()),
        )
        self.fired.append((schedule.logical_id, event))
        try:
            return self.handlers[schedule.function](event, context)
        except Exception:
            self.failures += 1
            log.error("schedule %s: %s", schedule.logical_id, traceback.format_exc())
            return None
