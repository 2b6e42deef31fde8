from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import NotFound


class S3ObjectStore:
    """One bucket as an :class:`cts.ports.storage.ObjectStore`."""

    def __init__(self, bucket: str, region: str | None = None) -> None:
        self.bucket = bucket
        self._region = region

    @property
    def _s3(self):  # type: ignore[no-untyped-def]
        return client("s3", self._region)

    def get(self, key: str) -> bytes:
        try:
            body: bytes = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"s3://{self.bucket}/{key}") from exc
        return body

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"s3://{self.bucket}/{key}") from exc

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            if isinstance(translate(exc, key), NotFound):
                return False
            raise translate(exc, f"s3://{self.bucket}/{key}") from exc
        return True

    def presigned_put_url(self, key: str, expires_s: int = 900) -> str:
        url: str = self._s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url

    def presigned_get_url(self, key: str, expires_s: int = 900) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url
