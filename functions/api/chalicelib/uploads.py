"""Upload slots: a presigned PUT URL under ``inbox/<carrier_id>/`` (the S3 event starts ingestion)."""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.config.resources import INBOX_PREFIX
from cts.domain.errors import Forbidden, ValidationFailed
from cts.domain.permissions import Action
from cts.domain.roles import Role
from cts.ports.identity import Principal

routes = Routes()

UPLOAD_URL_EXPIRES_S = 900
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    carrier_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace(" ", "_")
    if not _FILENAME.match(base) or ".." in base:
        raise ValidationFailed("filename may use letters, digits, '.', '_' and '-' only (at most 200 characters)")
    return base


def _carrier_for(user: Principal, asked: str | None) -> str:
    """A carrier user uploads only as itself; an administrator names the carrier it uploads for."""
    if Role.CARRIER in user.roles:
        if user.carrier_id is None:
            raise Forbidden("your account is not linked to a carrier")
        if asked is not None and asked != user.carrier_id:
            raise Forbidden("a carrier can only upload its own files")
        return user.carrier_id
    if asked is None:
        raise ValidationFailed("carrier_id is required when uploading for a carrier")
    return asked


class UploadSlot(BaseModel):
    key: str
    url: str = Field(description="presigned: PUT the file there within expires_in seconds")
    method: Literal["PUT"] = "PUT"
    expires_in: int


@routes.api("/uploads", methods=("POST",), action=Action.UPLOAD_MANIFEST, body=UploadRequest, response=UploadSlot)
def create_upload(call: Call) -> UploadSlot:
    body = call.body(UploadRequest)
    carrier_id = _carrier_for(call.user, body.carrier_id)
    key = f"{INBOX_PREFIX}{carrier_id}/{uuid.uuid4().hex}-{_safe_filename(body.filename)}"
    url = call.container.inbox.presigned_put_url(key, expires_s=UPLOAD_URL_EXPIRES_S)
    return UploadSlot(key=key, url=url, expires_in=UPLOAD_URL_EXPIRES_S)
