"""Case attachments through presigned URLs: ``POST`` declares a file (name, allowed type, size up to 20 MB) and
gets a short-lived PUT bound to that type and size; ``GET`` lists the case's files with short-lived GETs.
The bytes never pass through the API. Case ids contain ``#``: send them percent-encoded."""

from __future__ import annotations

from typing import Any

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


@routes.api("/cases/{case_id}/attachments", methods=("POST",), action=Action.WORK_CASES, body=AttachmentRequest)
def create_attachment(call: Call, case_id: str) -> dict[str, Any]:
    """An upload slot: PUT the file to ``upload_url`` with the ``headers`` given, within ``expires_in`` seconds."""
    body = call.body(AttachmentRequest)
    user = call.user
    return _service(call).upload_slot(case_id, user.username, user.roles, body)


@routes.api("/cases/{case_id}/attachments", action=Action.VIEW_CASES)
def list_attachments(call: Call, case_id: str) -> dict[str, Any]:
    """The case's uploaded files, oldest first, each with a presigned ``download_url``."""
    return {"case_id": case_id, "attachments": _service(call).listing(case_id)}
