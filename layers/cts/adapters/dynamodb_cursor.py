"""Opaque page cursors for DynamoDB queries: the last key of a page, URL-safe base64 JSON, checked on the way back.

A cursor only ever names keys of the partition queried (checked), so a forged one cannot read elsewhere; a
malformed one is :class:`cts.domain.errors.ValidationFailed` (400)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from typing import Any

from cts.domain.errors import ValidationFailed

MAX_CURSOR = 2048


def encode(last_key: Mapping[str, Any] | None) -> str | None:
    """A DynamoDB ``LastEvaluatedKey`` (string attributes) as a cursor; ``None`` stays ``None``."""
    if not last_key:
        return None
    flat = {name: value["S"] for name, value in sorted(last_key.items())}
    return base64.urlsafe_b64encode(json.dumps(flat, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, names: Collection[str], pinned: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``ExclusiveStartKey`` of ``cursor``: exactly the attributes ``names``, with ``pinned`` values fixed
    (the queried partition)."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        flat = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("the cursor is not one this API gave") from None
    if (
        not isinstance(flat, dict)
        or set(flat) != set(names)
        or not all(isinstance(v, str) for v in flat.values())
        or any(flat.get(k) != v for k, v in pinned.items())
    ):
        raise ValidationFailed("the cursor is not one this API gave")
    return {name: {"S": value} for name, value in flat.items()}
