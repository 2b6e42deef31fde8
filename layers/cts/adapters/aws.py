"""Lazily created boto3 clients, one per service per process (Lambda container)."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cts.domain.errors import Conflict, CtsError, NotFound, Unavailable, ValidationFailed

_lock = threading.Lock()
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@cache
def _client_cached(service: str, region: str | None) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_RETRIES)  # type: ignore[call-overload]


def client(service: str, region: str | None = None) -> Any:
    """The process-wide client for ``service``; honours AWS_ENDPOINT_URL (moto locally)."""
    with _lock:
        return _client_cached(service, region)


_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "ResourceNotFoundException", "404", "StateMachineDoesNotExist"}
_CONFLICT = {"ConditionalCheckFailedException", "TransactionCanceledException", "ExecutionAlreadyExists"}
_INVALID = {"ValidationException", "InvalidParameterValue", "MessageRejected", "InvalidParameterException"}


def translate(exc: Exception, what: str) -> CtsError:
    """Map an AWS SDK error onto the domain's error types."""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        message = f"{what}: {code}: {exc.response.get('Error', {}).get('Message', '')}"
        if code in _NOT_FOUND:
            return NotFound(message)
        if code in _CONFLICT:
            return Conflict(message)
        if code in _INVALID:
            return ValidationFailed(message)
        return Unavailable(message)
    if isinstance(exc, BotoCoreError):
        return Unavailable(f"{what}: {exc}")
    return Unavailable(f"{what}: {exc!r}")


def reset_clients() -> None:
    """Forget cached clients (the local stack and tests switch endpoints within one process)."""
    with _lock:
        _client_cached.cache_clear()
