from __future__ import annotations

from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from cts.adapters.aws import client, translate
from cts.domain.errors import NotFound
from cts.domain.retention import RETENTION_TAG


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

    def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream", retention: str | None = None
    ) -> None:
        extra = {"Tagging": urlencode({RETENTION_TAG: retention})} if retention else {}
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **extra)
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

    def _tags(self, key: str) -> dict[str, str]:
        try:
            tag_set = self._s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"s3://{self.bucket}/{key} tags") from exc
        return {str(t["Key"]): str(t["Value"]) for t in tag_set}

    def retention(self, key: str) -> str | None:
        return self._tags(key).get(RETENTION_TAG)

    def set_retention(self, key: str, mark: str) -> None:
        # Object tags are replaced as a whole: keep the others. A tag write is not conditional; the race this
        # leaves (two writers tagging the same object at once) is described in docs/data-model.md.
        tags = {**self._tags(key), RETENTION_TAG: mark}
        tag_set = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        try:
            self._s3.put_object_tagging(Bucket=self.bucket, Key=key, Tagging={"TagSet": tag_set})
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"s3://{self.bucket}/{key} tags") from exc
