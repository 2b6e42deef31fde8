"""One manifest (an uploaded carrier file): its receipt and a page of the consignment versions it stored.

The repository's page cursor is handed to clients opaque (URL-safe base64) and checked when it comes back: it
must name this file's partition and a key of plain attribute values, else it is a 400, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cts.domain.errors import ValidationFailed
from cts.ports.records import ConsignmentRepository

MAX_CURSOR = 2048


def page(
    consignments: ConsignmentRepository, file_id: str, cursor: str | None, limit: int
) -> tuple[list[tuple[str, int]], str | None]:
    refs, following = consignments.consignments_in_file(file_id, cursor=_decode(cursor, file_id), limit=limit)
    return refs, _encode(following)


def _encode(cursor: str | None) -> str | None:
    return base64.urlsafe_b64encode(cursor.encode()).decode().rstrip("=") if cursor else None


def _decode(cursor: str | None, file_id: str) -> str | None:
    if cursor is None:
        return None
    refused = ValidationFailed("the cursor is not one this API gave for this manifest")
    try:
        if len(cursor) > MAX_CURSOR:
            raise refused
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        state: Any = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise refused from None
    if not isinstance(state, dict) or state.get("p") != f"FILE#{file_id}" or not _plain_key(state.get("k")):
        raise refused
    return raw


def _plain_key(key: Any) -> bool:
    """None, or a DynamoDB key of string/number attributes (``{"pk": {"S": "..."}, ...}``)."""
    if key is None:
        return True
    return (
        isinstance(key, dict)
        and 0 < len(key) <= 4
        and all(
            isinstance(v, dict)
            and len(v) == 1
            and next(iter(v)) in {"S", "N"}
            and isinstance(next(iter(v.values())), str)
            for v in key.values()
        )
    )
