from __future__ import annotations

from typing import Protocol


class ObjectStore(Protocol):
    """One bucket's worth of objects (S3 in AWS and under moto)."""

    def get(self, key: str) -> bytes: ...

    def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", retention: str | None = None
    ) -> None:
        """Store an object; ``retention`` is its retention tag (``cts.domain.retention``: standard or hold)."""
        ...

    def exists(self, key: str) -> bool: ...

    def presigned_put_url(self, key: str, expires_s: int = 900) -> str: ...

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str: ...

    def retention(self, key: str) -> str | None:
        """The object's retention tag (None when untagged); raises NotFound for a missing object."""
        ...

    def set_retention(self, key: str, mark: str) -> None:
        """Set the object's retention tag, keeping its other tags; raises NotFound for a missing object."""
        ...
