from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import Unavailable


class SqsWorkQueue:
    """An SQS queue as a :class:`cts.ports.messaging.WorkQueue`."""

    def __init__(self, queue_url: str, region: str | None = None) -> None:
        self.queue_url = queue_url
        self._region = region

    def send(self, body: Mapping[str, Any]) -> None:
        self.send_many([body])

    def send_many(self, bodies: Sequence[Mapping[str, Any]]) -> None:
        sqs = client("sqs", self._region)
        for start in range(0, len(bodies), 10):  # SQS batches hold at most 10 messages
            chunk = bodies[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": json.dumps(b, default=str)} for i, b in enumerate(chunk)]
            try:
                response = sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"sqs {self.queue_url}") from exc
            if response.get("Failed"):
                raise Unavailable(f"sqs {self.queue_url}: {len(response['Failed'])} messages not sent")
