"""Case attachments in their own S3 bucket (:class:`cts.ports.attachments.AttachmentStore`).

Presigned PUTs sign ``Content-Type`` and ``Content-Length``, so S3 refuses an upload of another type or size
than the one declared; presigned GETs set ``Content-Disposition: attachment`` so a browser downloads rather than
renders. The client honours ``AWS_ENDPOINT_URL`` (moto on 127.0.0.1 locally), so the URLs point there."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import translate
from cts.domain.attachments import StoredAttachment, parse_key


class S3AttachmentStore:
    def __init__(self, bucket: str, region: str | None = None) -> None:
        self.bucket = bucket
        self._region = region
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        """Its own client: presigned URLs must be SigV4 (which signs ``Content-Length``), whatever the region or
        endpoint; botocore would otherwise presign some with the legacy signature, which does not."""
        with self._lock:
            if self._client is None:
                config = Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 5})
                self._client = boto3.session.Session().client("s3", region_name=self._region, config=config)
            return self._client

    def upload_url(self, key: str, content_type: str, size: int, expires_s: int) -> str:
        url: str = self._s3().generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type, "ContentLength": size},
            ExpiresIn=expires_s,
        )
        return url

    def download_url(self, key: str, filename: str, expires_s: int) -> str:
        url: str = self._s3().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=expires_s,
        )
        return url

    def list(self, prefix: str, limit: int = 200) -> list[StoredAttachment]:
        try:
            got = self._s3().list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=limit)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"list attachments under {prefix}") from exc
        found: list[StoredAttachment] = []
        for obj in got.get("Contents", []):
            parsed = parse_key(str(obj["Key"]))
            if parsed is None:
                continue
            found.append(
                StoredAttachment(
                    attachment_id=parsed[0],
                    filename=parsed[1],
                    size=int(obj.get("Size", 0)),
                    uploaded_at=obj.get("LastModified"),
                    key=str(obj["Key"]),
                )
            )
        return sorted(found, key=lambda a: (a.uploaded_at is None, a.uploaded_at, a.key))
