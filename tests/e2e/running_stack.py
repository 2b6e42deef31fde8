"""A handle on a running local stack, driven only from outside: HTTP, the local AWS endpoint, stack.json."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

QUEUE_VARS = ("CTS_INGEST_QUEUE_URL", "CTS_SCORE_QUEUE_URL", "CTS_NOTIFY_QUEUE_URL")


@dataclass
class RunningStack:
    facts: dict[str, Any]
    data_dir: Path

    @property
    def api_url(self) -> str:
        return str(self.facts["api_url"])

    @property
    def aws_endpoint(self) -> str:
        return str(self.facts["aws_endpoint"])

    @property
    def env(self) -> dict[str, str]:
        return dict(self.facts["environment"])

    def user(self, role: str) -> dict[str, str]:
        return next(u for u in self.facts["users"] if u["role"] == role)

    def client(self, service: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.facts["region"]
        ).client(service, endpoint_url=self.aws_endpoint)

    def upload(self, key: str, body: bytes) -> None:
        self.client("s3").put_object(Bucket=self.facts["inbox_bucket"], Key=key, Body=body)

    def wait_until_idle(self, timeout_s: float = 60) -> None:
        """Until every function's queue is empty, in flight included, twice in a row (stages hand over)."""
        sqs = self.client("sqs")
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        deadline, quiet = time.monotonic() + timeout_s, 0
        while time.monotonic() < deadline:
            busy = sum(
                int(v)
                for var in QUEUE_VARS
                for v in sqs.get_queue_attributes(QueueUrl=self.env[var], AttributeNames=names)["Attributes"].values()
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.3)
        raise TimeoutError("the local pipeline did not drain in time")
