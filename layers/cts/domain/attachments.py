"""Case attachments (photos, scans, documents from an examination): what may be uploaded and where it goes.

The file itself never passes through the API: the API hands out a short-lived presigned PUT bound to the
declared content type and size, under ``cases/<case id>/<attachment id>/<filename>`` in the attachments bucket,
and lists what is there with presigned GETs (docs/cases.md#attachments)."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cts.domain.errors import ValidationFailed

MAX_SIZE = 20 * 1024 * 1024
UPLOAD_EXPIRES_S = 300
DOWNLOAD_EXPIRES_S = 300
PREFIX = "cases/"

ALLOWED_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/heic",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,149}$")
_ATTACHMENT_ID = re.compile(r"^[0-9a-f]{32}$")


def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace(" ", "_")
    if not _FILENAME.match(base) or ".." in base:
        raise ValidationFailed("filename may use letters, digits, space, '.', '_' and '-' only (at most 150)")
    return base


class AttachmentRequest(BaseModel):
    """What the client declares before uploading: the upload URL is bound to exactly this type and size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: str = Field(min_length=1, max_length=150)
    content_type: str = Field(min_length=3, max_length=120)
    size: int = Field(gt=0, le=MAX_SIZE, description=f"bytes, at most {MAX_SIZE}")

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        try:
            return safe_filename(value)
        except ValidationFailed as exc:
            raise ValueError(str(exc)) from None

    @field_validator("content_type")
    @classmethod
    def _allowed(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ALLOWED_CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {', '.join(sorted(ALLOWED_CONTENT_TYPES))}")
        return value


def case_prefix(case_id: str) -> str:
    """The case's folder; the id is percent-encoded (case ids contain ``#``)."""
    return f"{PREFIX}{quote(case_id, safe='')}/"


def object_key(case_id: str, attachment_id: str, filename: str) -> str:
    if not _ATTACHMENT_ID.match(attachment_id):
        raise ValidationFailed("attachment id must be 32 hex digits")
    return f"{case_prefix(case_id)}{attachment_id}/{safe_filename(filename)}"


class StoredAttachment(BaseModel):
    """An uploaded attachment as the store lists it."""

    model_config = ConfigDict(frozen=True)

    attachment_id: str
    filename: str
    size: int
    content_type: str | None = None
    uploaded_at: datetime | None = None
    key: str


def parse_key(key: str) -> tuple[str, str] | None:
    """``(attachment id, filename)`` of an object key under a case folder, or None if it is not one."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] + "/" != PREFIX or not _ATTACHMENT_ID.match(parts[2]) or not parts[3]:
        return None
    return parts[2], parts[3]
