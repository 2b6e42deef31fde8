"""Where case attachments live (:class:`AttachmentStore`): presigned URLs only, the API never carries the bytes."""

from __future__ import annotations

from typing import Protocol

from cts.domain.attachments import StoredAttachment


class AttachmentStore(Protocol):
    def upload_url(self, key: str, content_type: str, size: int, expires_s: int) -> str:
        """A presigned PUT for ``key`` that S3 accepts only with this ``Content-Type`` and ``Content-Length``."""
        ...

    def download_url(self, key: str, filename: str, expires_s: int) -> str:
        """A presigned GET that downloads ``key`` as an attachment named ``filename``."""
        ...

    def list(self, prefix: str, limit: int = 200) -> list[StoredAttachment]:
        """The uploaded attachments under ``prefix`` (oldest first)."""
        ...
