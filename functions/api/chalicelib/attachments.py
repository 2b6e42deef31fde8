"""Case attachments through presigned URLs: ``POST`` declares a file (name, allowed type, size up to 20 MB) and
gets a short-lived PUT bound to that type and size; ``GET`` lists the case's files with short-lived GETs.
The bytes never pass through the API. Case ids contain ``#``: send them percent-encoded."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.http import Call, Routes
from cts.domain.attachments import AttachmentRequest
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.services.attachments import AttachmentService
from cts.services.audit import AuditTrail

routes = Routes()


def _service(call: Call) -> AttachmentService:
    c = call.container
    if c.attachments is None or c.cases is None:
        raise Unavailable("case attachments are not configured")
    audit = AuditTrail(c.audit_log) if c.audit_log is not None else None
    return AttachmentService(c.attachments, c.cases, audit)


class AttachmentSlot(BaseModel):
    attachment_id: str
    filename: str
    upload_url: str = Field(description="presigned: PUT the file there with exactly these headers")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_in: int


class Attachment(BaseModel):
    attachment_id: str
    filename: str
    size: int
    uploaded_at: datetime | None
    download_url: str = Field(description="presigned GET")
    expires_in: int


class AttachmentList(BaseModel):
    case_id: str
    attachments: list[Attachment] = Field(description="oldest first")


@routes.api(
    "/cases/{case_id}/attachments",
    methods=("POST",),
    action=Action.WORK_CASES,
    body=AttachmentRequest,
    response=AttachmentSlot,
)
def create_attachment(call: Call, case_id: str) -> AttachmentSlot:
    """An upload slot: PUT the file to ``upload_url`` with the ``headers`` given, within ``expires_in`` seconds."""
    body = call.body(AttachmentRequest)
    user = call.user
    return AttachmentSlot.model_validate(_service(call).upload_slot(case_id, user.username, user.roles, body))


@routes.api("/cases/{case_id}/attachments", action=Action.VIEW_CASES, response=AttachmentList)
def list_attachments(call: Call, case_id: str) -> AttachmentList:
    """The case's uploaded files, oldest first, each with a presigned ``download_url``."""
    listed = [Attachment.model_validate(a) for a in _service(call).listing(case_id)]
    return AttachmentList(case_id=case_id, attachments=listed)
