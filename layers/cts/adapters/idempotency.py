"""Powertools idempotency on the idempotency table, so at-least-once delivery does work at most once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from cts.adapters.aws import client


class Idempotent:
    """``fn(request=...)`` run at most once per key; a repeated request returns the first result."""

    def __init__(
        self, fn: Callable[..., dict[str, Any]], *, table_name: str, key_path: str, region: str | None, ttl_s: int
    ) -> None:
        store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb", region))
        self.config = IdempotencyConfig(
            event_key_jmespath=key_path, expires_after_seconds=ttl_s, raise_on_no_idempotency_key=True
        )
        self._fn = idempotent_function(data_keyword_argument="request", persistence_store=store, config=self.config)(fn)

    def register(self, context: Any) -> None:
        """Lets in-progress records expire with the invocation if the function times out."""
        self.config.register_lambda_context(context)

    def __call__(self, *, request: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._fn(request=request)
        return result


def make_idempotent(
    fn: Callable[..., dict[str, Any]], *, table_name: str, key_path: str, region: str | None, ttl_s: int = 86_400
) -> Idempotent:
    return Idempotent(fn, table_name=table_name, key_path=key_path, region=region, ttl_s=ttl_s)
