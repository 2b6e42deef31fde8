"""Helpers for driving the real handlers through their queues in moto (the pollers fixture is in conftest)."""

from __future__ import annotations

import boto3

from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.local.runner import QueuePoller


def drain(pollers: dict[str, QueuePoller]) -> None:
    for _ in range(10):
        if sum(p.poll_once() for p in pollers.values()) == 0:
            return


def upload(resources: LocalResources, key: str, body: bytes) -> None:
    boto3.client("s3").put_object(Bucket=resources.env["CTS_INBOX_BUCKET"], Key=key, Body=body)
