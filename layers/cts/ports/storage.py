from __future__ import annotations

from typing import Protocol


class ObjectStore(Protocol):
    """One bucket's worth of objects (S3 in AWS and under moto)."""

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None: ...

    def exists(self, key: str) -> bool: ...

    def presigned_put_url(self, key: str, expires_s: int = 900) -> str: ...

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str: ...
